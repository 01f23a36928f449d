// `optim.Adadelta`.
import { zerosLike } from '../ops/creation.js';
import { mul } from '../ops/elementwise.js';
import { sqrt } from '../ops/unary.js';
import type { Tensor } from '../tensor.js';
import { decaySquareAverage } from './moments.js';
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

export interface AdadeltaOptions {
  /** Scales the computed step (1 in the original algorithm). */
  lr: number;
  /** Decay rate of the running averages of the squared gradient and of the squared step. */
  rho: number;
  /** Added inside both square roots for numerical stability. */
  eps: number;
  /** L2 penalty: adds weightDecay * param to the gradient. */
  weightDecay: number;
  /** Ascend instead of descend. */
  maximize: boolean;
}

/** The defaults, PyTorch's; their keys are the options the constructor accepts. */
const ADADELTA_DEFAULTS: AdadeltaOptions = { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false };

/**
 * Adadelta, as `torch.optim.Adadelta` 1.13: v = rho v + (1 - rho) g^2,
 * delta = sqrt(u + eps) / sqrt(v + eps) * g, u = rho u + (1 - rho) delta^2, param -= lr * delta.
 *
 * ```ts
 * const opt = new torch.optim.Adadelta(model.parameters(), { lr: 1 });
 * ```
 */
export class Adadelta extends PerParameterOptimizer<AdadeltaOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdadeltaOptions>>, options: Partial<AdadeltaOptions> = {}) {
    super(params, withDefaults(new.target.name, ADADELTA_DEFAULTS, options));
  }

  protected checkOptions(options: AdadeltaOptions): void {
    checkAtLeastZero('Adadelta', { 'learning rate': options.lr, epsilon: options.eps, weightDecay: options.weightDecay });
    if (!(options.rho >= 0 && options.rho <= 1)) throw new RangeError(`Adadelta: invalid rho value: ${options.rho} (must be in [0, 1])`);
  }

  protected initialState(param: Tensor): ParamState {
    return { step: 0, squareAvg: zerosLike(param), accDelta: zerosLike(param) };
  }

  protected update(param: Tensor, grad: Tensor, group: ParamGroup<AdadeltaOptions>, state: ParamState): void {
    nextStep(state);
    const g = penalizedGradient(param, grad, group);
    const squareAvg = state.squareAvg as Tensor;
    const accDelta = state.accDelta as Tensor;
    decaySquareAverage(squareAvg, g, group.rho);
    const std = sqrt(squareAvg.add(group.eps));
    const delta = mul(sqrt(accDelta.add(group.eps)).div_(std), g);
    decaySquareAverage(accDelta, delta, group.rho);
    param.add_(delta, { alpha: -group.lr });
  }
}
