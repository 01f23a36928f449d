// `nn.Conv1d` and `nn.Conv2d` modules over the convolution ops.
import { type ConvPadding, conv1d, conv2d, describe, expandTuple, positionalOptions } from '../ops/conv.js';
import { checkArgumentCount, type KeywordCall, spreadKeywordCall } from '../options.js';
import type { Tensor } from '../tensor.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init.js';
import { checkFeatures } from './linear.js';
import { Module } from './module.js';
import { type PadMode, pad } from './padding.js';
import { emptyParameter, type Parameter } from './parameter.js';
import { formatBool, formatTuple } from './repr.js';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/** The keyword arguments of Conv1d/Conv2d; stride through paddingMode may also come positionally, in this order. */
export interface ConvModuleOptions {
  stride?: number | readonly number[];
  padding?: ConvPadding;
  dilation?: number | readonly number[];
  groups?: number;
  /** Learn an additive bias; default true. */
  bias?: boolean;
  /** How the padding is filled: 'zeros' (default), 'reflect', 'replicate' or 'circular'. */
  paddingMode?: PaddingMode;
  device?: string;
}

type ConvModuleArg = number | readonly number[] | string | boolean | undefined | ConvModuleOptions;

/**
 * The call forms of the convolution modules: `(inChannels, outChannels, kernelSize, ...rest)`, the
 * rest being PyTorch's positional arguments or options, or any of the leading three by name.
 */
export type ChannelsCall<Options, Arg> = KeywordCall<
  [{ inChannels: number }, { outChannels: number }, { kernelSize: number | readonly number[] }],
  Options,
  Arg[]
>;

const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

/**
 * PyTorch's _ConvNd.reset_parameters: weight kaiming_uniform_(a = sqrt(5)), bias U(-1/sqrt(fanIn),
 * 1/sqrt(fanIn)), fanIn taken from the weight's dim 1 as for any weight (so from outChannels/groups
 * for a transposed convolution, as in PyTorch).
 */
export function resetConvParameters(weight: Parameter, bias: Parameter | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const [fanIn] = calculateFanInAndFanOut(weight);
    if (fanIn !== 0) uniform_(bias, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
  }
}

/** PyTorch's _ConvNd: the options checked and stored as tuples, the weight and bias, and the forward. */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly number[];
  readonly stride: readonly number[];
  /** Per-dim amounts, or 'same' / 'valid' as given. */
  readonly padding: readonly number[] | 'same' | 'valid';
  readonly dilation: readonly number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  weight: Parameter;
  declare bias: Parameter | null;
  /** F.pad's amounts (last dim first) for the padding modes other than 'zeros'. */
  private readonly padAmounts: number[];

  constructor(
    spatialDims: number,
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    args: readonly ConvModuleArg[],
  ) {
    super();
    const layer = this.getName();
    const options: ConvModuleOptions = positionalOptions(
      layer,
      ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', 'device'],
      args,
    );
    checkFeatures(layer, { inChannels, outChannels });
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1)
      throw new RangeError(`${layer}: groups must be a positive integer, got ${describe(groups)}`);
    if (inChannels % groups !== 0) throw new RangeError(`${layer}: inChannels (${inChannels}) must be divisible by groups (${groups})`);
    if (outChannels % groups !== 0) throw new RangeError(`${layer}: outChannels (${outChannels}) must be divisible by groups (${groups})`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = expandTuple(layer, 'kernelSize', kernelSize, spatialDims, 1);
    this.stride = expandTuple(layer, 'stride', options.stride ?? 1, spatialDims, 1);
    this.dilation = expandTuple(layer, 'dilation', options.dilation ?? 1, spatialDims, 1);
    this.groups = groups;
    const padding = options.padding ?? 0;
    if (typeof padding === 'string') {
      if (padding !== 'same' && padding !== 'valid')
        throw new RangeError(`${layer}: invalid padding string '${padding}', should be one of 'valid' or 'same'`);
      if (padding === 'same' && this.stride.some((s) => s !== 1))
        throw new RangeError(`${layer}: padding='same' is not supported for strided convolutions`);
      this.padding = padding;
    } else {
      this.padding = expandTuple(layer, 'padding', padding, spatialDims, 0);
    }
    const paddingMode = options.paddingMode ?? 'zeros';
    if (!PADDING_MODES.includes(paddingMode))
      throw new RangeError(
        `${layer}: paddingMode must be one of ${PADDING_MODES.map((m) => `'${m}'`).join(', ')}, but got '${String(paddingMode)}'`,
      );
    this.paddingMode = paddingMode;
    this.padAmounts = this.kernelSize.flatMap((_, i) => {
      const d = spatialDims - 1 - i;
      if (this.padding === 'valid') return [0, 0];
      if (this.padding === 'same') {
        // As PyTorch: an odd total puts the extra row or column after the input.
        const total = this.dilation[d] * (this.kernelSize[d] - 1);
        return [Math.floor(total / 2), total - Math.floor(total / 2)];
      }
      return [this.padding[d], this.padding[d]];
    });
    this.weight = emptyParameter([outChannels, inChannels / groups, ...this.kernelSize], options.device);
    this.registerParameter('bias', (options.bias ?? true) ? emptyParameter([outChannels], options.device) : null);
    this.resetParameters();
  }

  resetParameters(): void {
    resetConvParameters(this.weight, this.bias);
  }

  protected abstract convolve(input: Tensor, padding: ConvPadding): Tensor;

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    if (this.paddingMode === 'zeros') return this.convolve(input, this.padding);
    const padded = pad(input, this.padAmounts, this.paddingMode as PadMode);
    try {
      return this.convolve(padded, 0);
    } finally {
      if (padded !== input) padded.dispose();
    }
  }

  protected convOptions(padding: ConvPadding) {
    return { stride: this.stride, padding, dilation: this.dilation, groups: this.groups };
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${formatTuple(this.kernelSize)}, stride=${formatTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${formatTuple(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${formatTuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += `, bias=${formatBool(false)}`;
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/**
 * `nn.Conv2d(inChannels, outChannels, kernelSize, { stride, padding, dilation, groups, bias,
 * paddingMode })`: 2-D convolution. Shapes: input (N, C_in, H, W), output (N, C_out, H_out, W_out);
 * weight (C_out, C_in/groups, kH, kW), bias (C_out).
 *
 * ```ts
 * const conv = new nn.Conv2d(3, 6, 3, { padding: 'same' });
 * String(conv);   // 'Conv2d(3, 6, kernel_size=(3, 3), stride=(1, 1), padding=same)'
 * conv.forward(torch.randn(1, 3, 32, 32)).shape;   // [1, 6, 32, 32]
 * ```
 */
export class Conv2d extends ConvNd {
  constructor(...given: ChannelsCall<ConvModuleOptions, ConvModuleArg>) {
    const [inChannels, outChannels, kernelSize, ...args] = spreadKeywordCall(given, ['inChannels', 'outChannels', 'kernelSize']);
    super(2, inChannels as number, outChannels as number, kernelSize as number | readonly number[], args as ConvModuleArg[]);
  }

  protected convolve(input: Tensor, padding: ConvPadding): Tensor {
    return conv2d(input, this.weight, this.bias, this.convOptions(padding));
  }
}

/**
 * `nn.Conv1d(inChannels, outChannels, kernelSize, { stride, padding, dilation, groups, bias,
 * paddingMode })`: 1-D convolution. Shapes: input (N, C_in, L), output (N, C_out, L_out);
 * weight (C_out, C_in/groups, kL), bias (C_out).
 */
export class Conv1d extends ConvNd {
  constructor(...given: ChannelsCall<ConvModuleOptions, ConvModuleArg>) {
    const [inChannels, outChannels, kernelSize, ...args] = spreadKeywordCall(given, ['inChannels', 'outChannels', 'kernelSize']);
    super(1, inChannels as number, outChannels as number, kernelSize as number | readonly number[], args as ConvModuleArg[]);
  }

  protected convolve(input: Tensor, padding: ConvPadding): Tensor {
    return conv1d(input, this.weight, this.bias, this.convOptions(padding));
  }
}
