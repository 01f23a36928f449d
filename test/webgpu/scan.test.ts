// cumsum and cumprod on WebGPU (shaders/scan.wgsl) against the CPU kernels (assembly/scan.ts):
// random shapes, dims and layouts (transposed, strided, broadcast), forward and backward; int32
// lines exactly; long lines, whose float32 sums the GPU compensates; and non-finite values. Float
// results agree to the error bound of a float sum (see accumulated in compare.ts): relative 1e-5
// of the same scan over the magnitudes.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { agreeAccumulated, Choices, EXACT, expectAgree, LAYOUTS, pair } from './compare.js';
import { webgpuReady } from './gpu.js';

const ready = await webgpuReady();

const OPS = ['cumsum', 'cumprod'] as const;

/** Values for each op: cumprod's near 1 in size, so long products neither vanish nor overflow, with zeros. */
function valuesFor(op: (typeof OPS)[number], choices: Choices) {
  return (shape: number[]) => {
    if (op === 'cumsum') return torch.randn(shape).mul(3);
    const count = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: count }, () =>
      choices.next() < 0.08 ? 0 : (0.6 + choices.next() * 0.8) * (choices.next() < 0.5 ? -1 : 1),
    );
    return torch.tensor(values).reshape(shape);
  };
}

describe.skipIf(!ready)('cumsum and cumprod on webgpu agree with the CPU', () => {
  for (const op of OPS) {
    it(`${op}: random shapes, dims and layouts, forward and backward`, async () => {
      const choices = new Choices(op.length * 131);
      for (let round = 0; round < 16; round++) {
        const shape = choices.shape(0, 4, 7);
        const dim = shape.length === 0 ? choices.pick([0, -1]) : choices.int(-shape.length, shape.length - 1);
        const layout = choices.pick(LAYOUTS);
        const x = pair(shape, layout, valuesFor(op, choices), { requiresGrad: true, choices });
        await agreeAccumulated(`${op} dim ${dim} of [${shape}] ${layout}`, (v) => v[op](dim), [x]);
      }
    });

    it(`${op}: long lines along the last dim and along the first`, async () => {
      const choices = new Choices(op.length * 17);
      for (const [shape, dim, layout] of [
        [[3, 2000], 1, 'contiguous'],
        [[1500, 6], 0, 'contiguous'],
        [[5, 1200], 1, 'permuted'],
        [[2, 3, 900], 2, 'strided'],
      ] as const) {
        const x = pair(shape, layout, valuesFor(op, choices), { requiresGrad: true, choices });
        await agreeAccumulated(`${op} of [${shape}] ${layout} along dim ${dim}`, (v) => v[op](dim), [x]);
      }
    });

    it(`${op}: int32 and bool, exactly`, async () => {
      const choices = new Choices(op.length * 7);
      for (let round = 0; round < 8; round++) {
        const shape = choices.shape(1, 3, 6);
        const dim = choices.int(0, shape.length - 1);
        const x = torch.randint(-4, 5, shape, { dtype: 'int32' });
        await expectAgree(`${op} int32 dim ${dim} of [${shape}]`, x.to('webgpu')[op](dim), x[op](dim), EXACT);
        const mask = x.gt(0);
        await expectAgree(`${op} bool dim ${dim} of [${shape}]`, mask.to('webgpu')[op](dim), mask[op](dim), EXACT);
      }
    });

    it(`${op}: NaN and infinities propagate as on the CPU`, async () => {
      const x = torch.tensor([
        [1, NaN, 2, 3],
        [Infinity, 1, -Infinity, 2],
        [0, Infinity, 2, 1],
        // Partial results stay within float32's range: past it the CPU's float64 accumulator would
        // come back (as PyTorch's CPU kernel does) where the GPU's float32 one stays infinite.
        [3e38, -3e38, 3e38, 1],
        [-0, 0, -0, 2],
      ]);
      for (const dim of [0, 1]) await expectAgree(`${op} dim ${dim}`, x.to('webgpu')[op](dim), x[op](dim), { rtol: 1e-6 });
    });
  }

  it('a cumsum of 20000 terms stays within 2e-7 of a float64 reference (compensated sums)', async () => {
    const x = torch.randn(20000);
    const got = await x.to('webgpu').cumsum(0).data();
    let exact = 0;
    let worst = 0;
    let largest = 0;
    x.dataSync().forEach((v, i) => {
      exact += v;
      largest = Math.max(largest, Math.abs(exact));
      worst = Math.max(worst, Math.abs(got[i] - exact));
    });
    // Each output is the exact running sum rounded once to float32: within half an ulp of it.
    expect(worst / largest).toBeLessThan(2e-7);
  });
});
