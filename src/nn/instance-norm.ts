/** Instance normalisation: F.instanceNorm and nn.InstanceNorm1d/2d, batchNorm over each sample's channels as PyTorch computes it. */
import { noGrad } from '../graph/grad-mode.js';
import { scope } from '../memory.js';
import { mean } from '../ops/reduce.js';
import { kind, param, signature } from '../ops/signature.js';
import { checkDtype } from '../ops/util.js';
import { expand, reshape, squeeze, unsqueeze } from '../ops/views.js';
import { checkArgumentCount } from '../options.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { BatchNorm, batchNorm } from './batchnorm.js';
import { checkChannelTensor, optionalTensor } from './group-norm.js';

const INSTANCE_NORM = signature('instanceNorm', {
  input: param.tensor(),
  runningMean: optionalTensor(null),
  runningVar: optionalTensor(null),
  weight: optionalTensor(null),
  bias: optionalTensor(null),
  useInputStats: param.boolean(true),
  momentum: param.number(0.1),
  eps: param.number(1e-5),
});

export interface InstanceNormOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Normalise with each instance's statistics (and update the running ones); false uses the running ones. Default true. */
  useInputStats?: boolean;
  momentum?: number;
  eps?: number;
}

type InstanceNormArg = Tensor | null | boolean | number | InstanceNormOptions;

/**
 * `instanceNorm(input, runningMean?, runningVar?, weight?, bias?, useInputStats = true,
 * momentum = 0.1, eps = 1e-5)`: normalises each channel of each sample of input (N, C, *) over
 * its own elements, then scales by weight (C) and shifts by bias (C). With useInputStats and
 * running statistics (C), these move towards the instances' mean and unbiased variance, averaged
 * over the batch: running = (1 - momentum) running + momentum mean_n(stat_n). Without
 * useInputStats the running statistics normalise. PyTorch's computation: batchNorm of the input
 * seen as (1, N * C, *).
 *
 * ```ts
 * F.instanceNorm(torch.tensor([[[1, 3], [2, 6]]]));   // [[[-1, 1], [-1, 1]]] (to within eps)
 * ```
 */
export function instanceNorm(input: Tensor, ...args: InstanceNormArg[]): Tensor {
  const { input: x, runningMean, runningVar, weight, bias, useInputStats, momentum, eps } = INSTANCE_NORM([input, ...args]);
  const op = 'instanceNorm';
  checkDtype(op, 'input', x, ['float32']);
  if (x.dim() < 2) throw new RangeError(`${op}: input must be at least 2-D (N, C, *), got ${formatShape(x.shape)}`);
  const [batch, channels] = x.shape;
  for (const [name, value] of [
    ['runningMean', runningMean],
    ['runningVar', runningVar],
    ['weight', weight],
    ['bias', bias],
  ] as const)
    checkChannelTensor(op, name, value, x, channels);
  if (useInputStats && x.numel() / Math.max(batch * channels, 1) <= 1)
    throw new RangeError(`${op}: expected more than 1 spatial element when training, got input of shape ${formatShape(x.shape)}`);
  // Per-channel tensors repeated once per sample, as the channels of the (1, N * C, *) view.
  const repeated = (t: Tensor | null) => (t === null ? null : reshape(expand(unsqueeze(t, 0), [batch, channels]), [batch * channels]));
  const stats = noGrad(() => [repeated(runningMean), repeated(runningVar)] as const);
  try {
    const output = batchNorm(reshape(x, [1, batch * channels, ...x.shape.slice(2)]), stats[0], stats[1], {
      weight: repeated(weight),
      bias: repeated(bias),
      training: useInputStats,
      momentum,
      eps,
    });
    if (useInputStats) {
      noGrad(() =>
        scope(() => {
          if (runningMean && stats[0]) runningMean.copy_(mean(reshape(stats[0], [batch, channels]), 0));
          if (runningVar && stats[1]) runningVar.copy_(mean(reshape(stats[1], [batch, channels]), 0));
        }),
      );
    }
    return reshape(output, x.shape);
  } finally {
    for (const t of stats) t?.dispose();
  }
}

export interface InstanceNormModuleOptions {
  /** Added to the variance for stability; default 1e-5. */
  eps?: number;
  /** The running averages' update weight; default 0.1. PyTorch 1.13's instance norm refuses null when it runs. */
  momentum?: number | null;
  /** Learn a per-channel weight (starting at 1) and bias (starting at 0); default false. */
  affine?: boolean;
  /** Keep running statistics for evaluation; default false (instance statistics in both modes). */
  trackRunningStats?: boolean;
  device?: string;
}

const INSTANCE_NORM_MODULE = {
  numFeatures: param.int(),
  eps: param.number(1e-5),
  momentum: kind<number | null>('a number or null', (v) => (v === null || typeof v === 'number' ? v : undefined))(0.1),
  affine: param.boolean(false),
  trackRunningStats: param.boolean(false),
  device: param.device(undefined),
};

/**
 * PyTorch's _InstanceNorm: the parameters and buffers of batch norm (running_mean, running_var,
 * and num_batches_tracked, never advanced, as in PyTorch), with affine and trackRunningStats off
 * by default; it normalises each instance, and with running statistics only in evaluation.
 */
abstract class InstanceNorm extends BatchNorm {
  /** The number of dims of an unbatched input: 2 for (C, L), 3 for (C, H, W). */
  protected abstract readonly unbatchedDims: number;

  constructor(name: string, args: ArrayLike<unknown>) {
    const { numFeatures, ...options } = signature(name, INSTANCE_NORM_MODULE)(args);
    super(numFeatures, options);
  }

  protected checkInputDim(input: Tensor): void {
    const dims = this.unbatchedDims;
    if (input.dim() !== dims && input.dim() !== dims + 1)
      throw new RangeError(`${this.getName()}: expected ${dims}-D or ${dims + 1}-D input, got ${formatShape(input.shape)}`);
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    this.checkInputDim(input);
    const unbatched = input.dim() === this.unbatchedDims;
    const output = instanceNorm(unbatched ? unsqueeze(input, 0) : input, {
      runningMean: this.running_mean,
      runningVar: this.running_var,
      weight: this.weight,
      bias: this.bias,
      useInputStats: this.training || !this.trackRunningStats,
      momentum: this.momentum as number,
      eps: this.eps,
    });
    return unbatched ? squeeze(output, 0) : output;
  }
}

/**
 * `nn.InstanceNorm1d(numFeatures, { eps, momentum, affine = false, trackRunningStats = false })`:
 * see `F.instanceNorm`. Shapes: input (N, C, L) or (C, L), output the same.
 *
 * ```ts
 * const norm = new nn.InstanceNorm1d(3, { affine: true });
 * String(norm);   // 'InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=False)'
 * ```
 */
export class InstanceNorm1d extends InstanceNorm {
  protected readonly unbatchedDims = 2;

  constructor(numFeatures: number, options?: InstanceNormModuleOptions);
  constructor(numFeatures: number, ...args: unknown[]) {
    super('InstanceNorm1d', [numFeatures, ...args]);
  }
}

/**
 * `nn.InstanceNorm2d(numFeatures, { eps, momentum, affine = false, trackRunningStats = false })`:
 * see `F.instanceNorm`. Shapes: input (N, C, H, W) or (C, H, W), output the same.
 */
export class InstanceNorm2d extends InstanceNorm {
  protected readonly unbatchedDims = 3;

  constructor(numFeatures: number, options?: InstanceNormModuleOptions);
  constructor(numFeatures: number, ...args: unknown[]) {
    super('InstanceNorm2d', [numFeatures, ...args]);
  }
}
