// nn.ConvTranspose1d and nn.ConvTranspose2d: PyTorch's transposed convolution layers.
import { describe, expandTuple, positionalOptions } from '../ops/conv.js';
import { convTranspose1d, convTranspose2d, convTransposeSizes } from '../ops/conv-transpose.js';
import { checkArgumentCount, spreadKeywordCall } from '../options.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { type ChannelsCall, resetConvParameters } from './conv.js';
import { checkFeatures } from './linear.js';
import { Module } from './module.js';
import { emptyParameter, type Parameter } from './parameter.js';
import { formatBool, formatTuple } from './repr.js';

/** The keyword arguments of ConvTranspose1d/2d; stride through paddingMode may also come positionally, in this order. */
export interface ConvTransposeModuleOptions {
  stride?: number | readonly number[];
  padding?: number | readonly number[];
  outputPadding?: number | readonly number[];
  groups?: number;
  /** Learn an additive bias; default true. */
  bias?: boolean;
  dilation?: number | readonly number[];
  /** Only 'zeros', as in PyTorch. */
  paddingMode?: 'zeros';
  device?: string;
}

type ConvTransposeModuleArg = number | readonly number[] | string | boolean | undefined | ConvTransposeModuleOptions;

/** PyTorch's _ConvTransposeNd: the options checked and stored as tuples, the weight and bias, and the forward. */
abstract class ConvTransposeNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly dilation: readonly number[];
  readonly outputPadding: readonly number[];
  readonly groups: number;
  readonly paddingMode = 'zeros';
  weight: Parameter;
  declare bias: Parameter | null;
  private readonly spatialDims: number;

  constructor(
    spatialDims: number,
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    args: readonly ConvTransposeModuleArg[],
  ) {
    super();
    const layer = this.getName();
    const options: ConvTransposeModuleOptions = positionalOptions(
      layer,
      ['stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation', 'paddingMode', 'device'],
      args,
    );
    checkFeatures(layer, { inChannels, outChannels });
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1)
      throw new RangeError(`${layer}: groups must be a positive integer, got ${describe(groups)}`);
    if (inChannels % groups !== 0) throw new RangeError(`${layer}: inChannels (${inChannels}) must be divisible by groups (${groups})`);
    if (outChannels % groups !== 0) throw new RangeError(`${layer}: outChannels (${outChannels}) must be divisible by groups (${groups})`);
    if ((options.paddingMode ?? 'zeros') !== 'zeros') {
      throw new RangeError(`${layer}: only paddingMode 'zeros' is supported, as in PyTorch, got ${describe(options.paddingMode)}`);
    }
    this.spatialDims = spatialDims;
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = expandTuple(layer, 'kernelSize', kernelSize, spatialDims, 1);
    this.stride = expandTuple(layer, 'stride', options.stride ?? 1, spatialDims, 1);
    this.padding = expandTuple(layer, 'padding', options.padding ?? 0, spatialDims, 0);
    this.dilation = expandTuple(layer, 'dilation', options.dilation ?? 1, spatialDims, 1);
    this.outputPadding = expandTuple(layer, 'outputPadding', options.outputPadding ?? 0, spatialDims, 0);
    this.groups = groups;
    this.weight = emptyParameter([inChannels, outChannels / groups, ...this.kernelSize], options.device);
    this.registerParameter('bias', (options.bias ?? true) ? emptyParameter([outChannels], options.device) : null);
    this.resetParameters();
  }

  resetParameters(): void {
    resetConvParameters(this.weight, this.bias);
  }

  /**
   * The output padding that makes the output `outputSize` (spatial sizes, or the whole shape), as
   * PyTorch's _output_padding: a strided convolution maps `stride` output sizes to the input's
   * size, and outputSize picks one of them.
   */
  private outputPaddingFor(input: Tensor, outputSize: readonly number[] | undefined): readonly number[] {
    if (outputSize === undefined) return this.outputPadding;
    const layer = this.getName();
    const nonSpatial = input.dim() === this.spatialDims + 2 ? 2 : 1;
    if (!Array.isArray(outputSize) || !outputSize.every((s) => Number.isInteger(s)))
      throw new TypeError(`${layer}.forward: outputSize must be an array of integers, got ${describe(outputSize)}`);
    const sizes = outputSize.length === nonSpatial + this.spatialDims ? outputSize.slice(nonSpatial) : outputSize;
    if (sizes.length !== this.spatialDims) {
      throw new RangeError(
        `${layer}.forward: for ${input.dim()}-D input, outputSize must have ${this.spatialDims} or ${nonSpatial + this.spatialDims} elements, got ${outputSize.length}`,
      );
    }
    const inputSize = input.shape.slice(nonSpatial);
    const smallest = convTransposeSizes(inputSize, this.kernelSize, this.stride, this.padding, this.dilation);
    const largest = smallest.map((s, d) => s + this.stride[d] - 1);
    if (sizes.some((s, d) => s < smallest[d] || s > largest[d])) {
      throw new RangeError(
        `${layer}.forward: requested an output size of ${describe(outputSize)}, but valid sizes range from ${describe(smallest)} to ${describe(largest)} (for an input of ${formatShape(inputSize)})`,
      );
    }
    return sizes.map((s, d) => s - smallest[d]);
  }

  protected abstract convolveTransposed(input: Tensor, outputPadding: readonly number[]): Tensor;

  /** `forward(input, outputSize?)`: outputSize, PyTorch's output_size, chooses the output padding. */
  override forward(input: Tensor, outputSize?: readonly number[]): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'outputSize']);
    return this.convolveTransposed(input, this.outputPaddingFor(input, outputSize));
  }

  protected transposeOptions(outputPadding: readonly number[]) {
    return { stride: this.stride, padding: this.padding, outputPadding, groups: this.groups, dilation: this.dilation };
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${formatTuple(this.kernelSize)}, stride=${formatTuple(this.stride)}`;
    if (this.padding.some((p) => p !== 0)) s += `, padding=${formatTuple(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${formatTuple(this.dilation)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, output_padding=${formatTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += `, bias=${formatBool(false)}`;
    return s;
  }
}

/**
 * `nn.ConvTranspose2d(inChannels, outChannels, kernelSize, { stride, padding, outputPadding,
 * groups, bias, dilation })`: 2-D transposed convolution, the gradient of Conv2d with respect to
 * its input. Shapes: input (N, C_in, H_in, W_in) or (C_in, H_in, W_in), output (N, C_out, H_out,
 * W_out) with H_out = (H_in - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kernel_size[0] - 1)
 * + output_padding[0] + 1; weight (C_in, C_out/groups, kH, kW), bias (C_out).
 *
 * ```ts
 * const up = new nn.ConvTranspose2d(16, 33, [3, 5], { stride: [2, 1], padding: [4, 2] });
 * String(up);   // 'ConvTranspose2d(16, 33, kernel_size=(3, 5), stride=(2, 1), padding=(4, 2))'
 * const x = torch.randn(1, 16, 12, 12);
 * up.forward(x).shape;   // [1, 33, 17, 12]
 * up.forward(x, [1, 33, 18, 12]).shape;   // [1, 33, 18, 12]: outputSize picks outputPadding (1, 0)
 * ```
 */
export class ConvTranspose2d extends ConvTransposeNd {
  constructor(...given: ChannelsCall<ConvTransposeModuleOptions, ConvTransposeModuleArg>) {
    const [inChannels, outChannels, kernelSize, ...args] = spreadKeywordCall(given, ['inChannels', 'outChannels', 'kernelSize']);
    super(2, inChannels as number, outChannels as number, kernelSize as number | readonly number[], args as ConvTransposeModuleArg[]);
  }

  protected convolveTransposed(input: Tensor, outputPadding: readonly number[]): Tensor {
    return convTranspose2d(input, this.weight, this.bias, this.transposeOptions(outputPadding));
  }
}

/**
 * `nn.ConvTranspose1d(inChannels, outChannels, kernelSize, { stride, padding, outputPadding,
 * groups, bias, dilation })`: 1-D transposed convolution. Shapes: input (N, C_in, L_in) or
 * (C_in, L_in), output (N, C_out, L_out) with L_out = (L_in - 1) * stride - 2 * padding +
 * dilation * (kernel_size - 1) + output_padding + 1; weight (C_in, C_out/groups, kL), bias (C_out).
 */
export class ConvTranspose1d extends ConvTransposeNd {
  constructor(...given: ChannelsCall<ConvTransposeModuleOptions, ConvTransposeModuleArg>) {
    const [inChannels, outChannels, kernelSize, ...args] = spreadKeywordCall(given, ['inChannels', 'outChannels', 'kernelSize']);
    super(1, inChannels as number, outChannels as number, kernelSize as number | readonly number[], args as ConvTransposeModuleArg[]);
  }

  protected convolveTransposed(input: Tensor, outputPadding: readonly number[]): Tensor {
    return convTranspose1d(input, this.weight, this.bias, this.transposeOptions(outputPadding));
  }
}
