// nn.init and the layers' default initialisation: the distributions PyTorch's formulas give (bounds
// exactly, moments statistically on large tensors), the seeded generator, and the errors.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

const { nn } = torch;
const { init } = nn;

function stats(t: torch.Tensor): { min: number; max: number; mean: number; std: number } {
  const values = Array.from(t.dataSync());
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { min: values.reduce((a, b) => Math.min(a, b)), max: values.reduce((a, b) => Math.max(a, b)), mean, std };
}

/** Checks U(-bound, bound): inside the bound, near both ends, with the uniform's std bound / sqrt(3). */
function expectUniform(t: torch.Tensor, bound: number): void {
  const s = stats(t);
  expect(s.min).toBeGreaterThanOrEqual(-bound);
  expect(s.max).toBeLessThanOrEqual(bound);
  expect(s.min).toBeLessThan(-0.95 * bound);
  expect(s.max).toBeGreaterThan(0.95 * bound);
  expect(Math.abs(s.std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.02);
}

function expectNormal(t: torch.Tensor, std: number): void {
  const s = stats(t);
  expect(Math.abs(s.mean)).toBeLessThan(0.05 * std);
  expect(Math.abs(s.std / std - 1)).toBeLessThan(0.03);
}

describe('default initialisation matches PyTorch formulas', () => {
  it('Linear: weight and bias U(-1/sqrt(in_features), 1/sqrt(in_features))', () => {
    torch.scope(() => {
      const fc = new nn.Linear(64, 4000);
      expectUniform(fc.weight, 1 / 8);
      expectUniform(fc.bias!, 1 / 8);
    });
  });

  it('Embedding: N(0, 1) with the padding row zero; LayerNorm: ones and zeros', () => {
    torch.scope(() => {
      const embedding = new nn.Embedding(2000, 64, { paddingIdx: 3 });
      expectNormal(embedding.weight, 1);
      expect(embedding.weight.index(3).tolistSync()).toEqual(new Array(64).fill(0));
      const norm = new nn.LayerNorm([2, 3]);
      expect(norm.weight!.tolistSync()).toEqual([[1, 1, 1], [1, 1, 1]]);
      expect(norm.bias!.tolistSync()).toEqual([[0, 0, 0], [0, 0, 0]]);
      expect(new nn.LayerNorm(3, { elementwiseAffine: false }).parameters()).toEqual([]);
    });
  });

  it('draws from the seeded default generator', () => {
    torch.scope(() => {
      torch.manualSeed(7);
      const a = new nn.Linear(3, 3).weight.tolistSync();
      torch.manualSeed(7);
      expect(new nn.Linear(3, 3).weight.tolistSync()).toEqual(a);
    });
  });
});

describe('nn.init', () => {
  it('calculateGain', () => {
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('conv2d')).toBe(1);
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(init.calculateGain('relu')).toBe(Math.SQRT2);
    expect(init.calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / 1.0001), 15);
    expect(init.calculateGain('leaky_relu', 0.2)).toBeCloseTo(1.3867504905630728, 15);
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(() => init.calculateGain('softplus' as torch.nn.init.Nonlinearity)).toThrow("calculateGain: unsupported nonlinearity 'softplus'");
  });

  it('fills in place under noGrad, on parameters, and returns the tensor', () => {
    torch.scope(() => {
      const p = new nn.Parameter(torch.empty(3, 4));
      expect(init.constant_(p, 0.5)).toBe(p);
      expect(p.tolistSync()).toEqual(Array.from({ length: 3 }, () => [0.5, 0.5, 0.5, 0.5]));
      init.zeros_(p);
      expect(stats(p).max).toBe(0);
      init.ones_(p);
      expect(stats(p).min).toBe(1);
      expect(p.isLeaf && p.requiresGrad).toBe(true);
      init.uniform_(p, -0.1, 0.1);
      expect(Math.max(...Array.from(p.dataSync(), Math.abs))).toBeLessThanOrEqual(0.1);
      p.dispose();
    });
  });

  it('uniform_ and normal_ give their distributions', () => {
    torch.scope(() => {
      expectUniform(init.uniform_(torch.empty(200, 100), -0.1, 0.1), 0.1);
      const normal = init.normal_(torch.empty(200, 100), 2, 0.5);
      expect(stats(normal).mean).toBeCloseTo(2, 1);
      expect(stats(normal).std).toBeCloseTo(0.5, 1);
    });
  });

  it('xavier: bound gain * sqrt(6 / (fan_in + fan_out)), std gain * sqrt(2 / (fan_in + fan_out)); fans count the receptive field', () => {
    torch.scope(() => {
      expectUniform(init.xavierUniform_(torch.empty(300, 200)), Math.sqrt(6 / 500));
      expectUniform(init.xavierUniform_(torch.empty(300, 200), { gain: 2 }), 2 * Math.sqrt(6 / 500));
      expectNormal(init.xavierNormal_(torch.empty(300, 200), 3), 3 * Math.sqrt(2 / 500));
      // [out, in, k]: fan_in = 20 * 5, fan_out = 40 * 5; the course applies xavier_normal_ to a 3-D hidden state.
      expectNormal(init.xavierNormal_(torch.empty(40, 20, 5)), Math.sqrt(2 / 300));
      expect(init.calculateFanInAndFanOut(torch.empty(40, 20, 5))).toEqual([100, 200]);
    });
  });

  it('kaiming: std gain / sqrt(fan) for both modes and nonlinearities', () => {
    torch.scope(() => {
      expectNormal(init.kaimingNormal_(torch.empty(400, 100)), Math.SQRT2 / Math.sqrt(100 * 1));
      expectNormal(init.kaimingNormal_(torch.empty(400, 100), { mode: 'fan_out', nonlinearity: 'relu' }), Math.SQRT2 / 20);
      expectUniform(init.kaimingUniform_(torch.empty(400, 100), { a: Math.sqrt(5) }), 1 / 10);
      expectUniform(init.kaimingUniform_(torch.empty(400, 100), { nonlinearity: 'tanh' }), Math.sqrt(3) * (5 / 3) / 10);
      expect(() => init.kaimingUniform_(torch.empty(4, 4), { mode: 'fan_avg' as 'fan_in' })).toThrow("kaimingUniform_: mode 'fan_avg' is not supported, use one of fan_in, fan_out");
      expect(init.kaimingUniform_(torch.empty(0, 4)).shape).toEqual([0, 4]);
    });
  });

  it('orthogonal_: orthonormal rows or columns times gain, for tall, wide and N-d tensors', () => {
    torch.scope(() => {
      for (const shape of [[6, 4], [3, 7], [4, 2, 3]]) {
        const w = init.orthogonal_(torch.empty(shape), 1.5);
        const matrix = w.reshape(shape[0], -1);
        const gram = matrix.shape[0] < matrix.shape[1] ? matrix.matmul(matrix.t()) : matrix.t().matmul(matrix);
        const n = gram.shape[0];
        const expected = torch.eye(n).mul(2.25);
        expect(gram.sub(expected).abs().max().itemSync()).toBeLessThan(1e-5);
      }
      expect(() => init.orthogonal_(torch.empty(5))).toThrow('orthogonal_: only tensors with 2 or more dimensions are supported, got shape [5]');
    });
  });

  it('errors name the function and the shape', () => {
    expect(() => init.xavierUniform_(torch.empty(5))).toThrow('calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape [5])');
    expect(() => init.uniform_(null as unknown as torch.Tensor)).toThrow("uniform_: argument 'tensor' must be a Tensor, got null");
  });
});
