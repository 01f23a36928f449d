// Transposed convolution (conv_transpose1d/2d) on the convolution kernels: its forward is a convolution's input gradient.
import type { ConvGeometry } from '../devices/device.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { type ConvPlan, convBackwardInput, expandTuple } from './conv.js';
import { kind, param, signature } from './signature.js';
import { checkDtype, checkSameDevice, checkTensor } from './util.js';

/** The arguments of convTranspose1d/2d after input and weight; each may also be given positionally, in this order. */
export interface ConvTransposeOptions {
  bias?: Tensor | null;
  stride?: number | readonly number[];
  padding?: number | readonly number[];
  /** Extra rows and columns at the far end of the output: picks one of the input sizes a strided convolution maps to the same size. */
  outputPadding?: number | readonly number[];
  groups?: number;
  dilation?: number | readonly number[];
}

const sizes = kind<number | readonly number[]>('an integer or an array of integers', (v) =>
  Number.isInteger(v) || (Array.isArray(v) && v.every((d) => Number.isInteger(d))) ? (v as number | readonly number[]) : undefined,
);
const optionalTensor = kind<Tensor | null>('a Tensor or null', (v) => (v === null || v instanceof Tensor ? v : undefined));

const PARAMS = {
  input: param.tensor(),
  weight: param.tensor(),
  bias: optionalTensor(null),
  stride: sizes(1),
  padding: sizes(0),
  outputPadding: sizes(0),
  groups: param.int(1),
  dilation: sizes(1),
};
const CONV_TRANSPOSE1D = signature('convTranspose1d', PARAMS);
const CONV_TRANSPOSE2D = signature('convTranspose2d', PARAMS);

type Bound = ReturnType<typeof CONV_TRANSPOSE2D>;

/**
 * The transposed convolution as the convolution whose input gradient it is: that convolution's
 * input is this op's output and its output is this op's input, with the same weight and geometry.
 */
interface TransposePlan {
  /** 2 for convTranspose2d, 1 for convTranspose1d (run as 2-D with height 1). */
  spatialDims: number;
  /** False for unbatched input [C, ...], which the kernels see with N = 1. */
  batched: boolean;
  geometry: ConvGeometry;
  outShape: number[];
}

/** `dilation * (kernel - 1) + 1 + (size - 1) * stride - 2 * padding` per spatial dim: the output size without outputPadding. */
export function convTransposeSizes(
  size: readonly number[],
  kernel: readonly number[],
  stride: readonly number[],
  padding: readonly number[],
  dilation: readonly number[],
): number[] {
  return size.map((s, d) => (s - 1) * stride[d] - 2 * padding[d] + dilation[d] * (kernel[d] - 1) + 1);
}

const tuple = (values: readonly number[]) => `(${values.join(', ')})`;

function planConvTranspose(op: string, spatialDims: number, args: Bound): TransposePlan {
  const { input, weight, bias, groups } = args;
  checkTensor(op, 'input', input);
  checkTensor(op, 'weight', weight);
  const layout = spatialDims === 2 ? ['[C, H, W]', '[N, C, H, W]'] : ['[C, L]', '[N, C, L]'];
  const rank = spatialDims + 2;
  if (input.dim() !== rank && input.dim() !== rank - 1) {
    throw new RangeError(
      `${op}: input must be ${rank - 1}-D ${layout[0]} (unbatched) or ${rank}-D ${layout[1]}, got ${formatShape(input.shape)}`,
    );
  }
  if (weight.dim() !== rank) {
    throw new RangeError(
      `${op}: weight must be ${rank}-D ${spatialDims === 2 ? '[in_channels, out_channels/groups, kH, kW]' : '[in_channels, out_channels/groups, kL]'}, got ${formatShape(weight.shape)}`,
    );
  }
  checkDtype(op, 'input', input, ['float32']);
  checkDtype(op, 'weight', weight, ['float32']);
  checkSameDevice(op, { input, weight });
  const batched = input.dim() === rank;
  const channelDim = batched ? 1 : 0;
  const size = input.shape.slice(channelDim + 1);
  const nonSpatial = input.shape.slice(0, channelDim + 1);
  if (size.some((s) => s === 0) && nonSpatial.every((s) => s > 0)) {
    throw new RangeError(`${op}: only inputs with zero batch or zero channels may be empty, got input of size ${formatShape(input.shape)}`);
  }
  if (groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
  const [inChannels, groupOutChannels] = weight.shape;
  if (inChannels % groups !== 0) {
    throw new RangeError(
      `${op}: given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size ${formatShape(weight.shape)}`,
    );
  }
  if (input.shape[channelDim] !== inChannels) {
    throw new RangeError(
      `${op}: weight of size ${formatShape(weight.shape)} expects input ${formatShape(input.shape)} to have ${inChannels} channels, but got ${input.shape[channelDim]} channels`,
    );
  }
  const outChannels = groupOutChannels * groups;
  if (bias !== null) {
    checkTensor(op, 'bias', bias);
    checkDtype(op, 'bias', bias, ['float32']);
    checkSameDevice(op, { input, bias });
    if (bias.dim() !== 1 || bias.shape[0] !== outChannels) {
      throw new RangeError(
        `${op}: given weight of size ${formatShape(weight.shape)} and groups=${groups}, expected bias to be 1-D with ${outChannels} elements, but got bias of size ${formatShape(bias.shape)}`,
      );
    }
  }
  const stride = expandTuple(op, 'stride', args.stride, spatialDims, 1);
  const padding = expandTuple(op, 'padding', args.padding, spatialDims, 0);
  const outputPadding = expandTuple(op, 'outputPadding', args.outputPadding, spatialDims, 0);
  const dilation = expandTuple(op, 'dilation', args.dilation, spatialDims, 1);
  if (outputPadding.some((p, d) => p >= stride[d] && p >= dilation[d])) {
    throw new RangeError(
      `${op}: outputPadding must be smaller than either stride or dilation, got outputPadding ${tuple(outputPadding)} with stride ${tuple(stride)} and dilation ${tuple(dilation)}`,
    );
  }
  const kernel = weight.shape.slice(2);
  const outSpatial = convTransposeSizes(size, kernel, stride, padding, dilation).map((s, d) => s + outputPadding[d]);
  if (outSpatial.some((s) => s < 1)) {
    throw new RangeError(
      `${op}: given input size per channel ${tuple(size)}, the output size per channel ${tuple(outSpatial)} is too small`,
    );
  }
  const pair = (values: number[], fill: number): [number, number] => (spatialDims === 2 ? [values[0], values[1]] : [fill, values[0]]);
  return {
    spatialDims,
    batched,
    geometry: { stride: pair(stride, 1), padding: pair(padding, 0), dilation: pair(dilation, 1), groups },
    outShape: [...input.shape.slice(0, channelDim), outChannels, ...outSpatial],
  };
}

/**
 * The transposed convolution as the input gradient of the convolution it transposes, with the
 * convolution's recorded gradient ops: its gradients are that convolution (for input) and its
 * weight gradient (for weight), each recorded in turn, so it differentiates any number of times.
 */
function convolutionTranspose(op: string, spatialDims: number, args: Bound): Tensor {
  const plan = planConvTranspose(op, spatialDims, args);
  const { weight, bias } = args;
  // The kernels take a batch dim: unbatched input runs as a batch of one.
  const input = plan.batched ? args.input : args.input.unsqueeze(0);
  const outShape = plan.batched ? plan.outShape : [1, ...plan.outShape];
  const convolution: ConvPlan = { spatialDims, geometry: plan.geometry, outShape: [...input.shape] };
  let out = convBackwardInput(convolution, input, weight, outShape, 'ConvolutionBackward0');
  if (bias) out = out.add(bias.reshape([bias.shape[0], ...Array<number>(spatialDims).fill(1)]));
  return plan.batched ? out : out.squeeze(0);
}

/**
 * `convTranspose2d(input, weight, bias?, stride?, padding?, outputPadding?, groups?, dilation?)`,
 * or any of those after weight in a trailing options object (PyTorch's conv_transpose2d): the
 * gradient of conv2d with respect to its input, applied to input [N, C_in, H, W] or unbatched
 * [C_in, H, W], with weight [C_in, C_out/groups, kH, kW] and bias [C_out]. Output [N, C_out,
 * H_out, W_out] with H_out = (H - 1) * stride - 2 * padding + dilation * (kH - 1) + outputPadding + 1.
 *
 * ```ts
 * const x = torch.randn(1, 4, 5, 5);
 * const w = torch.randn(4, 2, 3, 3);
 * const y = torch.nn.functional.convTranspose2d(x, w, null, { stride: 2, padding: 1, outputPadding: 1 });   // [1, 2, 10, 10]
 * ```
 */
export function convTranspose2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null | ConvTransposeOptions,
  stride?: number | readonly number[] | ConvTransposeOptions,
  padding?: number | readonly number[] | ConvTransposeOptions,
  outputPadding?: number | readonly number[] | ConvTransposeOptions,
  groups?: number | ConvTransposeOptions,
  dilation?: number | readonly number[] | ConvTransposeOptions,
  options?: ConvTransposeOptions,
): Tensor {
  return convolutionTranspose('convTranspose2d', 2, CONV_TRANSPOSE2D(arguments));
}

/**
 * `convTranspose1d(input, weight, bias?, stride?, padding?, outputPadding?, groups?, dilation?)`:
 * the 1-D form over input [N, C_in, L] or [C_in, L] with weight [C_in, C_out/groups, kL]; output
 * [N, C_out, L_out], L_out = (L - 1) * stride - 2 * padding + dilation * (kL - 1) + outputPadding + 1.
 */
export function convTranspose1d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null | ConvTransposeOptions,
  stride?: number | readonly number[] | ConvTransposeOptions,
  padding?: number | readonly number[] | ConvTransposeOptions,
  outputPadding?: number | readonly number[] | ConvTransposeOptions,
  groups?: number | ConvTransposeOptions,
  dilation?: number | readonly number[] | ConvTransposeOptions,
  options?: ConvTransposeOptions,
): Tensor {
  return convolutionTranspose('convTranspose1d', 1, CONV_TRANSPOSE1D(arguments));
}
