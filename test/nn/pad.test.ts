// F.pad: constant (any number of dims, negative amounts crop), reflect, replicate and circular,
// against PyTorch 1.13 (test/fixtures/nn_conv.json) on cpu and webgpu, with gradient checks and
// PyTorch's limits.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';
import { applyTransform } from '../helpers/fixtures.js';
import { buildFunctionalInputs, callFunctional, checkFunctionalCase, functionalCases } from '../helpers/nn-conv-fixtures.js';

const F = torch.nn.functional;

for (const device of devices) {
  describe(`pad parity with PyTorch 1.13 (${device})`, () => {
    for (const c of functionalCases('pad')) it(c.name, () => checkFunctionalCase(c, device));
  });
}

describe('pad gradcheck', () => {
  for (const c of functionalCases('pad')) {
    it(c.name, async () => {
      const { leaves } = buildFunctionalInputs(c);
      const fn = (...bases: torch.Tensor[]) =>
        callFunctional(
          c,
          bases.map((base, i) => applyTransform(base, c.inputs[i].transform)),
        );
      expect(await torch.autograd.gradcheck(fn, leaves)).toBe(true);
    });
  }
});

describe('pad forms and errors', () => {
  it('takes the mode positionally or in options', () => {
    const x = torch.tensor([[1, 2, 3]]);
    expect(F.pad(x, [2, 1], 'reflect').tolistSync()).toEqual([[3, 2, 1, 2, 3, 2]]);
    expect(F.pad(x, [1, 1], 'constant', 7).tolistSync()).toEqual([[7, 1, 2, 3, 7]]);
    expect(F.pad(x, [0, 2], { mode: 'replicate' }).tolistSync()).toEqual([[1, 2, 3, 3, 3]]);
    expect(F.pad(torch.tensor([[1, 2, 3]], { dtype: 'int32' }), [1, 0]).tolistSync()).toEqual([[0, 1, 2, 3]]);
  });

  it('refuses what PyTorch refuses', () => {
    const x = torch.zeros(2, 3, 4);
    expect(() => F.pad(x, [1])).toThrow('pad: padding length must be divisible by 2, got 1');
    expect(() => F.pad(x, [1, 1, 1, 1, 1, 1, 1, 1])).toThrow('pad: padding length too large');
    expect(() => F.pad(x, [4, 4], 'reflect')).toThrow(
      'pad: reflect padding (4, 4) must be less than the size 4 of dim 2 of input [2, 3, 4]',
    );
    expect(() => F.pad(x, [5, 0], 'circular')).toThrow('would wrap around dim 2 of size 4 more than once');
    expect(() => F.pad(torch.zeros(4), [1, 1], 'reflect')).toThrow(
      "pad: 'reflect' padding of the last 1 dim needs a 2-D or 3-D input, got input [4]",
    );
    expect(() => F.pad(torch.zeros(3, 4), [1, 1], 'circular')).toThrow('needs a 3-D input');
    expect(() => F.pad(x, [-3, -2])).toThrow('gives size -1, which is invalid');
    expect(() => F.pad(x, [1, 1], 'replicate', 2)).toThrow("padding mode 'replicate' doesn't take in value argument");
    expect(() => F.pad(x, [1, 1], 'wrap' as 'reflect')).toThrow("pad: unknown mode 'wrap'");
  });
});
