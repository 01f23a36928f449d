/** nonzero and unique: ops whose output shape depends on the input's values, computed from a read of them. */
import { checkOptions, optionKeys } from '../options.js';
import { contiguousStrides, formatShape, normalizeDim, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { checkTensor } from './util.js';

export interface NonzeroOptions {
  /** One 1-D tensor of indices per dim instead of one [n, ndim] tensor, as PyTorch's `as_tuple`. */
  asTuple?: boolean;
}

const NONZERO_OPTIONS = optionKeys<NonzeroOptions>({ asTuple: true });

export interface UniqueOptions {
  /** Accepted for PyTorch parity: the unique values always come back in ascending order. */
  sorted?: boolean;
  /** Also return, for each element (or slice along `dim`), the index of its value in the result. */
  returnInverse?: boolean;
  /** Also return how many times each unique value (or slice) occurs. */
  returnCounts?: boolean;
  /** Compare whole slices along this dim instead of single elements; null (default) flattens. */
  dim?: number | null;
}

const UNIQUE_OPTIONS = optionKeys<UniqueOptions>({ sorted: true, returnInverse: true, returnCounts: true, dim: true });

/**
 * The input's values in row-major order, read synchronously: on devices whose reads wait the
 * result's shape cannot be known without awaiting, so the error points to the async form.
 */
function readNow(op: string, input: Tensor): Float32Array | Int32Array {
  if (!input.deviceObject.synchronous)
    throw new Error(
      `${op}: the shape of the result depends on the values of input, which a tensor on ${input.device} cannot give without an asynchronous read; use await torch.${op}Async(...) or await x.${op}Async(...)`,
    );
  return input.dataSync();
}

function int32On(values: ArrayLike<number>, shape: Shape, device: string): Tensor {
  return tensor(Int32Array.from(values), { dtype: 'int32', device }).reshape(shape);
}

function nonzeroOf(input: Tensor, values: ArrayLike<number>, asTuple: boolean): Tensor | Tensor[] {
  // A 0-d input counts as 1-D of one element, as in PyTorch's as_tuple form.
  const shape = asTuple && input.dim() === 0 ? [1] : input.shape;
  const strides = contiguousStrides(shape);
  let count = 0;
  for (let flat = 0; flat < values.length; flat++) if (values[flat] !== 0) count++;
  const found = new Int32Array(count);
  for (let flat = 0, n = 0; flat < values.length; flat++) if (values[flat] !== 0) found[n++] = flat;
  const coordinate = (flat: number, d: number) => Math.floor(flat / strides[d]) % shape[d];
  if (asTuple)
    return shape.map((_, d) =>
      int32On(
        found.map((flat) => coordinate(flat, d)),
        [found.length],
        input.device,
      ),
    );
  const indices = new Int32Array(found.length * shape.length);
  found.forEach((flat, n) => {
    for (let d = 0; d < shape.length; d++) indices[n * shape.length + d] = coordinate(flat, d);
  });
  return int32On(indices, [found.length, shape.length], input.device);
}

function asTupleOf(options: NonzeroOptions | undefined): boolean {
  return checkOptions('nonzero', options, NONZERO_OPTIONS).asTuple ?? false;
}

/** Ascending, with NaN after every number (as torch.sort orders it); 0 for equal numbers. */
function compareValues(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** unique's checked options, with dim normalised (null: flatten). */
interface UniquePlan {
  returnInverse: boolean;
  returnCounts: boolean;
  dim: number | null;
}

function planUnique(input: Tensor, options: UniqueOptions | undefined): UniquePlan {
  const { returnInverse = false, returnCounts = false, dim = null } = checkOptions('unique', options, UNIQUE_OPTIONS);
  if (dim === null) return { returnInverse, returnCounts, dim };
  if (input.dim() === 0) throw new RangeError(`unique: dim ${dim} given but the input is 0-d, which has no dims`);
  const d = normalizeDim('unique', dim, input.dim());
  if (input.numel() === 0 && input.shape[d] !== 0)
    throw new RangeError(
      `unique: input of shape ${formatShape(input.shape)} has a dim of size 0 other than dim ${d}, so it has no slices along dim ${d} to compare`,
    );
  return { returnInverse, returnCounts, dim: d };
}

/** Unique values or slices: the kept ones in order, and for each input one the index of its group. */
interface Grouping {
  kept: number;
  out: Float32Array | Int32Array;
  inverse: Int32Array;
  counts: Int32Array;
}

/** Each group's size, from the group index of every member. */
function countsOf(inverse: Int32Array, kept: number): Int32Array {
  const counts = new Int32Array(kept);
  for (let i = 0; i < inverse.length; i++) counts[inverse[i]]++;
  return counts;
}

/**
 * Unique single values by the typed array's own numeric sort (NaN last), several times faster than
 * sorting indices with a comparator (measured on 1e6 int32 values). A zero group keeps the input's
 * first zero, -0 or 0, as PyTorch does.
 */
function uniqueElements(values: Float32Array | Int32Array): Grouping {
  const sorted = values.slice().sort();
  // Plain indexed loops over typed arrays throughout: iterators and from() with a callback cost
  // several times more on a million elements.
  let kept = 0;
  for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[kept++] = sorted[k];
  const out = sorted.slice(0, kept);
  let zero = -1;
  for (let k = 0; k < kept && zero < 0; k++) if (out[k] === 0) zero = k;
  if (zero >= 0) {
    let first = 0;
    while (values[first] !== 0) first++;
    out[zero] = values[first];
  }
  // Binary search finds each value's group (NaN slots at the end compare as larger, as they sort);
  // each NaN is its own value, taking the NaN slots in input order.
  let nextNaN = kept;
  while (nextNaN > 0 && Number.isNaN(out[nextNaN - 1])) nextNaN--;
  const inverse = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) {
      inverse[i] = nextNaN++;
      continue;
    }
    let low = 0;
    let high = kept - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (out[middle] < v) low = middle + 1;
      else high = middle;
    }
    inverse[i] = low;
  }
  return { kept, out, inverse, counts: countsOf(inverse, kept) };
}

/** Unique slices `i` of `values` seen as [outer, count, inner], in lexicographic order. */
function uniqueSlices(values: Float32Array | Int32Array, outer: number, count: number, inner: number): Grouping {
  const length = outer * inner;
  /** Element k (row-major over the other dims) of slice i. */
  const at = (i: number, k: number) => values[(Math.floor(k / inner) * count + i) * inner + (k % inner)];
  const compare = (i: number, j: number) => {
    for (let k = 0; k < length; k++) {
      const order = compareValues(at(i, k), at(j, k));
      if (order !== 0) return order;
    }
    return 0;
  };
  const same = (i: number, j: number) => {
    for (let k = 0; k < length; k++) if (at(i, k) !== at(j, k)) return false;
    return true;
  };
  // Array.prototype.sort is stable: equal slices keep input order, so a group starts at its first occurrence.
  const order = Array.from({ length: count }, (_, i) => i).sort(compare);
  const firsts: number[] = [];
  const inverse = new Int32Array(count);
  order.forEach((i, rank) => {
    if (rank === 0 || !same(order[rank - 1], i)) firsts.push(i);
    inverse[i] = firsts.length - 1;
  });
  const kept = firsts.length;
  const out = new (values instanceof Float32Array ? Float32Array : Int32Array)(kept * length);
  firsts.forEach((i, g) => {
    for (let k = 0; k < length; k++) out[(Math.floor(k / inner) * kept + g) * inner + (k % inner)] = at(i, k);
  });
  return { kept, out, inverse, counts: countsOf(inverse, kept) };
}

/**
 * The unique slices along `dim` (single elements when flattening): ascending in lexicographic
 * order, each kept as its first occurrence. NaN never equals NaN, so every NaN is a value of its
 * own, as in PyTorch.
 */
function uniqueOf(input: Tensor, values: Float32Array | Int32Array, plan: UniquePlan): Tensor | Tensor[] {
  const { returnInverse, returnCounts, dim } = plan;
  const shape: Shape = dim === null ? [values.length] : input.shape;
  const d = dim ?? 0;
  const outer = shape.slice(0, d).reduce((n, s) => n * s, 1);
  const inner = shape.slice(d + 1).reduce((n, s) => n * s, 1);
  const { kept, out, inverse, counts } = outer * inner === 1 ? uniqueElements(values) : uniqueSlices(values, outer, shape[d], inner);
  const results = [tensor(out, { dtype: input.dtype, device: input.device }).reshape(shape.map((s, k) => (k === d ? kept : s)))];
  if (returnInverse) results.push(int32On(inverse, dim === null ? input.shape : [shape[d]], input.device));
  if (returnCounts) results.push(int32On(counts, [kept], input.device));
  return results.length === 1 ? results[0] : results;
}

type ManyOutputs = { returnInverse: true } | { returnCounts: true };
type OneOutput = { returnInverse?: false; returnCounts?: false };

/**
 * The indices of the nonzero elements (NaN counts as nonzero), in row-major order: an int32
 * [n, ndim] tensor (PyTorch: int64), or with `{ asTuple: true }` one 1-D tensor per dim. The
 * output's shape depends on the values, so on devices whose reads wait (webgpu) use `nonzeroAsync`.
 * Not differentiable.
 *
 * ```ts
 * torch.nonzero(torch.tensor([[0, 1], [2, 0]])).tolistSync();   // [[0, 1], [1, 0]]
 * ```
 */
export function nonzero(input: Tensor, options: NonzeroOptions & { asTuple: true }): Tensor[];
export function nonzero(input: Tensor, options?: NonzeroOptions & { asTuple?: false }): Tensor;
export function nonzero(input: Tensor, options?: NonzeroOptions): Tensor | Tensor[];
export function nonzero(input: Tensor, options?: NonzeroOptions): Tensor | Tensor[] {
  checkTensor('nonzero', 'input', input);
  const asTuple = asTupleOf(options);
  return nonzeroOf(input, readNow('nonzero', input), asTuple);
}

/** `nonzero` that reads the values first: the form for devices whose reads wait (webgpu). */
export async function nonzeroAsync(input: Tensor, options: NonzeroOptions & { asTuple: true }): Promise<Tensor[]>;
export async function nonzeroAsync(input: Tensor, options?: NonzeroOptions & { asTuple?: false }): Promise<Tensor>;
export async function nonzeroAsync(input: Tensor, options?: NonzeroOptions): Promise<Tensor | Tensor[]>;
export async function nonzeroAsync(input: Tensor, options?: NonzeroOptions): Promise<Tensor | Tensor[]> {
  checkTensor('nonzero', 'input', input);
  const asTuple = asTupleOf(options);
  return nonzeroOf(input, await input.data(), asTuple);
}

/**
 * The unique elements of input, flattened and in ascending order (or, with `dim`, its unique
 * slices along that dim in lexicographic order), as PyTorch's torch.unique. With `returnInverse`
 * and/or `returnCounts` it returns an array `[values, inverse?, counts?]` in PyTorch's order:
 * inverse (int32, input's shape, or [size of dim]) gives each element's index in values, counts
 * (int32) each value's number of occurrences. Every NaN is a value of its own, placed last.
 * `sorted: false` is accepted and still sorts, an order PyTorch allows. The output's shape depends
 * on the values, so on devices whose reads wait (webgpu) use `uniqueAsync`. Not differentiable.
 *
 * ```ts
 * const [values, inverse] = torch.unique(torch.tensor([3, 1, 3]), { returnInverse: true });
 * values.tolistSync();    // [1, 3]
 * inverse.tolistSync();   // [1, 0, 1]
 * ```
 */
export function unique(input: Tensor, options: UniqueOptions & ManyOutputs): Tensor[];
export function unique(input: Tensor, options?: UniqueOptions & OneOutput): Tensor;
export function unique(input: Tensor, options?: UniqueOptions): Tensor | Tensor[];
export function unique(input: Tensor, options?: UniqueOptions): Tensor | Tensor[] {
  checkTensor('unique', 'input', input);
  const plan = planUnique(input, options);
  return uniqueOf(input, readNow('unique', input), plan);
}

/** `unique` that reads the values first: the form for devices whose reads wait (webgpu). */
export async function uniqueAsync(input: Tensor, options: UniqueOptions & ManyOutputs): Promise<Tensor[]>;
export async function uniqueAsync(input: Tensor, options?: UniqueOptions & OneOutput): Promise<Tensor>;
export async function uniqueAsync(input: Tensor, options?: UniqueOptions): Promise<Tensor | Tensor[]>;
export async function uniqueAsync(input: Tensor, options?: UniqueOptions): Promise<Tensor | Tensor[]> {
  checkTensor('unique', 'input', input);
  const plan = planUnique(input, options);
  return uniqueOf(input, await input.data(), plan);
}

declare module '../tensor.js' {
  interface Tensor {
    /** `torch.nonzero(this, options)`. */
    nonzero(options: NonzeroOptions & { asTuple: true }): Tensor[];
    nonzero(options?: NonzeroOptions & { asTuple?: false }): Tensor;
    nonzero(options?: NonzeroOptions): Tensor | Tensor[];
    /** `torch.nonzeroAsync(this, options)`: nonzero for devices whose reads wait. */
    nonzeroAsync(options: NonzeroOptions & { asTuple: true }): Promise<Tensor[]>;
    nonzeroAsync(options?: NonzeroOptions & { asTuple?: false }): Promise<Tensor>;
    nonzeroAsync(options?: NonzeroOptions): Promise<Tensor | Tensor[]>;
    /** `torch.unique(this, options)`. */
    unique(options: UniqueOptions & ManyOutputs): Tensor[];
    unique(options?: UniqueOptions & OneOutput): Tensor;
    unique(options?: UniqueOptions): Tensor | Tensor[];
    /** `torch.uniqueAsync(this, options)`: unique for devices whose reads wait. */
    uniqueAsync(options: UniqueOptions & ManyOutputs): Promise<Tensor[]>;
    uniqueAsync(options?: UniqueOptions & OneOutput): Promise<Tensor>;
    uniqueAsync(options?: UniqueOptions): Promise<Tensor | Tensor[]>;
  }
}

Object.assign(Tensor.prototype, {
  nonzero(this: Tensor, options?: NonzeroOptions) {
    return nonzero(this, options);
  },
  nonzeroAsync(this: Tensor, options?: NonzeroOptions) {
    return nonzeroAsync(this, options);
  },
  unique(this: Tensor, options?: UniqueOptions) {
    return unique(this, options);
  },
  uniqueAsync(this: Tensor, options?: UniqueOptions) {
    return uniqueAsync(this, options);
  },
});
