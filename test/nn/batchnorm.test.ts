// F.batchNorm and nn.BatchNorm1d/2d: PyTorch 1.13 parity (test/fixtures/nn_conv.json) for
// training and evaluation, running statistics, momentum null (cumulative average), no affine and
// untracked statistics, on cpu and webgpu; gradient checks, state_dict keys, printing and errors.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';
import { checkFunctionalCase, checkModuleCase, functionalCases, moduleCases } from '../helpers/nn-conv-fixtures.js';

const { nn } = torch;
const F = nn.functional;

for (const device of devices) {
  describe(`batch norm parity with PyTorch 1.13 (${device})`, () => {
    for (const c of functionalCases('batchNorm')) it(c.name, () => checkFunctionalCase(c, device));
    for (const c of moduleCases('BatchNorm')) it(`nn.${c.name}`, () => checkModuleCase(c, device));
  });
}

/** Deterministic values in [-1, 1). */
function uniform(shape: number[], seed: number): torch.Tensor {
  let state = seed >>> 0;
  const count = shape.reduce((a, b) => a * b, 1);
  return torch
    .tensor(
      Float32Array.from({ length: count }, () => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return state / 2 ** 31 - 1;
      }),
    )
    .reshape(shape);
}

describe('batch norm gradcheck', () => {
  it('training statistics', async () => {
    const x = uniform([3, 2, 4], 1).requiresGrad_();
    const w = uniform([2], 2).add(2).requiresGrad_();
    const b = uniform([2], 3).requiresGrad_();
    expect(await torch.autograd.gradcheck((input, weight, bias) => F.batchNorm(input, null, null, weight, bias, true), [x, w, b])).toBe(
      true,
    );
  });

  it('running statistics', async () => {
    const x = uniform([2, 3, 2, 2], 4).requiresGrad_();
    const w = uniform([3], 5).requiresGrad_();
    const mean = uniform([3], 6);
    const variance = uniform([3], 7).add(1.5);
    expect(await torch.autograd.gradcheck((input, weight) => F.batchNorm(input, mean, variance, { weight, eps: 1e-3 }), [x, w])).toBe(true);
  });
});

describe('nn.BatchNorm1d and nn.BatchNorm2d', () => {
  it('print like PyTorch and keep PyTorch state_dict keys', () => {
    const bn = new nn.BatchNorm2d(16);
    expect(String(bn)).toBe('BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)');
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(bn.num_batches_tracked!.dtype).toBe('int32');
    expect(String(new nn.BatchNorm1d(4, { momentum: null, affine: false, trackRunningStats: false }))).toBe(
      'BatchNorm1d(4, eps=1e-05, momentum=None, affine=False, track_running_stats=False)',
    );
    expect(Object.keys(new nn.BatchNorm1d(4, { affine: false, trackRunningStats: false }).stateDict())).toEqual([]);
  });

  for (const device of devices) {
    it(`starts at weight 1, bias 0, mean 0, variance 1 (${device})`, async () => {
      const bn = new nn.BatchNorm1d(3, { device });
      expect(bn.running_mean!.device).toBe(device);
      expect(await bn.weight!.tolist()).toEqual([1, 1, 1]);
      expect(await bn.bias!.tolist()).toEqual([0, 0, 0]);
      expect(await bn.running_mean!.tolist()).toEqual([0, 0, 0]);
      expect(await bn.running_var!.tolist()).toEqual([1, 1, 1]);
      expect(await bn.num_batches_tracked!.item()).toBe(0);
    });

    it(`counts batches in training only, and resets (${device})`, async () => {
      const bn = new nn.BatchNorm1d(2).to(device);
      torch.scope(() => {
        bn.forward(uniform([4, 2], 8).to(device));
        bn.forward(uniform([4, 2], 9).to(device));
        bn.eval().forward(uniform([4, 2], 10).to(device));
      });
      expect(await bn.num_batches_tracked!.item()).toBe(2);
      bn.resetRunningStats();
      expect(await bn.num_batches_tracked!.item()).toBe(0);
      expect(await bn.running_var!.tolist()).toEqual([1, 1]);
    });

    it(`momentum null averages every batch equally, counting on the device (${device})`, async () => {
      const bn = new nn.BatchNorm1d(2, { momentum: null, affine: false }).to(device);
      const batches = [8, 9, 10].map((seed) => uniform([4, 2], seed));
      torch.scope(() => batches.forEach((x) => bn.forward(x.to(device))));
      const means = batches.map((x) => x.mean(0).tolistSync() as number[]);
      const expected = [0, 1].map((c) => (means[0][c] + means[1][c] + means[2][c]) / 3);
      ((await bn.running_mean!.tolist()) as number[]).forEach((m, c) => expect(m).toBeCloseTo(expected[c], 6));
    });
  }

  it('raises clear errors', () => {
    expect(() => new nn.BatchNorm2d(3).forward(torch.zeros(2, 3, 4))).toThrow(
      'BatchNorm2d: expected 4-D [N, C, H, W] input, got [2, 3, 4]',
    );
    expect(() => new nn.BatchNorm1d(3).forward(torch.zeros(2, 3, 4, 5))).toThrow(
      'BatchNorm1d: expected 2-D [N, C] or 3-D [N, C, L] input, got [2, 3, 4, 5]',
    );
    expect(() => new nn.BatchNorm1d(3).forward(torch.zeros(2, 4))).toThrow(
      "batchNorm: runningMean must have shape [4] (the input's channels), got [3]",
    );
    expect(() => new nn.BatchNorm1d(3).forward(torch.zeros(1, 3))).toThrow(
      'batchNorm: expected more than 1 value per channel when training, got input of shape [1, 3]',
    );
    expect(() => F.batchNorm(torch.zeros(2, 3), null, null)).toThrow(
      'batchNorm: runningMean and runningVar must be defined in evaluation mode',
    );
  });
});
