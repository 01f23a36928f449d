/** Python's subscripts: `x[...]` as index(), `x[...] = v` as indexPut_(), and maskedFill (`x[mask] = v`). */

import type { TensorView } from '../devices/device.js';
import { noGrad } from '../graph/grad-mode.js';
import { needsGrad, record } from '../graph/record.js';
import { scope } from '../memory.js';
import { checkOptions, optionKeys } from '../options.js';
import { broadcastShapes, contiguousStrides, formatShape, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { add, broadcastView, inPlace, mul, where } from './elementwise.js';
import { sum } from './reduce.js';
import {
  type AdvancedIndex,
  advancedResultShape,
  applyBasic,
  disposePlan,
  type IndexEntry,
  type IndexPlan,
  type KnownValues,
  planIndex,
  readMasks,
  resultShape,
  savePlan,
} from './subscript-plan.js';
import { castTo, contiguousCopy, filled, gatherInto, outOfBounds, scatterInto, sizeAt, zerosOn } from './unrecorded.js';
import { checkDtype, checkInPlace, checkSameDevice, checkTensor, markModified, scalarTensor, type TensorOrScalar } from './util.js';
import { reshape, view } from './views.js';

/** True when a tensor of shape `from` broadcasts to exactly `to`. */
function broadcastsTo(from: Shape, to: Shape): boolean {
  const lead = to.length - from.length;
  return lead >= 0 && from.every((size, k) => size === 1 || size === to[lead + k]);
}

// ---- maskedFill -------------------------------------------------------------------------------

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
    if (value.shape.length !== 0)
      throw new RangeError(`${op}: value must be a number or a 0-d tensor, got a tensor of shape ${formatShape(value.shape)}`);
    fill = castTo(value, input.dtype);
  } else {
    if (typeof value !== 'number' && typeof value !== 'boolean')
      throw new TypeError(`${op}: value must be a number, boolean or 0-d tensor, got ${value === null ? 'null' : typeof value}`);
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
  if (!broadcastsTo(mask.shape, self.shape))
    throw new RangeError(
      `maskedFill_: mask of shape ${formatShape(mask.shape)} cannot be broadcast to self of shape ${formatShape(self.shape)}`,
    );
  return inPlace('maskedFill_', self, (s) => maskedFillAs('maskedFill_', s, mask, value));
}

// ---- x.index(...) and x.indexPut_(...) ------------------------------------------------------

export interface IndexPutOptions {
  /** Add values into the indexed elements (duplicates add up) instead of writing them. */
  accumulate?: boolean;
}

const INDEX_PUT_OPTIONS = optionKeys<IndexPutOptions>({ accumulate: true });

/** indexPut's accumulate flag, after checking its options. */
function accumulateOf(op: string, options: IndexPutOptions | undefined): boolean {
  return checkOptions(op, options, INDEX_PUT_OPTIONS).accumulate ?? false;
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
  const index: TensorView = {
    ...offsets,
    shape: [...indexShape, ...restShape],
    strides: [...contiguousStrides(indexShape), ...restShape.map(() => 0)],
  };
  const count = advanced.shape.length;
  const order = [...restDims.keys()].map((k) => (k < advanced.position ? k : k + count));
  const arrange = (result: TensorView): TensorView => {
    const dims = [...advanced.shape.map((_, k) => advanced.position + k), ...order];
    const lead = count > 0 ? [] : [1];
    return {
      ...result,
      shape: [...lead, ...dims.map((k) => result.shape[k])],
      strides: [...lead.map(() => 0), ...dims.map((k) => result.strides[k])],
    };
  };
  return { data, index, offsets, arrange };
}

/** source[indices] for the advanced part, a new contiguous tensor; not recorded. */
function gatherAdvanced(op: string, source: Tensor, advanced: AdvancedIndex): Tensor {
  const layout = advancedLayout(source, advanced);
  try {
    return filled(Tensor.empty(advancedResultShape(source.shape, advanced), source.dtype, source.deviceObject), (out) =>
      gatherInto(layout.arrange(out), layout.data, layout.index, 0, outOfBounds(op, 0, sizeAt(layout.data, 0))),
    );
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
        throw new RangeError(
          `${op}: shape mismatch: value tensor of shape ${formatShape(source.shape)} cannot be broadcast to indexing result of shape ${formatShape(shape)}`,
        );
      }
      if (plan.advanced) {
        const layout = advancedLayout(region, plan.advanced);
        try {
          scatterInto(
            layout.data,
            layout.index,
            layout.arrange(broadcastView(source, shape)),
            0,
            accumulate,
            outOfBounds(op, 0, sizeAt(layout.data, 0)),
          );
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

function indexWith(input: Tensor, indices: readonly IndexEntry[], known: KnownValues): Tensor {
  checkTensor('index', 'input', input);
  const plan = planIndex('index', input, indices, known);
  try {
    if (!plan.advanced) return plan.steps.length > 0 ? applyBasic(input, plan.steps) : view(input, input.shape);
    const out = gatherIndexed('index', input, plan);
    return refusingCreateGraph(
      record('IndexBackward0', out, [input], (save) => {
        const saved = savePlan(plan, save);
        return (g) => {
          const grad = zerosOn(input.shape, g.dtype, g.deviceObject);
          writeIndexed('index', grad, saved, g, true);
          return [grad];
        };
      }),
    );
  } finally {
    disposePlan(plan);
  }
}

/** Marks advanced indexing's node: its backward writes with unrecorded kernels, so createGraph refuses it. */
function refusingCreateGraph(out: Tensor): Tensor {
  if (out.gradFn)
    out.gradFn.noCreateGraph =
      'advanced indexing and indexPut write their gradients with unrecorded kernels; use gather, indexSelect or narrow to take higher derivatives';
  return out;
}

/** `values` as written by indexPut: PyTorch drops leading size-1 dims beyond the result's rank. */
function valuesFor(op: string, input: Tensor, plan: IndexPlan, values: TensorOrScalar): TensorOrScalar {
  if (!(values instanceof Tensor)) {
    if (typeof values !== 'number' && typeof values !== 'boolean')
      throw new TypeError(`${op}: values must be a Tensor or a number, got ${values === null ? 'null' : typeof values}`);
    return values;
  }
  checkTensor(op, 'values', values);
  checkSameDevice(op, { input, values });
  const extra = values.shape.length - resultShape(plan).length;
  return extra > 0 && values.shape.slice(0, extra).every((s) => s === 1) ? reshape(values, values.shape.slice(extra)) : values;
}

function indexPutAs(
  op: string,
  input: Tensor,
  indices: readonly IndexEntry[],
  values: TensorOrScalar,
  accumulate: boolean,
  known: KnownValues,
): Tensor {
  checkTensor(op, 'input', input);
  const plan = planIndex(op, input, indices, known);
  let source = values;
  try {
    source = valuesFor(op, input, plan, values);
    const written = source;
    const out = filled(contiguousCopy(input), (o) => writeIndexed(op, o, plan, written, accumulate));
    const sourceTensor = written instanceof Tensor ? written : null;
    return refusingCreateGraph(
      record('IndexPutBackward0', out, [input, sourceTensor], (save) => {
        const saved = savePlan(plan, save);
        return (g) => {
          let gradInput = g;
          if (!accumulate) {
            gradInput = contiguousCopy(g);
            writeIndexed(op, gradInput, saved, 0, false);
          }
          return [gradInput, sourceTensor ? gatherIndexed(op, g, saved) : null];
        };
      }),
    );
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
export async function indexPutAsync(
  input: Tensor,
  indices: readonly IndexEntry[],
  values: TensorOrScalar,
  options?: IndexPutOptions,
): Promise<Tensor> {
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
function indexPut_(
  self: Tensor,
  indices: readonly IndexEntry[],
  values: TensorOrScalar,
  options: IndexPutOptions | undefined,
  known: KnownValues = new Map(),
): Tensor {
  checkTensor('indexPut_', 'self', self);
  checkInPlace('indexPut_', self);
  const accumulate = accumulateOf('indexPut_', options);
  if (needsGrad(self, values instanceof Tensor ? values : null))
    return inPlace('indexPut_', self, (s) => indexPutAs('indexPut_', s, indices, values, accumulate, known));
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
    maskedFill(mask: Tensor, value: TensorOrScalar): Tensor;
    maskedFill_(mask: Tensor, value: TensorOrScalar): this;
    /** Python's `x[...]`; see `index` in src/ops/subscript.ts. */
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
  maskedFill(this: Tensor, mask: Tensor, value: TensorOrScalar) {
    return maskedFill(this, mask, value);
  },
  maskedFill_(this: Tensor, mask: Tensor, value: TensorOrScalar) {
    return maskedFill_(this, mask, value);
  },
  index(this: Tensor, ...indices: IndexEntry[]) {
    return index(this, ...indices);
  },
  indexAsync(this: Tensor, ...indices: IndexEntry[]) {
    return indexAsync(this, ...indices);
  },
  indexPut(this: Tensor, indices: readonly IndexEntry[], values: TensorOrScalar, options?: IndexPutOptions) {
    return indexPut(this, indices, values, options);
  },
  indexPut_(this: Tensor, indices: readonly IndexEntry[], values: TensorOrScalar, options?: IndexPutOptions) {
    return indexPut_(this, indices, values, options);
  },
  indexPutAsync(this: Tensor, indices: readonly IndexEntry[], values: TensorOrScalar, options?: IndexPutOptions) {
    return indexPutAsync(this, indices, values, options);
  },
  async indexPutAsync_(this: Tensor, indices: readonly IndexEntry[], values: TensorOrScalar, options?: IndexPutOptions) {
    return indexPut_(this, indices, values, options, await readMasks(indices));
  },
});
