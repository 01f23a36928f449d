// View ops (view, reshape, permute, transpose, squeeze, unsqueeze, ...) plus contiguous, clone and detach.
import type { TensorView } from '../devices/device.js';
import { promoteTypes } from '../dtype.js';
import { record, recordComposite } from '../graph/record.js';
import { registerView } from '../graph/views.js';
import {
  formatShape,
  inferShape,
  isContiguous,
  normalizeDim,
  numel,
  type Shape,
  shapesEqual,
  sizesFromArgs,
  viewStrides,
} from '../shape.js';
import { Tensor } from '../tensor.js';
import { kind, param, signature } from './signature.js';
import { contiguousCopy, copyView, zerosOn } from './unrecorded.js';
import { checkSameDevice, checkTensor } from './util.js';

type SizeArgs = (number | readonly number[])[];
/** The parameters of an op after its input: what its Tensor method passes on unchanged. */
type AfterInput<F> = F extends (input: Tensor, ...rest: infer R) => unknown ? R : never;

// PyTorch's signatures of the ops below that take arguments besides tensors and shapes.
const TRANSPOSE = signature('transpose', { input: param.tensor(), dim0: param.int(), dim1: param.int() });
const SQUEEZE = signature('squeeze', { input: param.tensor(), dim: param.dims(null) });
const UNSQUEEZE = signature('unsqueeze', { input: param.tensor(), dim: param.int() });
const FLATTEN = signature('flatten', { input: param.tensor(), startDim: param.int(0), endDim: param.int(-1) });
const UNFLATTEN = signature('unflatten', {
  input: param.tensor(),
  dim: param.int(),
  sizes: kind<readonly number[]>('an array of integers', (v) => (Array.isArray(v) ? v : undefined))(),
});
const NARROW = signature('narrow', { input: param.tensor(), dim: param.int(), start: param.number(), length: param.number() });
const SELECT = signature('select', { input: param.tensor(), dim: param.int(), index: param.number() });
const SPLIT = signature('split', {
  input: param.tensor(),
  splitSizeOrSections: kind<number | readonly number[]>('a number or an array of numbers', (v) =>
    typeof v === 'number' || Array.isArray(v) ? (v as number | readonly number[]) : undefined,
  )(),
  dim: param.int(0),
});
const CHUNK = signature('chunk', { input: param.tensor(), chunks: param.number(), dim: param.int(0) });
const UNBIND = signature('unbind', { input: param.tensor(), dim: param.int(0) });
const CAT = signature('cat', { tensors: param.tensors(), dim: param.int(0) });
const STACK = signature('stack', { tensors: param.tensors(), dim: param.int(0) });

export interface FlattenOptions {
  startDim?: number;
  endDim?: number;
}

export interface NarrowOptions {
  dim?: number;
  start?: number;
  length?: number;
}

export interface SplitOptions {
  splitSizeOrSections?: number | readonly number[];
  dim?: number;
}

/** A tensor over x's storage with the given layout. */
function alias(x: Tensor, shape: Shape, strides: Shape, offset: number): Tensor {
  const view = new Tensor(x.storage, [...shape], [...strides], offset, x.dtype);
  view.base = x.base ?? x;
  registerView(view);
  return view;
}

/** Zeros of `shape` with `grad` written into the region `region` selects: the backward of slicing views. */
export function embedInZeros(grad: Tensor, shape: Shape, region: (base: TensorView) => TensorView): Tensor {
  const out = zerosOn(shape, grad.dtype, grad.deviceObject);
  copyView(region(out), grad);
  // Recorded, being linear in grad: its own gradient is the region read back (and that one's is this).
  return record('SliceBackwardBackward0', out, [grad], () => (u) => [regionCopy(u, grad.shape, region)]);
}

/** A copy of `region` of u, recorded with embedInZeros as its backward. */
function regionCopy(u: Tensor, shape: Shape, region: (base: TensorView) => TensorView): Tensor {
  const out = Tensor.empty(shape, u.dtype, u.deviceObject);
  copyView(out, region(u));
  return record('SliceBackward0', out, [u], () => (g) => [embedInZeros(g, u.shape, region)]);
}

export function view(input: Tensor, ...shape: SizeArgs): Tensor {
  checkTensor('view', 'input', input);
  const target = inferShape('view', sizesFromArgs(shape), input.numel());
  const strides = viewStrides(input.shape, input.strides, target);
  if (!strides) {
    throw new Error(
      `view: view size ${formatShape(target)} is not compatible with input tensor's size ${formatShape(input.shape)} and stride ${formatShape(input.strides)} (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.`,
    );
  }
  const out = alias(input, target, strides, input.offset);
  return record('ViewBackward0', out, [input], () => (g) => [reshape(g, input.shape)]);
}

/** A view when the layout allows (like view), otherwise a contiguous copy reshaped. */
export function reshape(input: Tensor, ...shape: SizeArgs): Tensor {
  checkTensor('reshape', 'input', input);
  const target = inferShape('reshape', sizesFromArgs(shape), input.numel());
  if (viewStrides(input.shape, input.strides, target)) return view(input, target);
  const copy = contiguous(input);
  const out = view(copy, target);
  copy.dispose();
  return out;
}

export function contiguous(input: Tensor): Tensor {
  checkTensor('contiguous', 'input', input);
  if (isContiguous(input.shape, input.strides)) return input;
  return clone(input);
}

/** A copy with its own contiguous storage; gradients flow through unchanged. */
export function clone(input: Tensor): Tensor {
  checkTensor('clone', 'input', input);
  return record('CloneBackward0', contiguousCopy(input), [input], () => (g) => [g]);
}

/** A tensor sharing storage that is cut off from the graph. */
export function detach(input: Tensor): Tensor {
  checkTensor('detach', 'input', input);
  return new Tensor(input.storage, input.shape, input.strides, input.offset, input.dtype);
}

export function permute(input: Tensor, ...dims: SizeArgs): Tensor {
  checkTensor('permute', 'input', input);
  return reorderDims(input, sizesFromArgs(dims), 'PermuteBackward0');
}

/** The permute view, recorded under the name of the op that asked for it (t, transpose, permute). */
function reorderDims(input: Tensor, order: readonly number[], node: string): Tensor {
  const ndim = input.shape.length;
  if (order.length !== ndim)
    throw new RangeError(
      `permute: number of dims in dims ${formatShape(order)} doesn't match the number of dims of the input ${formatShape(input.shape)}`,
    );
  const normalized = order.map((d) => normalizeDim('permute', d, ndim));
  if (new Set(normalized).size !== ndim) throw new RangeError(`permute: repeated dim in ${formatShape(order)}`);
  const out = alias(
    input,
    normalized.map((d) => input.shape[d]),
    normalized.map((d) => input.strides[d]),
    input.offset,
  );
  const inverse = new Array<number>(ndim);
  normalized.forEach((d, i) => (inverse[d] = i));
  return record(node, out, [input], () => (g) => [permute(g, inverse)]);
}

export function transpose(input: Tensor, dim0: number | { dim0?: number; dim1?: number }, dim1?: number | { dim1?: number }): Tensor {
  ({ input, dim0, dim1 } = TRANSPOSE(arguments));
  const ndim = input.shape.length;
  if (ndim === 0) return reorderDims(input, [], 'TransposeBackward0');
  const a = normalizeDim('transpose', dim0, ndim, 'dim0');
  const b = normalizeDim('transpose', dim1, ndim, 'dim1');
  const order = Array.from({ length: ndim }, (_, d) => (d === a ? b : d === b ? a : d));
  return reorderDims(input, order, 'TransposeBackward0');
}

/** 2-D transpose (0-D and 1-D come back unchanged), as Tensor.t() in PyTorch. */
export function t(input: Tensor): Tensor {
  checkTensor('t', 'input', input);
  if (input.shape.length > 2)
    throw new RangeError(
      `t: expects a tensor with <= 2 dimensions, but input has shape ${formatShape(input.shape)}; use transpose(dim0, dim1) or permute`,
    );
  return reorderDims(input, input.shape.length < 2 ? input.shape.map((_, d) => d) : [1, 0], 'TBackward0');
}

export function squeeze(input: Tensor, dim?: number | readonly number[] | null | { dim?: number | readonly number[] | null }): Tensor {
  ({ input, dim } = SQUEEZE(arguments));
  const ndim = input.shape.length;
  const chosen = dim === null ? null : new Set((typeof dim === 'number' ? [dim] : dim).map((d) => normalizeDim('squeeze', d, ndim)));
  const keep = input.shape.map((size, d) => !(size === 1 && (chosen === null || chosen.has(d))));
  const out = alias(
    input,
    input.shape.filter((_, d) => keep[d]),
    input.strides.filter((_, d) => keep[d]),
    input.offset,
  );
  return record(dim === null ? 'SqueezeBackward0' : 'SqueezeBackward1', out, [input], () => (g) => [reshape(g, input.shape)]);
}

export function unsqueeze(input: Tensor, dim: number | { dim: number }): Tensor {
  ({ input, dim } = UNSQUEEZE(arguments));
  const d = normalizeDim('unsqueeze', dim, input.shape.length + 1);
  return unsqueezeDims(input, [d]);
}

/** Inserts size-1 dims so that they sit at `dims` of the result (sorted ascending). */
export function unsqueezeDims(input: Tensor, dims: readonly number[]): Tensor {
  const shape = [...input.shape];
  const strides = [...input.strides];
  for (const d of [...dims].sort((a, b) => a - b)) {
    shape.splice(d, 0, 1);
    strides.splice(d, 0, d < strides.length ? strides[d] * shape[d + 1] : 1);
  }
  const out = alias(input, shape, strides, input.offset);
  return record('UnsqueezeBackward0', out, [input], () => (g) => [reshape(g, input.shape)]);
}

/** Broadcasts to a larger shape without copying (stride 0); -1 keeps a size. */
export function expand(input: Tensor, ...sizes: SizeArgs): Tensor {
  checkTensor('expand', 'input', input);
  const target = sizesFromArgs(sizes);
  const lead = target.length - input.shape.length;
  if (lead < 0)
    throw new RangeError(
      `expand: the number of sizes provided (${target.length}) must be greater or equal to the number of dimensions in the tensor (${input.shape.length})`,
    );
  const shape: number[] = [];
  const strides: number[] = [];
  target.forEach((size, d) => {
    const own = d - lead;
    if (own < 0) {
      if (size < 0) throw new RangeError(`expand: -1 is not allowed in a leading, non-existing dimension (sizes ${formatShape(target)})`);
      shape.push(size);
      strides.push(0);
    } else if (size === -1 || size === input.shape[own]) {
      shape.push(input.shape[own]);
      strides.push(input.strides[own]);
    } else if (input.shape[own] === 1) {
      shape.push(size);
      strides.push(0);
    } else {
      throw new RangeError(
        `expand: the expanded size of the tensor (${size}) must match the existing size (${input.shape[own]}) at non-singleton dimension ${d}; target sizes ${formatShape(target)}, tensor sizes ${formatShape(input.shape)}`,
      );
    }
  });
  if (shapesEqual(shape, input.shape)) return input;
  const out = alias(input, shape, strides, input.offset);
  return record('ExpandBackward0', out, [input], () => (g) => [g]);
}

export function expandAs(input: Tensor, other: Tensor): Tensor {
  return expand(input, checkTensor('expandAs', 'other', other).shape);
}

export function flatten(input: Tensor, startDim?: number | FlattenOptions, endDim?: number | FlattenOptions): Tensor {
  ({ input, startDim, endDim } = FLATTEN(arguments));
  if (input.shape.length === 0) return reshape(input, [1]);
  const start = normalizeDim('flatten', startDim, input.shape.length, 'startDim');
  const end = normalizeDim('flatten', endDim, input.shape.length, 'endDim');
  if (start > end) throw new RangeError(`flatten: startDim (${startDim}) cannot come after endDim (${endDim})`);
  const shape = [...input.shape.slice(0, start), numel(input.shape.slice(start, end + 1)), ...input.shape.slice(end + 1)];
  return reshape(input, shape);
}

export function unflatten(
  input: Tensor,
  dim: number | { dim: number; sizes: readonly number[] },
  sizes?: readonly number[] | { sizes: readonly number[] },
): Tensor {
  ({ input, dim, sizes } = UNFLATTEN(arguments));
  const d = normalizeDim('unflatten', dim, input.shape.length);
  const inner = inferShape('unflatten', sizes, input.shape[d]);
  return view(input, [...input.shape.slice(0, d), ...inner, ...input.shape.slice(d + 1)]);
}

/** The view input[..., start:start+length, ...] along `dim`. */
export function narrow(
  input: Tensor,
  dim: number | NarrowOptions,
  start?: number | NarrowOptions,
  length?: number | NarrowOptions,
): Tensor {
  ({ input, dim, start, length } = NARROW(arguments));
  if (input.shape.length === 0) throw new RangeError('narrow: cannot be applied to a 0-dim tensor');
  const d = normalizeDim('narrow', dim, input.shape.length);
  const size = input.shape[d];
  const begin = start < 0 ? start + size : start;
  if (!Number.isInteger(begin) || begin < 0 || begin > size)
    throw new RangeError(`narrow: start (${start}) is out of range for dimension ${d} of size ${size}`);
  if (!Number.isInteger(length) || length < 0 || begin + length > size)
    throw new RangeError(`narrow: start (${start}) + length (${length}) exceeds dimension ${d} of size ${size}`);
  return sliceView('SliceBackward0', input, d, begin, length, 1);
}

/** The view of every `step`-th element of [begin, begin + count*step) along `d` (already validated). */
export function sliceView(node: string, input: Tensor, d: number, begin: number, count: number, step: number): Tensor {
  const shape = [...input.shape];
  const strides = [...input.strides];
  shape[d] = count;
  strides[d] = input.strides[d] * step;
  const out = alias(input, shape, strides, input.offset + begin * input.strides[d]);
  const region = (base: TensorView): TensorView => ({
    ...base,
    shape,
    strides: base.strides.map((s, i) => (i === d ? s * step : s)),
    offset: base.offset + begin * base.strides[d],
  });
  return record(node, out, [input], () => (g) => [embedInZeros(g, input.shape, region)]);
}

/**
 * The diagonal of dims `d1` and `d2` (of one size) as a view that keeps it at d1's place and drops
 * d2: what a letter repeated in one einsum operand ('ii->i') selects.
 */
export function diagonalView(input: Tensor, d1: number, d2: number): Tensor {
  const shape = input.shape.filter((_, k) => k !== d2);
  const fold = (strides: Shape) => strides.map((s, k) => (k === d1 ? s + strides[d2] : s)).filter((_, k) => k !== d2);
  const out = alias(input, shape, fold(input.strides), input.offset);
  const region = (base: TensorView): TensorView => ({ ...base, shape, strides: fold(base.strides) });
  return record('DiagonalBackward0', out, [input], () => (g) => [embedInZeros(g, input.shape, region)]);
}

/** input[..., index, ...] along `dim`: a view with that dim removed. */
export function select(input: Tensor, dim: number | { dim: number; index: number }, index?: number | { index: number }): Tensor {
  ({ input, dim, index } = SELECT(arguments));
  if (input.shape.length === 0) throw new RangeError('select: cannot be applied to a 0-dim tensor');
  const d = normalizeDim('select', dim, input.shape.length);
  const size = input.shape[d];
  if (!Number.isInteger(index) || index < -size || index >= size)
    throw new RangeError(`select: index ${index} is out of range for dimension ${d} with size ${size}`);
  return selectView('SelectBackward0', input, d, index < 0 ? index + size : index);
}

/** The view input[..., i, ...] along `d` (already validated), recorded as `node`. */
function selectView(node: string, input: Tensor, d: number, i: number): Tensor {
  const shape = input.shape.filter((_, k) => k !== d);
  const strides = input.strides.filter((_, k) => k !== d);
  const out = alias(input, shape, strides, input.offset + i * input.strides[d]);
  const region = (base: TensorView): TensorView => ({
    ...base,
    shape,
    strides: base.strides.filter((_, k) => k !== d),
    offset: base.offset + i * base.strides[d],
  });
  return record(node, out, [input], () => (g) => [embedInZeros(g, input.shape, region)]);
}

/** Splits into pieces of `splitSize` (the last may be smaller) or of the listed sizes, along `dim`. */
export function split(
  input: Tensor,
  splitSizeOrSections: number | readonly number[] | SplitOptions,
  dim?: number | SplitOptions,
): Tensor[] {
  ({ input, splitSizeOrSections, dim } = SPLIT(arguments));
  const d = normalizeDim('split', dim, input.shape.length);
  const size = input.shape[d];
  let sizes: number[];
  if (typeof splitSizeOrSections === 'number') {
    if (!Number.isInteger(splitSizeOrSections) || splitSizeOrSections <= 0)
      throw new RangeError(`split: split size must be a positive integer, got ${splitSizeOrSections}`);
    const count = Math.max(1, Math.ceil(size / splitSizeOrSections));
    sizes = Array.from({ length: count }, (_, i) => Math.min(splitSizeOrSections, size - i * splitSizeOrSections));
  } else {
    sizes = [...splitSizeOrSections];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== size || sizes.some((s) => !Number.isInteger(s) || s < 0))
      throw new RangeError(
        `split: split sizes ${formatShape(sizes)} must be non-negative and sum to ${size} (the size of dimension ${d}), but they sum to ${total}`,
      );
  }
  let start = 0;
  return sizes.map((length) => {
    const piece = sliceView('SplitBackward0', input, d, start, length, 1);
    start += length;
    return piece;
  });
}

export function chunk(input: Tensor, chunks: number | { chunks: number; dim?: number }, dim?: number | { dim?: number }): Tensor[] {
  ({ input, chunks, dim } = CHUNK(arguments));
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normalizeDim('chunk', dim, input.shape.length);
  // A zero-size dim comes back as `chunks` empty pieces, as in PyTorch (split would give one).
  if (input.shape[d] === 0) return split(input, new Array<number>(chunks).fill(0), d);
  return split(input, Math.max(1, Math.ceil(input.shape[d] / chunks)), d);
}

export function unbind(input: Tensor, dim?: number | { dim?: number }): Tensor[] {
  ({ input, dim } = UNBIND(arguments));
  const d = normalizeDim('unbind', dim, input.shape.length);
  return Array.from({ length: input.shape[d] }, (_, i) => selectView('UnbindBackward0', input, d, i));
}

/** Concatenates along an existing dim; all shapes must match except along `dim`. */
export function cat(tensors: readonly Tensor[], dim?: number | { dim?: number }): Tensor {
  ({ tensors, dim } = CAT(arguments));
  if (!Array.isArray(tensors as unknown) || tensors.length === 0) throw new RangeError('cat: expected a non-empty list of Tensors');
  tensors.forEach((x, i) => checkTensor('cat', `tensors[${i}]`, x));
  checkSameDevice('cat', Object.fromEntries(tensors.map((x, i) => [`tensors[${i}]`, x])));
  // PyTorch skips 1-D empty tensors in cat (legacy behaviour).
  const parts = tensors.filter((x) => !(x.shape.length === 1 && x.shape[0] === 0));
  const reference = parts[0] ?? tensors[0];
  const d = normalizeDim('cat', dim, reference.shape.length);
  parts.forEach((x, i) => {
    if (x.shape.length !== reference.shape.length || x.shape.some((s, k) => k !== d && s !== reference.shape[k])) {
      throw new RangeError(
        `cat: sizes of tensors must match except in dimension ${d}; tensors[0] has shape ${formatShape(reference.shape)} but tensors[${i}] has shape ${formatShape(x.shape)}`,
      );
    }
  });
  // torch.result_type over the list, skipped 1-D empties included; copy converts each part to it.
  const dtype = tensors.map((x) => x.dtype).reduce(promoteTypes);
  const shape = [...reference.shape];
  shape[d] = parts.reduce((n, x) => n + x.shape[d], 0);
  const out = Tensor.empty(shape, dtype, reference.deviceObject);
  const offsets: number[] = [];
  let start = 0;
  for (const x of parts) {
    offsets.push(start);
    if (x.numel() > 0) out.deviceObject.kernels.copy({ ...out, shape: x.shape, offset: start * out.strides[d] }, x);
    start += x.shape[d];
  }
  const sizes = parts.map((x) => x.shape[d]);
  return record('CatBackward0', out, tensors, () => (g) => {
    let k = 0;
    return tensors.map((x) => (x.shape.length === 1 && x.shape[0] === 0 ? null : narrow(g, d, offsets[k], sizes[k++])));
  });
}

/** Stacks same-shape tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim?: number | { dim?: number }): Tensor {
  ({ tensors, dim } = STACK(arguments));
  if (!Array.isArray(tensors as unknown) || tensors.length === 0) throw new RangeError('stack: expected a non-empty list of Tensors');
  tensors.forEach((x, i) => {
    checkTensor('stack', `tensors[${i}]`, x);
    if (!shapesEqual(x.shape, tensors[0].shape))
      throw new RangeError(
        `stack: expects each tensor to be equal size, but got ${formatShape(tensors[0].shape)} at entry 0 and ${formatShape(x.shape)} at entry ${i}`,
      );
  });
  const d = normalizeDim('stack', dim, tensors[0].shape.length + 1);
  return recordComposite(
    'StackBackward0',
    tensors,
    () =>
      cat(
        tensors.map((x) => unsqueezeDims(x, [d])),
        d,
      ),
    () => (g) => unbind(g, d),
  );
}

declare module '../tensor.js' {
  interface Tensor {
    view(...shape: SizeArgs): Tensor;
    reshape(...shape: SizeArgs): Tensor;
    contiguous(): Tensor;
    clone(): Tensor;
    detach(): Tensor;
    permute(...dims: SizeArgs): Tensor;
    transpose(dim0: number | { dim0?: number; dim1?: number }, dim1?: number | { dim1?: number }): Tensor;
    t(): Tensor;
    /** The 2-D transpose, PyTorch's `x.T` for matrices. */
    readonly T: Tensor;
    squeeze(dim?: number | readonly number[] | null | { dim?: number | readonly number[] | null }): Tensor;
    unsqueeze(dim: number | { dim: number }): Tensor;
    expand(...sizes: SizeArgs): Tensor;
    expandAs(other: Tensor): Tensor;
    flatten(startDim?: number | FlattenOptions, endDim?: number | FlattenOptions): Tensor;
    unflatten(dim: number, sizes: readonly number[]): Tensor;
    narrow(dim: number | NarrowOptions, start?: number | NarrowOptions, length?: number | NarrowOptions): Tensor;
    select(dim: number | { dim: number; index: number }, index?: number | { index: number }): Tensor;
    split(splitSizeOrSections: number | readonly number[] | SplitOptions, dim?: number | SplitOptions): Tensor[];
    chunk(chunks: number | { chunks: number; dim?: number }, dim?: number | { dim?: number }): Tensor[];
    unbind(dim?: number | { dim?: number }): Tensor[];
  }
}

Object.assign(Tensor.prototype, {
  view(this: Tensor, ...shape: SizeArgs) {
    return view(this, ...shape);
  },
  reshape(this: Tensor, ...shape: SizeArgs) {
    return reshape(this, ...shape);
  },
  contiguous(this: Tensor) {
    return contiguous(this);
  },
  clone(this: Tensor) {
    return clone(this);
  },
  detach(this: Tensor) {
    return detach(this);
  },
  permute(this: Tensor, ...dims: SizeArgs) {
    return permute(this, ...dims);
  },
  transpose(this: Tensor, ...args: AfterInput<typeof transpose>) {
    return transpose(this, ...args);
  },
  t(this: Tensor) {
    return t(this);
  },
  squeeze(this: Tensor, ...args: AfterInput<typeof squeeze>) {
    return squeeze(this, ...args);
  },
  unsqueeze(this: Tensor, ...args: AfterInput<typeof unsqueeze>) {
    return unsqueeze(this, ...args);
  },
  expand(this: Tensor, ...sizes: SizeArgs) {
    return expand(this, ...sizes);
  },
  expandAs(this: Tensor, other: Tensor) {
    return expandAs(this, other);
  },
  flatten(this: Tensor, ...args: AfterInput<typeof flatten>) {
    return flatten(this, ...args);
  },
  unflatten(this: Tensor, ...args: AfterInput<typeof unflatten>) {
    return unflatten(this, ...args);
  },
  narrow(this: Tensor, ...args: AfterInput<typeof narrow>) {
    return narrow(this, ...args);
  },
  select(this: Tensor, ...args: AfterInput<typeof select>) {
    return select(this, ...args);
  },
  split(this: Tensor, ...args: AfterInput<typeof split>) {
    return split(this, ...args);
  },
  chunk(this: Tensor, ...args: AfterInput<typeof chunk>) {
    return chunk(this, ...args);
  },
  unbind(this: Tensor, ...args: AfterInput<typeof unbind>) {
    return unbind(this, ...args);
  },
});
Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor) {
    return this.shape.length <= 2
      ? t(this)
      : permute(
          this,
          this.shape.map((_, d) => this.shape.length - 1 - d),
        );
  },
});
