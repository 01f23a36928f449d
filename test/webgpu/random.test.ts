// The random ops on webgpu draw the CPU's numbers: both evaluate the same Philox stream per element
// (src/random/generator.ts, shaders/philox.wgsl), so one generator state gives the same integers,
// uniforms, Bernoulli and dropout masks and multinomial samples bit for bit, and normals within
// NORMAL_TOLERANCE (the same polynomials in the same order: equal wherever sqrt is correctly rounded
// and no multiply-add is fused, as on lavapipe). Bad multinomial weights are raised at the next read.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { Choices, EXACT, expectAgree, LAYOUTS, pair, type Tolerance } from './compare.js';
import { webgpuReady } from './gpu.js';

type Tensor = torch.Tensor;

const ready = await webgpuReady();

/** 4 ulp of the result, or of mean + 8 std for results near 0 (|z| < 8 for every 24-bit uniform). */
function normalTolerance(mean: number, std: number): Tolerance {
  return { rtol: 2 ** -21, atol: 2 ** -21 * (Math.abs(mean) + 8 * std) };
}

/**
 * Runs `draw` on the cpu and on webgpu from the same generator state; both must leave the
 * generator at the same state. Returns [cpu, webgpu].
 */
function bothDevices(
  draw: (device: string, generator: torch.Generator) => Tensor,
  state = { seed: 20240601n, offset: 5 },
): [Tensor, Tensor] {
  const generator = new torch.Generator().setState(state);
  const cpu = draw('cpu', generator);
  const after = generator.getState();
  generator.setState(state);
  const gpu = draw('webgpu', generator);
  expect(generator.getState()).toEqual(after);
  return [cpu, gpu];
}

async function expectSameDraws(
  what: string,
  draw: (device: string, generator: torch.Generator) => Tensor,
  tolerance: Tolerance = EXACT,
  state?: { seed: bigint; offset: number },
): Promise<void> {
  const [cpu, gpu] = bothDevices(draw, state);
  await expectAgree(what, gpu, cpu, tolerance);
}

/** Sizes around the four words of a Philox block and the 64 threads of a workgroup. */
const SIZES = [[1], [3], [4], [5], [63], [257], [2, 3, 5], [1001]];

describe.skipIf(!ready)('random numbers on webgpu', () => {
  describe('the Philox stream', () => {
    it('matches the Random123 known-answer vector for counter 0, key 0', async () => {
      const g = new torch.Generator().manualSeed(0);
      const ints = torch.randint(-(2 ** 31), 2 ** 31, [4], { generator: g, device: 'webgpu' });
      expect(Array.from(await ints.data(), (v) => (v ^ 0x80000000) >>> 0)).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    });

    it("is the cpu's for a 64-bit seed and counters crossing 2^32", async () => {
      const state = { seed: (0xa4093822n << 32n) | 0x299f31d0n, offset: 2 ** 32 - 3 };
      await expectSameDraws(
        'raw words',
        (device, generator) => torch.randint(-(2 ** 31), 2 ** 31, [37], { generator, device }),
        EXACT,
        state,
      );
      await expectSameDraws('offsets beyond 2^40', (device, generator) => torch.rand([9], { generator, device }), EXACT, {
        seed: 3n,
        offset: 2 ** 41 + 7,
      });
    });

    it('continues across devices: draws alternate between cpu and webgpu as on one device', async () => {
      torch.manualSeed(42);
      const oneDevice = [torch.rand(7), torch.randn(6), torch.randint(0, 9, [5])];
      torch.manualSeed(42);
      const alternating = [torch.rand(7, { device: 'webgpu' }), torch.randn(6), torch.randint(0, 9, [5], { device: 'webgpu' })];
      for (const [k, t] of oneDevice.entries()) expect(Array.from(await alternating[k].data())).toEqual(Array.from(t.dataSync()));
    });
  });

  describe('the same generator state draws the same numbers on both devices', () => {
    for (const size of SIZES) {
      it(`rand, randn, randint, randLike and randnLike of [${size}]`, async () => {
        await expectSameDraws('rand', (device, generator) => torch.rand(size, { generator, device }));
        await expectSameDraws('randn', (device, generator) => torch.randn(size, { generator, device }), normalTolerance(0, 1));
        for (const [low, high] of [
          [0, 2],
          [-5, 17],
          [-(2 ** 31), 2 ** 31],
          [2 ** 31 - 3, 2 ** 31],
          [-7, 1000003],
        ]) {
          await expectSameDraws(`randint(${low}, ${high})`, (device, generator) => torch.randint(low, high, size, { generator, device }));
        }
        await expectSameDraws('randint as float32', (device, generator) =>
          torch.randint(-3, 4, size, { generator, device, dtype: 'float32' }),
        );
        const like = torch.zeros(size);
        await expectSameDraws('randLike', (device, generator) => torch.randLike(like.to(device), { generator }));
        await expectSameDraws('randnLike', (device, generator) => torch.randnLike(like.to(device), { generator }), normalTolerance(0, 1));
      });
    }

    it('uniform_ and normal_, into contiguous tensors and through views', async () => {
      for (const [from, to] of [
        [0, 1],
        [-2, 3.3],
        [1e-3, 1e-3],
        [-1e30, 1e30],
      ]) {
        await expectSameDraws(`uniform_(${from}, ${to})`, (device, generator) =>
          torch.empty([5, 7], { device }).uniform_(from, to, { generator }),
        );
        await expectSameDraws(`uniform_(${from}, ${to}) through a transpose`, (device, generator) => {
          const base = torch.zeros([7, 5], { device });
          base.t().uniform_(from, to, { generator });
          return base;
        });
      }
      for (const [mean, std] of [
        [0, 1],
        [1.5, 0.3],
        [-1000, 0.01],
        [4, 0],
      ]) {
        await expectSameDraws(
          `normal_(${mean}, ${std})`,
          (device, generator) => torch.empty([99], { device }).normal_(mean, std, { generator }),
          normalTolerance(mean, std),
        );
        await expectSameDraws(
          `normal_(${mean}, ${std}) through a strided view`,
          (device, generator) => {
            const base = torch.zeros([6, 10], { device });
            base.index(':', '::2').normal_(mean, std, { generator });
            return base;
          },
          normalTolerance(mean, std),
        );
      }
    });

    it('bernoulli with probabilities of every layout, one probability, and in place', async () => {
      const choices = new Choices(31);
      for (let trial = 0; trial < 12; trial++) {
        const shape = choices.shape(0, 4, 6);
        const layout = choices.pick(LAYOUTS);
        // Probabilities on a coarse grid include 0 and 1, and u < p must be decided exactly.
        const probabilities = pair(shape, layout, (s) => torch.randint(0, 9, s).div(8), { choices });
        await expectSameDraws(`bernoulli of [${shape}] ${layout}`, (device, generator) =>
          torch.bernoulli(device === 'cpu' ? probabilities.cpu : probabilities.gpu, { generator }),
        );
      }
      const zeros = torch.zeros(3, 70);
      for (const p of [0, 0.3, 0.5, 1]) {
        await expectSameDraws(`bernoulli(x, ${p})`, (device, generator) => torch.bernoulli(zeros.to(device), p, { generator }));
        await expectSameDraws(`bernoulli_(${p})`, (device, generator) => torch.empty([70, 3], { device }).t().bernoulli_(p, { generator }));
      }
      await expectSameDraws('x.bernoulli()', (device, generator) => torch.full([33], 0.25, { device }).bernoulli({ generator }));
    });

    it('dropout masks, forward and backward (also through nn.Dropout)', async () => {
      for (const p of [0.1, 0.5, 0.9]) {
        const x = torch.randn(17, 13);
        const upstream = torch.randn(17, 13);
        const leaves: Tensor[] = [];
        const [cpu, gpu] = bothDevices((device, generator) => {
          const leaf = x.to(device).detach().requiresGrad_(true);
          leaves.push(leaf);
          return torch.dropout(leaf, p, true, { generator });
        });
        await expectAgree(`dropout(${p})`, gpu, cpu, EXACT);
        cpu.backward(upstream);
        gpu.backward(upstream.to('webgpu'));
        await expectAgree(`dropout(${p}): gradient`, leaves[1].grad!, leaves[0].grad!, EXACT);
      }
      const choices = new Choices(33);
      for (const layout of LAYOUTS) {
        const x = pair([6, 11], layout, (s) => torch.randn(s), { requiresGrad: true, choices });
        const upstream = torch.randn(6, 11);
        const [cpu, gpu] = bothDevices((device, generator) => torch.dropout(device === 'cpu' ? x.cpu : x.gpu, 0.3, true, { generator }));
        await expectAgree(`dropout of a ${layout} input`, gpu, cpu, EXACT);
        cpu.backward(upstream);
        gpu.backward(upstream.to('webgpu'));
        await expectAgree(`dropout of a ${layout} input: gradient`, x.gpuLeaf.grad!, x.cpuLeaf.grad!, EXACT);
      }
      const layer = new torch.nn.Dropout(0.4);
      torch.manualSeed(8);
      const cpu = layer.forward(torch.ones(40, 9));
      torch.manualSeed(8);
      await expectAgree('nn.Dropout', layer.forward(torch.ones(40, 9, { device: 'webgpu' })), cpu, EXACT);
    });

    it("randperm, which sorts random keys, gives the cpu's permutation", async () => {
      await expectSameDraws('randperm(300)', (device, generator) => torch.randperm(300, { generator, device }));
    });
  });

  describe("multinomial draws the cpu's samples", () => {
    /** Weights: uniform draws cubed (some tiny), with zeros and negative zeros among them. */
    const weightsOf = (shape: number[]) =>
      torch.where(torch.rand(shape).gt(0.2), torch.rand(shape).pow(3), torch.where(torch.rand(shape).gt(0.5), 0, -0));

    it('with and without replacement, 1-D and 2-D, from weights of every layout', async () => {
      const choices = new Choices(32);
      for (let trial = 0; trial < 16; trial++) {
        const rows = choices.int(1, 5);
        const categories = choices.int(1, 40);
        const shape = choices.next() < 0.3 ? [categories] : [rows, categories];
        const layout = choices.pick(LAYOUTS);
        const weights = pair(shape, layout, (s) => weightsOf(s).add(torch.rand(s).gt(0.95)), { choices });
        // Every row needs a positive weight.
        const positive = (w: Tensor) => w.add(torch.oneHot(torch.tensor(0, { dtype: 'int32', device: w.device }), categories).float());
        for (const replacement of [true, false]) {
          const samples = replacement ? choices.int(1, 50) : choices.int(1, categories);
          await expectSameDraws(`multinomial(${samples}, replacement ${replacement}) of [${shape}] ${layout}`, (device, generator) => {
            const w = positive(device === 'cpu' ? weights.cpu : weights.gpu);
            return torch.multinomial(w, samples, { replacement, generator });
          });
        }
      }
    });

    it('every category of a long row in order, without replacement', async () => {
      const weights = torch.rand(3, 700).pow(4);
      await expectSameDraws('multinomial(700) of [3, 700]', (device, generator) =>
        torch.multinomial(weights.to(device), 700, { generator }),
      );
    });

    it('weights over the whole float32 range, subnormals and ties included', async () => {
      const extremes = torch.tensor([
        [1e-45, 3e38, 1e-30, 1, 1e30, 2.5e-38, 0, 7],
        [1, 1, 1, 1, 1, 1, 1, 1],
        [1e-40, 1e-42, 1e-44, 1e-45, 0, -0, 1e-39, 1e-38],
      ]);
      for (const replacement of [true, false]) {
        await expectSameDraws(`extreme weights, replacement ${replacement}`, (device, generator) =>
          torch.multinomial(extremes.to(device), 8, { replacement, generator }),
        );
      }
      // Sums whose float64 rounding matters: a huge weight beside tiny ones, inverted at many draws.
      const lopsided = torch.tensor([1e-8, 1, 1e-8, 3e-8, 1e-7, 1]);
      await expectSameDraws('lopsided weights with replacement', (device, generator) =>
        torch.multinomial(lopsided.to(device), 5000, { replacement: true, generator }),
      );
    });

    describe("bad weights are raised at the next read, with the cpu's message", () => {
      const cases: [string, number[][], boolean][] = [
        ['a negative weight', [[1, -1]], false],
        [
          'an infinite weight',
          [
            [1, Infinity],
            [1, 1],
          ],
          true,
        ],
        ['a NaN weight', [[NaN, 1]], false],
        [
          'a row of zeros',
          [
            [1, 1],
            [0, -0],
          ],
          true,
        ],
      ];
      for (const [name, weights, replacement] of cases) {
        it(name, async () => {
          let message = '';
          try {
            torch.multinomial(torch.tensor(weights), 1, { replacement });
          } catch (error) {
            message = (error as Error).message;
          }
          expect(message).toMatch(/^multinomial: /);
          const samples = torch.multinomial(torch.tensor(weights, { device: 'webgpu' }), 1, { replacement });
          await expect(samples.data()).rejects.toThrow(
            `${message}; found by a kernel on webgpu, which reports such errors at the next read`,
          );
          expect(await torch.ones(1, { device: 'webgpu' }).tolist()).toEqual([1]);
        });
      }

      it('argument errors stay synchronous', () => {
        expect(() => torch.multinomial(torch.ones(2, { device: 'webgpu' }), 3)).toThrow(
          /multinomial: cannot sample numSamples \(3\) > input.size\(-1\) \(2\) samples without replacement/,
        );
      });
    });
  });

  it('leaves no temporaries behind', async () => {
    const x = torch.randn([8, 9], { device: 'webgpu' }).requiresGrad_(true);
    await x.data();
    const before = torch.memory();
    torch.scope(() => {
      torch.multinomial(torch.rand([3, 7], { device: 'webgpu' }), 4);
      torch.multinomial(torch.rand([7], { device: 'webgpu' }), 20, { replacement: true });
      torch.bernoulli(torch.rand([9, 8], { device: 'webgpu' }).t());
      torch.dropout(x, 0.5).sum().backward();
      torch.empty([5, 6], { device: 'webgpu' }).t().normal_();
    });
    await x.grad!.data();
    x.grad!.dispose();
    x.grad = null;
    // Only growth is a leak: while this awaited, the collector may have freed what earlier tests dropped.
    const after = torch.memory();
    expect(after.tensors).toBeLessThanOrEqual(before.tensors);
    expect(after.bytes.webgpu).toBeLessThanOrEqual(before.bytes.webgpu);
    expect(after.bytes.cpu).toBeLessThanOrEqual(before.bytes.cpu);
  });
});
