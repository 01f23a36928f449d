// PyTorch's positional reduction arguments: `x.sum(1, True)`, `x.var(0, False)`, `x.std(0, False, True)`.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

describe('positional keepdim and unbiased, as PyTorch takes them', () => {
  const x = torch.tensor([
    [1, 2, 3],
    [4, 5, 7],
  ]);

  it('sum, mean, max, min, argmax, argmin and logsumexp take keepdim as a boolean', () => {
    expect(x.sum(1, true).shape).toEqual([2, 1]);
    expect(x.sum(1, true).tolistSync()).toEqual([[6], [16]]);
    expect(x.mean(0, true).shape).toEqual([1, 3]);
    expect(x.max(1, true).values.tolistSync()).toEqual([[3], [7]]);
    expect(x.min(0, true).indices.tolistSync()).toEqual([[0, 0, 0]]);
    expect(x.argmax(1, true).tolistSync()).toEqual([[2], [2]]);
    expect(x.argmin(null, true).shape).toEqual([1, 1]);
    expect(x.logsumexp(1, true).shape).toEqual([2, 1]);
    expect(torch.sum(x, 0, false).shape).toEqual([3]);
  });

  it('var and std take unbiased, then keepdim', () => {
    expect(x.var(1, false).tolistSync()).toEqual(x.var(1, { unbiased: false }).tolistSync());
    expect(x.std(0, false, true).shape).toEqual([1, 3]);
    expect(x.std(0, false, true).tolistSync()).toEqual(x.std(0, { unbiased: false, keepdim: true }).tolistSync());
    expect(x.var(1, true).tolistSync()).toEqual(x.var(1).tolistSync());
  });

  it('refuses anything else after dim, naming the op', () => {
    expect(() => x.sum(1, 1 as never)).toThrow('sum: keepdim must be a boolean, got number 1');
    expect(() => x.var(1, { unbiased: false }, true)).toThrow('var: unbiased must be a boolean, got an object of class Object');
  });
});
