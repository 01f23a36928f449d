// `optim.NAdam`.
import { zerosLike } from '../ops/creation.js';
import { div } from '../ops/elementwise.js';
import { sqrt } from '../ops/unary.js';
import type { Tensor } from '../tensor.js';
import { checkAdamOptions } from './adam.js';
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

export interface NAdamOptions {
  lr: number;
  /** Decay rates of the running averages of the gradient and of its square. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** L2 penalty: adds weightDecay * param to the gradient. */
  weightDecay: number;
  /** How fast the momentum schedule mu_t = beta1 (1 - 0.96^(t momentumDecay) / 2) approaches beta1. */
  momentumDecay: number;
}

/** The defaults, PyTorch's; their keys are the options the constructor accepts (1.13's NAdam has no `maximize`). */
const NADAM_DEFAULTS: NAdamOptions = { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 };

/**
 * NAdam, Adam with Nesterov momentum, as `torch.optim.NAdam` 1.13: with the momentum schedule mu_t
 * and its running product P_t, param -= lr (1 - mu_t) / (1 - P_t) g / d + lr mu_{t+1} / (1 - P_t mu_{t+1}) m / d,
 * where d = sqrt(v / (1 - beta2^t)) + eps.
 *
 * ```ts
 * const opt = new torch.optim.NAdam(model.parameters(), { lr: 2e-3 });
 * ```
 */
export class NAdam extends PerParameterOptimizer<NAdamOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<NAdamOptions>>, options: Partial<NAdamOptions> = {}) {
    super(params, withDefaults(new.target.name, NADAM_DEFAULTS, options));
  }

  protected checkOptions(options: NAdamOptions): void {
    checkAdamOptions('NAdam', options);
    checkAtLeastZero('NAdam', { momentumDecay: options.momentumDecay });
  }

  protected initialState(param: Tensor): ParamState {
    return { step: 0, muProduct: 1, expAvg: zerosLike(param), expAvgSq: zerosLike(param) };
  }

  protected update(param: Tensor, grad: Tensor, group: ParamGroup<NAdamOptions>, state: ParamState): void {
    const [beta1, beta2] = group.betas;
    const step = nextStep(state);
    const g = penalizedGradient(param, grad, group);
    const mu = beta1 * (1 - 0.5 * 0.96 ** (step * group.momentumDecay));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * group.momentumDecay));
    // PyTorch keeps the product in a float32 tensor, so each of its products rounds to float32.
    const muProduct = Math.fround((state.muProduct as number) * Math.fround(mu));
    const muProductNext = Math.fround(Math.fround(muProduct * Math.fround(mu)) * Math.fround(muNext));
    state.muProduct = muProduct;
    const expAvg = state.expAvg as Tensor;
    const expAvgSq = state.expAvgSq as Tensor;
    decayAverage(expAvg, g, beta1);
    decaySquareAverage(expAvgSq, g, beta2);
    const denom = sqrt(div(expAvgSq, 1 - beta2 ** step)).add_(group.eps);
    param.add_(div(g, denom).mul_((-group.lr * (1 - mu)) / (1 - muProduct)));
    param.add_(div(expAvg, denom).mul_((-group.lr * muNext) / (1 - muProductNext)));
  }
}
