// nn.utils.clipGradNorm_ and clipGradValue_ against PyTorch 1.13 (the "clip" cases of
// test/fixtures/optim.json, written by test/fixtures/optim_fixtures.py), and their edge cases.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { type TensorData, decode, tensorFrom } from '../helpers/fixtures.js';

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

function withGrads(grads: readonly TensorData[]): torch.Tensor[] {
  return grads.map((g) => {
    const p = torch.zeros(g.shape, { requiresGrad: true });
    p.grad = torch.keep(tensorFrom(g));
    return p;
  });
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], rtol: number): void {
  expected.forEach((e, i) => expect(Math.abs(actual[i] - e)).toBeLessThanOrEqual(rtol * Math.abs(e) + 1e-12));
}

describe('clipGradNorm_ matches PyTorch 1.13', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const params = withGrads(c.grads);
    const total = nn.utils.clipGradNorm_(params, c.maxNorm, { normType: c.normType === 'inf' ? Infinity : c.normType });
    expect(total.shape).toEqual([]);
    expectClose(total.dataSync(), decode(c.totalNorm.data), 1e-6);
    params.forEach((p, i) => expectClose(p.grad!.dataSync(), decode(c.clipped[i].data), 1e-6));
  });
});

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

  it('refuses a non-finite norm only when asked to', () => {
    const p = torch.zeros([2], { requiresGrad: true });
    p.grad = torch.keep(torch.tensor([Infinity, 1]));
    expect(() => nn.utils.clipGradNorm_([p], 1, { errorIfNonfinite: true })).toThrow("clipGradNorm_: the total norm of order 2 for gradients from 'parameters' is non-finite, so it cannot be clipped");
    expect(p.grad.tolistSync()).toEqual([Infinity, 1]);
    expect(nn.utils.clipGradNorm_([p], 1).itemSync()).toBe(Infinity);
  });

  it('frees its temporaries: only the returned norm remains', () => {
    const params = withGrads(cases[0].grads);
    const before = torch.memory();
    const total = nn.utils.clipGradNorm_(params, 0.5);
    expect(torch.memory().tensors).toBe(before.tensors + 1);
    total.dispose();
    expect(torch.memory()).toEqual(before);
  });

  it('clipGradValue_ clamps every gradient in place', () => {
    const a = torch.zeros([3], { requiresGrad: true });
    const b = torch.zeros([2], { requiresGrad: true });
    a.grad = torch.keep(torch.tensor([-3, 0.5, 2]));
    b.grad = torch.keep(torch.tensor([0.1, -0.2]));
    const grad = a.grad;
    nn.utils.clipGradValue_([a, b], 1);
    expect(a.grad).toBe(grad);
    expect(a.grad.tolistSync()).toEqual([-1, 0.5, 1]);
    expect(b.grad.tolistSync()).toEqual([0.1, -0.2].map(Math.fround));
  });

  it('names bad arguments', () => {
    expect(() => nn.utils.clipGradNorm_([torch.zeros([1])], 'x' as unknown as number)).toThrow('clipGradNorm_: maxNorm must be a number, got x');
    expect(() => nn.utils.clipGradValue_([null as unknown as torch.Tensor], 1)).toThrow('clipGradValue_: parameters must be Tensors, but parameters[0] is null');
  });
});
