// nn.init and the layers' default initialisation: the distributions PyTorch's formulas give (bounds
// exactly, moments statistically on large tensors), on cpu and on webgpu (tensors and modules made
// there: its random kernels draw what the CPU's draw), the seeded generator, and the errors.
import { afterEach, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';

const { nn } = torch;
const { init } = nn;

async function stats(t: torch.Tensor): Promise<{ min: number; max: number; mean: number; std: number }> {
  const values = Array.from(await t.data());
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { min: values.reduce((a, b) => Math.min(a, b)), max: values.reduce((a, b) => Math.max(a, b)), mean, std };
}

/** Checks U(-bound, bound): inside the bound, near both ends, with the uniform's std bound / sqrt(3). */
async function expectUniform(t: torch.Tensor, bound: number): Promise<void> {
  const s = await stats(t);
  expect(s.min).toBeGreaterThanOrEqual(-bound);
  expect(s.max).toBeLessThanOrEqual(bound);
  expect(s.min).toBeLessThan(-0.95 * bound);
  expect(s.max).toBeGreaterThan(0.95 * bound);
  expect(Math.abs(s.std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.02);
}

async function expectNormal(t: torch.Tensor, std: number): Promise<void> {
  const s = await stats(t);
  expect(Math.abs(s.mean)).toBeLessThan(0.05 * std);
  expect(Math.abs(s.std / std - 1)).toBeLessThan(0.03);
}

for (const device of devices) {
  describe(`default initialisation matches PyTorch formulas (${device})`, () => {
    it('Linear: weight and bias U(-1/sqrt(in_features), 1/sqrt(in_features))', async () => {
      const fc = new nn.Linear(64, 4000, { device });
      expect(fc.weight.device).toBe(device);
      await expectUniform(fc.weight, 1 / 8);
      await expectUniform(fc.bias!, 1 / 8);
      disposeModule(fc);
    });

    it('Embedding: N(0, 1) with the padding row zero; LayerNorm: ones and zeros', async () => {
      const embedding = new nn.Embedding(2000, 64, { paddingIdx: 3, device });
      await expectNormal(embedding.weight, 1);
      expect(await embedding.weight.index(3).tolist()).toEqual(new Array(64).fill(0));
      const norm = new nn.LayerNorm([2, 3], { device });
      expect(await norm.weight!.tolist()).toEqual([
        [1, 1, 1],
        [1, 1, 1],
      ]);
      expect(await norm.bias!.tolist()).toEqual([
        [0, 0, 0],
        [0, 0, 0],
      ]);
      expect(new nn.LayerNorm(3, { elementwiseAffine: false }).parameters()).toEqual([]);
      disposeModule(embedding);
    });

    it('draws from the seeded default generator, the same numbers on every device', async () => {
      torch.manualSeed(7);
      const a = await new nn.Linear(3, 3, { device }).weight.tolist();
      torch.manualSeed(7);
      expect(await new nn.Linear(3, 3, { device }).weight.tolist()).toEqual(a);
      torch.manualSeed(7);
      expect(new nn.Linear(3, 3).weight.tolistSync()).toEqual(a);
    });

    it('every layer made under setDefaultDevice lives there, parameters and buffers', async () => {
      torch.setDefaultDevice(device);
      try {
        torch.manualSeed(3);
        const layers = [
          new nn.Linear(4, 3),
          new nn.Embedding(5, 4, { paddingIdx: 0 }),
          new nn.Conv1d(2, 3, 3),
          new nn.Conv2d(2, 3, 3),
          new nn.BatchNorm1d(3),
          new nn.LayerNorm(4),
          new nn.GRU(4, 3, { bidirectional: true }),
          new nn.LSTMCell(4, 3),
          new nn.MultiheadAttention(4, 2),
          new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }),
        ];
        for (const layer of layers) {
          for (const [name, t] of [...layer.namedParameters(), ...layer.namedBuffers()])
            expect(t.device, `${layer.getName()}.${name}`).toBe(device);
        }
        // A forward pass runs there too, and the initial values are PyTorch's kind: finite, bounded.
        const x = torch.randn(2, 5, 4);
        const [out] = (layers[6] as torch.nn.GRU).forward(x);
        expect(out.device).toBe(device);
        expect(Math.max(...Array.from(await out.data(), Math.abs))).toBeLessThan(1);
        for (const layer of layers) disposeModule(layer);
      } finally {
        torch.setDefaultDevice('cpu');
      }
    });
  });
}

/** Frees a module's parameters and buffers (large ones would otherwise wait for the collector). */
function disposeModule(module: torch.nn.Module): void {
  for (const t of [...module.parameters(), ...module.buffers()]) t.dispose();
}

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
    expect(() => init.calculateGain('softplus' as torch.nn.init.Nonlinearity)).toThrow(
      "calculateGain: unsupported nonlinearity 'softplus'",
    );
  });

  it('errors name the function and the shape', () => {
    expect(() => init.xavierUniform_(torch.empty(5))).toThrow(
      'calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape [5])',
    );
    expect(() => init.uniform_(null as unknown as torch.Tensor)).toThrow("uniform_: argument 'tensor' must be a Tensor, got null");
  });
});

for (const device of devices) {
  describe(`nn.init on ${device}`, () => {
    const made: torch.Tensor[] = [];
    /** An uninitialised tensor on the device, freed after the test. */
    const empty = (...shape: number[]) => {
      const t = torch.empty(shape, { device });
      made.push(t);
      return t;
    };
    afterEach(() => made.splice(0).forEach((t) => t.dispose()));

    it('fills in place under noGrad, on parameters, and returns the tensor', async () => {
      const p = new nn.Parameter(empty(3, 4));
      expect(init.constant_(p, 0.5)).toBe(p);
      expect(await p.tolist()).toEqual(Array.from({ length: 3 }, () => [0.5, 0.5, 0.5, 0.5]));
      init.zeros_(p);
      expect((await stats(p)).max).toBe(0);
      init.ones_(p);
      expect((await stats(p)).min).toBe(1);
      expect(p.isLeaf && p.requiresGrad && p.device === device).toBe(true);
      init.uniform_(p, -0.1, 0.1);
      expect(Math.max(...Array.from(await p.data(), Math.abs))).toBeLessThanOrEqual(0.1);
    });

    it('uniform_ and normal_ give their distributions', async () => {
      await expectUniform(init.uniform_(empty(200, 100), -0.1, 0.1), 0.1);
      const normal = await stats(init.normal_(empty(200, 100), 2, 0.5));
      expect(normal.mean).toBeCloseTo(2, 1);
      expect(normal.std).toBeCloseTo(0.5, 1);
    });

    it('xavier: bound gain * sqrt(6 / (fan_in + fan_out)), std gain * sqrt(2 / (fan_in + fan_out)); fans count the receptive field', async () => {
      await expectUniform(init.xavierUniform_(empty(300, 200)), Math.sqrt(6 / 500));
      await expectUniform(init.xavierUniform_(empty(300, 200), { gain: 2 }), 2 * Math.sqrt(6 / 500));
      await expectNormal(init.xavierNormal_(empty(300, 200), 3), 3 * Math.sqrt(2 / 500));
      // [out, in, k]: fan_in = 20 * 5, fan_out = 40 * 5; the course applies xavier_normal_ to a 3-D hidden state.
      await expectNormal(init.xavierNormal_(empty(40, 20, 5)), Math.sqrt(2 / 300));
      expect(init.calculateFanInAndFanOut(empty(40, 20, 5))).toEqual([100, 200]);
    });

    it('kaiming: std gain / sqrt(fan) for both modes and nonlinearities', async () => {
      await expectNormal(init.kaimingNormal_(empty(400, 100)), Math.SQRT2 / Math.sqrt(100 * 1));
      await expectNormal(init.kaimingNormal_(empty(400, 100), { mode: 'fan_out', nonlinearity: 'relu' }), Math.SQRT2 / 20);
      await expectUniform(init.kaimingUniform_(empty(400, 100), { a: Math.sqrt(5) }), 1 / 10);
      await expectUniform(init.kaimingUniform_(empty(400, 100), { nonlinearity: 'tanh' }), (Math.sqrt(3) * (5 / 3)) / 10);
      expect(() => init.kaimingUniform_(empty(4, 4), { mode: 'fan_avg' as 'fan_in' })).toThrow(
        "kaimingUniform_: mode 'fan_avg' is not supported, use one of fan_in, fan_out",
      );
      expect(init.kaimingUniform_(empty(0, 4)).shape).toEqual([0, 4]);
    });

    it('orthogonal_: orthonormal rows or columns times gain, for tall, wide and N-d tensors', async () => {
      for (const shape of [
        [6, 4],
        [3, 7],
        [4, 2, 3],
      ]) {
        const w = init.orthogonal_(empty(...shape), 1.5);
        const matrix = w.reshape(shape[0], -1);
        const gram = matrix.shape[0] < matrix.shape[1] ? matrix.matmul(matrix.t()) : matrix.t().matmul(matrix);
        const expected = torch.eye(gram.shape[0], { device }).mul(2.25);
        expect(await gram.sub(expected).abs().max().item()).toBeLessThan(1e-5);
      }
      expect(() => init.orthogonal_(empty(5))).toThrow('orthogonal_: only tensors with 2 or more dimensions are supported, got shape [5]');
    });

    it('orthogonal_ gives every device the same matrix: the host factorises normals drawn from the shared generator', async () => {
      torch.manualSeed(4);
      const here = await init.orthogonal_(empty(5, 3)).tolist();
      const next = await torch.randn(2, { device }).tolist();
      torch.manualSeed(4);
      expect(init.orthogonal_(torch.empty(5, 3)).tolistSync()).toEqual(here);
      // The draws advance the generator as a draw on the device would.
      expect(await torch.randn(2, { device }).tolist()).toEqual(next);
    });
  });
}
