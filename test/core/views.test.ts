import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

type Tensor = torch.Tensor;

interface ViewCase {
  name: string;
  inputs: number[][];
  outputs: { shape: number[]; data: number[] }[];
  grads: (number[] | null)[];
}

const fixtures: { cases: ViewCase[] } = JSON.parse(readFileSync(new URL('../fixtures/views.json', import.meta.url), 'utf8'));

/** The functions test/fixtures/views_fixtures.py runs through PyTorch, under the same names. */
const cases: Record<string, (...inputs: Tensor[]) => Tensor[]> = {
  'cat dim 0': (a, b) => [torch.cat([a, b], 0)],
  'cat dim 1 of a transposed input': (a, b) => [torch.cat([a.t(), b], 1)],
  'cat negative dim 3-D': (a, b) => [torch.cat([a, b], -1)],
  'cat the same tensor twice': (a) => [torch.cat([a, a, a], 1)],
  'cat skips a legacy empty 1-D tensor': (a, e, b) => [torch.cat([a, e, b])],
  'stack dim 0': (a, b) => [torch.stack([a, b])],
  'stack last dim of views': (a, b) => [torch.stack([a, b.t(), a.narrow(1, 0, 3)], -1)],
  'stack 0-d tensors': (a, b) => [torch.stack([a, b])],
  'split with a remainder': (a) => a.split(3),
  'split sizes with an empty piece': (a) => a.split([2, 0, 3], 1),
  'split using one piece': (a) => [a.split(2)[1]],
  'chunk 6 into 4 gives 3': (a) => a.chunk(4),
  'chunk last dim': (a) => a.chunk(4, -1),
  'unbind dim 1': (a) => a.unbind(1),
  'unbind then stack reversed': (a) => [torch.stack(a.unbind(1).reverse(), 1)],
  'narrow pieces cat': (a) => [torch.cat([a.narrow(1, 3, 1), a.narrow(1, 0, 2)], 1)],
  'transposed reshape copies': (a) => [a.t().reshape(2, 6)],
  'permute squeeze unsqueeze chain': (a) => [a.permute(2, 0, 1).squeeze(2).unsqueeze(0)],
  'expand then use': (a) => [a.expand(3, 4).mul(1)],
  'select and view': (a) => [a.select(1, 2), a.view(3, 8), a.view(-1).narrow(0, 5, 4)],
  'flatten and unflatten': (a) => [a.flatten(1), a.flatten().unflatten(0, [4, 6])],
};

/** Input k: (i + 1) * 0.5 + 100 * k, requiring grad unless empty, as the generator makes it. */
function makeInput(shape: number[], k: number): Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: count }, (_, i) => (i + 1) * 0.5 + 100 * k);
  return torch
    .tensor(values)
    .reshape(shape)
    .requiresGrad_(count > 0);
}

function weightedLoss(outputs: Tensor[]): Tensor {
  return outputs
    .map((out, j) => {
      const weights = torch
        .arange(1, out.numel() + 1)
        .mul((j + 1) / 8)
        .reshape(out.shape);
      return out.mul(weights).sum();
    })
    .reduce((total, term) => total.add(term));
}

describe('cat, stack, split, chunk, unbind and view chains match PyTorch 1.13', () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    torch.scope(() => {
      const inputs = c.inputs.map(makeInput);
      const outputs = cases[name](...inputs);
      expect(outputs.map((o) => o.shape)).toEqual(c.outputs.map((o) => o.shape));
      outputs.forEach((o, j) => expect(Array.from(o.dataSync())).toEqual(c.outputs[j].data));
      weightedLoss(outputs).backward();
      expect(inputs.map((x) => (x.grad ? Array.from(x.grad.dataSync()) : null))).toEqual(c.grads);
    });
  });
});

/** Every view op in API.md, applied to a [2, 3, 4] base made with arange. */
const viewOps: Record<string, (x: Tensor) => Tensor> = {
  view: (x) => x.view(6, 4),
  'reshape (when a view is possible)': (x) => x.reshape(-1),
  permute: (x) => x.permute(2, 0, 1),
  transpose: (x) => x.transpose(0, 2),
  t: (x) => x.select(0, 1).t(),
  squeeze: (x) => x.unsqueeze(1).squeeze(1),
  unsqueeze: (x) => x.unsqueeze(-1),
  expand: (x) => x.narrow(1, 0, 1).expand(2, 5, 4),
  expandAs: (x) => x.narrow(0, 0, 1).expandAs(x),
  flatten: (x) => x.flatten(0, 1),
  unflatten: (x) => x.unflatten(2, [2, 2]),
  narrow: (x) => x.narrow(2, 1, 2),
  select: (x) => x.select(1, 2),
  'split piece': (x) => x.split(2, 2)[1],
  'chunk piece': (x) => x.chunk(3, 1)[2],
  'unbind piece': (x) => x.unbind(2)[3],
  'contiguous (already contiguous)': (x) => x.contiguous(),
  detach: (x) => x.detach(),
  T: (x) => x.select(2, 0).T,
};

describe('views share storage with their base', () => {
  it.each(Object.entries(viewOps))('%s', (_name, makeView) => {
    torch.scope(() => {
      const base = torch.arange(24).reshape(2, 3, 4);
      const view = makeView(base);
      expect(view.storage).toBe(base.storage);
      // A write to the base shows through the view, element for element.
      base.mul_(-1);
      const negated = makeView(torch.arange(24).reshape(2, 3, 4).neg());
      expect(view.tolistSync()).toEqual(negated.tolistSync());
    });
  });
});

describe('writing through a view changes the base', () => {
  const base = () => torch.arange(12).reshape(3, 4);

  it('fill_ on a narrowed column block', () => {
    const x = base();
    x.narrow(1, 1, 2).fill_(-1);
    expect(x.tolistSync()).toEqual([
      [0, -1, -1, 3],
      [4, -1, -1, 7],
      [8, -1, -1, 11],
    ]);
  });

  it('zero_ on a selected row', () => {
    const x = base();
    x.select(0, 1).zero_();
    expect(x.tolistSync()).toEqual([
      [0, 1, 2, 3],
      [0, 0, 0, 0],
      [8, 9, 10, 11],
    ]);
  });

  it('copy_ into a transposed view', () => {
    const x = base();
    x.t().copy_(torch.arange(100, 112).reshape(4, 3));
    expect(x.tolistSync()).toEqual([
      [100, 103, 106, 109],
      [101, 104, 107, 110],
      [102, 105, 108, 111],
    ]);
  });

  it('copy_ broadcasts a row into a view', () => {
    const x = base();
    x.narrow(0, 1, 2).copy_(torch.tensor([9, 8, 7, 6]));
    expect(x.tolistSync()).toEqual([
      [0, 1, 2, 3],
      [9, 8, 7, 6],
      [9, 8, 7, 6],
    ]);
  });

  it('add_ under noGrad through a view of a leaf that requires grad', () => {
    const w = base().requiresGrad_();
    torch.noGrad(() => w.view(2, 6).select(1, 0).add_(100));
    expect(w.tolistSync()).toEqual([
      [100, 1, 2, 3],
      [4, 5, 106, 7],
      [8, 9, 10, 11],
    ]);
    expect(w.isLeaf).toBe(true);
  });

  it('mul_ through a split piece and an unbind piece', () => {
    const x = base();
    x.split(3, 1)[1].mul_(10);
    x.unbind(0)[0].add_(100);
    expect(x.tolistSync()).toEqual([
      [100, 101, 102, 130],
      [4, 5, 6, 70],
      [8, 9, 10, 110],
    ]);
  });

  it('writes through a view of a view of a permuted tensor', () => {
    const x = torch.arange(24).reshape(2, 3, 4);
    x.permute(2, 0, 1).select(0, 3).narrow(1, 1, 1).fill_(0);
    const flat = x.reshape(-1).tolistSync() as number[];
    expect(flat.filter((v) => v === 0)).toHaveLength(3);
    expect([flat[7], flat[19], flat[0]]).toEqual([0, 0, 0]);
    expect(x.select(2, 3).tolistSync()).toEqual([
      [3, 0, 11],
      [15, 0, 23],
    ]);
  });

  it('the version counter moves with every write, for every view of the storage', () => {
    const x = base();
    const v = x.narrow(0, 0, 1);
    const before = x.storage.version;
    v.fill_(1);
    expect(x.storage.version).toBe(before + 1);
  });
});

describe('copies only when needed', () => {
  it('contiguous returns the same tensor when already contiguous', () => {
    const x = torch.arange(6).reshape(2, 3);
    expect(x.contiguous()).toBe(x);
    expect(x.narrow(0, 1, 1).isContiguous()).toBe(true);
    const row = x.narrow(0, 1, 1);
    expect(row.contiguous()).toBe(row);
  });

  it('contiguous copies a transposed tensor into new storage', () => {
    const x = torch.arange(6).reshape(2, 3);
    const c = x.t().contiguous();
    expect(c.storage).not.toBe(x.storage);
    expect(c.isContiguous()).toBe(true);
    expect(c.strides).toEqual([2, 1]);
    expect(c.tolistSync()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    c.fill_(0);
    expect(x.tolistSync()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
  });

  it('reshape is a view whenever view would be', () => {
    const x = torch.arange(24).reshape(2, 3, 4);
    for (const shape of [[6, 4], [2, 12], [24], [4, 3, 2], [1, 24, 1]]) expect(x.reshape(shape).storage).toBe(x.storage);
    // Merging dims that stay adjacent in memory is a view even for a non-contiguous tensor.
    const sliced = x.narrow(2, 0, 2);
    expect(sliced.reshape(6, 2).storage).toBe(x.storage);
    const permuted = x.permute(1, 0, 2);
    expect(permuted.reshape(3, 2, 2, 2).storage).toBe(x.storage);
  });

  it('reshape copies when the layout cannot be viewed', () => {
    const x = torch.arange(24).reshape(2, 3, 4);
    for (const source of [x.transpose(0, 2), x.narrow(2, 0, 2), x.permute(1, 0, 2), torch.ones(3, 1).expand(3, 4)]) {
      const flat = source.reshape(-1);
      expect(flat.storage).not.toBe(source.storage);
      expect(flat.tolistSync()).toEqual(source.contiguous().view(-1).tolistSync());
    }
  });

  it('view refuses what reshape copies', () => {
    const x = torch.arange(6).reshape(2, 3);
    expect(() => x.t().view(6)).toThrow(/view.*reshape/);
    expect(x.t().reshape(6).tolistSync()).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('expand returns the same tensor when the shape does not change', () => {
    const x = torch.ones(2, 3);
    expect(x.expand(2, 3)).toBe(x);
    expect(x.expand(-1, 3)).toBe(x);
  });

  it('views keep strides PyTorch reports', () => {
    const x = torch.arange(24).reshape(2, 3, 4);
    expect(x.strides).toEqual([12, 4, 1]);
    expect(x.permute(2, 0, 1).strides).toEqual([1, 12, 4]);
    expect(x.transpose(0, 1).strides).toEqual([4, 12, 1]);
    expect(x.narrow(2, 1, 2).offset).toBe(1);
    expect(x.select(1, 2).strides).toEqual([12, 1]);
    expect(x.select(1, 2).offset).toBe(8);
    expect(x.narrow(0, 0, 1).expand(5, 3, 4).strides).toEqual([0, 4, 1]);
    expect(x.unsqueeze(1).strides).toEqual([12, 12, 4, 1]);
    expect(x.unsqueeze(3).strides).toEqual([12, 4, 1, 1]);
  });
});
