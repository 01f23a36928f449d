/**
 * Tests of values that give bool tensors (isnan, isinf, isfinite, isclose, any, all) or one
 * boolean (equal, allclose). A boolean needs the values read, which is asynchronous on WebGPU, so
 * equal and allclose return a Promise<boolean>, as `item()` does, and equalSync and allcloseSync
 * return the boolean on the CPU, as `itemSync()` does.
 */
import { formatShape, normalizeDim, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { fullLike } from './creation.js';
import { add, eq, gt, le, logicalAnd, logicalOr, mul, ne, sub } from './elementwise.js';
import { sum } from './reduce.js';
import { kind, param, signature } from './signature.js';
import { abs } from './unary.js';
import { castTo } from './unrecorded.js';
import { checkTensor } from './util.js';

/** `isnan(input)`: where input is NaN (never, for ints and bools). Also `x.isnan()`. */
export function isnan(input: Tensor): Tensor {
  checkTensor('isnan', 'input', input);
  return input.dtype === 'float32' ? ne(input, input) : fullLike(input, false, { dtype: 'bool' });
}

/** `isinf(input)`: where input is +Infinity or -Infinity (never, for ints and bools). Also `x.isinf()`. */
export function isinf(input: Tensor): Tensor {
  checkTensor('isinf', 'input', input);
  return input.dtype === 'float32' ? eq(abs(input), Infinity) : fullLike(input, false, { dtype: 'bool' });
}

/** `isfinite(input)`: where input is neither NaN nor infinite (always, for ints and bools). Also `x.isfinite()`. */
export function isfinite(input: Tensor): Tensor {
  checkTensor('isfinite', 'input', input);
  // x - x is 0 for every finite x and NaN for NaN and both infinities.
  return input.dtype === 'float32' ? eq(sub(input, input), 0) : fullLike(input, true, { dtype: 'bool' });
}

const CLOSE_PARAMS = {
  input: param.tensor(),
  other: param.tensor(),
  rtol: param.number(1e-5),
  atol: param.number(1e-8),
  equalNan: param.boolean(false),
};
const ISCLOSE = signature('isclose', CLOSE_PARAMS);
const ALLCLOSE = signature('allclose', CLOSE_PARAMS);
const ALLCLOSE_SYNC = signature('allcloseSync', CLOSE_PARAMS);

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  equalNan?: boolean;
}

type CloseArgs = { input: Tensor; other: Tensor; rtol: number; atol: number; equalNan: boolean };

/** PyTorch 1.13's isclose, step for step: equal, or both NaN when asked, or |a - b| finite and <= atol + |rtol * b|. */
function closeness(op: string, { input, other, rtol, atol, equalNan }: CloseArgs): Tensor {
  if (input.dtype !== other.dtype)
    throw new TypeError(
      `${op}: input and other must have the same dtype, got ${input.dtype} (shape ${formatShape(input.shape)}) and ${other.dtype} (shape ${formatShape(other.shape)})`,
    );
  if (!(rtol >= 0)) throw new RangeError(`${op}: rtol must be greater than or equal to zero, got ${rtol}`);
  if (!(atol >= 0)) throw new RangeError(`${op}: atol must be greater than or equal to zero, got ${atol}`);
  let close = eq(input, other);
  if (equalNan && input.dtype === 'float32') close = logicalOr(close, logicalAnd(isnan(input), isnan(other)));
  if (rtol === 0 && atol === 0) return close;
  const a = input.dtype === 'bool' ? castTo(input, 'float32') : input;
  const b = other.dtype === 'bool' ? castTo(other, 'float32') : other;
  const allowed = add(abs(mul(b, rtol)), atol);
  const actual = abs(sub(a, b));
  return logicalOr(close, logicalAnd(isfinite(actual), le(actual, allowed)));
}

/**
 * `isclose(input, other, rtol = 1e-5, atol = 1e-8, equalNan = false)`: where
 * |input - other| <= atol + rtol * |other|, broadcasting. Also `x.isclose(...)`.
 */
export function isclose(
  input: Tensor,
  other: Tensor,
  rtol?: number | CloseOptions,
  atol?: number | CloseOptions,
  equalNan?: boolean | CloseOptions,
): Tensor {
  return closeness('isclose', ISCLOSE(arguments));
}

/** `allclose(...)`: whether isclose holds everywhere; a Promise, as the values are read. Also `x.allclose(...)`. */
export function allclose(
  input: Tensor,
  other: Tensor,
  rtol?: number | CloseOptions,
  atol?: number | CloseOptions,
  equalNan?: boolean | CloseOptions,
): Promise<boolean> {
  const result = all(closeness('allclose', ALLCLOSE(arguments)));
  return result
    .item()
    .then((value) => value as boolean)
    .finally(() => result.dispose());
}

/** allclose, read synchronously: CPU tensors only. */
export function allcloseSync(
  input: Tensor,
  other: Tensor,
  rtol?: number | CloseOptions,
  atol?: number | CloseOptions,
  equalNan?: boolean | CloseOptions,
): boolean {
  return readNow(all(closeness('allcloseSync', ALLCLOSE_SYNC(arguments))));
}

function readNow(flag: Tensor): boolean {
  try {
    return flag.itemSync() as boolean;
  } finally {
    flag.dispose();
  }
}

/** Whether input and other have one shape and equal elements (NaN equals nothing), or null when shapes differ. */
function equality(op: string, input: Tensor, other: Tensor): Tensor | null {
  checkTensor(op, 'input', input);
  checkTensor(op, 'other', other);
  return shapesEqual(input.shape, other.shape) ? all(eq(input, other)) : null;
}

/** `equal(input, other)`: same shape and equal elements; a Promise, as the values are read. Also `x.equal(other)`. */
export async function equal(input: Tensor, other: Tensor): Promise<boolean> {
  const result = equality('equal', input, other);
  if (result === null) return false;
  try {
    return (await result.item()) as boolean;
  } finally {
    result.dispose();
  }
}

/** equal, read synchronously: CPU tensors only. */
export function equalSync(input: Tensor, other: Tensor): boolean {
  const result = equality('equalSync', input, other);
  return result === null ? false : readNow(result);
}

const nullableDim = kind<number | null>('an integer or null', (v) =>
  v === null || Number.isInteger(v) ? (v as number | null) : undefined,
);
const ANY = signature('any', { input: param.tensor(), dim: nullableDim(null), keepdim: param.boolean(false) });
const ALL = signature('all', { input: param.tensor(), dim: nullableDim(null), keepdim: param.boolean(false) });

export interface AnyAllOptions {
  dim?: number | null;
  keepdim?: boolean;
}

/** How many elements along `dim` (all, when null) are `truthy` (nonzero, NaN included) or not. */
function countOf(op: string, input: Tensor, truthy: boolean, dim: number | null, keepdim: boolean): Tensor {
  const hits = castTo(truthy ? ne(input, 0) : eq(input, 0), 'int32');
  if (dim === null) return sum(hits, null, { keepdim });
  return sum(hits, normalizeDim(op, dim, input.dim()), { keepdim });
}

/** `any(input, dim = null, keepdim = false)`: whether any element (along dim) is nonzero, as bool. Also `x.any(...)`. */
export function any(input: Tensor, dim?: number | null | AnyAllOptions, keepdim?: boolean | AnyAllOptions): Tensor {
  const args = ANY(arguments);
  return gt(countOf('any', args.input, true, args.dim, args.keepdim), 0);
}

/** `all(input, dim = null, keepdim = false)`: whether every element (along dim) is nonzero, as bool. Also `x.all(...)`. */
export function all(input: Tensor, dim?: number | null | AnyAllOptions, keepdim?: boolean | AnyAllOptions): Tensor {
  const args = ALL(arguments);
  return eq(countOf('all', args.input, false, args.dim, args.keepdim), 0);
}

type CloseTail = [rtol?: number | CloseOptions, atol?: number | CloseOptions, equalNan?: boolean | CloseOptions];

Object.assign(Tensor.prototype, {
  isnan(this: Tensor) {
    return isnan(this);
  },
  isinf(this: Tensor) {
    return isinf(this);
  },
  isfinite(this: Tensor) {
    return isfinite(this);
  },
  isclose(this: Tensor, other: Tensor, ...rest: CloseTail) {
    return isclose(this, other, ...rest);
  },
  allclose(this: Tensor, other: Tensor, ...rest: CloseTail) {
    return allclose(this, other, ...rest);
  },
  allcloseSync(this: Tensor, other: Tensor, ...rest: CloseTail) {
    return allcloseSync(this, other, ...rest);
  },
  equal(this: Tensor, other: Tensor) {
    return equal(this, other);
  },
  equalSync(this: Tensor, other: Tensor) {
    return equalSync(this, other);
  },
  any(this: Tensor, dim?: number | null | AnyAllOptions, keepdim?: boolean | AnyAllOptions) {
    return any(this, dim, keepdim);
  },
  all(this: Tensor, dim?: number | null | AnyAllOptions, keepdim?: boolean | AnyAllOptions) {
    return all(this, dim, keepdim);
  },
});

declare module '../tensor.js' {
  interface Tensor {
    /** `torch.isnan(this)`. */
    isnan(): Tensor;
    /** `torch.isinf(this)`. */
    isinf(): Tensor;
    /** `torch.isfinite(this)`. */
    isfinite(): Tensor;
    /** `torch.isclose(this, other, ...)`. */
    isclose(other: Tensor, ...rest: CloseTail): Tensor;
    /** `torch.allclose(this, other, ...)`. */
    allclose(other: Tensor, ...rest: CloseTail): Promise<boolean>;
    /** `torch.allcloseSync(this, other, ...)`: CPU only. */
    allcloseSync(other: Tensor, ...rest: CloseTail): boolean;
    /** `torch.equal(this, other)`. */
    equal(other: Tensor): Promise<boolean>;
    /** `torch.equalSync(this, other)`: CPU only. */
    equalSync(other: Tensor): boolean;
    /** `torch.any(this, ...)`. */
    any(dim?: number | null | AnyAllOptions, keepdim?: boolean | AnyAllOptions): Tensor;
    /** `torch.all(this, ...)`. */
    all(dim?: number | null | AnyAllOptions, keepdim?: boolean | AnyAllOptions): Tensor;
  }
}
