// Finite-difference checks of autograd (torch.autograd.gradcheck, float32 defaults: eps 1e-3,
// atol 1e-3, rtol 1e-2). Every differentiable fixture case of test/fixtures/ops/*.json is checked on
// its own inputs and views (broadcast, transposed, strided, expanded), so each differentiable op is
// covered on at least three shapes; the generator keeps those inputs away from kinks and ties, and
// marks the few cases placed on one on purpose (`gradcheck: false`). Composite chains follow.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { applyTransform, buildInputs, FAMILIES, loadCases, runOp } from '../helpers/fixtures.js';

type Tensor = torch.Tensor;

for (const family of FAMILIES) {
  const cases = loadCases(family).filter((c) => c.expected.grads && c.gradcheck !== false);
  if (cases.length === 0) continue;
  describe(`gradcheck: ${family}`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const { leaves } = buildInputs(c);
        // Views are taken inside fn, so the perturbations gradcheck writes into the leaves reach them.
        const fn = (...bases: Tensor[]) => {
          const outputs = runOp(
            c,
            bases.map((base, i) => applyTransform(base, c.inputs[i].transform)),
          );
          return outputs.filter((out) => out.dtype === 'float32');
        };
        expect(await torch.autograd.gradcheck(fn, leaves)).toBe(true);
      });
    }
  });
}

/** Deterministic inputs in [lo, hi), so failures reproduce. */
function uniform(shape: number[], lo: number, hi: number, seed: number): Tensor {
  let state = seed >>> 0;
  const count = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * state) / 2 ** 32;
  });
  return torch.tensor(values).reshape(shape).requiresGrad_(true);
}

describe('gradcheck: composite chains', () => {
  it('a * b summed over a dim, through exp and a broadcast divide', async () => {
    const a = uniform([3, 4], -1, 1, 1);
    const b = uniform([4], -1, 1, 2);
    const c = uniform([3], 0.5, 1.5, 3);
    expect(await torch.autograd.gradcheck((x, y, z) => x.mul(y).sum(1).exp().div(z), [a, b, c])).toBe(true);
  });

  it('log-softmax written with logsumexp, on a transposed input', async () => {
    const x = uniform([5, 3], -2, 2, 4);
    expect(
      await torch.autograd.gradcheck(
        (v) => {
          const logits = v.t();
          return logits.sub(logits.logsumexp(1, { keepdim: true }));
        },
        [x],
      ),
    ).toBe(true);
  });

  it('a two-layer perceptron: matmul, bias, tanh, matmul, mean', async () => {
    const input = uniform([4, 3], -1, 1, 5);
    const w1 = uniform([3, 5], -1, 1, 6);
    const b1 = uniform([5], -0.5, 0.5, 7);
    const w2 = uniform([5, 2], -1, 1, 8);
    expect(await torch.autograd.gradcheck((x, u, c, v) => x.matmul(u).add(c).tanh().matmul(v).mean(0), [input, w1, b1, w2])).toBe(true);
  });

  it('standardisation: (x - mean) / std along a dim, of a strided view', async () => {
    const x = uniform([4, 6], -2, 2, 9);
    expect(
      await torch.autograd.gradcheck(
        (v) => {
          const strided = v.view(4, 3, 2).select(2, 1);
          return strided.sub(strided.mean(1, { keepdim: true })).div(strided.std(1, { keepdim: true }));
        },
        [x],
      ),
    ).toBe(true);
  });

  it('cat and stack of views, reduced with max and a sigmoid gate', async () => {
    const a = uniform([2, 3], -1, 1, 10);
    const b = uniform([3, 2], -1, 1, 11);
    expect(
      await torch.autograd.gradcheck(
        (x, y) => {
          const joined = torch.cat([x, y.t()], 0);
          const gated = torch.stack([joined.sigmoid(), joined.mul(2)], -1);
          return gated.max(-1).values.pow(2).sum();
        },
        [a, b],
      ),
    ).toBe(true);
  });

  it('a tensor used twice: gradients from both uses add up', async () => {
    const x = uniform([3, 3], 0.5, 1.5, 12);
    expect(await torch.autograd.gradcheck((v) => v.mul(v.t()).log().add(v.sqrt()).sum(0), [x])).toBe(true);
  });
});
