/** Perplexity of a language model from its mean cross-entropy. */

import { exp } from '../ops/unary.js';
import { checkTensor } from '../ops/util.js';
import { describeValue } from '../options.js';
import { Tensor } from '../tensor.js';

/**
 * exp(H) for a mean cross-entropy H in nats (what `nn.CrossEntropyLoss` returns with its default
 * mean reduction): 1 for a model that is always sure and right, the vocabulary size for a uniform
 * one. A number gives a number; a tensor gives a tensor on its device, recorded like any op, so a
 * perplexity read after `loss.item()` and one kept as a tensor agree. For H in bits, 2 ** H is the
 * same quantity.
 *
 * ```ts
 * torch.metrics.perplexity(Math.log(27));                   // 27, a uniform guess among 27 characters
 * torch.metrics.perplexity(torch.tensor(0)).itemSync();     // 1
 * ```
 */
export function perplexity(meanCrossEntropy: number): number;
export function perplexity(meanCrossEntropy: Tensor): Tensor;
export function perplexity(meanCrossEntropy: number | Tensor): number | Tensor;
export function perplexity(meanCrossEntropy: number | Tensor): number | Tensor {
  if (meanCrossEntropy instanceof Tensor) return exp(checkTensor('perplexity', 'meanCrossEntropy', meanCrossEntropy));
  if (typeof meanCrossEntropy !== 'number' || Number.isNaN(meanCrossEntropy) || meanCrossEntropy < 0)
    throw new TypeError(
      `perplexity: meanCrossEntropy must be a tensor or a non-negative number (a mean cross-entropy in nats), got ${describeValue(meanCrossEntropy)}`,
    );
  return Math.exp(meanCrossEntropy);
}
