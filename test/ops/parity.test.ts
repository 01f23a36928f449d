// Forward values and gradients of the core ops against PyTorch 1.13 (test/fixtures/ops/*.json, written
// by test/fixtures/generate_ops.py). Every case runs through the public API: inputs are built from the
// fixture (transposed, strided or expanded views where the case says so), the op is called as
// `torch.op(...)` or `input.op(...)`, and gradients w.r.t. the base inputs come from
// torch.autograd.grad with the fixture's random upstream gradients. The tolerances, and why, are in
// test/helpers/fixtures.ts; test/webgpu/parity.test.ts runs the same cases on WebGPU.
import { describe, it } from 'vitest';
import * as torch from '../../src/index.js';
import { expectCaseMatches, FAMILIES, loadCases, runCase } from '../helpers/fixtures.js';

for (const family of FAMILIES) {
  describe(`parity with PyTorch 1.13: ${family}`, () => {
    for (const c of loadCases(family)) {
      it(c.name, () => {
        torch.scope(() => expectCaseMatches(c, runCase(c), (t) => t.dataSync()));
      });
    }
  });
}
