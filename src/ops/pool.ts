// The pooling ops (max, average, adaptive; 1d and 2d) and their backward.
import type { PoolAxis, TensorView } from '../devices/device.js';
import { record } from '../graph/record.js';
import { formatShape, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { describe, expandTuple, positionalOptions, withUnitHeight } from './conv.js';
import { gather } from './gather-scatter.js';
import { checkDtype, checkTensor } from './util.js';
import { reshape } from './views.js';

// Pooling over the last one or two dims of [N, C, ...] or unbatched [C, ...] input. Every variant
// turns its options into per-axis window lists (PoolAxis) and runs on [N, C, H, W] views, 1-D with
// height 1; the kernels never see padding, ceil mode or adaptivity.

export interface MaxPoolOptions {
  stride?: number | readonly number[] | null;
  padding?: number | readonly number[];
  dilation?: number | readonly number[];
  ceilMode?: boolean;
  returnIndices?: boolean;
}

export interface AvgPoolOptions {
  stride?: number | readonly number[] | null;
  padding?: number | readonly number[];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  /** avgPool2d only: divide every window by this instead of its size. */
  divisorOverride?: number | null;
}

/** The input as a 4-D [N, C, H, W] view (1-D pooling gets height 1; unbatched input gets N = 1). */
function as4d(view: TensorView, spatialDims: number, batched: boolean): TensorView {
  const withBatch = batched ? view : { ...view, shape: [1, ...view.shape], strides: [0, ...view.strides] };
  return spatialDims === 2 ? withBatch : withUnitHeight(withBatch);
}

/** Checks the input's rank and size and says whether it has a batch dim. */
function checkPoolInput(op: string, input: Tensor, spatialDims: number): boolean {
  checkTensor(op, 'input', input);
  checkDtype(op, 'input', input, ['float32']);
  const rank = input.dim();
  if (rank !== spatialDims + 1 && rank !== spatialDims + 2) {
    const layouts = spatialDims === 2 ? '3-D [C, H, W] or 4-D [N, C, H, W]' : '2-D [C, L] or 3-D [N, C, L]';
    throw new RangeError(`${op}: input must be ${layouts}, got ${formatShape(input.shape)}`);
  }
  const batched = rank === spatialDims + 2;
  const firstNonBatch = batched ? 1 : 0;
  input.shape.forEach((size, d) => {
    if (size === 0 && d >= firstNonBatch)
      throw new RangeError(
        `${op}: expected input to have non-zero size for non-batch dimensions, but input has sizes ${formatShape(input.shape)} with dimension ${d} being empty`,
      );
  });
  return batched;
}

/** PyTorch's pooling_output_shape: floor, or ceil when the last window still starts inside the input or its left padding. */
function pooledSize(size: number, kernel: number, stride: number, padding: number, dilation: number, ceilMode: boolean): number {
  const span = size + 2 * padding - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
  let out = Math.floor(span / stride) + 1;
  if (ceilMode && (out - 1) * stride >= size + padding) out--;
  return out;
}

interface WindowParams {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  ceilMode: boolean;
}

function windowParams(
  op: string,
  spatialDims: number,
  kernelSize: number | readonly number[],
  options: {
    stride?: number | readonly number[] | null;
    padding?: number | readonly number[];
    dilation?: number | readonly number[];
    ceilMode?: boolean;
  },
): WindowParams {
  const kernel = expandTuple(op, 'kernelSize', kernelSize, spatialDims, 1);
  const strideGiven =
    options.stride !== undefined && options.stride !== null && !(Array.isArray(options.stride) && options.stride.length === 0);
  const stride = strideGiven ? expandTuple(op, 'stride', options.stride!, spatialDims, 1) : kernel;
  const padding = expandTuple(op, 'padding', options.padding ?? 0, spatialDims, 0);
  const dilation = expandTuple(op, 'dilation', options.dilation ?? 1, spatialDims, 1);
  padding.forEach((p, d) => {
    if (p > kernel[d] / 2)
      throw new RangeError(
        `${op}: pad should be at most half of effective kernel size, but got padding=${describe(options.padding)} and kernelSize=${describe(kernelSize)}`,
      );
  });
  return { kernel, stride, padding, dilation, ceilMode: options.ceilMode ?? false };
}

function outputSizes(op: string, input: Tensor, spatialDims: number, params: WindowParams): number[] {
  const size = input.shape.slice(-spatialDims);
  const out = size.map((s, d) => pooledSize(s, params.kernel[d], params.stride[d], params.padding[d], params.dilation[d], params.ceilMode));
  if (out.some((o) => o < 1)) {
    throw new RangeError(
      `${op}: given input size ${formatShape(input.shape)}, the calculated output size ${formatShape([...input.shape.slice(0, -spatialDims), ...out])} is too small`,
    );
  }
  return out;
}

/** Windows of max pooling along one axis: dilated taps, the ones in the padding skipped. */
function maxPoolAxis(size: number, outSize: number, kernel: number, stride: number, padding: number, dilation: number): PoolAxis {
  const start: number[] = [],
    end: number[] = [];
  for (let i = 0; i < outSize; i++) {
    let first = i * stride - padding;
    const last = Math.min(first + (kernel - 1) * dilation + 1, size);
    while (first < 0) first += dilation;
    start.push(first);
    end.push(last);
  }
  return { start, end, step: dilation, divisor: new Array<number>(outSize).fill(1) };
}

/** Windows of average pooling along one axis, with PyTorch's divisor: the window's extent within
 *  the padded input, or only the part inside the input. */
function avgPoolAxis(size: number, outSize: number, kernel: number, stride: number, padding: number, countIncludePad: boolean): PoolAxis {
  const start: number[] = [],
    end: number[] = [],
    divisor: number[] = [];
  for (let i = 0; i < outSize; i++) {
    const first = i * stride - padding;
    const last = Math.min(first + kernel, size + padding);
    const clampedFirst = Math.max(first, 0),
      clampedLast = Math.min(last, size);
    start.push(clampedFirst);
    end.push(clampedLast);
    divisor.push(countIncludePad ? last - first : clampedLast - clampedFirst);
  }
  return { start, end, step: 1, divisor };
}

/** Windows of adaptive average pooling: [floor(i*size/out), ceil((i+1)*size/out)). */
function adaptiveAxis(size: number, outSize: number): PoolAxis {
  const start: number[] = [],
    end: number[] = [],
    divisor: number[] = [];
  for (let i = 0; i < outSize; i++) {
    const first = Math.floor((i * size) / outSize);
    const last = Math.ceil(((i + 1) * size) / outSize);
    start.push(first);
    end.push(last);
    divisor.push(last - first);
  }
  return { start, end, step: 1, divisor };
}

/** The one window of the height axis that 1-D pooling runs with. */
const UNIT_AXIS: PoolAxis = { start: [0], end: [1], step: 1, divisor: [1] };

/** [rows, cols] for the kernels from one axis per spatial dim. */
function axes2d(spatialDims: number, perDim: PoolAxis[]): [PoolAxis, PoolAxis] {
  return spatialDims === 2 ? [perDim[0], perDim[1]] : [UNIT_AXIS, perDim[0]];
}

function maxPool(
  op: string,
  spatialDims: number,
  input: Tensor,
  kernelSize: number | readonly number[],
  options: MaxPoolOptions,
): Tensor | [Tensor, Tensor] {
  const batched = checkPoolInput(op, input, spatialDims);
  const params = windowParams(op, spatialDims, kernelSize, options);
  const outSpatial = outputSizes(op, input, spatialDims, params);
  const size = input.shape.slice(-spatialDims);
  const [rows, cols] = axes2d(
    spatialDims,
    outSpatial.map((o, d) => maxPoolAxis(size[d], o, params.kernel[d], params.stride[d], params.padding[d], params.dilation[d])),
  );
  const outShape = [...input.shape.slice(0, -spatialDims), ...outSpatial];
  const device = input.deviceObject;
  const out = Tensor.empty(outShape, 'float32', device);
  const indices = Tensor.empty(outShape, 'int32', device);
  if (out.numel() > 0)
    device.kernels.maxPool2d(
      as4d(out, spatialDims, batched),
      as4d(indices, spatialDims, batched),
      as4d(input, spatialDims, batched),
      rows,
      cols,
    );
  record('MaxPool2DWithIndicesBackward0', out, [input], (save) => {
    const saved = save(indices);
    return (g) => [maxPoolBackward(g, saved, input.shape, spatialDims, batched, rows, cols)];
  });
  if (options.returnIndices) return [out, indices];
  indices.dispose();
  return out;
}

/**
 * Max pooling's input gradient: grad summed into each window's argmax. Recorded, as it is linear
 * in grad: its own backward reads the upstream gradient at the same argmaxes.
 */
function maxPoolBackward(
  grad: Tensor,
  indices: Tensor,
  inputShape: Shape,
  spatialDims: number,
  batched: boolean,
  rows: PoolAxis,
  cols: PoolAxis,
): Tensor {
  const gradInput = poolGradient(inputShape, grad, (target) =>
    grad.deviceObject.kernels.maxPool2dBackward(
      as4d(target, spatialDims, batched),
      as4d(grad, spatialDims, batched),
      as4d(indices, spatialDims, batched),
      rows,
      cols,
    ),
  );
  return record('MaxPool2DWithIndicesBackwardBackward0', gradInput, [grad], (save) => {
    const at = save(indices);
    return (u) => [readAtIndices(u, at, spatialDims)];
  });
}

/** u's element at each pooling index (flat over the spatial dims, as returnIndices gives them). */
function readAtIndices(u: Tensor, indices: Tensor, spatialDims: number): Tensor {
  const flatten = (t: Tensor) => reshape(t, [...t.shape.slice(0, -spatialDims), -1]);
  return reshape(gather(flatten(u), -1, flatten(indices)), indices.shape);
}

function avgPoolWith(spatialDims: number, input: Tensor, batched: boolean, perDim: PoolAxis[], node: string): Tensor {
  const [rows, cols] = axes2d(spatialDims, perDim);
  return averagePooled(input, spatialDims, batched, rows, cols, node);
}

/** Average pooling over the given windows, recorded; its backward is recorded too (avgPoolBackward). */
function averagePooled(input: Tensor, spatialDims: number, batched: boolean, rows: PoolAxis, cols: PoolAxis, node: string): Tensor {
  const pooled = spatialDims === 2 ? [rows.start.length, cols.start.length] : [cols.start.length];
  const outShape = [...input.shape.slice(0, -spatialDims), ...pooled];
  const device = input.deviceObject;
  const out = Tensor.empty(outShape, 'float32', device);
  if (out.numel() > 0) device.kernels.avgPool2d(as4d(out, spatialDims, batched), as4d(input, spatialDims, batched), rows, cols);
  return record(node, out, [input], () => (g) => [avgPoolBackward(g, input.shape, spatialDims, batched, rows, cols, node)]);
}

/** Average pooling's input gradient, linear in grad: its own backward is the same average pooling. */
function avgPoolBackward(
  grad: Tensor,
  inputShape: Shape,
  spatialDims: number,
  batched: boolean,
  rows: PoolAxis,
  cols: PoolAxis,
  node: string,
): Tensor {
  const gradInput = poolGradient(inputShape, grad, (target) =>
    grad.deviceObject.kernels.avgPool2dBackward(as4d(target, spatialDims, batched), as4d(grad, spatialDims, batched), rows, cols),
  );
  return record(`${node.replace(/0$/, '')}Backward0`, gradInput, [grad], () => (u) => [
    averagePooled(u, spatialDims, batched, rows, cols, node),
  ]);
}

/** A pooling's input gradient: zeros when no output reads the input (an empty output), else what `kernel` writes. */
function poolGradient(inputShape: Shape, grad: Tensor, kernel: (gradInput: Tensor) => void): Tensor {
  const gradInput = Tensor.empty(inputShape, 'float32', grad.deviceObject);
  if (gradInput.numel() === 0) return gradInput;
  if (grad.numel() === 0) grad.deviceObject.kernels.fill(gradInput, 0);
  else kernel(gradInput);
  return gradInput;
}

function avgPool(op: string, spatialDims: number, input: Tensor, kernelSize: number | readonly number[], options: AvgPoolOptions): Tensor {
  const batched = checkPoolInput(op, input, spatialDims);
  const params = windowParams(op, spatialDims, kernelSize, options);
  const outSpatial = outputSizes(op, input, spatialDims, params);
  const size = input.shape.slice(-spatialDims);
  const override = options.divisorOverride ?? null;
  if (override !== null && (!Number.isInteger(override) || override === 0))
    throw new RangeError(`${op}: divisorOverride must be a non-zero integer, got ${describe(override)}`);
  const perDim = outSpatial.map((o, d) => {
    const axis = avgPoolAxis(size[d], o, params.kernel[d], params.stride[d], params.padding[d], options.countIncludePad ?? true);
    // The override divides each whole window: put it on the first axis, 1 on the others.
    return override === null ? axis : { ...axis, divisor: axis.divisor.map(() => (d === 0 ? override : 1)) };
  });
  return avgPoolWith(spatialDims, input, batched, perDim, 'AvgPool2DBackward0');
}

function adaptiveAvgPool(op: string, spatialDims: number, input: Tensor, outputSize: number | null | readonly (number | null)[]): Tensor {
  const batched = checkPoolInput(op, input, spatialDims);
  const requested = typeof outputSize === 'number' || outputSize === null ? new Array(spatialDims).fill(outputSize) : [...outputSize];
  if (requested.length !== spatialDims)
    throw new TypeError(`${op}: outputSize must be a number or an array of ${spatialDims}, got ${describe(outputSize)}`);
  const size = input.shape.slice(-spatialDims);
  const outSpatial = requested.map((o, d) => {
    if (o === null) return size[d];
    if (!Number.isInteger(o) || o < 0)
      throw new RangeError(`${op}: outputSize must be non-negative integers (or null to keep a size), got ${describe(outputSize)}`);
    return o as number;
  });
  return avgPoolWith(
    spatialDims,
    input,
    batched,
    outSpatial.map((o, d) => adaptiveAxis(size[d], o)),
    'AdaptiveAvgPool2DBackward0',
  );
}

type Size = number | readonly number[];
type PoolArg = Size | null | boolean | undefined | MaxPoolOptions | AvgPoolOptions;

const MAX_POOL_ARGS = ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'];
const AVG_POOL_ARGS = ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'];

/**
 * `maxPool2d(input, kernelSize, stride?, padding?, dilation?, ceilMode?, returnIndices?)`, or
 * those after kernelSize in a trailing options object, over [N, C, H, W] or [C, H, W]; stride
 * defaults to kernelSize. With returnIndices, returns [output, indices] (int32 positions h * W + w
 * within each plane).
 *
 * ```ts
 * const y = torch.nn.functional.maxPool2d(torch.randn(1, 1, 4, 4), 2);   // [1, 1, 2, 2]
 * ```
 */
export function maxPool2d(input: Tensor, kernelSize: Size, options?: MaxPoolOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(input: Tensor, kernelSize: Size, options: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(
  input: Tensor,
  kernelSize: Size,
  stride?: Size | null,
  padding?: Size,
  dilation?: Size,
  ceilMode?: boolean,
  returnIndices?: false,
): Tensor;
export function maxPool2d(
  input: Tensor,
  kernelSize: Size,
  stride: Size | null | undefined,
  padding: Size | undefined,
  dilation: Size | undefined,
  ceilMode: boolean | undefined,
  returnIndices: true,
): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: Size, ...args: PoolArg[]): Tensor | [Tensor, Tensor] {
  return maxPool('maxPool2d', 2, input, kernelSize, positionalOptions('maxPool2d', MAX_POOL_ARGS, args));
}

/** `maxPool1d(input, kernelSize, stride?, padding?, dilation?, ceilMode?, returnIndices?)` over [N, C, L] or [C, L]; as maxPool2d. */
export function maxPool1d(input: Tensor, kernelSize: Size, options?: MaxPoolOptions & { returnIndices?: false }): Tensor;
export function maxPool1d(input: Tensor, kernelSize: Size, options: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool1d(
  input: Tensor,
  kernelSize: Size,
  stride?: Size | null,
  padding?: Size,
  dilation?: Size,
  ceilMode?: boolean,
  returnIndices?: false,
): Tensor;
export function maxPool1d(
  input: Tensor,
  kernelSize: Size,
  stride: Size | null | undefined,
  padding: Size | undefined,
  dilation: Size | undefined,
  ceilMode: boolean | undefined,
  returnIndices: true,
): [Tensor, Tensor];
export function maxPool1d(input: Tensor, kernelSize: Size, ...args: PoolArg[]): Tensor | [Tensor, Tensor] {
  return maxPool('maxPool1d', 1, input, kernelSize, positionalOptions('maxPool1d', MAX_POOL_ARGS, args));
}

/**
 * `avgPool2d(input, kernelSize, stride?, padding?, ceilMode?, countIncludePad?, divisorOverride?)`,
 * or those after kernelSize in a trailing options object, over [N, C, H, W] or [C, H, W].
 */
export function avgPool2d(input: Tensor, kernelSize: Size, ...args: PoolArg[]): Tensor {
  return avgPool('avgPool2d', 2, input, kernelSize, positionalOptions('avgPool2d', AVG_POOL_ARGS, args));
}

/** `avgPool1d(input, kernelSize, stride?, padding?, ceilMode?, countIncludePad?)` over [N, C, L] or [C, L]. */
export function avgPool1d(input: Tensor, kernelSize: Size, ...args: PoolArg[]): Tensor {
  return avgPool('avgPool1d', 1, input, kernelSize, positionalOptions('avgPool1d', AVG_POOL_ARGS.slice(0, -1), args));
}

/** `adaptiveAvgPool2d(input, outputSize)`: outputSize a number or [H_out, W_out], null keeping that size. */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | null | readonly (number | null)[]): Tensor {
  return adaptiveAvgPool('adaptiveAvgPool2d', 2, input, outputSize);
}

/** `adaptiveAvgPool1d(input, outputSize)` over [N, C, L] or [C, L]. */
export function adaptiveAvgPool1d(input: Tensor, outputSize: number | readonly number[]): Tensor {
  return adaptiveAvgPool('adaptiveAvgPool1d', 1, input, outputSize);
}
