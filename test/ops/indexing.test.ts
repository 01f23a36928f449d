import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { B, cases, entryOf, expectCaseMatches, fixtures, L, MASK, values } from '../helpers/indexing-fixtures.js';

type Tensor = torch.Tensor;

describe('indexing matches PyTorch 1.13', () => {
  it('defines every fixture case', () => {
    expect(Object.keys(cases).sort()).toEqual(fixtures.cases.map((c) => c.name).sort());
  });

  for (const fixture of fixtures.cases) {
    it(fixture.name, () => expectCaseMatches(fixture, cases[fixture.name]));
  }
});

describe('random index expressions match PyTorch x[...] and x[...] = v', () => {
  for (const [n, fixture] of fixtures.random.entries()) {
    it(`${n}: x[${JSON.stringify(fixture.entries).slice(1, -1)}]`, async () => {
      const x = torch.arange(24).reshape(2, 3, 4);
      const entries = fixture.entries.map(entryOf);
      if (fixture.error !== undefined) {
        expect(() => x.index(...entries)).toThrow(/^index: /);
        const bound = /index (-?\d+) is out of bounds for dimension \d+ with size (\d+)/.exec(fixture.error);
        if (bound) expect(() => x.index(...entries)).toThrow(`index ${bound[1]} is out of bounds for dimension`);
        expect(() => x.clone().indexPut_(entries, 0)).toThrow(/^indexPut_: /);
        return;
      }
      const result = x.index(...entries);
      expect(result.shape).toEqual(fixture.shape);
      expect(await values(result)).toEqual(fixture.data);
      const count = result.numel();
      const y = x.clone().indexPut_(
        entries,
        torch
          .arange(1, count + 1)
          .neg()
          .reshape(result.shape),
      );
      expect(await values(y)).toEqual(fixture.put);
    });
  }
});

describe('API.md examples', () => {
  it('P[:, :, 0::2] = 1 and x[:, -1, :]', async () => {
    const P = torch.zeros(1, 10, 6);
    P.indexPut_([':', ':', '0::2'], torch.ones(1, 10, 3));
    expect(((await P.tolist()) as number[][][])[0][3]).toEqual([1, 0, 1, 0, 1, 0]);
    expect(await P.sum().item()).toBe(30);
    const last = torch.randn(4, 7, 5).index(':', -1, ':');
    expect(last.shape).toEqual([4, 5]);
  });

  it('hN.index(-2) and hN.index(-1) select layers', async () => {
    const hN = torch.arange(24).reshape(4, 2, 3);
    expect(await hN.index(-2).tolist()).toEqual([
      [12, 13, 14],
      [15, 16, 17],
    ]);
    expect(await hN.index(-1).tolist()).toEqual([
      [18, 19, 20],
      [21, 22, 23],
    ]);
  });
});

describe('basic indexing returns views', () => {
  it('writing through x.index(...) changes x', async () => {
    const x = torch.zeros(3, 4);
    x.index('1:', '::2').fill_(5);
    x.index(0).index(-1).fill_(7);
    x.index('...', null, 1).fill_(2);
    expect(await x.tolist()).toEqual([
      [0, 2, 0, 7],
      [5, 2, 5, 0],
      [5, 2, 5, 0],
    ]);
  });

  it('shares storage and strides like PyTorch', () => {
    const x = torch.zeros(4, 6);
    const v = x.index('1:3', '::2');
    expect(v.storage).toBe(x.storage);
    expect(v.shape).toEqual([2, 3]);
    expect(v.strides).toEqual([6, 2]);
    expect(v.offset).toBe(6);
    expect(x.index().storage).toBe(x.storage);
  });

  it('advanced indexing copies', () => {
    const x = torch.zeros(4, 6);
    expect(x.index([0, 1]).storage).not.toBe(x.storage);
  });

  it('indexPut_ with advanced indices writes into a view of x', async () => {
    const x = torch.zeros(3, 4);
    x.index('1:').indexPut_([':', L([0, 3])], torch.tensor([1, 2]));
    expect(await x.tolist()).toEqual([
      [0, 0, 0, 0],
      [1, 0, 0, 2],
      [1, 0, 0, 2],
    ]);
  });

  it('indexPut_ of an int tensor takes numbers and casts tensor values', async () => {
    const x = torch.zeros([5], { dtype: 'int32' });
    x.indexPut_([L([1, 3])], 2.7);
    x.indexPut_(['4:'], torch.tensor([6.9]));
    expect(await x.tolist()).toEqual([0, 2, 0, 2, 6]);
  });
});

describe('non-contiguous inputs', () => {
  it('gather, scatter and indexSelect read through strides', async () => {
    const base = torch.arange(12).reshape(3, 4);
    const x = base.t(); // [4, 3], strides [1, 4]
    const idx = L([
      [2, 0, 1],
      [1, 1, 0],
    ]);
    expect(await x.gather(1, idx.index(':', ':1')).tolist()).toEqual([[8], [5]]);
    expect(await x.indexSelect(0, L([3, 0])).tolist()).toEqual([
      [3, 7, 11],
      [0, 4, 8],
    ]);
    expect(await x.indexSelect(1, L([2])).tolist()).toEqual([[8], [9], [10], [11]]);
    const target = torch.zeros(3, 4).t();
    target.scatter_(0, L([[3, 0, 1]]), torch.tensor([[1, 2, 3]]));
    expect(await target.tolist()).toEqual([
      [0, 2, 0],
      [0, 0, 3],
      [0, 0, 0],
      [1, 0, 0],
    ]);
  });

  it('advanced indexing of an expanded (stride 0) input', async () => {
    const x = torch.tensor([1, 2, 3]).expand(2, 3);
    expect(await x.index(L([1, 0]), L([2, 0])).tolist()).toEqual([3, 1]);
  });
});

describe('semantics', () => {
  it('scatterAdd and indexPut accumulate add duplicates', async () => {
    const x = torch.zeros([5]);
    expect(await x.scatterAdd(0, L([0, 0, 4, 0]), torch.ones(4)).tolist()).toEqual([3, 0, 0, 0, 1]);
    expect(await x.indexPut([L([0, 0, -1])], torch.tensor([1, 2, 3]), { accumulate: true }).tolist()).toEqual([3, 0, 0, 0, 3]);
    expect(await x.indexAdd(0, L([1, 1]), torch.tensor([2, 5])).tolist()).toEqual([0, 7, 0, 0, 0]);
  });

  it('int32 scatterAdd and gather of bool', async () => {
    const x = torch.zeros([3], { dtype: 'int32' });
    expect(await x.scatterAdd(0, L([2, 2]), torch.tensor([4, 5], { dtype: 'int32' })).tolist()).toEqual([0, 0, 9]);
    expect(
      await B([true, false])
        .gather(0, L([1, 1, 0]))
        .tolist(),
    ).toEqual([false, false, true]);
  });

  it('maskedFill keeps the dtype of input, and maskedFill_ writes in place', async () => {
    const x = torch.tensor([1, 2, 3], { dtype: 'int32' });
    expect(await x.maskedFill(B([true, false, true]), 2.5).tolist()).toEqual([2, 2, 2]);
    const y = torch.zeros(2, 3);
    expect(y.maskedFill_(B([false, true, false]), -1)).toBe(y);
    expect(await y.tolist()).toEqual([
      [0, -1, 0],
      [0, -1, 0],
    ]);
  });

  it('oneHot infers the number of classes', async () => {
    const out = torch.oneHot(L([1, 0, 2]));
    expect(out.dtype).toBe('int32');
    expect(await out.tolist()).toEqual([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
  });

  it('empty indices give empty results', () => {
    const x = torch.ones(3, 4);
    expect(x.index([]).shape).toEqual([0, 4]);
    expect(x.index(false).shape).toEqual([0, 3, 4]);
    expect(x.indexSelect(1, L([])).shape).toEqual([3, 0]);
    expect(x.gather(0, torch.zeros([0, 4], { dtype: 'int32' })).shape).toEqual([0, 4]);
  });

  it('advanced indexing into a large tensor moves whole rows', async () => {
    const table = torch.arange(64 * 37).reshape(64, 37);
    const rows = table.indexSelect(0, L([63, 5, 5]));
    const expected = Array.from({ length: 37 }, (_, j) => 5 * 37 + j);
    expect(((await rows.tolist()) as number[][])[1]).toEqual(expected);
    const back = torch.zeros(64, 37).indexAdd(0, L([5, 5]), torch.ones(2, 37));
    expect(await back.index(5).sum().item()).toBe(74);
  });

  it('frees every temporary', () => {
    const x = torch.arange(60).reshape(3, 4, 5).requiresGrad_(true);
    const before = torch.memory();
    torch.scope(() => {
      x.index(MASK()).sum().backward();
      x.index(
        ':',
        L([
          [0, 1],
          [2, 0],
        ]),
        L([1, 3]),
      )
        .sum()
        .backward();
      x.index('1:', -1).sum().backward();
      x.mul(1)
        .indexPut_([L([0, 2]), ':', L([4, 0])], torch.ones(2, 4))
        .sum()
        .backward();
      x.gather(1, L([[[0]], [[1]]]))
        .sum()
        .backward();
      x.indexSelect(2, L([4, 0]))
        .sum()
        .backward();
      torch.oneHot(L([1, 2]));
    });
    x.grad!.dispose();
    x.grad = null;
    expect(torch.memory()).toEqual(before);
  });
});

describe('gradcheck', () => {
  const rand = (...shape: number[]) => torch.rand(shape).requiresGrad_(true);
  const fns: [string, (...xs: Tensor[]) => Tensor, () => Tensor[]][] = [
    [
      'gather',
      (x) =>
        x.gather(
          1,
          L([
            [0, 2, 2],
            [1, 0, 1],
          ]),
        ),
      () => [rand(2, 3)],
    ],
    [
      'scatter src',
      (x, s) =>
        x.scatter(
          0,
          L([
            [1, 0],
            [2, 1],
          ]),
          s,
        ),
      () => [rand(3, 2), rand(2, 2)],
    ],
    ['scatter src larger than index', (x, s) => x.scatter(1, L([[0, 2]]), s), () => [rand(2, 3), rand(2, 3)]],
    ['scatter value', (x) => x.scatter(1, L([[0], [2]]), 3), () => [rand(2, 3)]],
    [
      'scatterAdd',
      (x, s) =>
        x.scatterAdd(
          0,
          L([
            [1, 1],
            [1, 0],
          ]),
          s,
        ),
      () => [rand(2, 2), rand(2, 2)],
    ],
    ['indexSelect', (x) => x.t().indexSelect(0, L([2, 0, 2])), () => [rand(2, 3)]],
    ['indexAdd', (x, s) => x.indexAdd(0, L([1, 1]), s), () => [rand(3, 2), rand(2, 2)]],
    ['maskedFill', (x, v) => x.maskedFill(B([[true], [false]]), v), () => [rand(3), rand()]],
    ['index basic', (x) => x.index('1:', null, -1), () => [rand(3, 4)]],
    [
      'index advanced',
      (x) =>
        x.index(
          L([
            [0, 2],
            [2, 2],
          ]),
          '...',
          L([1, 0]),
        ),
      () => [rand(3, 2, 2)],
    ],
    ['index mask', (x) => x.index(':', B([true, false, true])), () => [rand(2, 3)]],
    ['indexPut basic', (x, v) => x.mul(1).indexPut_(['::2'], v), () => [rand(3, 2), rand(2)]],
    ['indexPut advanced', (x, v) => x.mul(1).indexPut_([L([2, 0]), '1:'], v), () => [rand(3, 3), rand(2, 1)]],
    ['indexPut accumulate', (x, v) => x.indexPut([L([1, 1, 0])], v, { accumulate: true }), () => [rand(2, 2), rand(3, 2)]],
  ];
  for (const [name, fn, inputs] of fns) {
    it(name, async () => {
      expect(await torch.autograd.gradcheck(fn, inputs())).toBe(true);
    });
  }
});

describe('errors name the op and the value', () => {
  const expectError = (fn: () => unknown, kind: ErrorConstructor, parts: string[]) => {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(kind);
    for (const part of parts) expect((error as Error).message).toContain(part);
  };

  it('index out of range: number, tensor, list', () => {
    const x = torch.ones(2, 3);
    expectError(() => x.index(5), RangeError, ['index: index 5 is out of bounds for dimension 0 with size 2']);
    expectError(() => x.index(':', L([0, -4])), RangeError, ['index: index -4 is out of bounds for dimension 1 with size 3']);
    expectError(() => x.index([2]), RangeError, ['index: index 2 is out of bounds for dimension 0 with size 2']);
  });

  it('gather, indexSelect, scatter out of range, negative included', () => {
    const x = torch.ones(2, 5);
    expectError(() => x.gather(1, L([[0, 7]])), RangeError, ['gather: index 7 is out of bounds for dimension 1 with size 5']);
    expectError(() => x.gather(1, L([[-1]])), RangeError, ['gather: index -1 is out of bounds for dimension 1 with size 5']);
    expectError(() => x.indexSelect(0, L([0, 2])), RangeError, ['indexSelect: index 2 is out of bounds for dimension 0 with size 2']);
    expectError(() => x.indexSelect(1, L([-1])), RangeError, ['indexSelect: index -1 is out of bounds for dimension 1 with size 5']);
    expectError(() => x.scatter(1, L([[9]]), 1), RangeError, ['scatter: index 9 is out of bounds for dimension 1 with size 5']);
    expectError(() => x.scatterAdd(0, L([[2]]), torch.ones(1, 1)), RangeError, [
      'scatterAdd: index 2 is out of bounds for dimension 0 with size 2',
    ]);
  });

  it('a failed scatter_ leaves self untouched', async () => {
    const x = torch.zeros([4]);
    expectError(() => x.scatter_(0, L([1, 2, 8]), 1), RangeError, ['scatter_: index 8']);
    expect(await x.tolist()).toEqual([0, 0, 0, 0]);
  });

  it('indexPut_ out of range', () => {
    const x = torch.zeros(5);
    expectError(() => x.indexPut_([L([0, 7])], 1), RangeError, ['indexPut_: index 7 is out of bounds for dimension 0 with size 5']);
  });

  it('float tensors as indices', () => {
    const x = torch.ones(3, 4);
    const f = torch.tensor([0, 1]);
    expectError(() => x.index(f), TypeError, ['index', 'int32 or bool', 'float32']);
    expectError(() => x.indexPut_([f], 1), TypeError, ['indexPut_', 'int32 or bool', 'float32']);
    expectError(() => x.gather(0, torch.tensor([[0]])), TypeError, ['gather', 'index', 'int32', 'float32']);
    expectError(() => x.indexSelect(0, f), TypeError, ['indexSelect', 'index', 'int32', 'float32']);
    expectError(() => x.scatter(0, torch.tensor([[0]]), 1), TypeError, ['scatter', 'index', 'int32', 'float32']);
  });

  it('mismatched dims and shapes', () => {
    const x = torch.ones(3, 4);
    expectError(() => x.gather(1, L([0, 1])), RangeError, ['gather', 'dimensions', '[2]', '[3, 4]']);
    expectError(() => x.gather(1, L([[0], [0], [0], [0]])), RangeError, ['gather', 'index shape [4, 1]', 'input shape [3, 4]']);
    expectError(() => x.scatter(1, L([[0, 1]]), torch.ones(1, 1)), RangeError, ['scatter', 'index shape [1, 2]', 'src shape [1, 1]']);
    expectError(() => x.scatter(1, L([[0]]), torch.ones([1, 1], { dtype: 'int32' })), TypeError, ['scatter', 'src', 'float32', 'int32']);
    expectError(() => x.indexSelect(0, L([[0]])), RangeError, ['indexSelect', 'vector', '[1, 1]']);
    expectError(() => x.index(0, 0, 0), RangeError, ['index: too many indices for tensor of dimension 2 (got 3)']);
    expectError(() => x.index('...', 0, '...'), RangeError, ['index', 'single ellipsis']);
    expectError(() => x.index(B([true, false])), RangeError, ['index', 'mask [2]', '[3]']);
    expectError(() => x.index(L([0, 1]), L([0, 1, 2])), RangeError, ['index', 'could not be broadcast', '[2], [3]']);
    expectError(() => x.indexPut_([':', L([0, 1])], torch.ones(4)), RangeError, ['indexPut_', 'value tensor of shape [4]', '[3, 2]']);
    expectError(() => x.indexPut_([0], torch.ones(5)), RangeError, ['indexPut_', 'value tensor of shape [5]', '[4]']);
    expectError(() => x.maskedFill(B([true, false]), 1), RangeError, ['maskedFill', '[3, 4]', '[2]']);
    expectError(() => x.maskedFill_(B([[true], [false], [true], [false]]).index(':', ':', null), 1), RangeError, [
      'maskedFill_',
      'mask',
      'self',
    ]);
    expectError(() => x.maskedFill(L([1, 0, 1, 0]), 1), TypeError, ['maskedFill', 'mask', 'bool', 'int32']);
  });

  it('in-place writes into a leaf that requires grad, unless under noGrad', async () => {
    const w = torch.ones(3).requiresGrad_(true);
    expectError(() => w.indexPut_([0], 2), Error, ['indexPut_', 'leaf']);
    expectError(() => w.scatter_(0, L([0]), 2), Error, ['scatter_', 'leaf']);
    expectError(() => w.maskedFill_(B([true, false, false]), 2), Error, ['maskedFill_', 'leaf']);
    torch.noGrad(() => w.indexPut_([L([0, 2])], 5));
    expect(await w.tolist()).toEqual([5, 1, 5]);
  });

  it('slices: negative steps, zero steps, bad strings', () => {
    const x = torch.ones(3, 4);
    expectError(() => x.index('::-1'), RangeError, ['index', 'step must be greater than zero']);
    expectError(() => x.index('::0'), RangeError, ['index', 'slice step cannot be zero']);
    expectError(() => x.index('1-2'), TypeError, ['index', "'1-2'"]);
    expectError(() => x.index(1.5), TypeError, ['index', '1.5']);
  });

  it('oneHot', () => {
    expectError(() => torch.oneHot(L([0, 3]), 3), RangeError, ['oneHot', 'smaller than numClasses (3)', '3']);
    expectError(() => torch.oneHot(L([0, -1]), 3), RangeError, ['oneHot', 'non-negative', '-1']);
    expectError(() => torch.oneHot(torch.tensor([1])), TypeError, ['oneHot', 'int32', 'float32']);
    expectError(() => torch.oneHot(L([])), RangeError, ['oneHot', 'empty']);
  });
});
