import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

describe('autograd with disposed intermediates', () => {
  it('gives the same gradients when the forward ran inside a scope', async () => {
    const x = torch.tensor([0.5, -1, 2], { requiresGrad: true });
    const loss = torch.scope(() => x.exp().mul(x).tanh().div(x.add(3)).sum());
    loss.backward();
    const scoped = await x.grad!.tolist();
    x.grad = null;
    x.exp().mul(x).tanh().div(x.add(3)).sum().backward();
    expect(scoped).toEqual(await x.grad!.tolist());
  });
});
