// `optim.Adamax`.
import { zerosLike } from '../ops/creation.js';
import { div, maximum } from '../ops/elementwise.js';
import type { Tensor } from '../tensor.js';
import { checkAdamOptions } from './adam.js';
import { decayAverage } from './moments.js';
import {
  nextStep,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  PerParameterOptimizer,
  penalizedGradient,
  withDefaults,
} from './optimizer.js';

export interface AdamaxOptions {
  lr: number;
  /** Decay rates of the running average of the gradient and of the infinity norm. */
  betas: [number, number];
  /** Added to |g| in the infinity norm for numerical stability. */
  eps: number;
  /** L2 penalty: adds weightDecay * param to the gradient. */
  weightDecay: number;
  /** Ascend instead of descend. */
  maximize: boolean;
}

/** The defaults, PyTorch's; their keys are the options the constructor accepts. */
const ADAMAX_DEFAULTS: AdamaxOptions = { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false };

/**
 * Adamax, Adam with the infinity norm, as `torch.optim.Adamax` 1.13: m = b1 m + (1 - b1) g,
 * u = max(b2 u, |g| + eps), param -= lr / (1 - b1^t) * m / u.
 *
 * ```ts
 * const opt = new torch.optim.Adamax(model.parameters(), { lr: 2e-3 });
 * ```
 */
export class Adamax extends PerParameterOptimizer<AdamaxOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdamaxOptions>>, options: Partial<AdamaxOptions> = {}) {
    super(params, withDefaults(new.target.name, ADAMAX_DEFAULTS, options));
  }

  protected checkOptions(options: AdamaxOptions): void {
    checkAdamOptions('Adamax', options);
  }

  protected initialState(param: Tensor): ParamState {
    return { step: 0, expAvg: zerosLike(param), expInf: zerosLike(param) };
  }

  protected update(param: Tensor, grad: Tensor, group: ParamGroup<AdamaxOptions>, state: ParamState): void {
    const [beta1, beta2] = group.betas;
    const step = nextStep(state);
    const g = penalizedGradient(param, grad, group);
    const expAvg = state.expAvg as Tensor;
    const expInf = state.expInf as Tensor;
    decayAverage(expAvg, g, beta1);
    expInf.copy_(maximum(expInf.mul_(beta2), g.abs().add_(group.eps)));
    param.add_(div(expAvg, expInf).mul_(-group.lr / (1 - beta1 ** step)));
  }
}
