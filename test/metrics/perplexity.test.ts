// torch.metrics.perplexity: exp of a mean cross-entropy, for numbers and for tensors (differentiable,
// on the tensor's device), against nn.CrossEntropyLoss of a uniform model; and its errors.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';

const { perplexity } = torch.metrics;

describe('perplexity', () => {
  it('is exp of a number', () => {
    expect(perplexity(0)).toBe(1);
    expect(perplexity(Math.log(27))).toBeCloseTo(27, 12);
    expect(perplexity(Infinity)).toBe(Infinity);
  });

  it.each(devices)('of a uniform model is the vocabulary size, on %s', async (device) => {
    const logits = torch.zeros(6, 50, { device });
    const target = torch.tensor([0, 7, 13, 21, 40, 49], { dtype: 'int32', device });
    const loss = torch.nn.functional.crossEntropy(logits, target);
    const result = perplexity(loss);
    expect(result.device).toBe(loss.device);
    expect(await result.item()).toBeCloseTo(50, 3);
  });

  it('is differentiable: d exp(H)/dH = exp(H)', async () => {
    const h = torch.tensor(1.5, { requiresGrad: true });
    perplexity(h).backward();
    expect(await h.grad!.item()).toBeCloseTo(Math.exp(1.5), 5);
  });

  it('refuses what is not a mean cross-entropy', () => {
    expect(() => perplexity(-0.5)).toThrow(
      'perplexity: meanCrossEntropy must be a tensor or a non-negative number (a mean cross-entropy in nats), got number -0.5',
    );
    expect(() => perplexity(Number.NaN)).toThrow('perplexity: meanCrossEntropy must be');
    expect(() => perplexity('2' as never)).toThrow(
      "perplexity: meanCrossEntropy must be a tensor or a non-negative number (a mean cross-entropy in nats), got string '2'",
    );
  });
});
