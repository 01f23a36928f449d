// Runs the cases of test/fixtures/softmax_sort.json (written by softmax_sort_fixtures.py in the
// format of generate_ops.py) through the public API and compares values and gradients with PyTorch.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import * as torch from '../../src/index.js';
import { buildInputs, decode, type OpCase, runOp, type TensorData, tensorFrom } from './fixtures.js';

export function loadSoftmaxSortCases(ops: readonly string[]): OpCase[] {
  const url = new URL('../fixtures/softmax_sort.json', import.meta.url);
  const cases = (JSON.parse(readFileSync(url, 'utf8')) as { cases: OpCase[] }).cases;
  return cases.filter((c) => ops.includes(c.op));
}

/** `|actual - expected| <= rtol * |expected| + atol`; NaN matches NaN, infinities match exactly. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

function expectClose(what: string, actual: torch.Tensor, expected: TensorData, tolerance: Tolerance): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  if (expected.dtype) expect(actual.dtype, `${what}: dtype`).toBe(expected.dtype);
  const got = actual.dataSync();
  const want = decode(expected.data).map((v) => (actual.dtype === 'float32' ? Math.fround(v) : v));
  const failures: string[] = [];
  want.forEach((b, i) => {
    const a = got[i];
    const ok = Number.isNaN(b)
      ? Number.isNaN(a)
      : !Number.isFinite(b)
        ? a === b
        : Math.abs(a - b) <= tolerance.rtol * Math.abs(b) + tolerance.atol;
    if (!ok) failures.push(`[${i}] got ${a}, PyTorch ${b}`);
  });
  expect(failures, `${what}: ${failures.length} of ${want.length} elements differ`).toEqual([]);
}

/**
 * Checks a case's outputs with `forward` and its gradients with rtol 1e-5 plus a floor of 2 ulp of
 * the largest upstream gradient (where the backward cancels, as y * (g - sum(g * y)) does for an
 * element whose g is near the weighted mean, a relative bound on a result near 0 is meaningless).
 */
export function expectMatchesPyTorch(c: OpCase, forward: Tolerance): void {
  torch.scope(() => {
    const { leaves, operands } = buildInputs(c);
    const outputs = runOp(c, operands);
    expect(outputs.length, 'number of outputs').toBe(c.expected.outputs.length);
    outputs.forEach((out, k) =>
      expectClose(`output ${k}`, out, c.expected.outputs[k], out.dtype === 'float32' ? forward : { rtol: 0, atol: 0 }),
    );
    if (!c.expected.grads) return;
    const differentiable = outputs.filter((_, k) => c.gradOutputs![k]);
    const upstream = c.gradOutputs!.filter((g): g is TensorData => g !== null).map((g) => tensorFrom(g));
    const withGrad = leaves.filter((leaf) => leaf.requiresGrad);
    const grads = torch.autograd.grad(differentiable, withGrad, { gradOutputs: upstream });
    const largest = Math.max(1, ...upstream.flatMap((g) => Array.from(g.dataSync(), Math.abs)));
    withGrad.forEach((leaf, k) => {
      const index = leaves.indexOf(leaf);
      expectClose(`gradient of input ${index}`, grads[k]!, c.expected.grads![index]!, { rtol: 1e-5, atol: 2 ** -22 * largest });
    });
  });
}
