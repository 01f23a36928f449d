// interpolate, unfold/fold, normalize and the distances beyond their PyTorch fixtures
// (test/fixtures/ops/functional.json, both devices, with gradcheck): the modules' printing (as
// PyTorch 1.13 prints them), fold as unfold's adjoint, and the errors.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

const { nn } = torch;
const F = nn.functional;

describe('modules', () => {
  it('print as PyTorch 1.13 prints them', () => {
    expect(String(new nn.Upsample({ scaleFactor: 2 }))).toBe('Upsample(scale_factor=2.0, mode=nearest)');
    expect(String(new nn.Upsample({ size: [3, 4], mode: 'bilinear' }))).toBe('Upsample(size=(3, 4), mode=bilinear)');
    expect(String(new nn.Upsample(5))).toBe('Upsample(size=5, mode=nearest)');
    expect(String(new nn.Unfold(2, { padding: 1 }))).toBe('Unfold(kernel_size=2, dilation=1, padding=1, stride=1)');
    expect(String(new nn.Fold([4, 5], 2))).toBe('Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)');
  });

  it('Upsample, Unfold and Fold compute what the functions do', () => {
    const image = torch.randn(2, 3, 4, 5);
    expect(new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }).forward(image).tolistSync()).toEqual(
      F.interpolate(image, { scaleFactor: 2, mode: 'bilinear' }).tolistSync(),
    );
    const columns = new nn.Unfold([2, 3], { stride: [1, 2] }).forward(image);
    expect(columns.shape).toEqual([2, 18, 6]);
    expect(new nn.Fold([4, 5], [2, 3], { stride: [1, 2] }).forward(columns).shape).toEqual([2, 3, 4, 5]);
  });
});

describe('fold is the adjoint of unfold', () => {
  it("<unfold(x), y> equals <x, fold(y)>, so each is the other's gradient", () => {
    const x = torch.randn(1, 2, 5, 6);
    const options = { dilation: [1, 2] as [number, number], padding: 1, stride: 2 };
    const columns = F.unfold(x, 2, options);
    const y = torch.randn(...columns.shape);
    const left = columns.mul(y).sum().itemSync() as number;
    const right = x
      .mul(F.fold(y, [5, 6], 2, options))
      .sum()
      .itemSync() as number;
    expect(Math.abs(left - right)).toBeLessThan(1e-4 * Math.max(1, Math.abs(left)));
  });
});

describe('errors name the op, the argument and the shapes', () => {
  it('interpolate', () => {
    const x = torch.ones(1, 2, 3);
    expect(() => F.interpolate(x, { scaleFactor: 2, mode: 'bilinear' })).toThrow(
      'interpolate: got 3D input, but bilinear mode needs 4D input',
    );
    expect(() => F.interpolate(x, { scaleFactor: 2, alignCorners: true })).toThrow(
      'interpolate: alignCorners can only be set with the interpolating modes linear and bilinear',
    );
    expect(() => F.interpolate(x)).toThrow('interpolate: give exactly one of size and scaleFactor, got neither');
    expect(() => F.interpolate(x, 4, 2)).toThrow('interpolate: give exactly one of size and scaleFactor, got both');
    expect(() => F.interpolate(torch.ones(1, 1, 2, 2), { size: [3, 3, 3] })).toThrow(
      'interpolate: size must have one entry per spatial dim (2) of input shape [1, 1, 2, 2], got an array [3, 3, 3]',
    );
    expect(() => F.interpolate(x, { size: 4, mode: 'bicubic' as never })).toThrow(
      "interpolate: mode must be one of 'nearest', 'linear', 'bilinear', got string 'bicubic'",
    );
    expect(() => F.interpolate(x, { scale_factor: 2 } as never)).toThrow(
      "interpolate: unknown option 'scale_factor'; did you mean 'scaleFactor'?",
    );
    expect(() => F.interpolate(torch.ones(2, 3), 4)).toThrow(
      'interpolate: input must be 3-D (N, C, L) or 4-D (N, C, H, W), got shape [2, 3]',
    );
  });

  it('unfold and fold', () => {
    expect(() => F.unfold(torch.ones(1, 2, 3, 3), 5)).toThrow(
      'unfold: given spatial size (3, 3), kernelSize (5, 5), dilation (1, 1) and padding (0, 0), the array of sliding blocks would be (-1, -1), but its components must be at least one',
    );
    expect(() => F.fold(torch.ones(1, 13, 16), [5, 5], 2)).toThrow(
      "fold: the input's dimension 1 (13) must be divisible by the product of kernelSize (2 * 2), input shape [1, 13, 16]",
    );
    expect(() => F.fold(torch.ones(1, 12, 15), [5, 5], 2)).toThrow(
      'fold: for outputSize (5, 5) the input needs 4 * 4 = 16 sliding blocks in its last dimension, got 15 (input shape [1, 12, 15])',
    );
    expect(() => F.unfold(torch.ones(1, 1, 3, 3), 2, { stride: 0 })).toThrow('unfold: stride must be positive, got (0, 0)');
    expect(() => F.unfold(torch.ones(1, 1, 3, 3), [2, 2, 2] as never)).toThrow(
      'unfold: kernelSize must be an integer or a pair of integers, got an array [2, 2, 2]',
    );
  });

  it('the distances', () => {
    expect(() => F.cosineSimilarity(torch.ones(2, 3), torch.ones(2, 4))).toThrow(/cosineSimilarity: .*\[2, 3\].*\[2, 4\]/);
    expect(() => F.normalize(torch.ones(2, 3), 2, 2)).toThrow(/norm: dim 2 is out of range/);
  });
});
