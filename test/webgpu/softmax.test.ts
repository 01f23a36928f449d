// softmax and logSoftmax on WebGPU (shaders/softmax.wgsl) against the CPU kernels and PyTorch:
// random shapes, dims and layouts (transposed, strided, broadcast), rows of one element, rows of
// thousands (one workgroup per row), and rows holding NaN and infinities. Forward results must
// agree to relative 1e-5 (log-softmax with an absolute allowance for its sum, see FORWARD); the
// gradients' bound is below, at gradientTolerance.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { expectCaseMatches, runCase } from '../helpers/fixtures.js';
import { loadSoftmaxSortCases } from '../helpers/softmax-sort-fixtures.js';
import { Choices, expectAgree, LAYOUTS, type Pair, pair, type Tolerance } from './compare.js';
import { webgpuReady } from './gpu.js';

type Tensor = torch.Tensor;

const ready = await webgpuReady();

const OPS = ['softmax', 'logSoftmax'] as const;
type Op = (typeof OPS)[number];

/**
 * Forward: relative 1e-5. The devices add up sum(exp(x - max)) in different orders (the GPU's
 * compensated sum is the closer to exact), and as for every sum in the differential tests the
 * bound on that is relative to the magnitudes summed: rtol 1e-5 of the sum. Softmax divides by
 * the sum, so that stays relative; log-softmax subtracts log(sum), so it is an absolute 1e-5 on
 * every output, which is what remains of the bound where an output is near 0 (a row one element
 * dominates: x - max is 0 there and log(sum) is tiny).
 */
const FORWARD: Record<Op, Tolerance> = { softmax: { rtol: 1e-5 }, logSoftmax: { rtol: 1e-5, atol: 1e-5 } };

const normal = (shape: number[]) => torch.randn(shape).mul(3);

/**
 * Gradients: the backward sums over the row (sum(g * y) for softmax, sum(g) for log-softmax) in
 * another order on each device, so as for sums in the differential tests the bound is relative
 * to the magnitudes summed: rtol 1e-5 of y * sum(|g * y|) (exp(y) * sum(|g|)), plus 2 ulp of 1
 * times the largest upstream value, where g - sum cancels.
 */
function gradientTolerance(op: Op, dim: number, output: Tensor, upstream: Tensor): Tolerance {
  const floor = 2 ** -22 * Math.max(1, Number(upstream.abs().max().itemSync()));
  const weight = op === 'softmax' ? output : output.exp();
  const summed = (op === 'softmax' ? upstream.mul(output) : upstream).abs().sum(dim, { keepdim: true });
  return { rtol: 1e-5, atol: weight.abs().mul(summed).mul(1e-5).add(floor).dataSync() as Float32Array };
}

/**
 * Runs `op` along `dim` on both devices and compares, then backpropagates one upstream gradient on
 * both and compares the gradients w.r.t. the (possibly strided) input views, which are what the
 * backward kernel writes.
 */
async function agree(what: string, op: Op, dim: number, x: Pair): Promise<void> {
  x.cpu.retainGrad();
  x.gpu.retainGrad();
  const cpu = x.cpu[op](dim);
  const gpu = x.gpu[op](dim);
  await expectAgree(what, gpu, cpu, FORWARD[op]);
  const upstream = torch.randn(cpu.shape as number[]);
  cpu.backward(upstream);
  gpu.backward(upstream.to('webgpu'));
  await expectAgree(`${what}: gradient`, x.gpu.grad!, x.cpu.grad!, gradientTolerance(op, dim, cpu.detach(), upstream));
}

describe.skipIf(!ready)('softmax and logSoftmax on webgpu', () => {
  beforeEach(() => torch.manualSeed(11));

  describe('against PyTorch 1.13 (the fixtures of test/ops/softmax.test.ts)', () => {
    beforeAll(() => torch.setDefaultDevice('webgpu'));
    afterAll(() => torch.setDefaultDevice('cpu'));
    for (const c of loadSoftmaxSortCases(OPS)) {
      it(c.name, async () => {
        const result = runCase(c);
        const tensors = [...result.outputs, ...result.grads!.filter((g): g is Tensor => g !== null)];
        for (const t of tensors) expect(t.device).toBe('webgpu');
        const values = new Map(await Promise.all(tensors.map(async (t) => [t, await t.data()] as const)));
        expectCaseMatches(c, result, (t) => values.get(t)!);
      });
    }
  });

  for (const op of OPS) {
    describe(op, () => {
      it('random shapes, dims and layouts, forward and backward', async () => {
        const choices = new Choices(op.length * 97);
        for (let round = 0; round < 12; round++) {
          const shape = choices.shape(1, 4, 6);
          const dim = choices.int(-shape.length, shape.length - 1);
          const layout = choices.pick(LAYOUTS);
          const x = pair(shape, layout, normal, { requiresGrad: true, choices });
          await agree(`${op} dim ${dim} of [${shape}] ${layout} strides [${x.cpu.strides}]`, op, dim, x);
        }
      });

      it('short rows one element dominates', async () => {
        await agree(
          '[2000, 5]',
          op,
          1,
          pair([2000, 5], 'contiguous', (shape) => torch.randn(shape).mul(6), { requiresGrad: true }),
        );
        await agree(
          '[8, 300] along dim 0',
          op,
          0,
          pair([8, 300], 'contiguous', (shape) => torch.randn(shape).mul(6), { requiresGrad: true }),
        );
      });

      it('0-d tensors and rows of one element', async () => {
        await agree('0-d', op, 0, pair([], 'contiguous', normal, { requiresGrad: true }));
        await agree('[5, 1] along dim 1', op, 1, pair([5, 1], 'contiguous', normal, { requiresGrad: true }));
        await agree('[1, 4] along dim 0, transposed', op, 0, pair([1, 4], 'permuted', normal, { requiresGrad: true }));
      });

      it('long rows (one workgroup per row), contiguous and strided', async () => {
        for (const [shape, dim, layout] of [
          [[3, 3000], 1, 'contiguous'],
          [[4000, 2], 0, 'contiguous'],
          [[2, 2500], 1, 'permuted'],
          [[2, 1, 3000], 2, 'strided'],
        ] as const) {
          const x = pair(shape, layout, normal, { requiresGrad: true });
          await agree(`[${shape}] ${layout} along dim ${dim}`, op, dim, x);
        }
      });

      it('expanded inputs: stride 0 along and across the softmax dim', async () => {
        for (const dim of [0, 1, 2]) {
          const base = torch.randn(3, 1, 1).mul(3);
          const cpuLeaf = base.requiresGrad_();
          const gpuLeaf = base.detach().to('webgpu').requiresGrad_();
          const view = (leaf: Tensor) => leaf.expand(3, 70, 5);
          const x = { cpu: view(cpuLeaf), gpu: view(gpuLeaf), cpuLeaf, gpuLeaf, view };
          await agree(`[3, 1, 1] expanded to [3, 70, 5] along dim ${dim}`, op, dim, x);
        }
      });

      it('rows holding NaN, +inf, -inf, only -inf, huge and tiny values', async () => {
        const rows = [
          [1, NaN, 3, 4],
          [Infinity, 0, 1, 2],
          [-Infinity, -Infinity, -Infinity, -Infinity],
          [-Infinity, 0, -Infinity, 1],
          [1e30, -1e30, 3e38, -3e38],
          [1000, 1001, 999, -1000],
          [1e-30, -1e-30, 0, -0],
          [-Infinity, Infinity, 0, 0],
        ];
        const x = torch.tensor(rows);
        const g = x.to('webgpu');
        await expectAgree('rows', g[op](1), x[op](1), FORWARD[op]);
        await expectAgree('columns', g[op](0), x[op](0), FORWARD[op]);
        const long = torch.randn(4, 500);
        long.index(0, 321).fill_(NaN);
        long.index(1, 7).fill_(Infinity);
        long.index(2).fill_(-Infinity);
        long.index(3, '::2').fill_(-Infinity);
        await expectAgree('long rows', long.to('webgpu')[op](1), long[op](1), FORWARD[op]);
        const nonFiniteRows = await long.to('webgpu')[op](1).index(':3').data();
        expect(nonFiniteRows.every(Number.isNaN), 'rows with NaN, +inf or only -inf are NaN').toBe(true);
      });

      it('rows of 5000 stay within 1e-6 of a float64 reference (compensated sums)', async () => {
        const x = torch.randn(2, 5000).mul(4);
        const got = await x.to('webgpu')[op](1).data();
        const values = x.dataSync();
        let worst = 0;
        for (let row = 0; row < 2; row++) {
          const xs = Array.from(values.subarray(row * 5000, (row + 1) * 5000));
          // x - max rounds to float32 on every device: the reference starts from the same shifted values.
          const max = Math.max(...xs);
          const shifted = xs.map((v) => Math.fround(v - max));
          const logSum = Math.log(shifted.reduce((sum, v) => sum + Math.exp(v), 0));
          shifted.forEach((v, i) => {
            const exact = op === 'softmax' ? Math.exp(v - logSum) : v - logSum;
            worst = Math.max(worst, Math.abs(got[row * 5000 + i] - exact) / Math.abs(exact));
          });
        }
        expect(worst).toBeLessThan(1e-6);
      });
    });
  }

  it('a sum of many tiny terms is not lost (compensated): 1 and 10000 terms of 1e-8', async () => {
    // exp(x - max) is 1 for the first element and about 1e-8 for the others, so the sum is
    // 1.0001: a plain float32 sum (like the CPU's, whose 4 lanes round each add) drops most of
    // the tiny terms; a compensated one keeps them.
    const row = new Float32Array(10001).fill(Math.log(1e-8));
    row[0] = 0;
    const tiny = Math.exp(Math.fround(Math.log(1e-8)));
    const exactSum = 1 + 10000 * tiny;
    const got = await torch.tensor(row).to('webgpu').softmax(0).data();
    expect(Math.abs(got[0] - 1 / exactSum) * exactSum).toBeLessThan(1e-6);
    expect(Math.abs(got[1] - tiny / exactSum) / (tiny / exactSum)).toBeLessThan(1e-6);
  });

  it('softmax of a non-trivial downstream graph: gradients through softmax and logSoftmax chained', async () => {
    const x = pair([6, 40], 'permuted', normal, { requiresGrad: true });
    const w = torch.randn(6, 40);
    const wGpu = w.to('webgpu');
    const cpu = x.cpu.softmax(1).mul(w).logSoftmax(0).sum();
    const gpu = x.gpu.softmax(1).mul(wGpu).logSoftmax(0).sum();
    await expectAgree('loss', gpu, cpu, FORWARD.logSoftmax);
    cpu.backward();
    gpu.backward();
    await expectAgree('gradient', x.gpuLeaf.grad!, x.cpuLeaf.grad!, { rtol: 1e-5, atol: 2 ** -22 * 4 });
  });

  it('crossEntropy with class-probability targets (logSoftmax forward, softmax backward)', async () => {
    for (const [shape, classDim] of [
      [[7, 5], 1],
      [[3, 4, 2, 3], 1],
      [[300], 0],
    ] as const) {
      const logits = pair(shape, 'contiguous', normal, { requiresGrad: true });
      const target = torch.rand(shape as unknown as number[]).softmax(classDim);
      for (const labelSmoothing of [0, 0.1]) {
        const cpu = torch.nn.functional.crossEntropy(logits.cpu, target, { labelSmoothing });
        const gpu = torch.nn.functional.crossEntropy(logits.gpu, target.to('webgpu'), { labelSmoothing });
        await expectAgree(`crossEntropy [${shape}] smoothing ${labelSmoothing}`, gpu, cpu, FORWARD.softmax);
        logits.cpuLeaf.grad = null;
        logits.gpuLeaf.grad = null;
        cpu.backward();
        gpu.backward();
        await expectAgree(`crossEntropy [${shape}] gradient`, logits.gpuLeaf.grad!, logits.cpuLeaf.grad!, { rtol: 1e-5, atol: 2 ** -22 });
      }
    }
  });

  it('nn.Softmax and nn.LogSoftmax run on webgpu', async () => {
    const x = torch.randn(4, 9);
    await expectAgree('nn.Softmax', new torch.nn.Softmax(1).forward(x.to('webgpu')), new torch.nn.Softmax(1).forward(x), FORWARD.softmax);
    await expectAgree(
      'nn.LogSoftmax',
      new torch.nn.LogSoftmax(0).forward(x.to('webgpu')),
      new torch.nn.LogSoftmax(0).forward(x),
      FORWARD.logSoftmax,
    );
  });

  it('frees its temporaries', async () => {
    const x = torch.randn(70, 6).to('webgpu').t().requiresGrad_();
    const before = torch.memory();
    torch.scope(() => x.softmax(1).logSoftmax(0).sum().backward());
    x.grad!.dispose();
    x.grad = null;
    await torch.webgpu.synchronize();
    // Only growth is a leak: while this awaited, the collector may have freed what earlier tests dropped.
    const after = torch.memory();
    expect(after.tensors).toBeLessThanOrEqual(before.tensors);
    expect(after.bytes.webgpu).toBeLessThanOrEqual(before.bytes.webgpu);
    expect(after.bytes.cpu).toBeLessThanOrEqual(before.bytes.cpu);
  });
});
