// torch.norm beyond test/fixtures/ops/reduction.json: the infinite orders (JSON has no Infinity;
// expected values are PyTorch 1.13's, printed by torch.norm(x, float('inf'), 1) and friends) and
// the errors. Finite orders are checked against PyTorch there, on both devices, with gradcheck.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';

describe.each(devices)('norm on %s', (device) => {
  const input = () =>
    torch.tensor(
      [
        [1, -3, 3],
        [0.5, -0.25, 2],
      ],
      { requiresGrad: true, device },
    );

  it('Infinity: the largest magnitude, its gradient split between ties', async () => {
    const x = input();
    const n = torch.norm(x, Infinity, 1);
    n.sum().backward();
    expect(await n.tolist()).toEqual([3, 2]);
    expect(await x.grad!.tolist()).toEqual([
      [0, -0.5, 0.5],
      [0, -0, 1],
    ]);
  });

  it('-Infinity: the smallest magnitude, over all dims by option', async () => {
    const x = input();
    const n = x.norm({ p: -Infinity });
    n.backward();
    expect(await n.item()).toBe(0.25);
    expect(await x.grad!.tolist()).toEqual([
      [0, -0, 0],
      [0, -1, 0],
    ]);
  });
});

describe('norm errors', () => {
  it('names the op, the argument and the value', () => {
    expect(() => torch.norm(torch.tensor([1, 2], { dtype: 'int32' }))).toThrow("norm: argument 'input' must have dtype float32, got int32");
    expect(() => torch.norm(torch.ones(2, 2), 'fro', [0, 1, 1])).toThrow('norm: the Frobenius norm takes at most 2 dims, got [0, 1, 1]');
    expect(() => torch.norm(torch.ones(2, 2), 'nuc' as never)).toThrow("norm: p must be a number or 'fro', got string 'nuc'");
    expect(() => torch.norm(torch.ones(2, 2), 2, 2)).toThrow(/norm: dim 2 is out of range/);
    expect(() => torch.ones(2).norm({ ord: 2 } as never)).toThrow("norm: unknown option 'ord'");
  });
});
