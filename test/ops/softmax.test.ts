import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { expectMatchesPyTorch, loadSoftmaxSortCases } from '../helpers/softmax-sort-fixtures.js';

describe('softmax and logSoftmax against PyTorch 1.13', () => {
  for (const c of loadSoftmaxSortCases(['softmax', 'logSoftmax'])) {
    it(c.name, () => expectMatchesPyTorch(c, { rtol: 1e-5, atol: 1e-7 }));
  }
});

/** Deterministic inputs in [-2, 2) so gradcheck failures reproduce. */
function input(shape: number[], seed: number): torch.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  let state = seed;
  const values = Float32Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 4 - 2;
  });
  return torch.tensor(values).reshape(shape);
}

describe('softmax and logSoftmax gradients by finite differences', () => {
  // The projected objective sums dozens of log-probabilities of magnitude ~2 in float32: a step
  // of 1e-2 keeps its rounding (ulp(100) / 2 eps) below gradcheck's tolerance.
  const options = { eps: 1e-2 };
  const cases: [string, number[], number, (x: torch.Tensor) => torch.Tensor][] = [
    ['a row of 7', [2, 7], -1, (x) => x],
    ['dim 0 of a matrix', [5, 6], 0, (x) => x],
    ['the middle dim of a 3-D tensor', [2, 5, 3], 1, (x) => x],
    ['a transposed input', [6, 4], 1, (x) => x.t()],
    ['a permuted input along its last dim', [3, 4, 5], -1, (x) => x.permute(2, 0, 1)],
    ['an expanded (stride 0) input', [3, 1], 1, (x) => x.expand(3, 5)],
  ];
  for (const [name, shape, dim, view] of cases) {
    for (const op of ['softmax', 'logSoftmax'] as const) {
      it(`${op}: ${name}`, async () => {
        const x = input(shape, shape.length * 31 + dim).requiresGrad_();
        const fn = op === 'softmax' ? torch.softmax : torch.logSoftmax;
        expect(await torch.autograd.gradcheck((a) => fn(view(a), dim), [x], options)).toBe(true);
      });
    }
  }

  it('reaches the input through a non-trivial downstream gradient', async () => {
    const x = input([4, 9], 5).requiresGrad_();
    const w = input([4, 9], 6);
    expect(await torch.autograd.gradcheck((a) => torch.softmax(a, 1).mul(w).logSoftmax(0), [x], options)).toBe(true);
  });
});

describe('softmax semantics', () => {
  it('rows sum to one and match exp(x - logsumexp(x))', async () => {
    const x = input([3, 11], 9);
    const sums = (await torch.softmax(x, 1).sum(1).tolist()) as number[];
    for (const s of sums) expect(s).toBeCloseTo(1, 6);
    const reference = x.sub(x.logsumexp(1, { keepdim: true }));
    const got = torch.logSoftmax(x, 1).dataSync();
    reference.dataSync().forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-6));
  });

  it('is stable for large inputs', async () => {
    expect(await torch.softmax(torch.tensor([1000, 1001]), 0).tolist()).toEqual([
      expect.closeTo(0.2689414, 6),
      expect.closeTo(0.7310586, 6),
    ]);
    expect(await torch.logSoftmax(torch.tensor([-1000, 0]), 0).tolist()).toEqual([-1000, 0]);
  });

  it('gives -inf entries probability 0 and all -inf rows NaN', async () => {
    const x = torch.tensor([
      [0, -Infinity, 0],
      [-Infinity, -Infinity, -Infinity],
    ]);
    expect(await torch.softmax(x, 1).tolist()).toEqual([
      [0.5, 0, 0.5],
      [NaN, NaN, NaN],
    ]);
    expect(await torch.logSoftmax(x, 1).tolist()).toEqual([[-Math.LN2, -Infinity, -Math.LN2].map(Math.fround), [NaN, NaN, NaN]]);
  });

  it('works on 0-d and empty tensors', async () => {
    expect(await torch.softmax(torch.tensor(3), 0).item()).toBe(1);
    expect(await torch.logSoftmax(torch.tensor(3), -1).item()).toBe(0);
    expect(torch.softmax(torch.zeros(0, 4), 1).shape).toEqual([0, 4]);
  });

  it('is a Tensor method and converts with { dtype }', async () => {
    const x = torch.tensor([[1, 2]]);
    expect(await x.softmax(-1).tolist()).toEqual(await torch.softmax(x, -1).tolist());
    const ints = torch.tensor([1, 2], { dtype: 'int32' });
    expect(await torch.softmax(ints, 0, { dtype: 'float32' }).tolist()).toEqual(await torch.softmax(torch.tensor([1, 2]), 0).tolist());
  });

  it('records SoftmaxBackward0 and LogSoftmaxBackward0', () => {
    const x = torch.ones(2, 2, { requiresGrad: true });
    expect(torch.softmax(x, 1).gradFn!.name).toBe('SoftmaxBackward0');
    expect(torch.logSoftmax(x, 1).gradFn!.name).toBe('LogSoftmaxBackward0');
  });

  it('frees its temporaries', () => {
    const x = input([4, 6], 3).t().requiresGrad_();
    const before = torch.memory();
    torch.scope(() => torch.softmax(x, 0).sum().backward());
    x.grad!.dispose();
    x.grad = null;
    expect(torch.memory()).toEqual(before);
  });
});

describe('softmax errors', () => {
  it('rejects int inputs', () => {
    expect(() => torch.softmax(torch.tensor([1, 2], { dtype: 'int32' }), 0)).toThrow(/softmax: input must be float32, got int32/);
  });

  it('rejects a dim out of range', () => {
    expect(() => torch.logSoftmax(torch.ones(2, 3), 2)).toThrow(/logSoftmax: dim 2 is out of range/);
  });

  it('requires a dim', () => {
    expect(() => (torch.softmax as (x: torch.Tensor) => torch.Tensor)(torch.ones(2))).toThrow(/softmax: dim is required/);
  });
});
