// The running averages of gradients and squared gradients that the Adam family shares.
import { mul } from '../ops/elementwise.js';
import type { Tensor } from '../tensor.js';

/** average = decay * average + (1 - decay) * value, in place: PyTorch's exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1). */
export function decayAverage(average: Tensor, value: Tensor, decay: number): void {
  average.mul_(decay).add_(value, { alpha: 1 - decay });
}

/** average = decay * average + (1 - decay) * value^2, in place: PyTorch's exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2). */
export function decaySquareAverage(average: Tensor, value: Tensor, decay: number): void {
  average.mul_(decay).add_(mul(mul(value, 1 - decay), value));
}
