// `optim.RMSprop`.
import { zerosLike } from '../ops/creation.js';
import { add, div, mul } from '../ops/elementwise.js';
import { sqrt } from '../ops/unary.js';
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

export interface RMSpropOptions {
  lr: number;
  /** Smoothing constant of the running average of the squared gradient. */
  alpha: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** L2 penalty: adds weightDecay * param to the gradient. */
  weightDecay: number;
  momentum: number;
  /** Normalise by an estimate of the gradient's variance (E[g^2] - E[g]^2) instead of E[g^2]. */
  centered: boolean;
  /** Ascend instead of descend. */
  maximize: boolean;
}

/** The defaults, PyTorch's; their keys are the options the constructor accepts. */
const RMSPROP_DEFAULTS: RMSpropOptions = {
  lr: 1e-2,
  alpha: 0.99,
  eps: 1e-8,
  weightDecay: 0,
  momentum: 0,
  centered: false,
  maximize: false,
};

/**
 * RMSprop, as `torch.optim.RMSprop` 1.13: v = alpha v + (1 - alpha) g^2, avg = sqrt(v) (centered:
 * sqrt(v - gAvg^2) with gAvg = alpha gAvg + (1 - alpha) g) + eps, then param -= lr * g / avg, or
 * with momentum buf = momentum * buf + g / avg and param -= lr * buf.
 *
 * ```ts
 * const opt = new torch.optim.RMSprop(model.parameters(), { lr: 0.01, momentum: 0.9 });
 * ```
 */
export class RMSprop extends PerParameterOptimizer<RMSpropOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<RMSpropOptions>>, options: Partial<RMSpropOptions> = {}) {
    super(params, withDefaults(new.target.name, RMSPROP_DEFAULTS, options));
  }

  protected checkOptions(options: RMSpropOptions): void {
    checkAtLeastZero('RMSprop', {
      'learning rate': options.lr,
      epsilon: options.eps,
      momentum: options.momentum,
      weightDecay: options.weightDecay,
      alpha: options.alpha,
    });
  }

  protected initialState(param: Tensor, group: ParamGroup<RMSpropOptions>): ParamState {
    const state: ParamState = { step: 0, squareAvg: zerosLike(param) };
    if (group.momentum > 0) state.momentumBuffer = zerosLike(param);
    if (group.centered) state.gradAvg = zerosLike(param);
    return state;
  }

  protected update(param: Tensor, grad: Tensor, group: ParamGroup<RMSpropOptions>, state: ParamState): void {
    nextStep(state);
    const g = penalizedGradient(param, grad, group);
    const squareAvg = state.squareAvg as Tensor;
    decaySquareAverage(squareAvg, g, group.alpha);
    let avg: Tensor;
    if (group.centered) {
      const gradAvg = state.gradAvg as Tensor;
      decayAverage(gradAvg, g, group.alpha);
      avg = sqrt(add(squareAvg, mul(mul(gradAvg, -1), gradAvg)));
    } else {
      avg = sqrt(squareAvg);
    }
    avg.add_(group.eps);
    if (group.momentum > 0) {
      const buffer = state.momentumBuffer as Tensor;
      buffer.mul_(group.momentum).add_(div(g, avg));
      param.add_(mul(buffer, -group.lr));
    } else {
      param.add_(div(mul(g, -group.lr), avg));
    }
  }
}
