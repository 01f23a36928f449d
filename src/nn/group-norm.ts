/** Group normalisation: F.groupNorm and nn.GroupNorm, layerNorm over each group of channels. */
import { add, mul } from '../ops/elementwise.js';
import { kind, param, signature } from '../ops/signature.js';
import { checkDtype, checkSameDevice } from '../ops/util.js';
import { reshape } from '../ops/views.js';
import { checkArgumentCount } from '../options.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { ones_, zeros_ } from './init.js';
import { checkFeatures } from './linear.js';
import { Module } from './module.js';
import { layerNorm } from './normalization.js';
import { emptyParameter, type Parameter } from './parameter.js';
import { formatBool, formatFloat } from './repr.js';

/** An optional tensor argument, such as a weight or a running statistic. */
export const optionalTensor = kind<Tensor | null>('a Tensor or null', (v) => (v === null || v instanceof Tensor ? v : undefined));

/** Checks a per-channel tensor of a normalisation: float32, on input's device, shape [channels]. */
export function checkChannelTensor(op: string, name: string, value: Tensor | null, input: Tensor, channels: number): void {
  if (value === null) return;
  checkDtype(op, name, value, ['float32']);
  checkSameDevice(op, { input, [name]: value });
  if (value.dim() !== 1 || value.shape[0] !== channels)
    throw new RangeError(`${op}: ${name} must have shape [${channels}] (the input's channels), got ${formatShape(value.shape)}`);
}

/** weight * x + bias with per-channel weight and bias [C] broadcast over input [N, C, *]. */
export function affinePerChannel(x: Tensor, weight: Tensor | null, bias: Tensor | null): Tensor {
  const channelShape = [x.shape[1], ...x.shape.slice(2).map(() => 1)];
  const scaled = weight ? mul(x, reshape(weight, channelShape)) : x;
  return bias ? add(scaled, reshape(bias, channelShape)) : scaled;
}

const GROUP_NORM = signature('groupNorm', {
  input: param.tensor(),
  numGroups: param.int(),
  weight: optionalTensor(null),
  bias: optionalTensor(null),
  eps: param.number(1e-5),
});

export interface GroupNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/**
 * `groupNorm(input, numGroups, weight?, bias?, eps = 1e-5)`: splits the channels of input
 * (N, C, *) into numGroups groups and normalises each group of each sample to zero mean and unit
 * (biased) variance, then scales by weight (C) and shifts by bias (C). Output: input's shape.
 * Gradients are layerNorm's over each group, as PyTorch's group-norm backward computes them.
 *
 * ```ts
 * F.groupNorm(torch.tensor([[1, 3, 5, 9]]), 2);   // [[-1, 1, -1, 1]] (to within eps)
 * ```
 */
export function groupNorm(
  input: Tensor,
  numGroups: number | GroupNormOptions,
  weight?: Tensor | null | GroupNormOptions,
  bias?: Tensor | null | GroupNormOptions,
  eps?: number | GroupNormOptions,
): Tensor {
  const args = GROUP_NORM(arguments);
  const op = 'groupNorm';
  const x = args.input;
  checkDtype(op, 'input', x, ['float32']);
  if (x.dim() < 2) throw new RangeError(`${op}: input must be at least 2-D (N, C, *), got ${formatShape(x.shape)}`);
  const channels = x.shape[1];
  if (args.numGroups <= 0 || channels % args.numGroups !== 0) {
    throw new RangeError(
      `${op}: the number of channels in input must be divisible by numGroups, got input of shape ${formatShape(x.shape)} and numGroups=${args.numGroups}`,
    );
  }
  checkChannelTensor(op, 'weight', args.weight, x, channels);
  checkChannelTensor(op, 'bias', args.bias, x, channels);
  const perGroup = x.numel() / (x.shape[0] * args.numGroups);
  const normalized = reshape(layerNorm(reshape(x, [x.shape[0], args.numGroups, perGroup]), [perGroup], null, null, args.eps), x.shape);
  return affinePerChannel(normalized, args.weight, args.bias);
}

const GROUP_NORM_MODULE = signature('GroupNorm', {
  numGroups: param.int(),
  numChannels: param.int(),
  eps: param.number(1e-5),
  affine: param.boolean(true),
  device: param.device(undefined),
});

export interface GroupNormModuleOptions {
  /** Added to the variance for stability; default 1e-5. */
  eps?: number;
  /** Learn a per-channel weight (starting at 1) and bias (starting at 0); default true. */
  affine?: boolean;
  device?: string;
}

/**
 * `nn.GroupNorm(numGroups, numChannels, { eps, affine, device })`: see `F.groupNorm`. Shapes:
 * input (N, C, *) with C = numChannels, output the same.
 *
 * ```ts
 * const norm = new nn.GroupNorm(2, 4);
 * String(norm);   // 'GroupNorm(2, 4, eps=1e-05, affine=True)'
 * ```
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;

  constructor(numGroups: number, numChannels: number | GroupNormModuleOptions, options?: GroupNormModuleOptions) {
    super();
    const args = GROUP_NORM_MODULE(arguments);
    checkFeatures('GroupNorm', { numGroups: args.numGroups, numChannels: args.numChannels });
    if (args.numGroups === 0 || args.numChannels % args.numGroups !== 0) {
      throw new RangeError(
        `GroupNorm: numChannels must be divisible by numGroups, got numChannels=${args.numChannels} and numGroups=${args.numGroups}`,
      );
    }
    ({ numGroups: this.numGroups, numChannels: this.numChannels, eps: this.eps, affine: this.affine } = args);
    this.registerParameter('weight', this.affine ? emptyParameter([this.numChannels], args.device) : null);
    this.registerParameter('bias', this.affine ? emptyParameter([this.numChannels], args.device) : null);
    this.resetParameters();
  }

  /** weight = 1, bias = 0. */
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return groupNorm(input, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${formatFloat(this.eps)}, affine=${formatBool(this.affine)}`;
  }
}
