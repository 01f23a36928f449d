import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';

describe('smoke', () => {
  it('adds with broadcasting and backprops', async () => {
    const a = torch.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const b = torch.tensor([10, 20], { requiresGrad: true });
    const c = a.mul(b).add(1).sum();
    expect(await c.item()).toBe(1 * 10 + 2 * 20 + 3 * 10 + 4 * 20 + 4);
    c.backward();
    expect(await a.grad!.tolist()).toEqual([
      [10, 20],
      [10, 20],
    ]);
    expect(await b.grad!.tolist()).toEqual([4, 6]);
  });
  it('api autograd example', async () => {
    const w = torch.tensor([1.0], { requiresGrad: true });
    const loss = w.mul(3).sub(6).pow(2).sum();
    loss.backward();
    expect(await w.grad!.tolist()).toEqual([-18]);
    torch.noGrad(() => w.sub_(w.grad!.mul(0.01)));
    w.grad!.zero_();
    expect(((await w.tolist()) as number[])[0]).toBeCloseTo(1.18, 6);
  });
});
