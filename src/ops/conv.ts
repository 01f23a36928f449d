// The convolution ops `conv1d` and `conv2d` (stride, padding, dilation, groups) and their backward.
import type { ConvGeometry, TensorView } from '../devices/device.js';
import { record } from '../graph/record.js';
import { checkOptions } from '../options.js';
import { formatShape, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { sum } from './reduce.js';
import { checkDtype, checkSameDevice, checkTensor } from './util.js';

export type ConvPadding = number | readonly number[] | 'same' | 'valid';

/** The keyword arguments of conv1d/conv2d; each may also be given positionally, in this order. */
export interface ConvOptions {
  bias?: Tensor | null;
  stride?: number | readonly number[];
  padding?: ConvPadding;
  dilation?: number | readonly number[];
  groups?: number;
}

type ConvArg = Tensor | null | undefined | number | readonly number[] | string | ConvOptions;

/**
 * Arguments given PyTorch's way: positionally in the order of `names`, then optionally one plain
 * object holding any of the rest by name (Python's keyword arguments). Errors name the op.
 */
export function positionalOptions(op: string, names: readonly string[], args: readonly unknown[]): Record<string, unknown> {
  const last = args[args.length - 1];
  const hasOptions = last !== null && typeof last === 'object' && Object.getPrototypeOf(last) === Object.prototype;
  const positional = hasOptions ? args.slice(0, -1) : args;
  if (positional.length > names.length)
    throw new TypeError(
      `${op}: expected at most ${names.length} arguments after the tensors (${names.join(', ')}), got ${positional.length}`,
    );
  const options: Record<string, unknown> = {};
  positional.forEach((value, i) => (options[names[i]] = value));
  if (hasOptions) {
    for (const [key, value] of Object.entries(checkOptions(op, last as object, names))) {
      if (options[key] !== undefined) throw new TypeError(`${op}: got multiple values for argument '${key}'`);
      options[key] = value;
    }
  }
  return options;
}

/**
 * `value` as `n` integers (a single number repeats, as PyTorch's _pair does), each at least `min`.
 * Errors name the op and the argument.
 */
export function expandTuple(op: string, name: string, value: number | readonly number[], n: number, min: number): number[] {
  const values = typeof value === 'number' ? new Array<number>(n).fill(value) : Array.isArray(value) ? [...value] : null;
  if (values === null || (values.length !== n && values.length !== 1)) {
    throw new TypeError(
      `${op}: ${name} must be a number or ${n === 1 ? 'an array of one number' : `an array of ${n} numbers`}, got ${describe(value)}`,
    );
  }
  const expanded = values.length === n ? values : new Array<number>(n).fill(values[0]);
  for (const v of expanded) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new RangeError(`${op}: ${name} must be ${min === 0 ? 'non-negative' : 'positive'} integers, got ${describe(value)}`);
    }
  }
  return expanded;
}

/** A value as error messages show it: arrays in brackets, strings quoted. */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (typeof value === 'string') return `'${value}'`;
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}

/** A TensorView with a size-1 height inserted, so 1-D convolution and pooling run as 2-D. */
export function withUnitHeight(view: TensorView): TensorView {
  const last = view.shape.length - 1;
  return {
    ...view,
    shape: [...view.shape.slice(0, last), 1, view.shape[last]],
    // The stride a contiguous height would have, so kernels see rows packed back to back.
    strides: [...view.strides.slice(0, last), view.strides[last] * view.shape[last], view.strides[last]],
  };
}

export interface ConvPlan {
  /** 2 for conv2d, 1 for conv1d (run as 2-D with height 1). */
  spatialDims: number;
  geometry: ConvGeometry;
  outShape: number[];
}

/** Validates a convolution's arguments and works out its geometry and output shape. */
function planConv(
  op: string,
  spatialDims: number,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  options: ConvOptions,
): ConvPlan {
  checkTensor(op, 'input', input);
  checkTensor(op, 'weight', weight);
  const layout = spatialDims === 2 ? '[N, C, H, W]' : '[N, C, L]';
  const rank = spatialDims + 2;
  if (input.dim() !== rank) throw new RangeError(`${op}: input must be ${rank}-D ${layout}, got ${formatShape(input.shape)}`);
  if (weight.dim() !== rank) {
    throw new RangeError(
      `${op}: weight must be ${rank}-D ${spatialDims === 2 ? '[out_channels, in_channels/groups, kH, kW]' : '[out_channels, in_channels/groups, kL]'}, got ${formatShape(weight.shape)}`,
    );
  }
  checkDtype(op, 'input', input, ['float32']);
  checkDtype(op, 'weight', weight, ['float32']);
  checkSameDevice(op, { input, weight });
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${describe(groups)}`);
  const [outChannels, groupChannels] = weight.shape;
  if (outChannels % groups !== 0) {
    throw new RangeError(
      `${op}: given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size ${formatShape(weight.shape)}`,
    );
  }
  if (input.shape[1] !== groupChannels * groups) {
    throw new RangeError(
      `${op}: given groups=${groups}, weight of size ${formatShape(weight.shape)} expects input ${formatShape(input.shape)} to have ${groupChannels * groups} channels, but got ${input.shape[1]} channels`,
    );
  }
  if (bias !== null && bias !== undefined) {
    checkTensor(op, 'bias', bias);
    checkDtype(op, 'bias', bias, ['float32']);
    checkSameDevice(op, { input, bias });
    if (bias.dim() !== 1 || bias.shape[0] !== outChannels) {
      throw new RangeError(
        `${op}: given weight of size ${formatShape(weight.shape)}, expected bias to be 1-D with ${outChannels} elements, but got bias of size ${formatShape(bias.shape)}`,
      );
    }
  }
  const stride = expandTuple(op, 'stride', options.stride ?? 1, spatialDims, 1);
  const dilation = expandTuple(op, 'dilation', options.dilation ?? 1, spatialDims, 1);
  const kernel = weight.shape.slice(2);
  const size = input.shape.slice(2);
  const padding = options.padding ?? 0;
  let before: number[];
  let total: number[];
  if (typeof padding === 'string') {
    if (padding === 'valid') {
      before = total = new Array<number>(spatialDims).fill(0);
    } else if (padding === 'same') {
      if (stride.some((s) => s !== 1)) throw new RangeError(`${op}: padding='same' is not supported for strided convolutions`);
      // As PyTorch: odd totals put the extra row or column after the image.
      total = kernel.map((k, d) => dilation[d] * (k - 1));
      before = total.map((t) => Math.floor(t / 2));
    } else {
      throw new RangeError(`${op}: invalid padding string '${padding}', should be one of 'valid' or 'same'`);
    }
  } else {
    before = expandTuple(op, 'padding', padding, spatialDims, 0);
    total = before.map((p) => 2 * p);
  }
  const outSpatial = size.map((s, d) => {
    const padded = s + total[d];
    const extent = dilation[d] * (kernel[d] - 1) + 1;
    if (extent > padded) {
      const sizes = (values: readonly number[]) => `(${values.join(' x ')})`;
      throw new RangeError(
        `${op}: kernel size ${sizes(kernel)}${dilation.some((v) => v !== 1) ? ` with dilation ${sizes(dilation)}` : ''} can't be greater than the padded input size ${sizes(size.map((v, i) => v + total[i]))}`,
      );
    }
    return Math.floor((padded - extent) / stride[d]) + 1;
  });
  const pair = (values: number[], fill: number): [number, number] => (spatialDims === 2 ? [values[0], values[1]] : [fill, values[0]]);
  return {
    spatialDims,
    geometry: { stride: pair(stride, 1), padding: pair(before, 0), dilation: pair(dilation, 1), groups },
    outShape: [input.shape[0], outChannels, ...outSpatial],
  };
}

function as2d(plan: ConvPlan, view: TensorView): TensorView {
  return plan.spatialDims === 2 ? view : withUnitHeight(view);
}

function convolution(op: string, spatialDims: number, input: Tensor, weight: Tensor, args: readonly ConvArg[]): Tensor {
  const options: ConvOptions = positionalOptions(op, ['bias', 'stride', 'padding', 'dilation', 'groups'], args);
  const bias = options.bias ?? null;
  return convolve(planConv(op, spatialDims, input, weight, bias, options), input, weight, bias);
}

/**
 * The convolution `plan` describes, recorded. Its backward is the two gradient ops below, each
 * recorded with a backward of its own, so a convolution can be differentiated any number of times.
 */
function convolve(plan: ConvPlan, input: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const device = input.deviceObject;
  const out = Tensor.empty(plan.outShape, 'float32', device);
  if (out.numel() > 0) {
    if (weight.shape[1] === 0) {
      if (bias) device.kernels.copy(out, { ...bias, shape: out.shape, strides: out.shape.map((_, d) => (d === 1 ? bias.strides[0] : 0)) });
      else device.kernels.fill(out, 0);
    } else {
      device.kernels.conv2d(as2d(plan, out), as2d(plan, input), as2d(plan, weight), bias, plan.geometry);
    }
  }
  return record('ConvolutionBackward0', out, [input, weight, bias], (save) => {
    // Each operand is saved only for the other's gradient; flags are read now, not in backward.
    const [inputNeedsGrad, weightNeedsGrad, biasNeedsGrad] = [input.requiresGrad, weight.requiresGrad, bias?.requiresGrad ?? false];
    const x = weightNeedsGrad ? save(input) : null;
    const w = inputNeedsGrad ? save(weight) : null;
    const spatial = Array.from({ length: plan.spatialDims }, (_, d) => d + 2);
    return (g) => [
      inputNeedsGrad ? convBackwardInput(plan, g, w!, input.shape) : null,
      weightNeedsGrad ? convBackwardWeight(plan, x!, g, weight.shape) : null,
      // Spatial dims first: reducing trailing dims reads in place, a mixed set is copied first.
      biasNeedsGrad ? sum(sum(g, spatial), 0) : null,
    ];
  });
}

/**
 * The input gradient, linear in grad and in weight: <u, gradInput> = <grad, conv(u, weight)>, so
 * its own gradients are conv(u, weight) for grad and the weight gradient of (u, grad) for weight.
 * As a transposed convolution's forward it is PyTorch's ConvolutionBackward0 node.
 */
export function convBackwardInput(
  plan: ConvPlan,
  grad: Tensor,
  weight: Tensor,
  inputShape: Shape,
  node = 'ConvolutionBackwardBackward0',
): Tensor {
  const gradInput = Tensor.empty(inputShape, 'float32', grad.deviceObject);
  if (gradInput.numel() > 0) {
    if (grad.numel() === 0 || weight.shape[1] === 0) grad.deviceObject.kernels.fill(gradInput, 0);
    else grad.deviceObject.kernels.conv2dBackwardInput(as2d(plan, gradInput), as2d(plan, grad), as2d(plan, weight), plan.geometry);
  }
  return record(node, gradInput, [grad, weight], (save) => {
    const [gradNeedsGrad, weightNeedsGrad] = [grad.requiresGrad, weight.requiresGrad];
    const w = gradNeedsGrad ? save(weight) : null;
    const g = weightNeedsGrad ? save(grad) : null;
    return (u) => [
      gradNeedsGrad ? convolve(plan, u, w!, null) : null,
      weightNeedsGrad ? convBackwardWeight(plan, u, g!, weight.shape) : null,
    ];
  });
}

/**
 * The weight gradient, linear in input and in grad: <u, gradWeight> = <grad, conv(input, u)>, so
 * its own gradients are the input gradient of (grad, u) for input and conv(input, u) for grad.
 */
function convBackwardWeight(plan: ConvPlan, input: Tensor, grad: Tensor, weightShape: Shape): Tensor {
  const gradWeight = Tensor.empty(weightShape, 'float32', grad.deviceObject);
  if (gradWeight.numel() > 0) {
    if (grad.numel() === 0) grad.deviceObject.kernels.fill(gradWeight, 0);
    else grad.deviceObject.kernels.conv2dBackwardWeight(as2d(plan, gradWeight), as2d(plan, input), as2d(plan, grad), plan.geometry);
  }
  return record('ConvolutionBackwardBackward0', gradWeight, [input, grad], (save) => {
    const [inputNeedsGrad, gradNeedsGrad] = [input.requiresGrad, grad.requiresGrad];
    const x = gradNeedsGrad ? save(input) : null;
    const g = inputNeedsGrad ? save(grad) : null;
    return (u) => [inputNeedsGrad ? convBackwardInput(plan, g!, u, input.shape) : null, gradNeedsGrad ? convolve(plan, x!, u, null) : null];
  });
}

/**
 * `conv2d(input, weight, bias?, stride?, padding?, dilation?, groups?)`, or any of those after
 * weight in a trailing options object: the 2-D cross-correlation of input [N, C_in, H, W] with
 * weight [C_out, C_in/groups, kH, kW], plus bias [C_out]; output [N, C_out, H_out, W_out].
 * padding is a number, a pair, 'valid' (none) or 'same' (output as large as the input; stride 1).
 *
 * ```ts
 * const x = torch.randn(1, 3, 8, 8);
 * const w = torch.randn(6, 3, 3, 3);
 * const y = torch.conv2d(x, w, null, { padding: 'same' });   // [1, 6, 8, 8]
 * ```
 */
export function conv2d(input: Tensor, weight: Tensor, ...args: ConvArg[]): Tensor {
  return convolution('conv2d', 2, input, weight, args);
}

/**
 * `conv1d(input, weight, bias?, stride?, padding?, dilation?, groups?)`: the 1-D form over input
 * [N, C_in, L] with weight [C_out, C_in/groups, kL]; output [N, C_out, L_out].
 */
export function conv1d(input: Tensor, weight: Tensor, ...args: ConvArg[]): Tensor {
  return convolution('conv1d', 1, input, weight, args);
}
