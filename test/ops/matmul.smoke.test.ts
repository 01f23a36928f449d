import { expect, it } from 'vitest';
import * as torch from '../../src/index.js';

it('matmul 2-D and its gradients', async () => {
  const a = torch.tensor(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    { requiresGrad: true },
  );
  const b = torch.tensor(
    [
      [1, 0],
      [0, 1],
      [1, 1],
    ],
    { requiresGrad: true },
  );
  const c = a.matmul(b);
  expect(await c.tolist()).toEqual([
    [4, 5],
    [10, 11],
  ]);
  c.sum().backward();
  expect(await a.grad!.tolist()).toEqual([
    [1, 1, 2],
    [1, 1, 2],
  ]);
  expect(await b.grad!.tolist()).toEqual([
    [5, 5],
    [7, 7],
    [9, 9],
  ]);
});

it('matmul vector forms', async () => {
  const v = torch.tensor([1, 2, 3]);
  const m = torch.tensor([
    [1, 0],
    [0, 1],
    [1, 1],
  ]);
  expect(await torch.matmul(v, v).tolist()).toEqual(14);
  expect(await torch.matmul(v, m).tolist()).toEqual([4, 5]);
  expect(await torch.matmul(m.t(), v).tolist()).toEqual([4, 5]);
});
