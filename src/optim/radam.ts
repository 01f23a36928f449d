// `optim.RAdam`.
import { zerosLike } from '../ops/creation.js';
import { div } from '../ops/elementwise.js';
import { sqrt } from '../ops/unary.js';
import type { Tensor } from '../tensor.js';
import { checkAdamOptions } from './adam.js';
import { decayAverage, decaySquareAverage } from './moments.js';
import {
  nextStep,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  PerParameterOptimizer,
  penalizedGradient,
  withDefaults,
} from './optimizer.js';

export interface RAdamOptions {
  lr: number;
  /** Decay rates of the running averages of the gradient and of its square. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** L2 penalty: adds weightDecay * param to the gradient. */
  weightDecay: number;
}

/** The defaults, PyTorch's; their keys are the options the constructor accepts (1.13's RAdam has no `maximize`). */
const RADAM_DEFAULTS: RAdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 };

/**
 * RAdam, Adam with a rectified adaptive rate, as `torch.optim.RAdam` 1.13: while the length of the
 * approximated simple moving average rho_t is at most 5 the step is plain momentum,
 * param -= lr m / (1 - beta1^t); after, it is Adam's step scaled by the rectification term
 * sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)).
 *
 * ```ts
 * const opt = new torch.optim.RAdam(model.parameters(), { lr: 1e-3 });
 * ```
 */
export class RAdam extends PerParameterOptimizer<RAdamOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<RAdamOptions>>, options: Partial<RAdamOptions> = {}) {
    super(params, withDefaults(new.target.name, RADAM_DEFAULTS, options));
  }

  protected checkOptions(options: RAdamOptions): void {
    checkAdamOptions('RAdam', options);
  }

  protected initialState(param: Tensor): ParamState {
    return { step: 0, expAvg: zerosLike(param), expAvgSq: zerosLike(param) };
  }

  protected update(param: Tensor, grad: Tensor, group: ParamGroup<RAdamOptions>, state: ParamState): void {
    const [beta1, beta2] = group.betas;
    const step = nextStep(state);
    const g = penalizedGradient(param, grad, group);
    const expAvg = state.expAvg as Tensor;
    const expAvgSq = state.expAvgSq as Tensor;
    decayAverage(expAvg, g, beta1);
    decaySquareAverage(expAvgSq, g, beta2);
    const biasCorrection2 = 1 - beta2 ** step;
    const update = div(expAvg, 1 - beta1 ** step).mul_(group.lr);
    const rhoInf = 2 / (1 - beta2) - 1;
    const rho = rhoInf - (2 * step * beta2 ** step) / biasCorrection2;
    if (rho > 5) {
      const rect = Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho));
      update.mul_(div(Math.sqrt(biasCorrection2), sqrt(expAvgSq).add_(group.eps))).mul_(rect);
    }
    param.sub_(update);
  }
}
