/**
 * cumsum and cumprod: running sums and products along one dim, on the device's scan kernels, with
 * PyTorch 1.13's dtypes (int32 and bool give int32, webtorch's stand-in for int64) and gradients.
 */
import type { ScanOp } from '../devices/device.js';
import { type DType, resolveDtype } from '../dtype.js';
import { record } from '../graph/record.js';
import { normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { div, eq, logicalAnd, logicalNot, mul, where } from './elementwise.js';
import { int32Overflow, int32OverflowError, sum } from './reduce.js';
import { kind, param, signature } from './signature.js';
import { castTo } from './unrecorded.js';

export interface ScanOptions {
  /** The dim to run along, when not given positionally. */
  dim?: number;
  /** Converts the input to this dtype first, as PyTorch's `dtype` argument does. */
  dtype?: DType;
}

const params = {
  input: param.tensor(),
  dim: param.int(),
  dtype: kind<string | undefined>("a dtype such as 'float32'", (v) => (typeof v === 'string' ? v : undefined))(undefined),
};
const CUMSUM = signature('cumsum', params);
const CUMPROD = signature('cumprod', params);

/** The scan kernel's result on x (float32 or int32) as a new tensor; records nothing. */
function scanned(op: ScanOp, x: Tensor, dim: number, reverse: boolean): Tensor {
  const out = Tensor.empty(x.shape, x.dtype, x.deviceObject);
  if (out.numel() === 0) return out;
  const kernelOp = op === 'cumsum' ? 'sum' : 'prod';
  const overflow = x.deviceObject.kernels.scan(op, out, x, dim, reverse, int32Overflow(op, kernelOp));
  if (overflow !== null) {
    out.dispose();
    throw int32OverflowError(op, kernelOp, overflow);
  }
  return out;
}

/**
 * The recorded float32 scan along `dim` of a forward op's result `out` from `input`: cumsum's
 * gradient is a cumsum the other way, itself recorded, and cumprod's is written in recorded ops,
 * so a createGraph backward can differentiate both again.
 */
function recordScan(op: ScanOp, out: Tensor, input: Tensor, dim: number, reverse: boolean): Tensor {
  if (op === 'cumsum') return record('CumsumBackward0', out, [input], () => (g) => [recordedScan('cumsum', g, dim, !reverse)]);
  return record('CumprodBackward0', out, [input], (save) => {
    const savedX = save(input);
    const result = save(out);
    return (g) => [cumprodBackward(g, savedX, result, dim)];
  });
}

/** A float32 scan that records its node (used inside backward formulas). */
function recordedScan(op: ScanOp, x: Tensor, dim: number, reverse: boolean): Tensor {
  return recordScan(op, scanned(op, x, dim, reverse), x, dim, reverse);
}

function scan(op: ScanOp, { input, dim, dtype }: { input: Tensor; dim: number; dtype: string | undefined }): Tensor {
  const d = normalizeDim(op, dim, input.dim());
  const target = dtype === undefined ? (input.dtype === 'float32' ? 'float32' : 'int32') : resolveDtype(op, dtype);
  if (target === 'bool') throw new TypeError(`${op}: dtype must be float32 or int32 ('int64' means int32), got bool`);
  const x = castTo(input, target);
  let out: Tensor;
  try {
    out = scanned(op, x, d, false);
  } finally {
    if (x !== input) x.dispose();
  }
  if (target !== 'float32') return out;
  return recordScan(op, out, input, d, false);
}

/**
 * PyTorch's cumprod_backward, written without branching on the data. Before the first zero of a
 * line, d out_j / d x_k = out_j / x_k, so the gradient is the reversed cumsum of g * out (up to
 * that zero) divided by x. At the first zero z1 it is prod(x before z1) times sum over j in
 * [z1, z2) of g_j * prod(x in (z1, j]), z2 being the second zero (or the end). After z1 every
 * output has a zero factor besides x_k itself, so the gradient is 0.
 */
function cumprodBackward(g: Tensor, x: Tensor, out: Tensor, dim: number): Tensor {
  const isZero = eq(x, 0);
  const zerosSoFar = scanned('cumsum', castTo(isZero, 'int32'), dim, false);
  const beforeZero = eq(zerosSoFar, 0);
  const firstRun = eq(zerosSoFar, 1);
  const beforeFirst = div(recordedScan('cumsum', where(beforeZero, mul(g, out), 0), dim, true), x);
  const prefix = recordedScan('cumprod', where(beforeZero, x, 1), dim, false);
  const afterZero = recordedScan('cumprod', where(logicalAnd(firstRun, logicalNot(isZero)), x, 1), dim, false);
  const run = sum(mul(where(firstRun, g, 0), afterZero), dim, true);
  return where(beforeZero, beforeFirst, where(logicalAnd(isZero, firstRun), mul(prefix, run), 0));
}

/**
 * `cumsum(input, dim, { dtype })`: out[i] = input[0] + ... + input[i] along `dim`. int32 and bool
 * give int32 (PyTorch's int64) and refuse a sum outside int32's range; `dtype` converts first.
 *
 * ```ts
 * torch.cumsum(torch.tensor([[1, 2, 3], [4, 5, 6]]), 1);   // [[1, 3, 6], [4, 9, 15]]
 * ```
 */
export function cumsum(input: Tensor, dim: number | ScanOptions, options?: ScanOptions): Tensor {
  return scan('cumsum', CUMSUM(arguments));
}

/**
 * `cumprod(input, dim, { dtype })`: out[i] = input[0] * ... * input[i] along `dim`, with gradients
 * that stay finite where the input holds zeros. int32 and bool give int32, as in cumsum.
 *
 * ```ts
 * torch.tensor([1, 2, 3, 4]).cumprod(0);   // [1, 2, 6, 24]
 * ```
 */
export function cumprod(input: Tensor, dim: number | ScanOptions, options?: ScanOptions): Tensor {
  return scan('cumprod', CUMPROD(arguments));
}

Object.assign(Tensor.prototype, {
  cumsum(this: Tensor, dim: number | ScanOptions, options?: ScanOptions) {
    return cumsum(this, dim, options);
  },
  cumprod(this: Tensor, dim: number | ScanOptions, options?: ScanOptions) {
    return cumprod(this, dim, options);
  },
});

declare module '../tensor.js' {
  interface Tensor {
    /** `torch.cumsum(this, dim, options)`; also `x.cumsum({ dim: 1 })`. */
    cumsum(dim: number | ScanOptions, options?: ScanOptions): Tensor;
    /** `torch.cumprod(this, dim, options)`; also `x.cumprod({ dim: 1 })`. */
    cumprod(dim: number | ScanOptions, options?: ScanOptions): Tensor;
  }
}
