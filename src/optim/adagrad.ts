// `optim.Adagrad`.
import { keep } from '../memory.js';
import { fullLike } from '../ops/creation.js';
import { div, mul } from '../ops/elementwise.js';
import { sqrt } from '../ops/unary.js';
import type { Tensor } from '../tensor.js';
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

export interface AdagradOptions {
  lr: number;
  /** The learning rate at step t is lr / (1 + (t - 1) * lrDecay). */
  lrDecay: number;
  /** L2 penalty: adds weightDecay * param to the gradient. */
  weightDecay: number;
  /** The starting value of the sum of squared gradients. */
  initialAccumulatorValue: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Ascend instead of descend. */
  maximize: boolean;
}

/** The defaults, PyTorch's; their keys are the options the constructor accepts. */
const ADAGRAD_DEFAULTS: AdagradOptions = { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false };

/**
 * Adagrad, as `torch.optim.Adagrad` 1.13: sum += g^2, param -= clr * g / (sqrt(sum) + eps) with
 * clr = lr / (1 + (t - 1) * lrDecay). As in PyTorch, every parameter's state exists from construction.
 *
 * ```ts
 * const opt = new torch.optim.Adagrad(model.parameters(), { lr: 0.01 });
 * ```
 */
export class Adagrad extends PerParameterOptimizer<AdagradOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdagradOptions>>, options: Partial<AdagradOptions> = {}) {
    super(params, withDefaults(new.target.name, ADAGRAD_DEFAULTS, options));
    for (const group of this.paramGroups) {
      for (const param of group.params) {
        const state = this.initialState(param, group);
        keep(state.sum as Tensor);
        this.state.set(param, state);
      }
    }
  }

  protected checkOptions(options: AdagradOptions): void {
    checkAtLeastZero('Adagrad', {
      'learning rate': options.lr,
      lrDecay: options.lrDecay,
      weightDecay: options.weightDecay,
      initialAccumulatorValue: options.initialAccumulatorValue,
      epsilon: options.eps,
    });
  }

  protected initialState(param: Tensor, group: ParamGroup<AdagradOptions>): ParamState {
    return { step: 0, sum: fullLike(param, group.initialAccumulatorValue) };
  }

  protected update(param: Tensor, grad: Tensor, group: ParamGroup<AdagradOptions>, state: ParamState): void {
    const step = nextStep(state);
    const g = penalizedGradient(param, grad, group);
    const clr = group.lr / (1 + (step - 1) * group.lrDecay);
    const sum = state.sum as Tensor;
    sum.add_(mul(g, g));
    const std = sqrt(sum).add_(group.eps);
    param.add_(div(mul(g, -clr), std));
  }
}
