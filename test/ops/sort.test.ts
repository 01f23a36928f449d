import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { expectMatchesPyTorch, loadSoftmaxSortCases } from '../helpers/softmax-sort-fixtures.js';

describe('sort, argsort and topk against PyTorch 1.13', () => {
  // Sorting moves values: they must match bit for bit, as must the indices.
  for (const c of loadSoftmaxSortCases(['sort', 'argsort', 'topk'])) {
    it(c.name, () => expectMatchesPyTorch(c, { rtol: 0, atol: 0 }));
  }
});

/** Distinct values (a shuffled, scaled arange) so that sort and topk have one answer and a margin for gradcheck. */
function distinct(shape: number[], seed: number): torch.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const g = new torch.Generator().manualSeed(seed);
  return torch
    .randperm(n, { generator: g })
    .float()
    .mul(0.25)
    .sub(n / 8)
    .reshape(shape);
}

describe('gradients by finite differences', () => {
  const views: [string, number[], (x: torch.Tensor) => torch.Tensor][] = [
    ['contiguous', [4, 6], (x) => x],
    ['transposed', [6, 4], (x) => x.t()],
    ['permuted 3-D', [3, 4, 5], (x) => x.permute(2, 0, 1)],
  ];
  for (const [name, shape, view] of views) {
    it(`sort values: ${name}`, async () => {
      const x = distinct(shape, 1).requiresGrad_();
      expect(await torch.autograd.gradcheck((a) => torch.sort(view(a), 1, { descending: true }).values, [x])).toBe(true);
      expect(await torch.autograd.gradcheck((a) => torch.sort(view(a), 0).values, [x])).toBe(true);
    });
    it(`topk values: ${name}`, async () => {
      const x = distinct(shape, 2).requiresGrad_();
      expect(await torch.autograd.gradcheck((a) => torch.topk(view(a), 2, 1).values, [x])).toBe(true);
      expect(await torch.autograd.gradcheck((a) => torch.topk(view(a), 3, -1, { largest: false }).values, [x])).toBe(true);
    });
  }

  it('sends no gradient to the elements topk leaves out', () => {
    const x = torch.tensor([[3, 1, 4, 1.5]], { requiresGrad: true });
    // The top two are 4 (index 2) and 3 (index 0).
    torch
      .topk(x, 2)
      .values.mul(torch.tensor([10, 20]))
      .sum()
      .backward();
    expect(x.grad!.tolistSync()).toEqual([[20, 0, 10, 0]]);
  });

  it('records SortBackward0 and TopkBackward0', () => {
    const x = torch.ones(3, { requiresGrad: true });
    expect(torch.sort(x).values.gradFn!.name).toBe('SortBackward0');
    expect(torch.topk(x, 1).values.gradFn!.name).toBe('TopkBackward0');
    expect(torch.sort(x).indices.requiresGrad).toBe(false);
  });
});

describe('sort on long rows', () => {
  /** JavaScript's stable sort of (value, index) pairs: PyTorch's order, NaN last. */
  function referenceOrder(values: Float32Array, descending: boolean): number[] {
    const rank = (v: number) => (Number.isNaN(v) ? Infinity : v);
    const order = Array.from(values, (_, i) => i);
    return order.sort((a, b) => {
      const [x, y] = [values[a], values[b]];
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) === Number.isNaN(y) ? 0 : Number.isNaN(x) !== descending ? 1 : -1;
      return descending ? rank(y) - rank(x) : rank(x) - rank(y);
    });
  }

  it('matches a stable reference sort with many ties, both directions', () => {
    torch.manualSeed(3);
    const x = torch.randint(0, 50, [5000]).float();
    const values = x.dataSync() as Float32Array;
    values[17] = NaN;
    const withNaN = torch.tensor(values);
    for (const descending of [false, true]) {
      const { values: sorted, indices } = torch.sort(withNaN, { descending });
      const order = referenceOrder(values, descending);
      expect(Array.from(indices.dataSync())).toEqual(order);
      expect(Array.from(sorted.dataSync())).toEqual(order.map((i) => values[i]));
    }
  });

  it('topk by selection and by sorting agree with sort', () => {
    torch.manualSeed(4);
    const x = torch.randn(3, 2000);
    const sorted = torch.sort(x, 1, { descending: true });
    for (const k of [1, 7, 32, 33, 500]) {
      const top = torch.topk(x, k);
      expect(top.values.dataSync()).toEqual(sorted.values.narrow(1, 0, k).contiguous().dataSync());
      expect(top.indices.dataSync()).toEqual(sorted.indices.narrow(1, 0, k).contiguous().dataSync());
    }
  });

  it("argsort is sort's indices, as a function and a method", () => {
    const x = distinct([4, 5], 5);
    expect(torch.argsort(x, 0).dataSync()).toEqual(torch.sort(x, 0).indices.dataSync());
    expect(x.argsort({ descending: true }).dataSync()).toEqual(x.sort({ descending: true }).indices.dataSync());
  });
});

describe('edge cases', () => {
  it('handles empty tensors and k = 0', () => {
    expect(torch.sort(torch.zeros(0, 3), 1).values.shape).toEqual([0, 3]);
    const top = torch.topk(torch.ones(2, 3), 0);
    expect([top.values.shape, top.indices.shape]).toEqual([
      [2, 0],
      [2, 0],
    ]);
  });

  it('sorts int32 and bool, keeping the dtype', () => {
    const ints = torch.sort(torch.tensor([3, -1, 2], { dtype: 'int32' }), { descending: true });
    expect([ints.values.dtype, ints.values.tolistSync(), ints.indices.tolistSync()]).toEqual(['int32', [3, 2, -1], [0, 2, 1]]);
    expect(torch.sort(torch.tensor([true, false, true])).values.tolistSync()).toEqual([false, true, true]);
  });

  it('frees its temporaries', () => {
    const x = distinct([5, 6], 6).t().requiresGrad_();
    const before = torch.memory();
    torch.scope(() => {
      torch.sort(x, 0).values.sum().backward();
      torch.argsort(x);
      torch.topk(x, 2, 0).values.sum().backward();
    });
    x.grad!.dispose();
    x.grad = null;
    expect(torch.memory()).toEqual(before);
  });
});

describe('errors', () => {
  it('topk: k larger than the dim', () => {
    expect(() => torch.topk(torch.ones(3, 5), 7, 1)).toThrow('topk: k (7) is too big for dimension 1 of size 5');
  });

  it('topk: negative or fractional k', () => {
    expect(() => torch.topk(torch.ones(3), -1)).toThrow(/topk: k must be a non-negative integer, got -1/);
    expect(() => torch.topk(torch.ones(3), 1.5)).toThrow(/topk: k must be a non-negative integer, got 1.5/);
  });

  it('sort: dim out of range', () => {
    expect(() => torch.sort(torch.ones(2, 2), 2)).toThrow(/sort: dim 2 is out of range for a tensor of 2 dimensions/);
  });

  it('sort: dim given twice', () => {
    expect(() => torch.sort(torch.ones(2, 2), 0, { dim: 1 })).toThrow(
      "sort: got two values for 'dim', one positional and one in the options",
    );
  });

  it('argsort: a non-tensor input', () => {
    expect(() => torch.argsort([1, 2] as unknown as torch.Tensor)).toThrow('argsort: input must be a Tensor, got an array [1, 2]');
  });
});
