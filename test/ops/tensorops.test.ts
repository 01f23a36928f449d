// The tensor ops of issue 11 beyond test/fixtures/ops/tensorops.json (which checks their values and
// gradients against PyTorch 1.13 on both devices): their errors, and the calling forms fixtures
// cannot write.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

const x = () => torch.ones(2, 3);

describe('shape ops: errors name the op, the argument and the values', () => {
  it('flip and roll', () => {
    expect(() => torch.flip(x(), [2])).toThrow(/^flip: dim 2 is out of range for a tensor of 2 dimensions/);
    expect(() => torch.flip(x(), [0, -2])).toThrow('flip: dims [0, -2] name a dimension more than once');
    expect(() => x().flip()).toThrow("flip: missing the argument 'dims'");
    expect(() => torch.flip(x(), { dim: 0 } as never)).toThrow("flip: unknown option 'dim'; did you mean 'dims'?");
    expect(() => torch.roll(x(), [1, 2])).toThrow('roll: without dims, shifts must be a single integer, got [1, 2]');
    expect(() => torch.roll(x(), [1, 2], [0])).toThrow('roll: shifts and dims must align, got 2 shifts and 1 dims');
    expect(() => torch.roll(x(), 1, 3)).toThrow(/^roll: dim 3 is out of range/);
    expect(() => torch.roll(x(), 1.5 as never)).toThrow('roll: shifts must be an integer or an array of integers, got number 1.5');
  });

  it('repeat and tile', () => {
    expect(() => x().repeat(2)).toThrow(
      'repeat: number of dimensions of repeat dims can not be smaller than number of dimensions of tensor (repeats [2], tensor shape [2, 3])',
    );
    expect(() => x().repeat(2, -1)).toThrow('repeat: repeats must be non-negative integers, got [2, -1]');
    expect(() => torch.tile(x(), [-1])).toThrow('repeat: repeats must be non-negative integers, got [1, -1]');
  });

  it('repeatInterleave', () => {
    expect(() => torch.repeatInterleave(x(), -1)).toThrow('repeatInterleave: repeats must be non-negative, got -1');
    expect(() => torch.repeatInterleave(x(), torch.tensor([1, 2], { dtype: 'int32' }), 1)).toThrow(
      'repeatInterleave: repeats must have the same size as input along dim, got 2 repeats for 3 slices',
    );
    expect(() => torch.repeatInterleave(x(), torch.tensor([1, 2]), 0)).toThrow(
      'repeatInterleave: repeats must have dtype int32, got float32 (shape [2])',
    );
    expect(() => torch.repeatInterleave(x(), 2, 2)).toThrow(/^repeatInterleave: dim 2 is out of range/);
    expect(() => torch.repeatInterleave(x(), { repeat: 2 } as never)).toThrow(
      "repeatInterleave: unknown option 'repeat'; did you mean 'repeats'?",
    );
  });

  it('triu, tril and diag', () => {
    expect(() => torch.triu(torch.ones(3))).toThrow('triu: input tensor must have at least 2 dimensions, got shape [3]');
    expect(() => torch.ones(3).tril()).toThrow('tril: input tensor must have at least 2 dimensions, got shape [3]');
    expect(() => torch.triu(x(), 0.5)).toThrow('triu: diagonal must be an integer, got number 0.5');
    expect(() => torch.diag(torch.ones(2, 2, 2))).toThrow('diag: input must be 1-D or 2-D, got shape [2, 2, 2]');
    expect(() => torch.diag(x(), { offset: 1 } as never)).toThrow("diag: unknown option 'offset' (accepted: input, diagonal)");
  });
});

describe('shape ops: calling forms', () => {
  it('repeatInterleave with a count per slice, and repeat of a 0-d tensor', () => {
    const counts = torch.tensor([0, 2, 1], { dtype: 'int32' });
    expect(torch.arange(3).repeatInterleave(counts).tolistSync()).toEqual([1, 1, 2]);
    expect(torch.tensor(5).repeat(2, 2).tolistSync()).toEqual([
      [5, 5],
      [5, 5],
    ]);
  });

  it('flip takes dims as separate arguments on the method', () => {
    expect(torch.arange(4).reshape(2, 2).flip(0, 1).tolistSync()).toEqual([
      [3, 2],
      [1, 0],
    ]);
  });
});

describe('logical ops and products: errors', () => {
  it('isclose, allclose, any, all', () => {
    const ints = torch.tensor([1, 2], { dtype: 'int32' });
    expect(() => torch.isclose(torch.ones(2), ints)).toThrow(
      'isclose: input and other must have the same dtype, got float32 (shape [2]) and int32 (shape [2])',
    );
    expect(() => torch.isclose(torch.ones(2), torch.ones(2), -1)).toThrow('isclose: rtol must be greater than or equal to zero, got -1');
    expect(() => torch.allcloseSync(torch.ones(2), torch.ones(2), { atol: -1 })).toThrow(
      'allcloseSync: atol must be greater than or equal to zero, got -1',
    );
    expect(() => torch.isclose(torch.ones(2), torch.ones(2), { equal_nan: true } as never)).toThrow(
      "isclose: unknown option 'equal_nan'; did you mean 'equalNan'?",
    );
    expect(() => torch.ones(2, 3).any(2)).toThrow(/^any: dim 2 is out of range/);
    expect(() => torch.ones(2, 3).all([0, 1] as never)).toThrow('all: dim must be an integer or null, got');
  });

  it('dot and outer', () => {
    expect(() => torch.dot(torch.ones(2, 2), torch.ones(2))).toThrow('dot: 1-D tensors expected, got shapes [2, 2] and [2]');
    expect(() => torch.dot(torch.ones(2), torch.ones(3))).toThrow('dot: inconsistent tensor size, input has 2 elements and other 3');
    expect(() => torch.outer(torch.ones(2), torch.ones(2, 1))).toThrow('outer: 1-D tensors expected, got shapes [2] and [2, 1]');
    expect(() => torch.dot(torch.ones(2), torch.tensor([1, 2], { dtype: 'int32' }))).toThrow(
      'dot: input and other must have the same dtype, got float32 and int32',
    );
  });
});

describe('equal and allclose: one boolean, read asynchronously or, on the CPU, synchronously', () => {
  it('equal: same shape and equal elements, NaN unequal; other dtypes compare by value', async () => {
    const a = torch.tensor([1, 2, 3]);
    expect(await torch.equal(a, torch.tensor([1, 2, 3]))).toBe(true);
    expect(await a.equal(torch.tensor([1, 2, 4]))).toBe(false);
    expect(torch.equalSync(a, torch.tensor([1, 2]))).toBe(false);
    expect(a.equalSync(torch.tensor([1, 2, 3], { dtype: 'int32' }))).toBe(true);
    expect(torch.equalSync(torch.tensor([NaN]), torch.tensor([NaN]))).toBe(false);
  });

  it('allclose: isclose everywhere, with its tolerances positional or by name', async () => {
    const a = torch.tensor([1, NaN, 100]);
    const b = torch.tensor([1.000001, NaN, 100.001]);
    expect(await torch.allclose(a, b)).toBe(false);
    expect(await a.allclose(b, { equalNan: true })).toBe(true);
    expect(torch.allcloseSync(a, b, 0, 0, true)).toBe(false);
    expect(a.allcloseSync(b, 1e-5, 1e-8, { equalNan: true })).toBe(true);
  });
});

describe('amax, amin, max(a, b), log10, frac, atan2', () => {
  it('errors name the op, the argument and the values', () => {
    expect(() => torch.amax(torch.ones(2, 3), [0, -2])).toThrow('amax: dim [0, -2] names a dimension more than once');
    expect(() => torch.amin(torch.ones(2, 3), 2)).toThrow(/^amin: dim 2 is out of range/);
    expect(() => torch.amax(torch.ones(0, 3), 0)).toThrow(
      'amax: cannot reduce over dim 0 of size 0 (input shape [0, 3]); it has no identity',
    );
    expect(() => torch.ones(2).amin({ keepDim: true } as never)).toThrow("amin: unknown option 'keepDim'; did you mean 'keepdim'?");
    expect(() => torch.frac(torch.tensor([1, 2], { dtype: 'int32' }))).toThrow("frac: argument 'input' must have dtype float32, got int32");
    expect(() => torch.max(torch.ones(2), torch.ones(3))).toThrow(/^maximum: /);
    expect(() => torch.atan2(torch.ones(2), 1 as never)).toThrow('atan2: other must be a Tensor, got number 1');
    expect(() => torch.atan2(torch.ones(2), torch.ones(3))).toThrow(
      'atan2: the shapes of input [2] and other [3] cannot be broadcast together (size 2 vs 3 at dimension 0)',
    );
  });

  it('torch.max(a, b) and x.min(other) are maximum and minimum', () => {
    const a = torch.tensor([1, 5, -2]);
    const b = torch.tensor([3, 0, -2]);
    expect(torch.max(a, b).tolistSync()).toEqual([3, 5, -2]);
    expect(a.min(b).tolistSync()).toEqual([1, 0, -2]);
  });
});
