import { needsGrad, record, type Save } from '../graph/record.js';
import { noGrad } from '../graph/grad-mode.js';
import type { Device, FaultMessage, TensorView } from '../devices/device.js';
import { scope } from '../memory.js';
import { checkOptions, optionKeys } from '../options.js';
import { broadcastShapes, contiguousStrides, formatShape, normalizeDim, type Shape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { add, broadcastView, inPlace, mul, where } from './elementwise.js';
import { max, sum } from './reduce.js';
import { atLeast1d, castTo, contiguousCopy, faultError, filled, gatherInto, outOfBounds, scatterInto, sizeAt, zerosOn } from './unrecorded.js';
import { checkDtype, checkInPlace, checkSameDevice, checkTensor, markModified, scalarTensor, type TensorOrScalar } from './util.js';
import { embedInZeros, reshape, select, sliceView, unsqueezeDims, view } from './views.js';

// ---- shared helpers ---------------------------------------------------------------------------

/** True when a tensor of shape `from` broadcasts to exactly `to`. */
function broadcastsTo(from: Shape, to: Shape): boolean {
  const lead = to.length - from.length;
  return lead >= 0 && from.every((size, k) => size === 1 || size === to[lead + k]);
}

function checkIndex(op: string, input: Tensor, index: Tensor): void {
  checkTensor(op, 'index', index);
  checkDtype(op, 'index', index, ['int32']);
  checkSameDevice(op, { input, index });
}

/** gather and scatter want index (and src) of input's rank, 0-d counting as 1-d. */
function checkSameRank(op: string, index: Tensor, name: string, other: Tensor): void {
  if (Math.max(index.shape.length, 1) !== Math.max(other.shape.length, 1)) {
    throw new RangeError(`${op}: index must have as many dimensions as ${name}, got index of shape ${formatShape(index.shape)} and ${name} of shape ${formatShape(other.shape)}`);
  }
}

/** index.size(k) <= other.size(k) for every k (but `exceptDim`). */
function checkIndexFits(op: string, index: Tensor, name: string, other: Tensor, exceptDim: number | null): void {
  for (let k = 0; k < index.shape.length; k++) {
    if (k !== exceptDim && index.shape[k] > sizeAt(other, k)) {
      const dims = exceptDim === null ? 'in any dimension' : `in any dimension but ${exceptDim}`;
      throw new RangeError(`${op}: index shape ${formatShape(index.shape)} must not exceed ${name} shape ${formatShape(other.shape)} ${dims} (dimension ${k}: ${index.shape[k]} > ${sizeAt(other, k)})`);
    }
  }
}

/** gatherInto whose bad index raises `op`'s out-of-bounds error unless `message` is given. */
function gatherAlong(op: string, out: TensorView, input: TensorView, index: TensorView, d: number, message = outOfBounds(op, d, sizeAt(input, d))): void {
  gatherInto(out, input, index, d, message);
}

/** scatterInto whose bad index raises `op`'s out-of-bounds error. */
function scatterAlong(op: string, target: TensorView, index: TensorView, source: TensorView, d: number, accumulate: boolean): void {
  scatterInto(target, index, source, d, accumulate, outOfBounds(op, d, sizeAt(target, d)));
}

// ---- gather / scatter -------------------------------------------------------------------------

/**
 * `out[i][j][k] = input[i][index[i][j][k]][k]` for dim 1 (and likewise for any dim); index is
 * int32 of input's rank, no larger than input except along `dim`.
 *
 * ```ts
 * torch.gather(torch.tensor([[1, 2], [3, 4]]), 1, torch.tensor([[0, 0], [1, 0]], { dtype: 'int32' }));
 * // [[1, 1], [4, 3]]
 * ```
 */
export function gather(input: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor('gather', 'input', input);
  checkIndex('gather', input, index);
  const d = normalizeDim('gather', dim, input.shape.length);
  checkSameRank('gather', index, 'input', input);
  checkIndexFits('gather', index, 'input', input, d);
  const out = filled(Tensor.empty(index.shape, input.dtype, input.deviceObject), (o) => gatherAlong('gather', o, input, index, d));
  return record('GatherBackward0', out, [input, null], (save) => {
    const idx = save(index);
    return (g) => [addedIntoZeros(input.shape, g, idx, d)];
  });
}

/** Zeros of `shape` with `grad` scatter-added at index along d: the backward of gather and indexSelect. */
function addedIntoZeros(shape: Shape, grad: Tensor, index: TensorView, d: number): Tensor {
  return filled(zerosOn(shape, grad.dtype, grad.deviceObject), (out) => scatterAlong('backward', out, index, atLeast1d(grad), d, true));
}

/** Validates scatter's arguments and shapes src (a tensor or a scalar value) as the kernel's source. */
function scatterSource(op: string, input: Tensor, dim: number, index: Tensor, src: TensorOrScalar): { d: number; source: TensorView; temporary: Tensor | null } {
  checkTensor(op, 'input', input);
  checkIndex(op, input, index);
  const d = normalizeDim(op, dim, input.shape.length);
  checkSameRank(op, index, 'input', input);
  checkIndexFits(op, index, 'input', input, d);
  const shape = atLeast1d(index).shape;
  if (src instanceof Tensor) {
    checkTensor(op, 'src', src);
    checkSameDevice(op, { input, src });
    if (src.dtype !== input.dtype) throw new TypeError(`${op}: src must have the dtype of input (${input.dtype}), got ${src.dtype}`);
    checkSameRank(op, index, 'src', src);
    checkIndexFits(op, index, 'src', src, null);
    return { d, source: { ...atLeast1d(src), shape }, temporary: null };
  }
  if (typeof src !== 'number' && typeof src !== 'boolean') throw new TypeError(`${op}: src must be a Tensor or a number, got ${src === null ? 'null' : typeof src}`);
  const temporary = scalarTensor(src, input.dtype, input.deviceObject);
  return { d, source: broadcastView(temporary, shape), temporary };
}

function scatterOp(op: string, input: Tensor, dim: number, index: Tensor, src: TensorOrScalar, accumulate: boolean): Tensor {
  const { d, source, temporary } = scatterSource(op, input, dim, index, src);
  let out: Tensor;
  try {
    out = filled(contiguousCopy(input), (o) => scatterAlong(op, o, index, source, d, accumulate));
  } finally {
    temporary?.dispose();
  }
  const srcTensor = src instanceof Tensor ? src : null;
  const node = accumulate ? 'ScatterAddBackward0' : srcTensor ? 'ScatterBackward0' : 'ScatterBackward1';
  return record(node, out, [input, null, srcTensor], (save) => {
    const idx = save(index);
    return (g) => [accumulate ? g : scatter(g, d, idx, 0), null, srcTensor ? sourceGrad(g, d, idx, srcTensor.shape) : null];
  });
}

/** The gradient of scatter's src: grad picked at index, padded with zeros where src is larger than index. */
function sourceGrad(grad: Tensor, d: number, index: Tensor, srcShape: Shape): Tensor {
  const picked = gather(grad, d, index);
  return shapesEqual(picked.shape, srcShape) ? picked : embedInZeros(picked, srcShape, (base) => ({ ...base, shape: picked.shape }));
}

/**
 * A copy of input with `src` written at index along dim (`out[i][index[i][j]] = src[i][j]` for dim 1);
 * src is a tensor of input's dtype or a scalar value. With duplicate indices one write wins.
 */
export function scatter(input: Tensor, dim: number, index: Tensor, src: TensorOrScalar): Tensor {
  return scatterOp('scatter', input, dim, index, src, false);
}

/** A copy of input with `src` added at index along dim; duplicate indices all add up. */
export function scatterAdd(input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkTensor('scatterAdd', 'src', src);
  return scatterOp('scatterAdd', input, dim, index, src, true);
}

/** In-place scatter: writes through self's strides, or rebases self's graph node when autograd records. */
function scatterInPlace(op: string, self: Tensor, dim: number, index: Tensor, src: TensorOrScalar, accumulate: boolean): Tensor {
  checkTensor(op, 'self', self);
  checkInPlace(op, self);
  if (needsGrad(self, src instanceof Tensor ? src : null)) {
    return inPlace(op, self, (s) => scatterOp(op, s, dim, index, src, accumulate));
  }
  const { d, source, temporary } = scatterSource(op, self, dim, index, src);
  try {
    scatterAlong(op, self, index, source, d, accumulate);
  } finally {
    temporary?.dispose();
  }
  markModified(self);
  return self;
}

// ---- indexSelect / indexAdd -------------------------------------------------------------------

/** A vector index read as if it had `shape`, running along `d` (stride 0 on every other dim). */
function indexAlong(index: Tensor, shape: Shape, d: number): TensorView {
  const vector = atLeast1d(index);
  return { ...vector, shape, strides: shape.map((_, k) => (k === d ? vector.strides[0] : 0)) };
}

function checkVectorIndex(op: string, input: Tensor, index: Tensor): void {
  checkIndex(op, input, index);
  if (index.shape.length > 1) throw new RangeError(`${op}: index must be a vector (0-d or 1-d), got shape ${formatShape(index.shape)}`);
}

/**
 * The slices of input at `index` along dim: `input.indexSelect(0, idx)` picks rows.
 *
 * ```ts
 * torch.indexSelect(torch.tensor([[1, 2], [3, 4], [5, 6]]), 0, torch.tensor([2, 0], { dtype: 'int32' }));
 * // [[5, 6], [1, 2]]
 * ```
 */
export function indexSelect(input: Tensor, dim: number, index: Tensor): Tensor {
  return indexSelectRaising(input, dim, index, null);
}

/**
 * indexSelect whose bad index raises `badIndex` (see FaultMessage) rather than indexSelect's own
 * message: for ops built on it whose indices mean something else to the caller (embedding rows,
 * class targets), so that the lookup itself is their bounds check.
 */
export function indexSelectRaising(input: Tensor, dim: number, index: Tensor, badIndex: FaultMessage | null): Tensor {
  checkTensor('indexSelect', 'input', input);
  checkVectorIndex('indexSelect', input, index);
  const d = normalizeDim('indexSelect', dim, input.shape.length);
  if (input.shape.length === 0 && index.numel() !== 1) throw new RangeError(`indexSelect: a 0-d input takes exactly one index, got ${index.numel()}`);
  const shape = [...atLeast1d(input).shape];
  shape[d] = index.numel();
  const out = filled(Tensor.empty(input.shape.length === 0 ? [] : shape, input.dtype, input.deviceObject), (o) => gatherAlong('indexSelect', o, input, indexAlong(index, shape, d), d, badIndex ?? undefined));
  return record('IndexSelectBackward0', out, [input, null], (save) => {
    const idx = save(index);
    return (g) => [addedIntoZeros(input.shape, g, indexAlong(idx, atLeast1d(g).shape, d), d)];
  });
}

/**
 * A copy of input with the slices of `source` added at `index` along dim (PyTorch's index_add);
 * duplicate indices all add up. source has input's shape except `index.numel()` along dim.
 */
export function indexAdd(input: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  checkTensor('indexAdd', 'input', input);
  checkVectorIndex('indexAdd', input, index);
  checkTensor('indexAdd', 'source', source);
  checkSameDevice('indexAdd', { input, source });
  const d = normalizeDim('indexAdd', dim, input.shape.length);
  if (source.dtype !== input.dtype) throw new TypeError(`indexAdd: source must have the dtype of input (${input.dtype}), got ${source.dtype}`);
  const expected = [...atLeast1d(input).shape];
  expected[d] = index.numel();
  if (!shapesEqual(atLeast1d(source).shape, expected)) {
    throw new RangeError(`indexAdd: source must have shape ${formatShape(expected)} (input's shape with index.numel() along dim ${d}), got ${formatShape(source.shape)}`);
  }
  const out = filled(contiguousCopy(input), (o) => scatterAlong('indexAdd', o, indexAlong(index, expected, d), atLeast1d(source), d, true));
  return record('IndexAddBackward0', out, [input, null, source], (save) => {
    const idx = save(index);
    return (g) => [g, null, indexSelect(g, d, idx)];
  });
}

// ---- maskedFill / oneHot ----------------------------------------------------------------------

function maskedFillAs(op: string, input: Tensor, mask: Tensor, value: TensorOrScalar): Tensor {
  checkTensor(op, 'input', input);
  checkTensor(op, 'mask', mask);
  checkDtype(op, 'mask', mask, ['bool']);
  checkSameDevice(op, { input, mask });
  const device = input.deviceObject;
  let fill: Tensor;
  if (value instanceof Tensor) {
    checkTensor(op, 'value', value);
    checkSameDevice(op, { input, value });
    if (value.shape.length !== 0) throw new RangeError(`${op}: value must be a number or a 0-d tensor, got a tensor of shape ${formatShape(value.shape)}`);
    fill = castTo(value, input.dtype);
  } else {
    if (typeof value !== 'number' && typeof value !== 'boolean') throw new TypeError(`${op}: value must be a number, boolean or 0-d tensor, got ${value === null ? 'null' : typeof value}`);
    fill = scalarTensor(value, input.dtype, device);
  }
  const shape = broadcastShapes(op, input.shape, mask.shape, ['input', 'mask']);
  const out = Tensor.empty(shape, input.dtype, device);
  if (out.numel() > 0) device.kernels.where(out, broadcastView(mask, shape), broadcastView(fill, shape), broadcastView(input, shape));
  if (fill !== value) fill.dispose();
  const valueTensor = value instanceof Tensor ? value : null;
  return record('MaskedFillBackward0', out, [input, null, valueTensor], (save) => {
    const m = save(mask);
    return (g) => [where(m, 0, g), null, valueTensor ? sum(where(m, g, 0)) : null];
  });
}

/**
 * input with `value` where mask (bool, broadcast with input) is true.
 *
 * ```ts
 * torch.tensor([1, 2, 3]).maskedFill(torch.tensor([true, false, true]), 0);   // [0, 2, 0]
 * ```
 */
export function maskedFill(input: Tensor, mask: Tensor, value: TensorOrScalar): Tensor {
  return maskedFillAs('maskedFill', input, mask, value);
}

function maskedFill_(self: Tensor, mask: Tensor, value: TensorOrScalar): Tensor {
  checkTensor('maskedFill_', 'self', self);
  checkTensor('maskedFill_', 'mask', mask);
  if (!broadcastsTo(mask.shape, self.shape)) throw new RangeError(`maskedFill_: mask of shape ${formatShape(mask.shape)} cannot be broadcast to self of shape ${formatShape(self.shape)}`);
  return inPlace('maskedFill_', self, (s) => maskedFillAs('maskedFill_', s, mask, value));
}

/**
 * int32 one-hot encoding along a new last dim, like F.one_hot; numClasses -1 takes max + 1 (a
 * read of the data, so only on devices with synchronous reads: elsewhere pass numClasses).
 *
 * ```ts
 * torch.oneHot(torch.tensor([0, 2], { dtype: 'int32' }), 3);   // [[1, 0, 0], [0, 0, 1]]
 * ```
 */
export function oneHot(input: Tensor, numClasses = -1): Tensor {
  checkTensor('oneHot', 'tensor', input);
  if (input.dtype !== 'int32') throw new TypeError(`oneHot: argument 'tensor' must be an int32 tensor of class indices, got ${input.dtype}`);
  if (!Number.isInteger(numClasses) || numClasses < -1) throw new RangeError(`oneHot: numClasses must be -1 (infer from the data) or a non-negative integer, got ${numClasses}`);
  let classes = numClasses;
  if (classes === -1) {
    if (input.numel() === 0) throw new RangeError('oneHot: cannot infer the number of classes from an empty tensor; pass numClasses');
    if (!input.deviceObject.synchronous) {
      throw new Error(`oneHot: numClasses -1 takes the number of classes from the largest value, which a tensor on ${input.device} cannot give without an asynchronous read; pass numClasses`);
    }
    const top = max(input);
    classes = Number(top.itemSync()) + 1;
    top.dispose();
  }
  const device = input.deviceObject;
  const out = zerosOn([...input.shape, classes], 'int32', device);
  const index: TensorView = { ...input, shape: [...input.shape, 1], strides: [...input.strides, 1] };
  const one = scalarTensor(1, 'int32', device);
  try {
    return filled(out, () => scatterInto(out, index, broadcastView(one, index.shape), input.shape.length, false, `oneHot: class values must be non-negative and smaller than numClasses (${classes}), got {value}`));
  } finally {
    one.dispose();
  }
}

// ---- x.index(...) and x.indexPut_(...) ------------------------------------------------------

/** A nested array of integer indices, or of booleans (a mask), as Python's `x[[0, 2]]`. */
export type IndexArray = readonly (number | boolean | IndexArray)[];

/**
 * One entry of `x.index(...)`: a number (select), a slice string ('1:5', ':', '::2', '-1:'),
 * '...', null (new axis), a boolean, an int32 or bool tensor, or a nested array of numbers/booleans.
 */
export type IndexEntry = number | string | null | boolean | Tensor | IndexArray;

export interface IndexPutOptions {
  /** Add values into the indexed elements (duplicates add up) instead of writing them. */
  accumulate?: boolean;
}

const INDEX_PUT_OPTIONS = optionKeys<IndexPutOptions>({ accumulate: true });

/** indexPut's accumulate flag, after checking its options. */
function accumulateOf(op: string, options: IndexPutOptions | undefined): boolean {
  return checkOptions(op, options, INDEX_PUT_OPTIONS).accumulate ?? false;
}

type ParsedEntry =
  | { kind: 'int'; value: number }
  | { kind: 'slice'; start: number | null; stop: number | null; step: number }
  | { kind: 'newAxis' }
  | { kind: 'ellipsis' }
  | { kind: 'bool'; value: boolean }
  /** `selects`: a 0-d int32 tensor that acts as a number without being read (see parseEntry). */
  | { kind: 'tensor'; tensor: Tensor; selects?: boolean };

/** A view-making step of basic indexing, on the dims of the partly indexed tensor. */
type BasicStep =
  | { kind: 'select'; dim: number; index: number }
  | { kind: 'slice'; dim: number; begin: number; count: number; step: number }
  | { kind: 'newAxis'; dim: number };

/** The advanced (tensor) part of an index, on the view that the basic steps produce. */
interface AdvancedIndex {
  /** Dims of the basic view that index tensors address, ascending. */
  dims: number[];
  /** One int32 index per dim, wrapped into [0, size) and checked; broadcastable to `shape`. */
  indices: Tensor[];
  /** The index tensors' broadcast shape. */
  shape: number[];
  /**
   * Where the index shape sits in the result: at the first indexed dim when the dims are adjacent,
   * else first. Dims indexed by 0-d tensors that act as numbers vanish first, as selects do.
   */
  position: number;
}

/**
 * Values of bool index tensors (masks and 0-d booleans) known without reading them: bool arrays
 * given as entries, and what the async forms (indexAsync, ...) read before planning.
 */
type KnownValues = Map<Tensor, ArrayLike<number>>;

/** An index resolved against one shape, reusable on any tensor of that shape (input, grad, copy). */
interface IndexPlan {
  steps: BasicStep[];
  /** The shape after the basic steps. */
  basicShape: number[];
  advanced: AdvancedIndex | null;
}

const SLICE = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/;

function parseString(op: string, text: string): ParsedEntry {
  if (text.trim() === '...') return { kind: 'ellipsis' };
  const match = SLICE.exec(text);
  if (!match) throw new TypeError(`${op}: invalid index '${text}'; strings must be slices like '1:5', ':', '::2', '-1:' or the ellipsis '...'`);
  const [, start, stop, step] = match;
  const stepValue = step === undefined ? 1 : Number(step);
  if (stepValue === 0) throw new RangeError(`${op}: slice step cannot be zero (in '${text}')`);
  if (stepValue < 0) throw new RangeError(`${op}: step must be greater than zero; negative steps are not supported (in '${text}')`);
  return { kind: 'slice', start: start === undefined ? null : Number(start), stop: stop === undefined ? null : Number(stop), step: stepValue };
}

/** Python's slice bounds for a positive step: [begin, begin + count * step) clamped into the dim. */
function resolveSlice(entry: { start: number | null; stop: number | null; step: number }, size: number): { begin: number; count: number } {
  const clampBound = (value: number | null, fallback: number) => (value === null ? fallback : value < 0 ? Math.max(value + size, 0) : Math.min(value, size));
  const begin = clampBound(entry.start, 0);
  const end = clampBound(entry.stop, size);
  return { begin, count: end > begin ? Math.ceil((end - begin) / entry.step) : 0 };
}

function parseEntry(op: string, input: Tensor, entry: IndexEntry, position: number, temporaries: Tensor[], known: KnownValues): ParsedEntry {
  if (entry === null) return { kind: 'newAxis' };
  if (typeof entry === 'boolean') return { kind: 'bool', value: entry };
  if (typeof entry === 'string') return parseString(op, entry);
  if (typeof entry === 'number') {
    if (!Number.isInteger(entry)) throw new TypeError(`${op}: number indices must be integers, got ${entry} at position ${position}`);
    return { kind: 'int', value: entry };
  }
  if (Array.isArray(entry)) {
    const leaves = (entry as unknown[]).flat(Infinity);
    const isMask = leaves.length > 0 && leaves.every((v) => typeof v === 'boolean');
    if (!isMask && !leaves.every((v) => Number.isInteger(v))) throw new TypeError(`${op}: index arrays must hold integers or booleans, got ${JSON.stringify(entry)} at position ${position}`);
    const converted = tensor(entry as number[], { dtype: isMask ? 'bool' : 'int32', device: input.device });
    temporaries.push(converted);
    if (isMask) known.set(converted, leaves.map(Number));
    return { kind: 'tensor', tensor: converted };
  }
  if (entry instanceof Tensor) {
    checkTensor(op, `indices[${position}]`, entry);
    checkSameDevice(op, { input, [`indices[${position}]`]: entry });
    if (entry.dtype === 'float32') throw new TypeError(`${op}: tensors used as indices must be int32 or bool, got a float32 tensor of shape ${formatShape(entry.shape)} at position ${position}`);
    if (entry.shape.length > 0) return { kind: 'tensor', tensor: entry };
    // A 0-d index acts as a number (PyTorch reads it): a select for int32, a new axis for bool.
    if (entry.dtype === 'bool') return { kind: 'bool', value: Boolean(boolValues(op, entry, known)[0]) };
    // Where reads wait, the int32 one is an index tensor that selects like a number: a copy
    // instead of PyTorch's view, with the same values and gradients.
    return entry.deviceObject.synchronous ? { kind: 'int', value: Number(entry.itemSync()) } : { kind: 'tensor', tensor: entry, selects: true };
  }
  throw new TypeError(`${op}: unsupported index entry ${entry === undefined ? 'undefined' : typeof entry} at position ${position}; use a number, slice string, '...', null, boolean, int32/bool tensor or array`);
}

/** The values of a bool index tensor, which decide the result's shape: known, or read where reads are synchronous. */
function boolValues(op: string, mask: Tensor, known: KnownValues): ArrayLike<number> {
  const values = known.get(mask);
  if (values) return values;
  if (!mask.deviceObject.synchronous) {
    const what = mask.shape.length === 0 ? 'a 0-d bool tensor' : `a bool mask of shape ${formatShape(mask.shape)}`;
    const asyncForm = op.endsWith('_') ? `${op.slice(0, -1)}Async_` : `${op}Async`;
    throw new Error(`${op}: indexing with ${what} gives a shape that depends on its values, which a tensor on ${mask.device} cannot give without an asynchronous read; use await x.${asyncForm}(...), which reads the masks first, or keep the shape with maskedFill / torch.where`);
  }
  return mask.dataSync();
}

/** The coordinates of a mask's true elements, one int32 tensor per mask dim. */
function maskCoordinates(op: string, mask: Tensor, temporaries: Tensor[], known: KnownValues): Tensor[] {
  const values = boolValues(op, mask, known);
  const coordinates = mask.shape.map(() => [] as number[]);
  const strides = contiguousStrides(mask.shape);
  for (let flat = 0; flat < values.length; flat++) {
    if (values[flat] !== 0) strides.forEach((stride, k) => coordinates[k].push(Math.floor(flat / stride) % mask.shape[k]));
  }
  return coordinates.map((list) => {
    const t = tensor(Int32Array.from(list), { dtype: 'int32', device: mask.device });
    temporaries.push(t);
    return t;
  });
}

function planIndex(op: string, input: Tensor, entries: readonly IndexEntry[], known: KnownValues): IndexPlan {
  const temporaries: Tensor[] = [];
  try {
    const parsed = entries.map((entry, position) => parseEntry(op, input, entry, position, temporaries, known));
    const consumed = parsed.reduce((n, p) => n + (p.kind === 'int' || p.kind === 'slice' ? 1 : p.kind === 'tensor' ? (p.tensor.dtype === 'bool' ? p.tensor.shape.length : 1) : 0), 0);
    if (parsed.filter((p) => p.kind === 'ellipsis').length > 1) throw new RangeError(`${op}: an index can only have a single ellipsis ('...')`);
    if (consumed > input.shape.length) throw new RangeError(`${op}: too many indices for tensor of dimension ${input.shape.length} (got ${consumed})`);
    const shape = [...input.shape];
    const steps: BasicStep[] = [];
    const dims: number[] = [];
    const raw: Tensor[] = [];
    const selecting = new Set<number>();
    let d = 0;
    for (const p of parsed) {
      if (p.kind === 'ellipsis') {
        d += input.shape.length - consumed;
      } else if (p.kind === 'int') {
        const size = shape[d];
        if (p.value < -size || p.value >= size) throw faultError(outOfBounds(op, d, size), p.value);
        steps.push({ kind: 'select', dim: d, index: p.value < 0 ? p.value + size : p.value });
        shape.splice(d, 1);
      } else if (p.kind === 'slice') {
        const { begin, count } = resolveSlice(p, shape[d]);
        steps.push({ kind: 'slice', dim: d, begin, count, step: p.step });
        shape[d++] = count;
      } else if (p.kind === 'newAxis' || p.kind === 'bool') {
        steps.push({ kind: 'newAxis', dim: d });
        shape.splice(d, 0, 1);
        // x[True] / x[False] index the new axis with [0] / [] (NumPy's rule).
        if (p.kind === 'bool') {
          const picked = tensor(p.value ? [0] : [], { dtype: 'int32', device: input.device });
          temporaries.push(picked);
          dims.push(d);
          raw.push(picked);
        }
        d++;
      } else if (p.tensor.dtype === 'int32') {
        if (p.selects) selecting.add(d);
        dims.push(d++);
        raw.push(p.tensor);
      } else {
        const mask = p.tensor;
        const covered = shape.slice(d, d + mask.shape.length);
        if (!shapesEqual(mask.shape, covered)) {
          throw new RangeError(`${op}: the shape of the mask ${formatShape(mask.shape)} does not match the shape ${formatShape(covered)} of the dims ${d}..${d + mask.shape.length - 1} it indexes (tensor shape ${formatShape(shape)})`);
        }
        for (const coordinate of maskCoordinates(op, mask, temporaries, known)) {
          dims.push(d++);
          raw.push(coordinate);
        }
      }
    }
    return { steps, basicShape: shape, advanced: dims.length > 0 ? advancedIndex(op, input.deviceObject, dims, raw, shape, selecting) : null };
  } finally {
    for (const t of temporaries) t.dispose();
  }
}

/** Broadcasts the index tensors together and wraps each into its dim (checking the range). */
function advancedIndex(op: string, device: Device, dims: number[], raw: readonly Tensor[], basicShape: Shape, selecting: ReadonlySet<number>): AdvancedIndex {
  let shape: number[] = [...raw[0].shape];
  try {
    for (const t of raw.slice(1)) shape = broadcastShapes(op, shape, t.shape);
  } catch {
    throw new RangeError(`${op}: shape mismatch: indexing tensors could not be broadcast together with shapes ${raw.map((t) => formatShape(t.shape)).join(', ')}`);
  }
  const indices: Tensor[] = [];
  try {
    dims.forEach((dim, i) => indices.push(filled(Tensor.empty(raw[i].shape, 'int32', device), (out) => {
      const message = outOfBounds(op, dim, basicShape[dim]);
      const bad = out.numel() > 0 ? device.kernels.normalizeIndex(out, raw[i], basicShape[dim], message) : null;
      if (bad !== null) throw faultError(message, bad);
    })));
  } catch (error) {
    for (const t of indices) t.dispose();
    throw error;
  }
  // Dims that select like numbers vanish from the view first, so they neither separate the others nor precede them.
  const shaping = dims.filter((dim) => !selecting.has(dim));
  const remaining = (dim: number) => dim - dims.filter((other) => other < dim && selecting.has(other)).length;
  const adjacent = shaping.every((dim, i) => i === 0 || remaining(dim) === remaining(shaping[i - 1]) + 1);
  return { dims, indices, shape, position: adjacent && shaping.length > 0 ? remaining(shaping[0]) : 0 };
}

function disposePlan(plan: IndexPlan): void {
  for (const t of plan.advanced?.indices ?? []) t.dispose();
}

/** The plan with its index tensors kept for backward. */
function savePlan(plan: IndexPlan, save: Save): IndexPlan {
  return plan.advanced ? { ...plan, advanced: { ...plan.advanced, indices: plan.advanced.indices.map(save) } } : plan;
}

function advancedResultShape(basicShape: Shape, advanced: AdvancedIndex): number[] {
  const rest = basicShape.filter((_, d) => !advanced.dims.includes(d));
  return [...rest.slice(0, advanced.position), ...advanced.shape, ...rest.slice(advanced.position)];
}

function resultShape(plan: IndexPlan): number[] {
  return plan.advanced ? advancedResultShape(plan.basicShape, plan.advanced) : plan.basicShape;
}

/** The basic view of `target` (same shape as the planned input): selects, slices and new axes. */
function applyBasic(target: Tensor, steps: readonly BasicStep[]): Tensor {
  let current = target;
  for (const step of steps) {
    const next =
      step.kind === 'select' ? select(current, step.dim, step.index)
      : step.kind === 'slice' ? sliceView('SliceBackward0', current, step.dim, step.begin, step.count, step.step)
      : unsqueezeDims(current, [step.dim]);
    if (current !== target) current.dispose();
    current = next;
  }
  return current;
}

/**
 * Kernel views that address target[indices] as one gather/scatter along dim 0: the indexed dims
 * collapse into one dim of element offsets (sum of index * stride), followed by the index shape's
 * other dims (stride 0 in target) and the remaining dims, so strided targets need no copy.
 * `arrange` views a tensor of the result shape in that dim order.
 */
function advancedLayout(target: TensorView, advanced: AdvancedIndex) {
  const restDims = target.shape.map((_, d) => d).filter((d) => !advanced.dims.includes(d));
  const restShape = restDims.map((d) => target.shape[d]);
  const restStrides = restDims.map((d) => target.strides[d]);
  const offsets = scope(() => advanced.dims.map((dim, i) => mul(advanced.indices[i], target.strides[dim])).reduce((a, b) => add(a, b)));
  const extent = advanced.dims.reduce((n, dim) => n + (target.shape[dim] - 1) * target.strides[dim], 1);
  // 0-d indices (that select like numbers) gather along a dim of size 1 that the result lacks.
  const indexShape = advanced.shape.length > 0 ? advanced.shape : [1];
  const inner = indexShape.slice(1);
  const data: TensorView = { ...target, shape: [extent, ...inner, ...restShape], strides: [1, ...inner.map(() => 0), ...restStrides] };
  const index: TensorView = { ...offsets, shape: [...indexShape, ...restShape], strides: [...contiguousStrides(indexShape), ...restShape.map(() => 0)] };
  const count = advanced.shape.length;
  const order = [...restDims.keys()].map((k) => (k < advanced.position ? k : k + count));
  const arrange = (result: TensorView): TensorView => {
    const dims = [...advanced.shape.map((_, k) => advanced.position + k), ...order];
    const lead = count > 0 ? [] : [1];
    return { ...result, shape: [...lead, ...dims.map((k) => result.shape[k])], strides: [...lead.map(() => 0), ...dims.map((k) => result.strides[k])] };
  };
  return { data, index, offsets, arrange };
}

/** source[indices] for the advanced part, a new contiguous tensor; not recorded. */
function gatherAdvanced(op: string, source: Tensor, advanced: AdvancedIndex): Tensor {
  const layout = advancedLayout(source, advanced);
  try {
    return filled(Tensor.empty(advancedResultShape(source.shape, advanced), source.dtype, source.deviceObject), (out) => gatherAlong(op, layout.arrange(out), layout.data, layout.index, 0));
  } finally {
    layout.offsets.dispose();
  }
}

/** The planned index of `source` without recording: its basic view, gathered by the advanced part. */
function gatherIndexed(op: string, source: Tensor, plan: IndexPlan): Tensor {
  return noGrad(() => {
    const region = applyBasic(source, plan.steps);
    if (!plan.advanced) return region;
    try {
      return gatherAdvanced(op, region, plan.advanced);
    } finally {
      if (region !== source) region.dispose();
    }
  });
}

/** target[plan] = values (or += with accumulate), written in place through views; not recorded. */
function writeIndexed(op: string, target: Tensor, plan: IndexPlan, values: TensorOrScalar, accumulate: boolean): void {
  noGrad(() => {
    const device = target.deviceObject;
    const region = applyBasic(target, plan.steps);
    const source = values instanceof Tensor ? castTo(values, target.dtype) : scalarTensor(values, target.dtype, device);
    try {
      const shape = resultShape(plan);
      if (!broadcastsTo(source.shape, shape)) {
        throw new RangeError(`${op}: shape mismatch: value tensor of shape ${formatShape(source.shape)} cannot be broadcast to indexing result of shape ${formatShape(shape)}`);
      }
      if (plan.advanced) {
        const layout = advancedLayout(region, plan.advanced);
        try {
          scatterAlong(op, layout.data, layout.index, layout.arrange(broadcastView(source, shape)), 0, accumulate);
        } finally {
          layout.offsets.dispose();
        }
      } else if (region.numel() > 0) {
        const written = accumulate ? add(region, source) : source;
        device.kernels.copy(region, broadcastView(written, shape));
        if (written !== source) written.dispose();
      }
    } finally {
      if (source !== values) source.dispose();
      if (region !== target) region.dispose();
    }
  });
}

/**
 * Python's `x[...]`: each entry is a number (select; negative counts from the end), a slice string
 * ('1:5', ':', '::2', '-1:', '1:-1'), '...', null (new axis), a boolean, an int32 tensor or number
 * array (advanced indexing, any shape, broadcast together), or a bool tensor/array (a mask).
 * Numbers, slices, null and '...' alone give a view sharing storage; index tensors give a copy
 * whose index dims sit where the (adjacent) indexed dims were, or first when they are separated.
 * A bool tensor's values decide the result's shape, so on devices whose reads wait (webgpu) use
 * `indexAsync` for them; a 0-d int32 tensor selects like its number there without being read,
 * giving a copy where PyTorch gives a view.
 *
 * ```ts
 * const x = torch.arange(24).reshape(2, 3, 4);
 * x.index(':', -1, ':').shape;                 // [2, 4], a view
 * x.index('...', [0, 2]).shape;                // [2, 3, 2], a copy
 * ```
 */
export function index(input: Tensor, ...indices: IndexEntry[]): Tensor {
  return indexWith(input, indices, new Map());
}

/**
 * `index` that first reads the bool tensors among the entries (masks, 0-d booleans), whose values
 * decide the result's shape: the form for such entries on devices whose reads wait (webgpu).
 *
 * ```ts
 * const x = torch.tensor([-1, 2, -3, 4]);
 * await (await x.indexAsync(x.gt(0))).tolist();   // [2, 4]
 * ```
 */
export async function indexAsync(input: Tensor, ...indices: IndexEntry[]): Promise<Tensor> {
  return indexWith(input, indices, await readMasks(indices));
}

/** The values of every bool tensor entry, read (so planning needs no synchronous read). */
async function readMasks(entries: readonly IndexEntry[]): Promise<KnownValues> {
  const masks = entries.filter((entry): entry is Tensor => entry instanceof Tensor && entry.dtype === 'bool');
  return new Map(await Promise.all(masks.map(async (mask) => [mask, await mask.data()] as const)));
}

function indexWith(input: Tensor, indices: readonly IndexEntry[], known: KnownValues): Tensor {
  checkTensor('index', 'input', input);
  const plan = planIndex('index', input, indices, known);
  try {
    if (!plan.advanced) return plan.steps.length > 0 ? applyBasic(input, plan.steps) : view(input, input.shape);
    const out = gatherIndexed('index', input, plan);
    return record('IndexBackward0', out, [input], (save) => {
      const saved = savePlan(plan, save);
      return (g) => {
        const grad = zerosOn(input.shape, g.dtype, g.deviceObject);
        writeIndexed('index', grad, saved, g, true);
        return [grad];
      };
    });
  } finally {
    disposePlan(plan);
  }
}

/** `values` as written by indexPut: PyTorch drops leading size-1 dims beyond the result's rank. */
function valuesFor(op: string, input: Tensor, plan: IndexPlan, values: TensorOrScalar): TensorOrScalar {
  if (!(values instanceof Tensor)) {
    if (typeof values !== 'number' && typeof values !== 'boolean') throw new TypeError(`${op}: values must be a Tensor or a number, got ${values === null ? 'null' : typeof values}`);
    return values;
  }
  checkTensor(op, 'values', values);
  checkSameDevice(op, { input, values });
  const extra = values.shape.length - resultShape(plan).length;
  return extra > 0 && values.shape.slice(0, extra).every((s) => s === 1) ? reshape(values, values.shape.slice(extra)) : values;
}

function indexPutAs(op: string, input: Tensor, indices: readonly IndexEntry[], values: TensorOrScalar, accumulate: boolean, known: KnownValues): Tensor {
  checkTensor(op, 'input', input);
  const plan = planIndex(op, input, indices, known);
  let source = values;
  try {
    source = valuesFor(op, input, plan, values);
    const written = source;
    const out = filled(contiguousCopy(input), (o) => writeIndexed(op, o, plan, written, accumulate));
    const sourceTensor = written instanceof Tensor ? written : null;
    return record('IndexPutBackward0', out, [input, sourceTensor], (save) => {
      const saved = savePlan(plan, save);
      return (g) => {
        let gradInput = g;
        if (!accumulate) {
          gradInput = contiguousCopy(g);
          writeIndexed(op, gradInput, saved, 0, false);
        }
        return [gradInput, sourceTensor ? gatherIndexed(op, g, saved) : null];
      };
    });
  } finally {
    if (source !== values) (source as Tensor).dispose();
    disposePlan(plan);
  }
}

/**
 * A copy of input with `input[indices] = values` (PyTorch's index_put); with `{ accumulate: true }`
 * values add into the indexed elements and duplicate indices add up. Entries as for `index`.
 */
export function indexPut(input: Tensor, indices: readonly IndexEntry[], values: TensorOrScalar, options?: IndexPutOptions): Tensor {
  return indexPutAs('indexPut', input, indices, values, accumulateOf('indexPut', options), new Map());
}

/** `indexPut` that first reads the bool tensors among the entries, as `indexAsync` does. */
export async function indexPutAsync(input: Tensor, indices: readonly IndexEntry[], values: TensorOrScalar, options?: IndexPutOptions): Promise<Tensor> {
  return indexPutAs('indexPut', input, indices, values, accumulateOf('indexPut', options), await readMasks(indices));
}

/**
 * Python's `x[...] = values` in place: basic entries write through views, index tensors scatter;
 * values (a number or a tensor) broadcast to the indexed shape. With a bool mask on devices whose
 * reads wait, use `indexPutAsync_` (or maskedFill_ to write one value).
 *
 * ```ts
 * const P = torch.zeros(1, 10, 6);
 * P.indexPut_([':', ':', '0::2'], torch.ones(1, 10, 3));   // P[:, :, 0::2] = 1
 * ```
 */
function indexPut_(self: Tensor, indices: readonly IndexEntry[], values: TensorOrScalar, options: IndexPutOptions | undefined, known: KnownValues = new Map()): Tensor {
  checkTensor('indexPut_', 'self', self);
  checkInPlace('indexPut_', self);
  const accumulate = accumulateOf('indexPut_', options);
  if (needsGrad(self, values instanceof Tensor ? values : null)) return inPlace('indexPut_', self, (s) => indexPutAs('indexPut_', s, indices, values, accumulate, known));
  const plan = planIndex('indexPut_', self, indices, known);
  let source = values;
  try {
    source = valuesFor('indexPut_', self, plan, values);
    writeIndexed('indexPut_', self, plan, source, accumulate);
  } finally {
    if (source !== values) (source as Tensor).dispose();
    disposePlan(plan);
  }
  markModified(self);
  return self;
}

declare module '../tensor.js' {
  interface Tensor {
    gather(dim: number, index: Tensor): Tensor;
    scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor;
    scatter_(dim: number, index: Tensor, src: TensorOrScalar): this;
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
    scatterAdd_(dim: number, index: Tensor, src: Tensor): this;
    indexSelect(dim: number, index: Tensor): Tensor;
    indexAdd(dim: number, index: Tensor, source: Tensor): Tensor;
    maskedFill(mask: Tensor, value: TensorOrScalar): Tensor;
    maskedFill_(mask: Tensor, value: TensorOrScalar): this;
    /** Python's `x[...]`; see `index` in src/ops/indexing.ts. */
    index(...indices: IndexEntry[]): Tensor;
    /** `index` that reads bool mask entries first (for devices whose reads wait). */
    indexAsync(...indices: IndexEntry[]): Promise<Tensor>;
    indexPut(indices: readonly IndexEntry[], values: TensorOrScalar, options?: IndexPutOptions): Tensor;
    /** Python's `x[...] = values`. */
    indexPut_(indices: readonly IndexEntry[], values: TensorOrScalar, options?: IndexPutOptions): this;
    indexPutAsync(indices: readonly IndexEntry[], values: TensorOrScalar, options?: IndexPutOptions): Promise<Tensor>;
    /** `indexPut_` that reads bool mask entries first (for devices whose reads wait). */
    indexPutAsync_(indices: readonly IndexEntry[], values: TensorOrScalar, options?: IndexPutOptions): Promise<this>;
  }
}

Object.assign(Tensor.prototype, {
  gather(this: Tensor, dim: number, index: Tensor) { return gather(this, dim, index); },
  scatter(this: Tensor, dim: number, index: Tensor, src: TensorOrScalar) { return scatter(this, dim, index, src); },
  scatter_(this: Tensor, dim: number, index: Tensor, src: TensorOrScalar) { return scatterInPlace('scatter_', this, dim, index, src, false); },
  scatterAdd(this: Tensor, dim: number, index: Tensor, src: Tensor) { return scatterAdd(this, dim, index, src); },
  scatterAdd_(this: Tensor, dim: number, index: Tensor, src: Tensor) { return scatterInPlace('scatterAdd_', this, dim, index, checkTensor('scatterAdd_', 'src', src), true); },
  indexSelect(this: Tensor, dim: number, index: Tensor) { return indexSelect(this, dim, index); },
  indexAdd(this: Tensor, dim: number, index: Tensor, source: Tensor) { return indexAdd(this, dim, index, source); },
  maskedFill(this: Tensor, mask: Tensor, value: TensorOrScalar) { return maskedFill(this, mask, value); },
  maskedFill_(this: Tensor, mask: Tensor, value: TensorOrScalar) { return maskedFill_(this, mask, value); },
  index(this: Tensor, ...indices: IndexEntry[]) { return index(this, ...indices); },
  indexAsync(this: Tensor, ...indices: IndexEntry[]) { return indexAsync(this, ...indices); },
  indexPut(this: Tensor, indices: readonly IndexEntry[], values: TensorOrScalar, options?: IndexPutOptions) { return indexPut(this, indices, values, options); },
  indexPut_(this: Tensor, indices: readonly IndexEntry[], values: TensorOrScalar, options?: IndexPutOptions) { return indexPut_(this, indices, values, options); },
  indexPutAsync(this: Tensor, indices: readonly IndexEntry[], values: TensorOrScalar, options?: IndexPutOptions) { return indexPutAsync(this, indices, values, options); },
  async indexPutAsync_(this: Tensor, indices: readonly IndexEntry[], values: TensorOrScalar, options?: IndexPutOptions) { return indexPut_(this, indices, values, options, await readMasks(indices)); },
});

