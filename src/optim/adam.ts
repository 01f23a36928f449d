// `optim.Adam` and `optim.AdamW`.
import { zerosLike } from '../ops/creation.js';
import { div, maximum, mul } from '../ops/elementwise.js';
import { sqrt } from '../ops/unary.js';
import { adamStepInPlace } from '../ops/unrecorded.js';
import { markModified } from '../ops/util.js';
import type { Tensor } from '../tensor.js';
import { decayAverage, decaySquareAverage } from './moments.js';
import {
  checkAtLeastZero,
  nextStep,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  PerParameterOptimizer,
  penalizedGradient,
  withDefaults,
} from './optimizer.js';

export interface AdamOptions {
  lr: number;
  /** Decay rates of the running averages of the gradient and of its square. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Adam: an L2 penalty added to the gradient. AdamW: the decoupled decay param *= 1 - lr * weightDecay. */
  weightDecay: number;
  /** Normalise by the largest second moment seen so far (AMSGrad). */
  amsgrad: boolean;
  /** Ascend instead of descend. */
  maximize: boolean;
}

/** The defaults, PyTorch's; their keys are the options the constructor accepts. */
const ADAM_DEFAULTS: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };

/**
 * Adam, as `torch.optim.Adam` 1.13 (its single-tensor implementation): m = b1 m + (1 - b1) g,
 * v = b2 v + (1 - b2) g^2, and param -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 *
 * ```ts
 * const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
 * ```
 */
export class Adam extends PerParameterOptimizer<AdamOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdamOptions>>, options: Partial<AdamOptions> = {}) {
    // A fresh betas pair, so no optimizer's defaults share an array with another's.
    super(params, withDefaults(new.target.name, ADAM_DEFAULTS, options));
  }

  /** AdamW decays the weights directly instead of through the gradient. */
  protected get decoupledWeightDecay(): boolean {
    return false;
  }

  protected checkOptions(options: AdamOptions): void {
    checkAdamOptions(this.constructor.name, options);
  }

  protected initialState(param: Tensor, group: ParamGroup<AdamOptions>): ParamState {
    const state: ParamState = { step: 0, expAvg: zerosLike(param), expAvgSq: zerosLike(param) };
    if (group.amsgrad) state.maxExpAvgSq = zerosLike(param);
    return state;
  }

  protected update(param: Tensor, grad: Tensor, group: ParamGroup<AdamOptions>, state: ParamState): void {
    const [beta1, beta2] = group.betas;
    const step = nextStep(state);
    const decoupled = this.decoupledWeightDecay;
    if (decoupled) param.mul_(1 - group.lr * group.weightDecay);
    const g = penalizedGradient(param, grad, { maximize: group.maximize, weightDecay: decoupled ? 0 : group.weightDecay });
    const expAvg = state.expAvg as Tensor;
    const expAvgSq = state.expAvgSq as Tensor;
    const stepSize = group.lr / (1 - beta1 ** step);
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
    if (!group.amsgrad && [param, g, expAvg, expAvgSq].every((t) => t.dtype === 'float32' && t.isContiguous())) {
      // One kernel for the ops below, with their rounding: the same bits, a dozen launches fewer per parameter.
      const scalars = {
        beta1,
        oneMinusBeta1: 1 - beta1,
        beta2,
        oneMinusBeta2: 1 - beta2,
        negativeStepSize: -stepSize,
        biasCorrection2Sqrt,
        eps: group.eps,
      };
      adamStepInPlace(param, g, expAvg, expAvgSq, scalars);
      for (const tensor of [param, expAvg, expAvgSq]) markModified(tensor);
      return;
    }
    decayAverage(expAvg, g, beta1);
    decaySquareAverage(expAvgSq, g, beta2);
    let secondMoment = expAvgSq;
    if (group.amsgrad) {
      secondMoment = state.maxExpAvgSq as Tensor;
      secondMoment.copy_(maximum(secondMoment, expAvgSq));
    }
    const denom = div(sqrt(secondMoment), biasCorrection2Sqrt).add_(group.eps);
    param.add_(div(mul(expAvg, -stepSize), denom));
  }
}

/**
 * AdamW, as `torch.optim.AdamW` 1.13: Adam with decoupled weight decay (param *= 1 - lr * weightDecay
 * before the Adam step), weightDecay 1e-2 by default.
 */
export class AdamW extends Adam {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdamOptions>>, options: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 1e-2, ...options });
  }

  protected override get decoupledWeightDecay(): boolean {
    return true;
  }
}

/** The checks of PyTorch's Adam-family constructors (Adam, AdamW, NAdam, RAdam, Adamax). */
export function checkAdamOptions(name: string, options: { lr: number; betas: [number, number]; eps: number; weightDecay: number }): void {
  checkAtLeastZero(name, { 'learning rate': options.lr, epsilon: options.eps, weightDecay: options.weightDecay });
  options.betas.forEach((beta, i) => {
    if (!(beta >= 0 && beta < 1)) throw new RangeError(`${name}: invalid beta parameter at index ${i}: ${beta} (must be in [0, 1))`);
  });
}
