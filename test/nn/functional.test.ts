// nn.functional and the basic layers beyond the PyTorch fixtures: finite-difference gradient checks
// of the fused backward formulas; on cpu and webgpu dropout's statistics and modes, embedding
// options and its index check, activations; and the errors bad inputs raise.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices, expectRaises } from '../helpers/devices.js';

const { nn } = torch;
const F = nn.functional;

const ints = (values: number[] | number[][]) => torch.tensor(values, { dtype: 'int32' });

describe('gradients against finite differences', () => {
  it('linear: 2-D, 3-D and strided inputs, with and without bias', async () => {
    const x = torch.randn(2, 3, 4, { requiresGrad: true });
    const w = torch.randn(5, 4, { requiresGrad: true });
    const b = torch.randn(5, { requiresGrad: true });
    expect(await torch.autograd.gradcheck((x, w, b) => F.linear(x, w, b), [x, w, b])).toBe(true);
    expect(
      await torch.autograd.gradcheck((x, w) => F.linear(x.transpose(0, 2), w.t()), [x, torch.randn(2, 3, { requiresGrad: true })]),
    ).toBe(true);
  });

  it('layerNorm: input, weight and bias over one and two normalised dims', async () => {
    const x = torch.randn(3, 2, 4, { requiresGrad: true });
    expect(
      await torch.autograd.gradcheck(
        (x, w, b) => F.layerNorm(x, [4], w, b),
        [x, torch.randn(4, { requiresGrad: true }), torch.randn(4, { requiresGrad: true })],
      ),
    ).toBe(true);
    expect(await torch.autograd.gradcheck((x, w) => F.layerNorm(x, [2, 4], w), [x, torch.randn(2, 4, { requiresGrad: true })])).toBe(true);
    expect(await torch.autograd.gradcheck((x) => F.layerNorm(x, 4), [x])).toBe(true);
  });

  it('gelu, exact and tanh-approximated', async () => {
    const x = torch.randn(4, 5, { requiresGrad: true });
    expect(await torch.autograd.gradcheck((x) => F.gelu(x), [x])).toBe(true);
    expect(await torch.autograd.gradcheck((x) => F.gelu(x, { approximate: 'tanh' }), [x])).toBe(true);
  });
});

for (const device of devices) {
  const ints = (values: number[] | number[][]) => torch.tensor(values, { dtype: 'int32', device });

  describe(`embedding (${device})`, () => {
    it('rows add up their gradients; none reach paddingIdx', async () => {
      const weight = torch.randn(4, 2, { requiresGrad: true, device });
      F.embedding(
        ints([
          [0, 3, 3],
          [1, 0, 3],
        ]),
        weight,
        { paddingIdx: 1 },
      )
        .sum()
        .backward();
      expect(await weight.grad!.tolist()).toEqual([
        [2, 2],
        [0, 0],
        [0, 0],
        [3, 3],
      ]);
    });

    it('fromPretrained shares the given table and freezes it unless told otherwise', async () => {
      const table = torch.tensor(
        [
          [1, 2.3, 3],
          [4, 5.1, 6.3],
        ],
        { device },
      );
      const frozen = nn.Embedding.fromPretrained(table);
      expect(frozen.weight.requiresGrad).toBe(false);
      expect(await frozen.forward(ints([1])).tolist()).toEqual([[4, Math.fround(5.1), Math.fround(6.3)]]);
      expect(nn.Embedding.fromPretrained(table, { freeze: false, paddingIdx: 0 }).weight.requiresGrad).toBe(true);
      expect(String(frozen)).toBe('Embedding(2, 3)');
    });

    it('maxNorm renormalises the looked-up rows in place', async () => {
      const embedding = new nn.Embedding(3, 2, { maxNorm: 1, device });
      torch.noGrad(() =>
        embedding.weight.copy_(
          torch.tensor(
            [
              [3, 4],
              [0.3, 0.4],
              [6, 8],
            ],
            { device },
          ),
        ),
      );
      embedding.forward(ints([0, 1]));
      const rows = (await embedding.weight.tolist()) as number[][];
      expect(Math.hypot(...rows[0])).toBeCloseTo(1, 6);
      expect(rows[1]).toEqual([Math.fround(0.3), Math.fround(0.4)]);
      expect(rows[2]).toEqual([6, 8]);
    });

    it('an index out of range names the table and the input', async () => {
      const embedding = new nn.Embedding(5, 3, { device });
      await expectRaises(
        device,
        () => embedding.forward(ints([[1, 7]])),
        'embedding: input holds index 7, outside [0, 5) (num_embeddings 5, input shape [1, 2])',
      );
      await expectRaises(
        device,
        () => embedding.forward(ints([-1])),
        'embedding: input holds index -1, outside [0, 5) (num_embeddings 5, input shape [1])',
      );
    });
  });

  describe(`dropout (${device})`, () => {
    it('zeroes about p of the elements and scales the rest by 1 / (1 - p); backward uses the same mask', async () => {
      const x = torch.ones(100, 100, { requiresGrad: true, device });
      const y = F.dropout(x, 0.3);
      const values = await y.data();
      const kept = values.filter((v) => v !== 0);
      expect(Math.abs(kept.length / values.length - 0.7)).toBeLessThan(0.02);
      expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.7)]));
      y.sum().backward();
      expect(Array.from(await x.grad!.data())).toEqual(Array.from(values));
    });

    it('is the identity in eval mode or with training false, and p = 1 drops everything', async () => {
      const x = torch.randn(3, 3, { device });
      expect(F.dropout(x, 0.5, false)).toBe(x);
      expect(new nn.Dropout(0.9).eval().forward(x)).toBe(x);
      expect(await F.dropout(x, 1).abs().sum().item()).toBe(0);
    });

    it('inplace overwrites its input', async () => {
      const x = torch.ones(50, 50, { device });
      const y = new nn.Dropout(0.5, { inplace: true }).forward(x);
      expect(y).toBe(x);
      expect(new Set(await x.data())).toEqual(new Set([0, 2]));
    });
  });

  describe(`activations (${device})`, () => {
    it('relu and leakyRelu, also in place', async () => {
      const x = torch.tensor([-2, 0, 3], { device });
      expect(await F.relu(x).tolist()).toEqual([0, 0, 3]);
      expect(await F.leakyRelu(x, 0.5).tolist()).toEqual([-1, 0, 3]);
      expect(F.leakyRelu(x, 0.5, true)).toBe(x);
      expect(await x.tolist()).toEqual([-1, 0, 3]);
      expect(new nn.ReLU({ inplace: true }).forward(x)).toBe(x);
      expect(await x.tolist()).toEqual([0, 0, 3]);
    });

    it("Softmax without dim picks PyTorch's implicit dim", async () => {
      const x = torch.randn(2, 3, { device });
      expect(await new nn.Softmax().forward(x).sum(1).tolist()).toEqual([1, 1].map((v) => expect.closeTo(v, 6)));
      expect(await new nn.LogSoftmax().forward(torch.randn(4, { device })).exp().sum().item()).toBeCloseTo(1, 6);
    });
  });
}

describe('dropout arguments', () => {
  it('rejects probabilities outside [0, 1]', () => {
    expect(() => new nn.Dropout(1.5)).toThrow('Dropout: dropout probability has to be between 0 and 1, but got 1.5');
    expect(() => F.dropout(torch.ones(2), -0.1)).toThrow('dropout: dropout probability has to be between 0 and 1, but got -0.1');
  });
});

describe('functional', () => {
  it("functional holds the layers' functions and re-exports the torch ones", () => {
    for (const name of [
      'linear',
      'embedding',
      'layerNorm',
      'dropout',
      'relu',
      'leakyRelu',
      'gelu',
      'tanh',
      'sigmoid',
      'softmax',
      'logSoftmax',
    ]) {
      expect(typeof (F as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(F.softmax).toBe(torch.softmax);
  });
});

describe('bad inputs raise clear errors', () => {
  it('Linear: input with the wrong last dimension, rank 0, wrong dtype; bad sizes', () => {
    const fc = new nn.Linear(5, 3);
    expect(() => fc.forward(torch.zeros(2, 7))).toThrow('linear: input last dimension 7 does not match in_features 5 (input shape [2, 7])');
    expect(() => fc.forward(torch.tensor(1))).toThrow('linear: input must have at least 1 dimension, got a 0-d tensor');
    expect(() => fc.forward(ints([[1, 2, 3, 4, 5]]))).toThrow("linear: argument 'input' must have dtype float32, got int32");
    expect(() => F.linear(torch.zeros(2, 5), torch.zeros(3, 5), torch.zeros(4))).toThrow(
      'linear: bias must have shape [3] (out_features), got [4]',
    );
    expect(() => new nn.Linear(2.5, 3)).toThrow('Linear: inFeatures must be a non-negative integer, got 2.5');
  });

  it('Embedding: float indices, a bad paddingIdx, sparse', () => {
    const embedding = new nn.Embedding(5, 3);
    expect(() => embedding.forward(torch.tensor([1, 2]))).toThrow("embedding: argument 'input' must have dtype int32, got float32");
    expect(() => new nn.Embedding(5, 3, { paddingIdx: 5 })).toThrow('Embedding: paddingIdx 5 must be within num_embeddings (5)');
    expect(() => new nn.Embedding(5, 3, { sparse: true })).toThrow('Embedding: sparse gradients are not supported');
  });

  it('LayerNorm: input whose last dims differ from normalizedShape; bad weight shape', () => {
    expect(() => new nn.LayerNorm(4).forward(torch.zeros(2, 3))).toThrow(
      'layerNorm: normalizedShape [4] does not match the last dimensions of input shape [2, 3] (expected input of shape [*, 4])',
    );
    expect(() => new nn.LayerNorm([2, 3]).forward(torch.zeros(3))).toThrow(
      'layerNorm: normalizedShape [2, 3] does not match the last dimensions of input shape [3]',
    );
    expect(() => F.layerNorm(torch.zeros(2, 3), [3], torch.ones(2))).toThrow(
      'layerNorm: weight must have shape [3] (normalizedShape), got [2]',
    );
  });

  it('GELU: an unknown approximation', () => {
    expect(() => new nn.GELU({ approximate: 'fast' as 'tanh' })).toThrow("GELU: approximate must be 'none' or 'tanh', got 'fast'");
  });
});
