/** An `x[...]` resolved against a shape: basic indexing's view steps, then advanced indexing's index tensors. */

import type { Device } from '../devices/device.js';
import type { Save } from '../graph/record.js';
import { broadcastShapes, contiguousStrides, formatShape, type Shape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { faultError, filled, outOfBounds } from './unrecorded.js';
import { checkSameDevice, checkTensor } from './util.js';
import { select, sliceView, unsqueezeDims } from './views.js';

/** A nested array of integer indices, or of booleans (a mask), as Python's `x[[0, 2]]`. */
export type IndexArray = readonly (number | boolean | IndexArray)[];

/**
 * One entry of `x.index(...)`: a number (select), a slice string ('1:5', ':', '::2', '-1:'),
 * '...', null (new axis), a boolean, an int32 or bool tensor, or a nested array of numbers/booleans.
 */
export type IndexEntry = number | string | null | boolean | Tensor | IndexArray;

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
export interface AdvancedIndex {
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
export type KnownValues = Map<Tensor, ArrayLike<number>>;

/** An index resolved against one shape, reusable on any tensor of that shape (input, grad, copy). */
export interface IndexPlan {
  steps: BasicStep[];
  /** The shape after the basic steps. */
  basicShape: number[];
  advanced: AdvancedIndex | null;
}

const SLICE = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/;

function parseString(op: string, text: string): ParsedEntry {
  if (text.trim() === '...') return { kind: 'ellipsis' };
  const match = SLICE.exec(text);
  if (!match)
    throw new TypeError(`${op}: invalid index '${text}'; strings must be slices like '1:5', ':', '::2', '-1:' or the ellipsis '...'`);
  const [, start, stop, step] = match;
  const stepValue = step === undefined ? 1 : Number(step);
  if (stepValue === 0) throw new RangeError(`${op}: slice step cannot be zero (in '${text}')`);
  if (stepValue < 0) throw new RangeError(`${op}: step must be greater than zero; negative steps are not supported (in '${text}')`);
  return {
    kind: 'slice',
    start: start === undefined ? null : Number(start),
    stop: stop === undefined ? null : Number(stop),
    step: stepValue,
  };
}

/** Python's slice bounds for a positive step: [begin, begin + count * step) clamped into the dim. */
function resolveSlice(entry: { start: number | null; stop: number | null; step: number }, size: number): { begin: number; count: number } {
  const clampBound = (value: number | null, fallback: number) =>
    value === null ? fallback : value < 0 ? Math.max(value + size, 0) : Math.min(value, size);
  const begin = clampBound(entry.start, 0);
  const end = clampBound(entry.stop, size);
  return { begin, count: end > begin ? Math.ceil((end - begin) / entry.step) : 0 };
}

function parseEntry(
  op: string,
  input: Tensor,
  entry: IndexEntry,
  position: number,
  temporaries: Tensor[],
  known: KnownValues,
): ParsedEntry {
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
    if (!isMask && !leaves.every((v) => Number.isInteger(v)))
      throw new TypeError(`${op}: index arrays must hold integers or booleans, got ${JSON.stringify(entry)} at position ${position}`);
    const converted = tensor(entry as number[], { dtype: isMask ? 'bool' : 'int32', device: input.device });
    temporaries.push(converted);
    if (isMask) known.set(converted, leaves.map(Number));
    return { kind: 'tensor', tensor: converted };
  }
  if (entry instanceof Tensor) {
    checkTensor(op, `indices[${position}]`, entry);
    checkSameDevice(op, { input, [`indices[${position}]`]: entry });
    if (entry.dtype === 'float32')
      throw new TypeError(
        `${op}: tensors used as indices must be int32 or bool, got a float32 tensor of shape ${formatShape(entry.shape)} at position ${position}`,
      );
    if (entry.shape.length > 0) return { kind: 'tensor', tensor: entry };
    // A 0-d index acts as a number (PyTorch reads it): a select for int32, a new axis for bool.
    if (entry.dtype === 'bool') return { kind: 'bool', value: Boolean(boolValues(op, entry, known)[0]) };
    // Where reads wait, the int32 one is an index tensor that selects like a number: a copy
    // instead of PyTorch's view, with the same values and gradients.
    return entry.deviceObject.synchronous
      ? { kind: 'int', value: Number(entry.itemSync()) }
      : { kind: 'tensor', tensor: entry, selects: true };
  }
  throw new TypeError(
    `${op}: unsupported index entry ${entry === undefined ? 'undefined' : typeof entry} at position ${position}; use a number, slice string, '...', null, boolean, int32/bool tensor or array`,
  );
}

/** The values of a bool index tensor, which decide the result's shape: known, or read where reads are synchronous. */
function boolValues(op: string, mask: Tensor, known: KnownValues): ArrayLike<number> {
  const values = known.get(mask);
  if (values) return values;
  if (!mask.deviceObject.synchronous) {
    const what = mask.shape.length === 0 ? 'a 0-d bool tensor' : `a bool mask of shape ${formatShape(mask.shape)}`;
    const asyncForm = op.endsWith('_') ? `${op.slice(0, -1)}Async_` : `${op}Async`;
    throw new Error(
      `${op}: indexing with ${what} gives a shape that depends on its values, which a tensor on ${mask.device} cannot give without an asynchronous read; use await x.${asyncForm}(...), which reads the masks first, or keep the shape with maskedFill / torch.where`,
    );
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

export function planIndex(op: string, input: Tensor, entries: readonly IndexEntry[], known: KnownValues): IndexPlan {
  const temporaries: Tensor[] = [];
  try {
    const parsed = entries.map((entry, position) => parseEntry(op, input, entry, position, temporaries, known));
    const consumed = parsed.reduce(
      (n, p) =>
        n +
        (p.kind === 'int' || p.kind === 'slice' ? 1 : p.kind === 'tensor' ? (p.tensor.dtype === 'bool' ? p.tensor.shape.length : 1) : 0),
      0,
    );
    if (parsed.filter((p) => p.kind === 'ellipsis').length > 1)
      throw new RangeError(`${op}: an index can only have a single ellipsis ('...')`);
    if (consumed > input.shape.length)
      throw new RangeError(`${op}: too many indices for tensor of dimension ${input.shape.length} (got ${consumed})`);
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
          throw new RangeError(
            `${op}: the shape of the mask ${formatShape(mask.shape)} does not match the shape ${formatShape(covered)} of the dims ${d}..${d + mask.shape.length - 1} it indexes (tensor shape ${formatShape(shape)})`,
          );
        }
        for (const coordinate of maskCoordinates(op, mask, temporaries, known)) {
          dims.push(d++);
          raw.push(coordinate);
        }
      }
    }
    return {
      steps,
      basicShape: shape,
      advanced: dims.length > 0 ? advancedIndex(op, input.deviceObject, dims, raw, shape, selecting) : null,
    };
  } finally {
    for (const t of temporaries) t.dispose();
  }
}

/** Broadcasts the index tensors together and wraps each into its dim (checking the range). */
function advancedIndex(
  op: string,
  device: Device,
  dims: number[],
  raw: readonly Tensor[],
  basicShape: Shape,
  selecting: ReadonlySet<number>,
): AdvancedIndex {
  let shape: number[] = [...raw[0].shape];
  try {
    for (const t of raw.slice(1)) shape = broadcastShapes(op, shape, t.shape);
  } catch {
    throw new RangeError(
      `${op}: shape mismatch: indexing tensors could not be broadcast together with shapes ${raw.map((t) => formatShape(t.shape)).join(', ')}`,
    );
  }
  const indices: Tensor[] = [];
  try {
    dims.forEach((dim, i) =>
      indices.push(
        filled(Tensor.empty(raw[i].shape, 'int32', device), (out) => {
          const message = outOfBounds(op, dim, basicShape[dim]);
          const bad = out.numel() > 0 ? device.kernels.normalizeIndex(out, raw[i], basicShape[dim], message) : null;
          if (bad !== null) throw faultError(message, bad);
        }),
      ),
    );
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

export function disposePlan(plan: IndexPlan): void {
  for (const t of plan.advanced?.indices ?? []) t.dispose();
}

/** The plan with its index tensors kept for backward. */
export function savePlan(plan: IndexPlan, save: Save): IndexPlan {
  return plan.advanced ? { ...plan, advanced: { ...plan.advanced, indices: plan.advanced.indices.map(save) } } : plan;
}

export function advancedResultShape(basicShape: Shape, advanced: AdvancedIndex): number[] {
  const rest = basicShape.filter((_, d) => !advanced.dims.includes(d));
  return [...rest.slice(0, advanced.position), ...advanced.shape, ...rest.slice(advanced.position)];
}

export function resultShape(plan: IndexPlan): number[] {
  return plan.advanced ? advancedResultShape(plan.basicShape, plan.advanced) : plan.basicShape;
}

/** The basic view of `target` (same shape as the planned input): selects, slices and new axes. */
export function applyBasic(target: Tensor, steps: readonly BasicStep[]): Tensor {
  let current = target;
  for (const step of steps) {
    const next =
      step.kind === 'select'
        ? select(current, step.dim, step.index)
        : step.kind === 'slice'
          ? sliceView('SliceBackward0', current, step.dim, step.begin, step.count, step.step)
          : unsqueezeDims(current, [step.dim]);
    if (current !== target) current.dispose();
    current = next;
  }
  return current;
}

/** The values of every bool tensor entry, read (so planning needs no synchronous read). */
export async function readMasks(entries: readonly IndexEntry[]): Promise<KnownValues> {
  const masks = entries.filter((entry): entry is Tensor => entry instanceof Tensor && entry.dtype === 'bool');
  return new Map(await Promise.all(masks.map(async (mask) => [mask, await mask.data()] as const)));
}
