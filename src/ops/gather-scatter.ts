/** Ops that index along one dim with an int32 tensor: gather, scatter, indexSelect, indexAdd, oneHot. */

import type { FaultMessage, TensorView } from '../devices/device.js';
import { needsGrad, record } from '../graph/record.js';
import { formatShape, normalizeDim, type Shape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastView, inPlace } from './elementwise.js';
import { max } from './reduce.js';
import { kind, param, signature } from './signature.js';
import { atLeast1d, contiguousCopy, filled, gatherInto, outOfBounds, scatterInto, sizeAt, zerosOn } from './unrecorded.js';
import { checkDtype, checkInPlace, checkSameDevice, checkTensor, markModified, scalarTensor, type TensorOrScalar } from './util.js';
import { embedInZeros } from './views.js';

/** The dim and index of gather and indexSelect, by name. */
export interface IndexedOptions {
  dim?: number;
  index?: Tensor;
}

const GATHER = signature('gather', { input: param.tensor(), dim: param.int(), index: param.tensor() });
const INDEX_SELECT = signature('indexSelect', { input: param.tensor(), dim: param.int(), index: param.tensor() });
/** scatter's src and value by name: `x.scatter({ dim, index, src })`, `x.scatter(1, idx, { value: 0 })`. */
export interface ScatterOptions extends IndexedOptions {
  src?: TensorOrScalar;
  value?: number | boolean;
}

/** scatterAdd's arguments by name. */
export interface ScatterAddOptions extends IndexedOptions {
  src?: Tensor;
}

/**
 * PyTorch's two scatters, `scatter(input, dim, index, src)` and `scatter(input, dim, index, value)`,
 * as one signature: a fourth positional argument is src, a tensor or a number, and `value` goes by name.
 */
const scatterSignature = (op: string) =>
  signature(op, {
    input: param.tensor(),
    dim: param.int(),
    index: param.tensor(),
    src: kind<TensorOrScalar | null>('a Tensor or a number', (v) =>
      v === null || v instanceof Tensor || typeof v === 'number' || typeof v === 'boolean' ? v : undefined,
    )(null),
    value: kind<number | boolean | null>('a number', (v) =>
      v === null || typeof v === 'number' || typeof v === 'boolean' ? v : undefined,
    )(null),
  });
const SCATTER = scatterSignature('scatter');
const SCATTER_IN_PLACE = scatterSignature('scatter_');
const scatterAddSignature = (op: string) =>
  signature(op, { input: param.tensor(), dim: param.int(), index: param.tensor(), src: param.tensor() });
const SCATTER_ADD = scatterAddSignature('scatterAdd');
const SCATTER_ADD_IN_PLACE = scatterAddSignature('scatterAdd_');

/** The one source scatter writes: src or value, whichever was given. */
function scatteredSource(op: string, { src, value }: { src: TensorOrScalar | null; value: number | boolean | null }): TensorOrScalar {
  if (src !== null && value !== null) throw new TypeError(`${op}: takes src or value, not both`);
  const source = src ?? value;
  if (source === null) throw new TypeError(`${op}: missing the argument 'src' (a Tensor or a number; or a number as 'value')`);
  return source;
}

// PyTorch names one_hot's input `tensor`.
const ONE_HOT = signature('oneHot', { tensor: param.tensor(), numClasses: param.number(-1) });

function checkIndex(op: string, input: Tensor, index: Tensor): void {
  checkTensor(op, 'index', index);
  checkDtype(op, 'index', index, ['int32']);
  checkSameDevice(op, { input, index });
}

/** gather and scatter want index (and src) of input's rank, 0-d counting as 1-d. */
function checkSameRank(op: string, index: Tensor, name: string, other: Tensor): void {
  if (Math.max(index.shape.length, 1) !== Math.max(other.shape.length, 1)) {
    throw new RangeError(
      `${op}: index must have as many dimensions as ${name}, got index of shape ${formatShape(index.shape)} and ${name} of shape ${formatShape(other.shape)}`,
    );
  }
}

/** index.size(k) <= other.size(k) for every k (but `exceptDim`). */
function checkIndexFits(op: string, index: Tensor, name: string, other: Tensor, exceptDim: number | null): void {
  for (let k = 0; k < index.shape.length; k++) {
    if (k !== exceptDim && index.shape[k] > sizeAt(other, k)) {
      const dims = exceptDim === null ? 'in any dimension' : `in any dimension but ${exceptDim}`;
      throw new RangeError(
        `${op}: index shape ${formatShape(index.shape)} must not exceed ${name} shape ${formatShape(other.shape)} ${dims} (dimension ${k}: ${index.shape[k]} > ${sizeAt(other, k)})`,
      );
    }
  }
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
export function gather(input: Tensor, dim: number | IndexedOptions, index?: Tensor | IndexedOptions): Tensor {
  ({ input, dim, index } = GATHER(arguments));
  checkIndex('gather', input, index);
  const d = normalizeDim('gather', dim, input.shape.length);
  checkSameRank('gather', index, 'input', input);
  checkIndexFits('gather', index, 'input', input, d);
  const out = filled(Tensor.empty(index.shape, input.dtype, input.deviceObject), (o) =>
    gatherInto(o, input, index, d, outOfBounds('gather', d, sizeAt(input, d))),
  );
  return record('GatherBackward0', out, [input, null], (save) => {
    const idx = save(index);
    return (g) => [addedIntoZeros(input.shape, g, idx, d, 'gather')];
  });
}

/**
 * Zeros of `shape` with `grad` scatter-added at index along d: the backward of gather and
 * indexSelect (`op`). Recorded, being linear in grad: its own backward reads u back at the same
 * indices, with the forward op.
 */
function addedIntoZeros(shape: Shape, grad: Tensor, index: Tensor, d: number, op: 'gather' | 'indexSelect'): Tensor {
  const along = op === 'gather' ? index : indexAlong(index, atLeast1d(grad).shape, d);
  const out = filled(zerosOn(shape, grad.dtype, grad.deviceObject), (target) =>
    scatterInto(target, along, atLeast1d(grad), d, true, outOfBounds('backward', d, sizeAt(target, d))),
  );
  return record('ScatterAddBackward0', out, [grad], (save) => {
    const kept = save(index);
    return (u) => [op === 'gather' ? gather(u, d, kept) : indexSelect(u, d, kept)];
  });
}

/** Validates scatter's arguments and shapes src (a tensor or a scalar value) as the kernel's source. */
function scatterSource(
  op: string,
  input: Tensor,
  dim: number,
  index: Tensor,
  src: TensorOrScalar,
): { d: number; source: TensorView; temporary: Tensor | null } {
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
  const temporary = scalarTensor(src, input.dtype, input.deviceObject);
  return { d, source: broadcastView(temporary, shape), temporary };
}

function scatterOp(op: string, input: Tensor, dim: number, index: Tensor, src: TensorOrScalar, accumulate: boolean): Tensor {
  const { d, source, temporary } = scatterSource(op, input, dim, index, src);
  let out: Tensor;
  try {
    out = filled(contiguousCopy(input), (o) => scatterInto(o, index, source, d, accumulate, outOfBounds(op, d, sizeAt(o, d))));
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
 * src is a tensor of input's dtype or a scalar value, also by name as src or value. With duplicate
 * indices one write wins.
 *
 * ```ts
 * torch.scatter(torch.zeros(2, 3), { dim: 1, index: torch.tensor([[2], [0]], { dtype: 'int32' }), value: 5 });
 * // [[0, 0, 5], [5, 0, 0]]
 * ```
 */
export function scatter(
  input: Tensor,
  dim: number | ScatterOptions,
  index?: Tensor | ScatterOptions,
  src?: TensorOrScalar | ScatterOptions,
  options?: ScatterOptions,
): Tensor {
  const args = SCATTER(arguments);
  return scatterOp('scatter', args.input, args.dim, args.index, scatteredSource('scatter', args), false);
}

/** A copy of input with `src` added at index along dim; duplicate indices all add up. */
export function scatterAdd(
  input: Tensor,
  dim: number | ScatterAddOptions,
  index?: Tensor | ScatterAddOptions,
  src?: Tensor | ScatterAddOptions,
): Tensor {
  const args = SCATTER_ADD(arguments);
  return scatterOp('scatterAdd', args.input, args.dim, args.index, args.src, true);
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
    scatterInto(self, index, source, d, accumulate, outOfBounds(op, d, sizeAt(self, d)));
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
export function indexSelect(input: Tensor, dim: number | IndexedOptions, index?: Tensor | IndexedOptions): Tensor {
  const args = INDEX_SELECT(arguments);
  return indexSelectRaising(args.input, args.dim, args.index, null);
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
  if (input.shape.length === 0 && index.numel() !== 1)
    throw new RangeError(`indexSelect: a 0-d input takes exactly one index, got ${index.numel()}`);
  const shape = [...atLeast1d(input).shape];
  shape[d] = index.numel();
  const out = filled(Tensor.empty(input.shape.length === 0 ? [] : shape, input.dtype, input.deviceObject), (o) =>
    gatherInto(o, input, indexAlong(index, shape, d), d, badIndex ?? outOfBounds('indexSelect', d, sizeAt(input, d))),
  );
  return record('IndexSelectBackward0', out, [input, null], (save) => {
    const idx = save(index);
    return (g) => [addedIntoZeros(input.shape, g, idx, d, 'indexSelect')];
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
  if (source.dtype !== input.dtype)
    throw new TypeError(`indexAdd: source must have the dtype of input (${input.dtype}), got ${source.dtype}`);
  const expected = [...atLeast1d(input).shape];
  expected[d] = index.numel();
  if (!shapesEqual(atLeast1d(source).shape, expected)) {
    throw new RangeError(
      `indexAdd: source must have shape ${formatShape(expected)} (input's shape with index.numel() along dim ${d}), got ${formatShape(source.shape)}`,
    );
  }
  const out = filled(contiguousCopy(input), (o) =>
    scatterInto(o, indexAlong(index, expected, d), atLeast1d(source), d, true, outOfBounds('indexAdd', d, sizeAt(o, d))),
  );
  return record('IndexAddBackward0', out, [input, null, source], (save) => {
    const idx = save(index);
    return (g) => [g, null, indexSelect(g, d, idx)];
  });
}

// ---- oneHot -----------------------------------------------------------------------------------

/**
 * int32 one-hot encoding along a new last dim, like F.one_hot; numClasses -1 takes max + 1 (a
 * read of the data, so only on devices with synchronous reads: elsewhere pass numClasses).
 *
 * ```ts
 * torch.oneHot(torch.tensor([0, 2], { dtype: 'int32' }), 3);   // [[1, 0, 0], [0, 0, 1]]
 * ```
 */
export function oneHot(input: Tensor, numClasses?: number | { numClasses?: number }): Tensor {
  ({ tensor: input, numClasses } = ONE_HOT(arguments));
  if (input.dtype !== 'int32')
    throw new TypeError(`oneHot: argument 'tensor' must be an int32 tensor of class indices, got ${input.dtype}`);
  if (!Number.isInteger(numClasses) || numClasses < -1)
    throw new RangeError(`oneHot: numClasses must be -1 (infer from the data) or a non-negative integer, got ${numClasses}`);
  let classes = numClasses;
  if (classes === -1) {
    if (input.numel() === 0) throw new RangeError('oneHot: cannot infer the number of classes from an empty tensor; pass numClasses');
    if (!input.deviceObject.synchronous) {
      throw new Error(
        `oneHot: numClasses -1 takes the number of classes from the largest value, which a tensor on ${input.device} cannot give without an asynchronous read; pass numClasses`,
      );
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
    return filled(out, () =>
      scatterInto(
        out,
        index,
        broadcastView(one, index.shape),
        input.shape.length,
        false,
        `oneHot: class values must be non-negative and smaller than numClasses (${classes}), got {value}`,
      ),
    );
  } finally {
    one.dispose();
  }
}

declare module '../tensor.js' {
  interface Tensor {
    gather(dim: number | IndexedOptions, index?: Tensor | IndexedOptions): Tensor;
    scatter(
      dim: number | ScatterOptions,
      index?: Tensor | ScatterOptions,
      src?: TensorOrScalar | ScatterOptions,
      options?: ScatterOptions,
    ): Tensor;
    scatter_(
      dim: number | ScatterOptions,
      index?: Tensor | ScatterOptions,
      src?: TensorOrScalar | ScatterOptions,
      options?: ScatterOptions,
    ): this;
    scatterAdd(dim: number | ScatterAddOptions, index?: Tensor | ScatterAddOptions, src?: Tensor | ScatterAddOptions): Tensor;
    scatterAdd_(dim: number | ScatterAddOptions, index?: Tensor | ScatterAddOptions, src?: Tensor | ScatterAddOptions): this;
    indexSelect(dim: number | IndexedOptions, index?: Tensor | IndexedOptions): Tensor;
    indexAdd(dim: number, index: Tensor, source: Tensor): Tensor;
  }
}

Object.assign(Tensor.prototype, {
  gather(this: Tensor, ...args: [number, Tensor]) {
    return gather(this, ...args);
  },
  scatter(this: Tensor, ...args: [number, Tensor, TensorOrScalar]) {
    return scatter(this, ...args);
  },
  scatter_(this: Tensor, ...args: unknown[]) {
    const bound = SCATTER_IN_PLACE([this, ...args]);
    return scatterInPlace('scatter_', bound.input, bound.dim, bound.index, scatteredSource('scatter_', bound), false);
  },
  scatterAdd(this: Tensor, ...args: [number, Tensor, Tensor]) {
    return scatterAdd(this, ...args);
  },
  scatterAdd_(this: Tensor, ...args: unknown[]) {
    const bound = SCATTER_ADD_IN_PLACE([this, ...args]);
    return scatterInPlace('scatterAdd_', bound.input, bound.dim, bound.index, bound.src, true);
  },
  indexSelect(this: Tensor, ...args: [number, Tensor]) {
    return indexSelect(this, ...args);
  },
  indexAdd(this: Tensor, dim: number, index: Tensor, source: Tensor) {
    return indexAdd(this, dim, index, source);
  },
});
