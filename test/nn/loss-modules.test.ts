// The smooth, KL and margin losses beyond the fixtures (test/nn/loss.test.ts checks their numbers
// against PyTorch 1.13): their modules, doc examples, warnings and argument errors.
import { describe, expect, it, vi } from 'vitest';
import * as torch from '../../src/index.js';

type Tensor = torch.Tensor;
const { nn } = torch;
const F = nn.functional;
const same = (a: Tensor, b: Tensor) => expect(a.tolistSync()).toEqual(b.tolistSync());

describe('smooth, KL and margin losses', () => {
  it('give the values their doc comments state', () => {
    torch.scope(() => {
      const T = (values: torch.NestedArray) => torch.tensor(values);
      expect(F.smoothL1Loss(T([0.5, 3]), T([0, 0])).itemSync()).toBeCloseTo(1.3125, 6);
      expect(F.huberLoss(T([0.5, 3]), T([0, 0]), { delta: 2 }).itemSync()).toBeCloseTo(2.0625, 6);
      expect(F.klDiv(T([[-1, -0.5]]), T([[0.25, 0.75]]), { reduction: 'batchmean' }).itemSync()).toBeCloseTo(0.0627, 4);
      expect(F.marginRankingLoss(T([1, 2]), T([2, 0]), T([1, -1])).itemSync()).toBeCloseTo(1.5, 6);
      expect(F.cosineEmbeddingLoss(T([[1, 0]]), T([[1, 1]]), T([1])).itemSync()).toBeCloseTo(0.2929, 4);
      expect(F.tripletMarginLoss(T([[0, 0]]), T([[0, 1]]), T([[3, 0]])).itemSync()).toBe(0);
    });
  });

  it('take their options positionally too, in PyTorch order', () => {
    torch.scope(() => {
      const x = torch.randn([4, 3]),
        y = torch.randn([4, 3]),
        z = torch.randn([4, 3]);
      same(F.smoothL1Loss(x, y, null, null, 'sum', 0.5), F.smoothL1Loss(x, y, { reduction: 'sum', beta: 0.5 }));
      same(F.huberLoss(x, y, 'none', { delta: 0.5 }), F.huberLoss(x, y, { reduction: 'none', delta: 0.5 }));
      same(F.tripletMarginLoss(x, y, z, 0.5, 1, 1e-6, true), F.tripletMarginLoss(x, y, z, { margin: 0.5, p: 1, swap: true }));
    });
  });

  it('modules compute their functional form with the options they were built with', () => {
    torch.scope(() => {
      const x = torch.randn([5, 4]),
        y = torch.randn([5, 4]),
        z = torch.randn([5, 4]);
      const labels = torch.tensor([1, -1, 1, -1, 1]);
      const logProbs = F.logSoftmax(x, 1),
        target = F.softmax(y, 1);
      same(new nn.SmoothL1Loss({ beta: 0.3, reduction: 'sum' }).forward(x, y), F.smoothL1Loss(x, y, { beta: 0.3, reduction: 'sum' }));
      same(new nn.HuberLoss({ delta: 0.3 }).forward(x, y), F.huberLoss(x, y, { delta: 0.3 }));
      same(new nn.KLDivLoss({ reduction: 'batchmean' }).forward(logProbs, target), F.klDiv(logProbs, target, { reduction: 'batchmean' }));
      same(
        new nn.KLDivLoss({ logTarget: true, reduction: 'none' }).forward(logProbs, F.logSoftmax(y, 1)),
        F.klDiv(logProbs, F.logSoftmax(y, 1), { logTarget: true, reduction: 'none' }),
      );
      same(new nn.MarginRankingLoss(0.2).forward(x, y, torch.sign(z)), F.marginRankingLoss(x, y, torch.sign(z), 0.2));
      same(
        new nn.CosineEmbeddingLoss({ margin: 0.1, reduction: 'none' }).forward(x, y, labels),
        F.cosineEmbeddingLoss(x, y, labels, { margin: 0.1, reduction: 'none' }),
      );
      same(
        new nn.TripletMarginLoss({ margin: 0.5, p: 1, swap: true }).forward(x, y, z),
        F.tripletMarginLoss(x, y, z, { margin: 0.5, p: 1, swap: true }),
      );
    });
  });

  it('print as PyTorch 1.13 prints them', () => {
    for (const module of [
      new nn.SmoothL1Loss({ beta: 0.5 }),
      new nn.HuberLoss({ delta: 2 }),
      new nn.KLDivLoss({ logTarget: true }),
      new nn.MarginRankingLoss(),
      new nn.CosineEmbeddingLoss(0.5),
      new nn.TripletMarginLoss({ swap: true, p: 1 }),
    ]) {
      expect(String(module)).toBe(`${module.getName()}()`);
    }
  });

  it("klDiv warns once that 'mean' divides by every element, not by the batch", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    torch.scope(() => {
      const x = F.logSoftmax(torch.randn([2, 3]), 1),
        t = F.softmax(torch.randn([2, 3]), 1);
      expect(F.klDiv(x, t).itemSync()).toBeCloseTo(Number(F.klDiv(x, t, { reduction: 'sum' }).itemSync()) / 6, 6);
      expect(F.klDiv(x, t, { reduction: 'batchmean' }).itemSync()).toBeCloseTo(
        Number(F.klDiv(x, t, { reduction: 'sum' }).itemSync()) / 2,
        6,
      );
      F.klDiv(x, t);
    });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain("klDiv: reduction 'mean' divides the total loss by both the batch size and the support size");
    warn.mockRestore();
  });

  it('refuse bad reductions, options and shapes, naming the op and the arguments', () => {
    const x = torch.randn([3, 4]);
    expect(() => F.smoothL1Loss(x, x, { reduction: 'avg' as 'mean' })).toThrow(
      "smoothL1Loss: reduction must be 'mean', 'sum' or 'none', got \"avg\"",
    );
    expect(() => F.klDiv(x, x, { reduction: 'avg' as 'mean' })).toThrow(
      "klDiv: reduction must be 'mean', 'batchmean', 'sum' or 'none', got \"avg\"",
    );
    expect(() => new nn.KLDivLoss({ reduction: 'batch' as 'mean' })).toThrow(
      "KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or 'none', got \"batch\"",
    );
    expect(() => new nn.HuberLoss({ reduction: 'avg' as 'mean' })).toThrow(
      "HuberLoss: reduction must be 'mean', 'sum' or 'none', got \"avg\"",
    );
    expect(() => F.klDiv(x, x, { log_target: true } as never)).toThrow("klDiv: unknown option 'log_target'; did you mean 'logTarget'?");
    expect(() => new nn.TripletMarginLoss({ margin: 1, Swap: true } as never)).toThrow(
      "TripletMarginLoss: unknown option 'Swap'; did you mean 'swap'?",
    );
    expect(() => F.smoothL1Loss(x, x, { beta: -1 })).toThrow('smoothL1Loss: beta must be non-negative, got -1');
    expect(() => F.huberLoss(x, x, { delta: 0 })).toThrow('huberLoss: delta must be positive, got 0');
    expect(() => F.smoothL1Loss(x, torch.randn([2, 4]))).toThrow(
      'smoothL1Loss: the shapes of input [3, 4] and target [2, 4] cannot be broadcast together',
    );
    expect(() => F.klDiv(x, torch.randn([5]))).toThrow('klDiv: the shapes of input [3, 4] and target [5] cannot be broadcast together');
    expect(() => F.marginRankingLoss(x, torch.randn([4]), x)).toThrow(
      'marginRankingLoss: input1, input2 and target must have the same number of dims, got input1 [3, 4], input2 [4] and target [3, 4]',
    );
    expect(() => F.marginRankingLoss(x, torch.randn([2, 4]), x)).toThrow(
      'marginRankingLoss: the shapes of input1 [3, 4] and input2 [2, 4] cannot be broadcast together',
    );
    expect(() => F.cosineEmbeddingLoss(x, x, torch.ones([3, 1]))).toThrow(
      'cosineEmbeddingLoss: target must be 0-D or 1-D (one label per pair), got [3, 1]',
    );
    expect(() => F.cosineEmbeddingLoss(x, torch.randn([4]), torch.ones([3]))).toThrow(
      'cosineEmbeddingLoss: a 1-D target expects 2-D inputs, got input1 [3, 4] and input2 [4]',
    );
    expect(() => F.tripletMarginLoss(x, torch.randn([4]), x)).toThrow(
      'tripletMarginLoss: anchor, positive and negative must have the same number of dims, got anchor [3, 4], positive [4] and negative [3, 4]',
    );
    expect(() => F.tripletMarginLoss(x, x, torch.randn([3, 5]))).toThrow(
      'tripletMarginLoss: the shapes of anchor [3, 4] and negative [3, 5] cannot be broadcast together',
    );
    expect(() => F.cosineEmbeddingLoss(x, x, torch.ones([3], { dtype: 'int32' }))).toThrow(
      "cosineEmbeddingLoss: argument 'target' must have dtype float32, got int32",
    );
  });
});
