import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

// Expected values from PyTorch 1.13 (computed by hand-checked runs of the same code).
describe('in-place writes through views rebase the base (CopySlices)', () => {
  it('indexPut_ into a view of a graph tensor', async () => {
    const x = torch.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    const v = torch.tensor([7, 8, 9], { requiresGrad: true });
    const y = x.mul(1);
    y.index(0).indexPut_([':'], v);
    y.mul(
      torch.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    )
      .sum()
      .backward();
    expect(await x.grad!.tolist()).toEqual([
      [0, 0, 0],
      [4, 5, 6],
    ]);
    expect(await v.grad!.tolist()).toEqual([1, 2, 3]);
  });

  it('add_ into a slice keeps the gradient of the old values', async () => {
    const x = torch.tensor([1, 2, 3, 4], { requiresGrad: true });
    const w = torch.tensor([10, 20], { requiresGrad: true });
    const y = x.mul(2);
    y.narrow(0, 1, 2).add_(w.mul(3));
    y.sum().backward();
    expect(await x.grad!.tolist()).toEqual([2, 2, 2, 2]);
    expect(await w.grad!.tolist()).toEqual([3, 3]);
    expect(await y.tolist()).toEqual([2, 34, 66, 8]);
  });

  it('fill_ of a view cuts the gradient of the overwritten region only', async () => {
    const x = torch.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const y = x.mul(1);
    y.select(1, 0).fill_(0);
    y.sum().backward();
    expect(await x.grad!.tolist()).toEqual([
      [0, 1],
      [0, 1],
    ]);
  });

  it('a view made before the write sees the new history', async () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(1);
    const early = y.narrow(0, 0, 2);
    y.narrow(0, 1, 1).mul_(5);
    early.sum().backward();
    expect(await x.grad!.tolist()).toEqual([1, 5, 0]);
  });

  it('refuses a view of a leaf that requires grad', () => {
    const w = torch.zeros(3, { requiresGrad: true });
    expect(() => w.narrow(0, 0, 2).fill_(1)).toThrow(
      /fill_: a view of a leaf tensor that requires grad is being used in an in-place operation/,
    );
  });

  it('refuses writes into expanded views', () => {
    expect(() => torch.zeros(1).expand(3).add_(1)).toThrow(/add_: unsupported operation: more than one element of the written-to tensor/);
  });
});
