// `F.batchNorm` and `nn.BatchNorm1d/2d/3d`, with running statistics.
import { isGradEnabled, noGrad } from '../graph/grad-mode.js';
import { recordComposite } from '../graph/record.js';
import { scope } from '../memory.js';
import { positionalOptions } from '../ops/conv.js';
import { zeros } from '../ops/creation.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { neg, reciprocal, rsqrt } from '../ops/unary.js';
import { batchNormBackwardInput, batchNormBackwardSums, channelAffine, channelStatistics } from '../ops/unrecorded.js';
import { checkDtype, checkSameDevice, checkTensor } from '../ops/util.js';
import { reshape } from '../ops/views.js';
import { checkArgumentCount, checkOptions, type KeywordCall, optionKeys, spreadKeywordCall } from '../options.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { ones_, zeros_ } from './init.js';
import { checkFeatures } from './linear.js';
import { Module } from './module.js';
import { emptyParameter, type Parameter } from './parameter.js';
import { formatBool, formatFloat } from './repr.js';

/** The keyword arguments of batchNorm; each may also be given positionally, in this order. */
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Normalise with the batch's statistics and update the running ones (default false: use the running ones). */
  training?: boolean;
  /** The weight of the new batch in the running averages; default 0.1. */
  momentum?: number;
  eps?: number;
}

type BatchNormArg = Tensor | null | undefined | boolean | number | BatchNormOptions;

/**
 * `batchNorm(input, runningMean, runningVar, weight?, bias?, training = false, momentum = 0.1,
 * eps = 1e-5)`, or those after runningVar in a trailing options object: normalises each channel
 * (dim 1) of input [N, C, *] over the batch and the other dims, then scales by weight [C] and
 * shifts by bias [C].
 *
 * Training uses the batch mean and biased variance and, when running statistics are given,
 * updates them in place: running = (1 - momentum) * running + momentum * batch, with the
 * unbiased variance. Otherwise the running statistics normalise (both required).
 *
 * ```ts
 * const mean = torch.zeros(3), variance = torch.ones(3);
 * F.batchNorm(torch.randn(8, 3), mean, variance, { training: true });   // updates mean and variance
 * ```
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, ...args: BatchNormArg[]): Tensor {
  const options: BatchNormOptions = positionalOptions('batchNorm', ['weight', 'bias', 'training', 'momentum', 'eps'], args);
  const momentum = options.momentum ?? 0.1;
  if (typeof momentum !== 'number')
    throw new TypeError(`batchNorm: momentum must be a number, got ${momentum === null ? 'null' : typeof momentum}`);
  return batchNormWith(input, runningMean, runningVar, options, momentum);
}

/**
 * batchNorm whose `momentum` may also be a 0-d tensor on input's device: the modules' cumulative
 * average (momentum null) weighs batch n by 1 / num_batches_tracked, a count that lives on the
 * device, which an asynchronous device cannot hand back synchronously.
 */
function batchNormWith(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: BatchNormOptions,
  momentum: number | Tensor,
): Tensor {
  const op = 'batchNorm';
  const weight = options.weight ?? null,
    bias = options.bias ?? null;
  const training = options.training ?? false;
  const eps = options.eps ?? 1e-5;
  checkTensor(op, 'input', input);
  checkDtype(op, 'input', input, ['float32']);
  if (input.dim() < 2) throw new RangeError(`${op}: input must be at least 2-D [N, C, *], got ${formatShape(input.shape)}`);
  const channels = input.shape[1];
  for (const [name, value] of [
    ['runningMean', runningMean],
    ['runningVar', runningVar],
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (value === null || value === undefined) continue;
    checkTensor(op, name, value);
    checkDtype(op, name, value, ['float32']);
    checkSameDevice(op, { input, [name]: value });
    if (value.dim() !== 1 || value.shape[0] !== channels)
      throw new RangeError(`${op}: ${name} must have shape [${channels}] (the input's channels), got ${formatShape(value.shape)}`);
  }
  if ((runningMean === null) !== (runningVar === null))
    throw new TypeError(`${op}: runningMean and runningVar must both be given or both be null`);
  const count = input.numel() / Math.max(channels, 1);
  // Per-channel tensors [C] broadcast against [N, C, *] as [C, 1, ...].
  const channelShape = [channels, ...input.shape.slice(2).map(() => 1)];
  const dims = input.shape.map((_, d) => d).filter((d) => d !== 1);
  const perChannel = (t: Tensor) => reshape(t, channelShape);
  if (training) {
    if (count <= 1)
      throw new RangeError(`${op}: expected more than 1 value per channel when training, got input of shape ${formatShape(input.shape)}`);
    const { batchMean, invstd } = noGrad(() =>
      scope(() => {
        const { mean: batchMean, variance: biasedVar } = channelStatistics(input);
        if (runningMean && runningVar) {
          const kept = typeof momentum === 'number' ? 1 - momentum : sub(1, momentum);
          const unbiased = count / (count - 1);
          runningMean.mul_(kept).add_(mul(batchMean, momentum));
          runningVar.mul_(kept).add_(mul(biasedVar, typeof momentum === 'number' ? momentum * unbiased : mul(momentum, unbiased)));
        }
        return { batchMean: perChannel(batchMean), invstd: perChannel(rsqrt(add(biasedVar, eps))) };
      }),
    );
    try {
      return normalize(input, batchMean, invstd, weight, bias, dims, channelShape, eps);
    } finally {
      batchMean.dispose();
      invstd.dispose();
    }
  }
  if (!runningMean || !runningVar)
    throw new TypeError(`${op}: runningMean and runningVar must be defined in evaluation mode (training false)`);
  const { center, invstd } = noGrad(() =>
    scope(() => ({ center: perChannel(runningMean), invstd: perChannel(rsqrt(add(runningVar, eps))) })),
  );
  try {
    return normalize(input, center, invstd, weight, bias, dims, channelShape, null);
  } finally {
    center.dispose();
    invstd.dispose();
  }
}

/**
 * The per-channel mean ([1, C, 1, ...]) and 1 / sqrt(biased variance + eps) (channelShape) of [N,
 * C, *] in recorded ops, for the backward under createGraph, whose second derivative goes through
 * them.
 */
function recordedBatchStatistics(input: Tensor, dims: readonly number[], channelShape: readonly number[], eps: number) {
  const batchMean = mean(input, dims, { keepdim: true });
  const deviations = sub(input, batchMean);
  const biasedVar = mean(mul(deviations, deviations), dims);
  return { batchMean, invstd: reshape(rsqrt(add(biasedVar, eps)), channelShape) };
}

/**
 * y = (x - center) * invstd * weight + bias as one node, computed as PyTorch's CPU kernel does: x *
 * scale + shift with per-channel scale = invstd * weight and shift = bias - center * scale, one
 * pass over x (Kernels.channelAffine). In training (`batchEps` given) the statistics depend on x,
 * and the closed form folds that in: with x^ = (x - mean) * invstd and g' = g * weight, dx = invstd
 * * (g' - mean(g') - x^ * mean(g' * x^)) over the reduced dims; with fixed statistics (`batchEps`
 * null) dx = g' * invstd. dweight = sum(g * x^), dbias = sum(g). Outside createGraph the backward
 * takes the two per-channel sums, sum(g) and sum(g * (x - mean)), in one pass and forms dx as g *
 * k1 + (x - mean) * k2 + k3 with per-channel k in another, as PyTorch's CPU kernel does; under
 * createGraph it runs the formula in recorded ops, so it can be differentiated again.
 */
function normalize(
  input: Tensor,
  center: Tensor,
  invstd: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  dims: number[],
  channelShape: number[],
  batchEps: number | null,
): Tensor {
  const channels = [input.shape[1]];
  return recordComposite(
    'NativeBatchNormBackward0',
    [input, weight, bias],
    () => {
      const scale = weight ? mul(invstd, reshape(weight, channelShape)) : invstd;
      const shifted = mul(center, scale);
      const shift = bias ? sub(reshape(bias, channelShape), shifted) : neg(shifted);
      return channelAffine(input, reshape(scale, channels), reshape(shift, channels));
    },
    (save) => {
      const x = save(input);
      const savedCenter = save(center);
      const savedInvstd = save(invstd);
      const w = weight ? save(weight) : null;
      const [weightNeedsGrad, biasNeedsGrad] = [weight?.requiresGrad ?? false, bias?.requiresGrad ?? false];
      return (g) => {
        if (!isGradEnabled()) {
          const invstdPerChannel = reshape(savedInvstd, channels);
          const scale = w ? mul(invstdPerChannel, w) : invstdPerChannel;
          const centerPerChannel = reshape(savedCenter, channels);
          const sums = batchEps !== null || weightNeedsGrad || biasNeedsGrad ? batchNormBackwardSums(g, x, centerPerChannel) : null;
          let gradInput: Tensor;
          if (batchEps !== null) {
            const count = g.numel() / g.shape[1];
            const k2 = mul(mul(scale, mul(mul(invstdPerChannel, invstdPerChannel), sums!.dot)), -1 / count);
            const k3 = mul(mul(scale, sums!.gradSum), -1 / count);
            gradInput = batchNormBackwardInput(g, x, centerPerChannel, scale, k2, k3);
          } else gradInput = mul(g, reshape(scale, channelShape));
          return [gradInput, weightNeedsGrad ? mul(sums!.dot, invstdPerChannel) : null, biasNeedsGrad ? sums!.gradSum : null];
        }
        // Under createGraph batch statistics are recomputed from x in recorded ops: the saved ones
        // are constants, and the second derivative goes through them.
        const stats =
          batchEps !== null && isGradEnabled()
            ? recordedBatchStatistics(x, dims, channelShape, batchEps)
            : { batchMean: savedCenter, invstd: savedInvstd };
        const normalized = mul(sub(x, stats.batchMean), stats.invstd);
        const scaledGrad = w ? mul(g, reshape(w, channelShape)) : g;
        const gradInput =
          batchEps !== null
            ? mul(
                stats.invstd,
                sub(
                  sub(scaledGrad, mean(scaledGrad, dims, { keepdim: true })),
                  mul(normalized, mean(mul(scaledGrad, normalized), dims, { keepdim: true })),
                ),
              )
            : mul(scaledGrad, stats.invstd);
        return [gradInput, weightNeedsGrad ? sum(mul(g, normalized), dims) : null, biasNeedsGrad ? sum(g, dims) : null];
      };
    },
  );
}

export interface BatchNormModuleOptions {
  /** Added to the variance for stability; default 1e-5. */
  eps?: number;
  /** The running averages' update weight; null keeps a cumulative (equal-weight) average. Default 0.1. */
  momentum?: number | null;
  /** Learn a per-channel weight (starting at 1) and bias (starting at 0); default true. */
  affine?: boolean;
  /** Keep running statistics for evaluation; without them batch statistics are used in both modes. Default true. */
  trackRunningStats?: boolean;
  device?: string;
}

const BATCH_NORM_MODULE_OPTIONS = optionKeys<BatchNormModuleOptions>({
  eps: true,
  momentum: true,
  affine: true,
  trackRunningStats: true,
  device: true,
});

/**
 * PyTorch's _BatchNorm: the parameters weight and bias, the buffers running_mean, running_var and
 * num_batches_tracked (int32 here: webtorch has no int64), under PyTorch's state_dict names.
 */
export abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(numFeatures: number, options: BatchNormModuleOptions) {
    super();
    checkOptions(this.getName(), options, BATCH_NORM_MODULE_OPTIONS);
    checkFeatures(this.getName(), { numFeatures });
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const device = options.device;
    this.registerParameter('weight', this.affine ? emptyParameter([numFeatures], device) : null);
    this.registerParameter('bias', this.affine ? emptyParameter([numFeatures], device) : null);
    const tracked = this.trackRunningStats;
    this.registerBuffer('running_mean', tracked ? zeros(numFeatures, { device }) : null);
    this.registerBuffer('running_var', tracked ? zeros(numFeatures, { device }) : null);
    this.registerBuffer('num_batches_tracked', tracked ? zeros([], { dtype: 'int32', device }) : null);
    this.resetParameters();
  }

  /** Running mean 0, running variance 1, no batches tracked. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    zeros_(this.running_mean!);
    ones_(this.running_var!);
    zeros_(this.num_batches_tracked!);
  }

  /** resetRunningStats, and weight 1, bias 0. */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  protected abstract checkInputDim(input: Tensor): void;

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    checkTensor(this.getName(), 'input', input);
    this.checkInputDim(input);
    if (this.training && this.num_batches_tracked) noGrad(() => this.num_batches_tracked!.add_(1));
    // Without running statistics, batch statistics normalise in evaluation too.
    const useBatchStats = this.training || (this.running_mean === null && this.running_var === null);
    const tracked = !this.training || this.trackRunningStats;
    const [runningMean, runningVar] = tracked ? [this.running_mean, this.running_var] : [null, null];
    const options = { weight: this.weight, bias: this.bias, training: useBatchStats, eps: this.eps };
    if (this.momentum !== null || !this.training || !this.num_batches_tracked)
      return batchNormWith(input, runningMean, runningVar, options, this.momentum ?? 0);
    // The cumulative average: 1 / num_batches_tracked, computed where the count lives.
    const count = this.num_batches_tracked;
    return scope(() =>
      batchNormWith(
        input,
        runningMean,
        runningVar,
        options,
        noGrad(() => reciprocal(count.float())),
      ),
    );
  }

  override extraRepr(): string {
    const momentum = this.momentum === null ? 'None' : formatFloat(this.momentum);
    return `${this.numFeatures}, eps=${formatFloat(this.eps)}, momentum=${momentum}, affine=${formatBool(this.affine)}, track_running_stats=${formatBool(this.trackRunningStats)}`;
  }
}

/**
 * `nn.BatchNorm1d(numFeatures, { eps, momentum, affine, trackRunningStats })`: batch
 * normalisation of (N, C) or (N, C, L) input over N (and L); output the same shape.
 *
 * ```ts
 * const bn = new nn.BatchNorm1d(16);
 * String(bn);   // 'BatchNorm1d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)'
 * ```
 */
export class BatchNorm1d extends BatchNorm {
  constructor(...args: KeywordCall<[{ numFeatures: number }], BatchNormModuleOptions>) {
    const [numFeatures, options = {}] = spreadKeywordCall(args, ['numFeatures']) as [number, BatchNormModuleOptions?];
    super(numFeatures, options);
  }

  protected checkInputDim(input: Tensor): void {
    if (input.dim() !== 2 && input.dim() !== 3)
      throw new RangeError(`BatchNorm1d: expected 2-D [N, C] or 3-D [N, C, L] input, got ${formatShape(input.shape)}`);
  }
}

/**
 * `nn.BatchNorm2d(numFeatures, { eps, momentum, affine, trackRunningStats })`: batch
 * normalisation of (N, C, H, W) input per channel over N, H and W; output the same shape.
 */
export class BatchNorm2d extends BatchNorm {
  constructor(...args: KeywordCall<[{ numFeatures: number }], BatchNormModuleOptions>) {
    const [numFeatures, options = {}] = spreadKeywordCall(args, ['numFeatures']) as [number, BatchNormModuleOptions?];
    super(numFeatures, options);
  }

  protected checkInputDim(input: Tensor): void {
    if (input.dim() !== 4) throw new RangeError(`BatchNorm2d: expected 4-D [N, C, H, W] input, got ${formatShape(input.shape)}`);
  }
}
