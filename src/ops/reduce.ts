// Reductions: sum, prod, mean, max, min and their backward, with PyTorch's int32 rules.
import type { ReduceOp } from '../devices/device.js';
import { type DType, resolveDtype } from '../dtype.js';
import { record, recordComposite } from '../graph/record.js';
import { formatShape, normalizeDim, numel, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { add, div, eq, logicalAnd, logicalOr, maximum, minimum, mul, ne, sub, where } from './elementwise.js';
import { param, signature } from './signature.js';
import { exp, log } from './unary.js';
import { castTo } from './unrecorded.js';
import { expand, reshape, unsqueezeDims } from './views.js';

export type Dims = number | readonly number[];

export interface ReduceOptions {
  dim?: Dims | null;
  keepdim?: boolean;
}

/** The options of a reduction, or PyTorch's positional keepdim: `x.sum(1, true)` is `x.sum(1, keepdim=True)`. */
export type ReduceArg = ReduceOptions | boolean;

/** sum, prod and mean also take PyTorch's `dtype`: the input is converted to it before reducing. */
export interface SumOptions extends ReduceOptions {
  dtype?: DType | 'int64';
}

/** The options of sum, prod and mean, or the positional keepdim. */
export type SumArg = SumOptions | boolean;

/** max and min along one dim: `x.max({ dim: 1 })` as `x.max(1)`. */
export interface DimOptions {
  dim: number;
  keepdim?: boolean;
}

/** Reductions over one dim or (null) all, as `argmax(input, dim = null, keepdim = false)`. */
const overDim = (op: string) => signature(op, { input: param.tensor(), dim: param.dim(null), keepdim: param.boolean(false) });
/** PyTorch's `sum(input, dim = null, keepdim = false, *, dtype = null)`, over one dim, several or all. */
const SUM = signature('sum', { input: param.tensor(), dim: param.dims(null), keepdim: param.boolean(false), dtype: param.dtype(null) });
const PROD = signature('prod', { input: param.tensor(), dim: param.dim(null), keepdim: param.boolean(false), dtype: param.dtype(null) });
const MEAN = signature('mean', { input: param.tensor(), dim: param.dims(null), keepdim: param.boolean(false), dtype: param.dtype(null) });
const MAX = overDim('max');
const MIN = overDim('min');
const ARGMAX = overDim('argmax');
const ARGMIN = overDim('argmin');
const LOGSUMEXP = signature('logsumexp', { input: param.tensor(), dim: param.dims(), keepdim: param.boolean(false) });
/** PyTorch 1.13's `var(input, dim, unbiased, keepdim)`, with its keyword-only correction. */
const spread = (op: string) =>
  signature(op, {
    input: param.tensor(),
    dim: param.dims(null),
    unbiased: param.boolean(true),
    keepdim: param.boolean(false),
    correction: param.optionalNumber(null),
  });
const VAR = spread('var');
const STD = spread('std');

/** Normalised, sorted, distinct dims; undefined or [] means every dim (PyTorch's sum(dim=[]) quirk aside). */
function reductionDims(op: string, input: Tensor, dim: Dims | undefined | null): number[] {
  const ndim = input.shape.length;
  if (dim === undefined || dim === null) return Array.from({ length: ndim }, (_, d) => d);
  const list = typeof dim === 'number' ? [dim] : [...dim];
  if (list.length === 0) return Array.from({ length: ndim }, (_, d) => d);
  const normalized = list.map((d) => normalizeDim(op, d, ndim));
  const unique = [...new Set(normalized)].sort((a, b) => a - b);
  if (unique.length !== normalized.length) throw new RangeError(`${op}: dim ${formatShape(list)} names a dimension more than once`);
  return ndim === 0 ? [] : unique;
}

function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const reduced = new Set(dims);
  return keepdim ? shape.map((size, d) => (reduced.has(d) ? 1 : size)) : shape.filter((_, d) => !reduced.has(d));
}

/** Runs a reduce kernel: output dtype int32 for arg ops and int sums and products, else the input's. */
function reduceForward(op: string, kernelOp: ReduceOp, input: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  const isArg = kernelOp === 'argmax' || kernelOp === 'argmin';
  const source = input.dtype === 'bool' ? castTo(input, 'int32') : input;
  const dtype = isArg ? 'int32' : source.dtype;
  const out = Tensor.empty(reducedShape(input.shape, dims, keepdim), dtype, input.deviceObject);
  const empty = dims.some((d) => input.shape[d] === 0);
  const identity = kernelOp === 'sum' ? 0 : kernelOp === 'prod' ? 1 : null;
  if (empty && identity === null) {
    out.dispose();
    throw new RangeError(
      `${op}: cannot reduce over a zero-size dimension (input shape ${formatShape(input.shape)}, dim ${formatShape(dims)}); it has no identity`,
    );
  }
  let overflow: number | null = null;
  if (out.numel() > 0) {
    if (empty) input.deviceObject.kernels.fill(out, identity!);
    else if (dims.length === 0) input.deviceObject.kernels.copy(out, source);
    else overflow = input.deviceObject.kernels.reduce(kernelOp, out, source, dims, int32Overflow(op, kernelOp));
  }
  if (source !== input) source.dispose();
  if (overflow !== null) {
    out.dispose();
    throw int32OverflowError(op, kernelOp, overflow);
  }
  return out;
}

function resultName(kernelOp: ReduceOp): string {
  return kernelOp === 'prod' ? 'product' : 'sum';
}

/**
 * PyTorch sums and multiplies int32 into int64, which webtorch lacks: a result that leaves int32 is
 * refused, not wrapped. This is the message asynchronous devices raise at the next read.
 */
export function int32Overflow(op: string, kernelOp: ReduceOp): string {
  return `${op}: the ${resultName(kernelOp)} of int32 values leaves int32's range [-2147483648, 2147483647] (PyTorch would return int64, which webtorch does not have); convert the input with .float() first`;
}

/** The error synchronous devices raise at once, with the first result they found out of range. */
export function int32OverflowError(op: string, kernelOp: ReduceOp, value: number): RangeError {
  return new RangeError(`${int32Overflow(op, kernelOp)}; the first such ${resultName(kernelOp)} is ${value}`);
}

/** Undoes a reduction's shape change on a gradient: unsqueeze the reduced dims, then expand. */
function expandBack(grad: Tensor, inputShape: Shape, dims: readonly number[], keepdim: boolean): Tensor {
  const kept = keepdim ? grad : unsqueezeDims(grad, dims);
  return expand(kept, inputShape);
}

/**
 * The input converted to a reduction's `dtype` argument, then reduced, as PyTorch converts before
 * reducing (`x.sum({ dtype: 'float32' })` sums int32 as float). The converted copy carries no
 * gradient, rightly: only float32 requires grad, and float32 asked for float32 is the input itself.
 */
function convertedThenReduced(op: string, input: Tensor, dtype: string, reduce: (x: Tensor) => Tensor): Tensor {
  const target = resolveDtype(op, dtype);
  if (target === 'bool')
    throw new TypeError(`${op}: dtype must be float32 or int32 ('int64' means int32), got bool; any() and all() reduce to bool`);
  if (op === 'mean' && target !== 'float32') throw new TypeError(`mean: dtype must be float32 (a mean is not an integer), got ${dtype}`);
  const x = castTo(input, target);
  try {
    return reduce(x);
  } finally {
    if (x !== input) x.dispose();
  }
}

/**
 * The sum of all elements (a 0-d tensor), or over `dim` (one or several). int32 and bool give
 * int32; `dtype` converts the input first. `torch.sum(x, 1, { dtype: 'float32' })`
 */
export function sum(input: Tensor, dim?: Dims | null | SumOptions, keepdim?: SumArg, options?: SumOptions): Tensor {
  let dtype: string | null;
  ({ input, dim, keepdim, dtype } = SUM(arguments));
  if (dtype !== null) return convertedThenReduced('sum', input, dtype, (x) => sum(x, dim, keepdim));
  const dims = reductionDims('sum', input, dim);
  const out = reduceForward('sum', 'sum', input, dims, keepdim);
  return record(dim === undefined || dim === null ? 'SumBackward0' : 'SumBackward1', out, [input], () => (g) => [
    expandBack(g, input.shape, dims, keepdim),
  ]);
}

/**
 * The product of all elements (a 0-d tensor), or along `dim`. int32 and bool give int32 and refuse
 * a product outside int32's range, as int32 sums do. `torch.prod(x, 1, true)`
 */
export function prod(input: Tensor, dim?: number | null | SumOptions, keepdim?: SumArg, options?: SumOptions): Tensor {
  // PyTorch's prod takes one dim, and the backward below reduces along dims[0] alone.
  let dtype: string | null;
  ({ input, dim, keepdim, dtype } = PROD(arguments));
  if (dtype !== null) return convertedThenReduced('prod', input, dtype, (x) => prod(x, dim, keepdim));
  const all = dim === null;
  const dims = reductionDims('prod', input, dim);
  const out = reduceForward('prod', 'prod', input, dims, keepdim);
  return record(all ? 'ProdBackward0' : 'ProdBackward1', out, [input], (save) => {
    const x = save(input);
    const result = save(out);
    // PyTorch's prod_backward: g * prod / x where the run has no zero; where it has one zero, the
    // zero's gradient is the product of the others and the rest get 0; two or more zeros give 0.
    return (g) => {
      const grad = expandBack(g, input.shape, dims, keepdim);
      const isZero = eq(x, 0);
      const zeros = expandBack(sum(castTo(isZero, 'int32'), dims, { keepdim }), input.shape, dims, keepdim);
      const others = expandBack(prod(where(isZero, 1, x), all ? null : dims[0], { keepdim }), input.shape, dims, keepdim);
      const withoutZero = mul(grad, div(expandBack(result, input.shape, dims, keepdim), x));
      return [where(eq(zeros, 0), withoutZero, where(logicalAnd(eq(zeros, 1), isZero), mul(grad, others), 0))];
    };
  });
}

/** The mean of all elements, or over `dim`; float32 only, or any input with `{ dtype: 'float32' }`. */
export function mean(input: Tensor, dim?: Dims | null | SumOptions, keepdim?: SumArg, options?: SumOptions): Tensor {
  let dtype: string | null;
  ({ input, dim, keepdim, dtype } = MEAN(arguments));
  if (dtype !== null) return convertedThenReduced('mean', input, dtype, (x) => mean(x, dim, keepdim));
  if (input.dtype !== 'float32') throw new TypeError(`mean: input dtype must be float32, got ${input.dtype}; convert with .float() first`);
  const dims = reductionDims('mean', input, dim);
  const count = dims.reduce((n, d) => n * input.shape[d], 1);
  const name = dim === null ? 'MeanBackward0' : 'MeanBackward1';
  return recordComposite(
    name,
    [input],
    () => div(sum(input, dims, keepdim), count),
    () => (g) => [div(expandBack(g, input.shape, dims, keepdim), count)],
  );
}

/** max/min over everything (a 0-d tensor), or `{ values, indices }` along `dim`. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

function extremum(
  op: 'max' | 'min',
  { input, dim, keepdim }: { input: Tensor; dim: number | null; keepdim: boolean },
): Tensor | ValuesIndices {
  if (dim === null) {
    if (input.numel() === 0)
      throw new RangeError(`${op}: expected a non-empty tensor when reducing over all dims, got shape ${formatShape(input.shape)}`);
    const dims = reductionDims(op, input, null);
    const values = reduceForward(op, op, input, dims, false);
    return record(op === 'max' ? 'MaxBackward1' : 'MinBackward1', values, [input], (save) => {
      const x = save(input);
      const result = save(values);
      // Ties share the gradient evenly, as PyTorch's amax/amin backward does; a NaN result came
      // from the NaN elements, which then share it (NaN == NaN is false, so eq alone misses them).
      // The others get exactly 0, as on PyTorch's cpu, even when the gradient is NaN or infinite.
      return (g) => {
        const hits = logicalOr(eq(x, result), logicalAnd(ne(x, x), ne(result, result)));
        return [where(hits, div(g, sum(castTo(hits, 'float32'))), 0)];
      };
    });
  }
  const d = normalizeDim(op, dim, input.shape.length);
  const dims = input.shape.length === 0 ? [] : [d];
  const values = reduceForward(op, op, input, dims, keepdim);
  const indices =
    input.shape.length === 0
      ? Tensor.empty([], 'int32', input.deviceObject)
      : reduceForward(op, op === 'max' ? 'argmax' : 'argmin', input, dims, keepdim);
  if (input.shape.length === 0) input.deviceObject.kernels.fill(indices, 0);
  record(op === 'max' ? 'MaxBackward0' : 'MinBackward0', values, [input], (save) => {
    const index = save(indices);
    return (g) => [scatterIntoZeros(g, index, input.shape, d, keepdim)];
  });
  return { values, indices };
}

/** Zeros of `shape` with `grad` placed at `indices` along `dim` (the backward of max/min/gather-like picks). */
function scatterIntoZeros(grad: Tensor, indices: Tensor, shape: Shape, dim: number, keepdim: boolean): Tensor {
  const g = keepdim || shape.length === 0 ? grad : unsqueezeDims(grad, [dim]);
  const idx = keepdim || shape.length === 0 ? indices : unsqueezeDims(indices, [dim]);
  if (shape.length === 0) return reshape(g, []);
  const positions = reshape(
    arangeLike(shape[dim], grad),
    shape.map((s, d) => (d === dim ? s : 1)),
  );
  return where(eq(positions, idx), expand(g, shape), 0);
}

function arangeLike(n: number, like: Tensor): Tensor {
  const out = Tensor.empty([n], 'int32', like.deviceObject);
  if (n > 0) like.deviceObject.kernels.arange(out, 0, 1);
  return out;
}

/** max over everything, along a dim, or, given a tensor, elementwise as `maximum` (PyTorch's torch.max(a, b)). */
export function max(input: Tensor): Tensor;
export function max(input: Tensor, other: Tensor): Tensor;
export function max(input: Tensor, dim: number | DimOptions, keepdimOrOptions?: ReduceArg): ValuesIndices;
export function max(input: Tensor, dim?: number | Tensor | DimOptions): Tensor | ValuesIndices {
  return dim instanceof Tensor ? maximum(input, dim) : extremum('max', MAX(arguments));
}

/** min over everything, along a dim, or, given a tensor, elementwise as `minimum`. */
export function min(input: Tensor): Tensor;
export function min(input: Tensor, other: Tensor): Tensor;
export function min(input: Tensor, dim: number | DimOptions, keepdimOrOptions?: ReduceArg): ValuesIndices;
export function min(input: Tensor, dim?: number | Tensor | DimOptions): Tensor | ValuesIndices {
  return dim instanceof Tensor ? minimum(input, dim) : extremum('min', MIN(arguments));
}

function argExtremum(op: 'argmax' | 'argmin', { input, dim, keepdim }: { input: Tensor; dim: number | null; keepdim: boolean }): Tensor {
  if (dim === null) {
    if (input.numel() === 0) throw new RangeError(`${op}: expected a non-empty tensor, got shape ${formatShape(input.shape)}`);
    const flat = reshape(input, [-1]);
    const out = reduceForward(op, op, flat, [0], false);
    return keepdim
      ? reshape(
          out,
          input.shape.map(() => 1),
        )
      : out;
  }
  const d = normalizeDim(op, dim, input.shape.length);
  if (input.shape.length === 0) {
    const zero = Tensor.empty([], 'int32', input.deviceObject);
    input.deviceObject.kernels.fill(zero, 0);
    return zero;
  }
  return reduceForward(op, op, input, [d], keepdim);
}

export function argmax(input: Tensor, dim?: number | null | ReduceOptions, keepdimOrOptions?: ReduceArg): Tensor {
  return argExtremum('argmax', ARGMAX(arguments));
}

export function argmin(input: Tensor, dim?: number | null | ReduceOptions, keepdimOrOptions?: ReduceArg): Tensor {
  return argExtremum('argmin', ARGMIN(arguments));
}

export interface VarianceOptions extends ReduceOptions {
  /** Bessel's correction: 1 (default, unbiased) divides by n - 1; 0 by n. */
  correction?: number;
  /** PyTorch's older flag: unbiased false means correction 0. */
  unbiased?: boolean;
}

/**
 * The options of var/std, or PyTorch 1.13's positional form `x.var(dim, unbiased, keepdim)`:
 * `x.var(0, false)` is the population variance.
 */
export type VarianceArg = VarianceOptions | boolean;

function correctionOf({ correction, unbiased }: { correction: number | null; unbiased: boolean }): number {
  return correction ?? (unbiased ? 1 : 0);
}

/** n - correction over `dims`, floored at 0 (PyTorch then returns inf or NaN, as we do). */
function divisorOf(input: Tensor, dims: readonly number[], correction: number): number {
  return Math.max(dims.reduce((n, d) => n * input.shape[d], 1) - correction, 0);
}

function varianceForward(input: Tensor, dims: readonly number[], correction: number, keepdim: boolean): Tensor {
  const deviations = sub(input, mean(input, dims, { keepdim: true }));
  const squares = sum(mul(deviations, deviations), dims, { keepdim });
  return div(squares, divisorOf(input, dims, correction));
}

/** d var / d x given the gradient of var already expanded back to x's shape. */
function varianceBackward(expandedGrad: Tensor, x: Tensor, dims: readonly number[], correction: number): Tensor {
  const deviations = sub(x, mean(x, dims, { keepdim: true }));
  return mul(expandedGrad, div(mul(deviations, 2), divisorOf(x, dims, correction)));
}

export function variance(
  input: Tensor,
  dim?: Dims | null | VarianceOptions,
  unbiased?: VarianceArg,
  keepdim?: boolean | VarianceOptions,
): Tensor {
  const args = VAR(arguments);
  ({ input, keepdim } = args);
  const dims = reductionDims('var', input, args.dim);
  const correction = correctionOf(args);
  return recordComposite(
    'VarBackward0',
    [input],
    () => varianceForward(input, dims, correction, keepdim),
    (save) => {
      const x = save(input);
      return (g) => [varianceBackward(expandBack(g, input.shape, dims, keepdim), x, dims, correction)];
    },
  );
}

export function std(
  input: Tensor,
  dim?: Dims | null | VarianceOptions,
  unbiased?: VarianceArg,
  keepdim?: boolean | VarianceOptions,
): Tensor {
  const args = STD(arguments);
  ({ input, keepdim } = args);
  const dims = reductionDims('std', input, args.dim);
  const correction = correctionOf(args);
  return recordComposite(
    'StdBackward0',
    [input],
    () => varianceForward(input, dims, correction, keepdim).sqrt(),
    (save, out) => {
      const x = save(input);
      const result = save(out);
      // d std = d var / (2 std), taken as 0 where std is 0 (PyTorch's std_backward masks it too).
      return (g) => {
        const gradVariance = where(eq(result, 0), 0, div(g, mul(result, 2)));
        return [varianceBackward(expandBack(gradVariance, input.shape, dims, keepdim), x, dims, correction)];
      };
    },
  );
}

export function logsumexp(input: Tensor, dim: Dims | null | (ReduceOptions & { dim: Dims }), keepdim?: ReduceArg): Tensor {
  ({ input, dim, keepdim } = LOGSUMEXP(arguments));
  const dims = reductionDims('logsumexp', input, dim);
  return recordComposite(
    'LogsumexpBackward0',
    [input],
    () => {
      // Shift by the max for stability; infinite maxima shift by 0 so -inf rows stay -inf. A zero-size
      // dim has no max, and nothing to shift: its sum of no terms is 0, so the result is log(0) = -inf.
      const empty = dims.some((d) => input.shape[d] === 0);
      const shift = empty ? reduceForward('logsumexp', 'sum', input, dims, true) : reduceForward('logsumexp', 'max', input, dims, true);
      const finiteShift = where(eq(shift.abs(), Infinity), 0, shift);
      const out = add(log(sum(exp(sub(input, finiteShift)), dims, { keepdim: true })), finiteShift);
      return keepdim ? out : reshape(out, reducedShape(input.shape, dims, false));
    },
    (save, out) => {
      const x = save(input);
      const result = save(out);
      return (g) => [mul(expandBack(g, input.shape, dims, keepdim), exp(sub(x, expandBack(result, input.shape, dims, keepdim))))];
    },
  );
}

/** Sums `grad` down to `shape`, undoing broadcasting: the engine's reduction for broadcast inputs. */
export function sumToShape(grad: Tensor, shape: Shape): Tensor {
  const lead = grad.shape.length - shape.length;
  if (lead < 0) throw new RangeError(`sumToShape: cannot reduce shape ${formatShape(grad.shape)} to ${formatShape(shape)}`);
  const dims: number[] = [];
  grad.shape.forEach((size, d) => {
    if (d < lead || (shape[d - lead] === 1 && size !== 1)) dims.push(d);
    else if (shape[d - lead] !== size)
      throw new RangeError(`sumToShape: cannot reduce shape ${formatShape(grad.shape)} to ${formatShape(shape)}`);
  });
  const reduced = dims.length > 0 ? sum(grad, dims, { keepdim: true }) : grad;
  return numel(reduced.shape) === numel(shape) && reduced.shape.length !== shape.length ? reshape(reduced, shape) : reduced;
}

declare module '../tensor.js' {
  interface Tensor {
    sum(dim?: Dims | null | SumOptions, keepdimOrOptions?: SumArg, options?: SumOptions): Tensor;
    prod(dim?: number | null | SumOptions, keepdimOrOptions?: SumArg, options?: SumOptions): Tensor;
    mean(dim?: Dims | null | SumOptions, keepdimOrOptions?: SumArg, options?: SumOptions): Tensor;
    max(): Tensor;
    max(other: Tensor): Tensor;
    max(dim: number | DimOptions, keepdimOrOptions?: ReduceArg): ValuesIndices;
    min(): Tensor;
    min(other: Tensor): Tensor;
    min(dim: number | DimOptions, keepdimOrOptions?: ReduceArg): ValuesIndices;
    argmax(dim?: number | null | ReduceOptions, keepdimOrOptions?: ReduceArg): Tensor;
    argmin(dim?: number | null | ReduceOptions, keepdimOrOptions?: ReduceArg): Tensor;
    var(dim?: Dims | null | VarianceOptions, unbiasedOrOptions?: VarianceArg, keepdimOrOptions?: boolean | VarianceOptions): Tensor;
    std(dim?: Dims | null | VarianceOptions, unbiasedOrOptions?: VarianceArg, keepdimOrOptions?: boolean | VarianceOptions): Tensor;
    logsumexp(dim: Dims | (ReduceOptions & { dim: Dims }), keepdimOrOptions?: ReduceArg): Tensor;
  }
}

// Each method passes its arguments on as given, so the op's signature binds them as the function's would.
Object.assign(Tensor.prototype, {
  sum(this: Tensor, ...args: [Dims?, SumArg?, SumOptions?]) {
    return sum(this, ...args);
  },
  prod(this: Tensor, ...args: [number?, SumArg?, SumOptions?]) {
    return prod(this, ...args);
  },
  mean(this: Tensor, ...args: [Dims?, SumArg?, SumOptions?]) {
    return mean(this, ...args);
  },
  max(this: Tensor, ...args: [number, ReduceArg?]) {
    return max(this, ...args);
  },
  min(this: Tensor, ...args: [number, ReduceArg?]) {
    return min(this, ...args);
  },
  argmax(this: Tensor, ...args: [number?, ReduceArg?]) {
    return argmax(this, ...args);
  },
  argmin(this: Tensor, ...args: [number?, ReduceArg?]) {
    return argmin(this, ...args);
  },
  var(this: Tensor, ...args: [Dims?, VarianceArg?, boolean?]) {
    return variance(this, ...args);
  },
  std(this: Tensor, ...args: [Dims?, VarianceArg?, boolean?]) {
    return std(this, ...args);
  },
  logsumexp(this: Tensor, ...args: [Dims, ReduceArg?]) {
    return logsumexp(this, ...args);
  },
});
