// `optim.SGD` (momentum, dampening, Nesterov, weight decay).
import { keep } from '../memory.js';
import { add, mul } from '../ops/elementwise.js';
import { clone } from '../ops/views.js';
import type { Tensor } from '../tensor.js';
import {
  checkAtLeastZero,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  PerParameterOptimizer,
  penalizedGradient,
  withDefaults,
} from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  /** Scales down the gradient's share of the momentum buffer: buf = momentum * buf + (1 - dampening) * g. */
  dampening: number;
  /** L2 penalty: adds weightDecay * param to the gradient. */
  weightDecay: number;
  /** Nesterov momentum: steps along g + momentum * buf instead of buf. */
  nesterov: boolean;
  /** Ascend instead of descend. */
  maximize: boolean;
}

/** The defaults, PyTorch's (lr has none: NaN until given); their keys are the options the constructor accepts. */
const SGD_DEFAULTS: SGDOptions = { lr: NaN, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };

/**
 * Stochastic gradient descent, optionally with (Nesterov) momentum, as `torch.optim.SGD` 1.13: with
 * g the gradient (plus weightDecay * param), buf = g at the first step, then
 * buf = momentum * buf + (1 - dampening) * g, and param -= lr * (nesterov ? g + momentum * buf : buf).
 *
 * ```ts
 * const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * ```
 */
export class SGD extends PerParameterOptimizer<SGDOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<SGDOptions>>, options: Partial<SGDOptions> = {}) {
    super(params, withDefaults(new.target.name, SGD_DEFAULTS, options));
  }

  protected checkOptions(options: SGDOptions): void {
    if (Number.isNaN(options.lr))
      throw new TypeError('SGD: lr is required, e.g. new SGD(params, { lr: 0.1 }), either for every group or as a default');
    checkAtLeastZero('SGD', { 'learning rate': options.lr, momentum: options.momentum, weightDecay: options.weightDecay });
    if (options.nesterov && (options.momentum <= 0 || options.dampening !== 0))
      throw new RangeError('SGD: Nesterov momentum requires a momentum and zero dampening');
  }

  // PyTorch stores None when there is no momentum, so the state dict has the same keys.
  protected initialState(): ParamState {
    return { momentumBuffer: null };
  }

  protected update(param: Tensor, grad: Tensor, group: ParamGroup<SGDOptions>, state: ParamState): void {
    let direction = penalizedGradient(param, grad, group);
    if (group.momentum !== 0) {
      const buffer = state.momentumBuffer as Tensor | null;
      if (buffer) buffer.mul_(group.momentum).add_(direction, { alpha: 1 - group.dampening });
      else state.momentumBuffer = keep(clone(direction));
      const updated = state.momentumBuffer as Tensor;
      direction = group.nesterov ? add(direction, updated, { alpha: group.momentum }) : updated;
    }
    param.add_(mul(direction, -group.lr));
  }
}
