// nn.utils.clipGradNorm_ and clipGradValue_ against PyTorch 1.13 (the "clip" cases of
// test/fixtures/optim.json, written by test/fixtures/optim_fixtures.py) on cpu and webgpu, and their
// edge cases.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices, expectRaises } from '../helpers/devices.js';
import { expectTensorClose, type TensorData, tensorOn } from '../helpers/fixtures.js';

const { nn } = torch;

interface ClipCase {
  name: string;
  grads: TensorData[];
  maxNorm: number;
  normType: number | 'inf';
  totalNorm: TensorData;
  clipped: TensorData[];
}

const cases = (JSON.parse(readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8')) as { clip: ClipCase[] }).clip;

/** Parameters on `device` whose gradients are the fixture's. */
function withGrads(grads: readonly TensorData[], device = 'cpu'): torch.Tensor[] {
  return grads.map((g) => {
    const p = torch.zeros(g.shape, { requiresGrad: true, device });
    p.grad = torch.keep(tensorOn(g, device));
    return p;
  });
}

/** Norms and clipped gradients are float32 on both sides, reduced in another order: relative 1e-6. */
const TOLERANCE = { rtol: 1e-6, atol: 1e-12 };

for (const device of devices) {
  describe(`clipGradNorm_ matches PyTorch 1.13 (${device})`, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const params = withGrads(c.grads, device);
      const total = nn.utils.clipGradNorm_(params, c.maxNorm, { normType: c.normType === 'inf' ? Infinity : c.normType });
      expect(total.shape).toEqual([]);
      expect(total.device).toBe(device);
      await expectTensorClose('total norm', total, c.totalNorm, TOLERANCE);
      for (const [i, p] of params.entries()) await expectTensorClose(`clipped gradient ${i}`, p.grad!, c.clipped[i], TOLERANCE);
    });
  });
}

describe('gradient clipping', () => {
  it('skips parameters without gradients, and returns 0 when there are none', () => {
    const withGrad = torch.zeros([2], { requiresGrad: true });
    withGrad.grad = torch.keep(torch.tensor([3, 4]));
    const without = torch.zeros([2], { requiresGrad: true });
    expect(nn.utils.clipGradNorm_([withGrad, without], 1).itemSync()).toBe(5);
    expect(withGrad.grad.tolistSync()).toEqual([Math.fround(3 / (5 + 1e-6)), Math.fround(4 / (5 + 1e-6))]);
    expect(without.grad).toBeNull();
    expect(nn.utils.clipGradNorm_([without], 1).itemSync()).toBe(0);
    expect(nn.utils.clipGradNorm_(withGrad, 10).itemSync()).toBeCloseTo(1, 6);
  });

  for (const device of devices) {
    it(`refuses a non-finite norm only when asked to, leaving the gradients as they are (${device})`, async () => {
      const message =
        "clipGradNorm_: the total norm of order 2 for gradients from 'parameters' is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite to false";
      for (const bad of [Infinity, NaN]) {
        const p = torch.zeros([2], { requiresGrad: true, device });
        p.grad = torch.keep(torch.tensor([bad, 1], { device }));
        await expectRaises(device, () => nn.utils.clipGradNorm_([p], 1, { errorIfNonfinite: true }), message);
        expect(await p.grad.tolist()).toEqual([bad, 1]);
        expect(await nn.utils.clipGradNorm_([p], 1).item()).toBe(bad);
      }
      const finite = torch.zeros([2], { requiresGrad: true, device });
      finite.grad = torch.keep(torch.tensor([3, 4], { device }));
      expect(await nn.utils.clipGradNorm_([finite], 1, { errorIfNonfinite: true }).item()).toBe(5);
      expect(await finite.grad.tolist()).toEqual([Math.fround(3 / (5 + 1e-6)), Math.fround(4 / (5 + 1e-6))]);
    });
  }

  it('frees its temporaries: only the returned norm remains', () => {
    const params = withGrads(cases[0].grads);
    const before = torch.memory();
    const total = nn.utils.clipGradNorm_(params, 0.5);
    expect(torch.memory().tensors).toBe(before.tensors + 1);
    total.dispose();
    expect(torch.memory()).toEqual(before);
  });

  for (const device of devices) {
    it(`clipGradValue_ clamps every gradient in place (${device})`, async () => {
      const a = torch.zeros([3], { requiresGrad: true, device });
      const b = torch.zeros([2], { requiresGrad: true, device });
      a.grad = torch.keep(torch.tensor([-3, 0.5, 2], { device }));
      b.grad = torch.keep(torch.tensor([0.1, -0.2], { device }));
      const grad = a.grad;
      nn.utils.clipGradValue_([a, b], 1);
      expect(a.grad).toBe(grad);
      expect(await a.grad.tolist()).toEqual([-1, 0.5, 1]);
      expect(await b.grad.tolist()).toEqual([0.1, -0.2].map(Math.fround));
    });
  }

  it('names bad arguments', () => {
    expect(() => nn.utils.clipGradNorm_([torch.zeros([1])], 'x' as unknown as number)).toThrow(
      "clipGradNorm_: maxNorm must be a number, got string 'x'",
    );
    expect(() => nn.utils.clipGradValue_([null as unknown as torch.Tensor], 1)).toThrow(
      'clipGradValue_: parameters must be Tensors, but parameters[0] is null',
    );
  });
});
