// The PyTorch 1.13 op fixtures of test/ops/parity.test.ts, run on WebGPU: the same cases, built on
// the 'webgpu' device (the default device while they run), with the same tolerances.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { expectCaseMatches, FAMILIES, loadCases, runCase } from '../helpers/fixtures.js';
import { webgpuReady } from './gpu.js';

const ready = await webgpuReady();

describe.skipIf(!ready)('parity with PyTorch 1.13 on webgpu', () => {
  beforeAll(() => torch.setDefaultDevice('webgpu'));
  afterAll(() => torch.setDefaultDevice('cpu'));

  for (const family of FAMILIES) {
    describe(family, () => {
      for (const c of loadCases(family)) {
        it(c.name, async () => {
          const result = runCase(c);
          const tensors = [...result.outputs, ...(result.grads ?? [])].filter((t): t is torch.Tensor => t !== null);
          for (const t of tensors) expect(t.device).toBe('webgpu');
          const values = new Map(await Promise.all(tensors.map(async (t) => [t, await t.data()] as const)));
          expectCaseMatches(c, result, (t) => values.get(t)!);
        });
      }
    });
  }
});
