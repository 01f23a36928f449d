import { afterEach, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

/**
 * Runs `fn`, which must throw a plain Error (never a wasm trap) whose message contains every
 * fragment, and must leave no tensor or byte behind: a failed op frees what it allocated.
 */
function expectFailure(fn: () => unknown, fragments: readonly string[]): Error {
  const before = torch.memory();
  let error: unknown = null;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  expect(error, 'expected an error').toBeInstanceOf(Error);
  expect(error).not.toBeInstanceOf(WebAssembly.RuntimeError);
  const message = (error as Error).message;
  for (const fragment of fragments) expect(message).toContain(fragment);
  expect(torch.memory()).toEqual(before);
  return error as Error;
}

async function expectRejection(promise: Promise<unknown>, fragments: readonly string[]): Promise<void> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(Error);
  for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
}

afterEach(() => {
  // The device keeps working after every failure: no kernel was left half-run.
  expect(torch.scope(() => torch.ones(2, 3).add(1).sum().itemSync())).toBe(12);
});

describe('shape errors', () => {
  it('add of [2, 3] and [4] cannot broadcast', () => {
    const a = torch.ones(2, 3);
    const b = torch.ones(4);
    expectFailure(() => torch.add(a, b), ['add', 'input', 'other', '[2, 3]', '[4]']);
    expectFailure(() => a.add(b), ['add', '[2, 3]', '[4]']);
  });

  it('add that must convert a dtype first still frees the converted copy', () => {
    const a = torch.ones([2, 3], { dtype: 'int32' });
    const b = torch.ones(4);
    expectFailure(() => torch.add(a, b), ['add', '[2, 3]', '[4]']);
  });

  it('matmul inner dimensions must match', () => {
    const a = torch.ones(2, 3);
    const b = torch.ones(4, 5);
    expectFailure(() => torch.matmul(a, b), ['matmul', 'input', 'other', '[2, 3]', '[4, 5]']);
  });

  it('matmul of a vector with a mismatched matrix names the shapes the caller passed', () => {
    const v = torch.ones(3);
    const m = torch.ones(4, 5);
    expectFailure(() => torch.matmul(v, m), ['matmul', '[3]', '[4, 5]']);
  });

  it('view of a transposed matrix as a vector is refused, as in PyTorch', () => {
    const x = torch.ones(2, 3);
    const transposed = x.t();
    expectFailure(() => transposed.view(-1), ['view', '[3, 2]', 'stride', 'reshape']);
    expect(transposed.reshape(-1).shape).toEqual([6]);
  });

  it('tensor() from ragged nested arrays', () => {
    expectFailure(() => torch.tensor([[1, 2], [3]]), ['tensor', 'data[1]', 'length 2', 'length 1']);
    expectFailure(() => torch.tensor([[1, 2], 3] as number[][]), ['tensor', 'data[1]', 'length 2', 'number']);
    expectFailure(() => torch.tensor([1, [2]] as number[]), ['tensor', 'data[1]', 'an array']);
  });
});

describe('dim out of range', () => {
  const x = () => torch.ones(2, 3);

  it('sum', () => {
    const input = x();
    expectFailure(() => input.sum(2), ['sum', 'dim', '2', '[-2, 1]']);
    expectFailure(() => torch.sum(input, -3), ['sum', 'dim', '-3', '[-2, 1]']);
  });

  it('softmax', () => {
    const input = x();
    expectFailure(() => torch.softmax(input, 3), ['softmax', 'dim', '3', '[-2, 1]']);
  });

  it('transpose', () => {
    const input = x();
    expectFailure(() => input.transpose(0, 2), ['transpose', 'dim1', '2', '[-2, 1]']);
    expectFailure(() => input.transpose(-3, 1), ['transpose', 'dim0', '-3']);
  });

  it('squeeze', () => {
    const input = x();
    expectFailure(() => input.squeeze(3), ['squeeze', 'dim', '3', '[-2, 1]']);
  });

  it('cat', () => {
    const a = x();
    const b = x();
    expectFailure(() => torch.cat([a, b], 2), ['cat', 'dim', '2', '[-2, 1]']);
  });
});

describe('index out of range', () => {
  it('select', () => {
    const x = torch.ones(2, 3);
    expectFailure(() => x.select(0, 5), ['select', 'index 5', 'dimension 0', 'size 2']);
    expectFailure(() => x.select(1, -4), ['select', 'index -4', 'dimension 1', 'size 3']);
  });

  it('narrow', () => {
    const x = torch.ones(2, 3);
    expectFailure(() => x.narrow(1, 2, 5), ['narrow', 'start (2)', 'length (5)', 'dimension 1', 'size 3']);
    expectFailure(() => x.narrow(0, 3, 0), ['narrow', 'start (3)', 'dimension 0', 'size 2']);
  });

  it('index with a number', () => {
    const x = torch.ones(2, 3);
    expectFailure(() => x.index(5), ['index', '5', 'dimension 0', 'size 2']);
    expectFailure(() => x.index(':', -4), ['index', '-4', 'dimension 1', 'size 3']);
  });

  it('index with an int32 tensor', () => {
    const x = torch.ones(2, 3);
    const positions = torch.tensor([0, 3], { dtype: 'int32' });
    expectFailure(() => x.index(positions), ['index', '3', 'dimension 0', 'size 2']);
  });

  it('gather', () => {
    const x = torch.ones(2, 5);
    const index = torch.tensor(
      [
        [0, 7],
        [1, 2],
      ],
      { dtype: 'int32' },
    );
    expectFailure(() => torch.gather(x, 1, index), ['gather', 'index 7', 'dimension 1', 'size 5']);
    const negative = torch.tensor(
      [
        [0, -1],
        [1, 2],
      ],
      { dtype: 'int32' },
    );
    expectFailure(() => x.gather(1, negative), ['gather', 'index -1', 'dimension 1', 'size 5']);
  });

  it('indexSelect', () => {
    const x = torch.ones(4, 3);
    const index = torch.tensor([1, 4], { dtype: 'int32' });
    expectFailure(() => torch.indexSelect(x, 0, index), ['indexSelect', 'index 4', 'dimension 0', 'size 4']);
  });

  it('scatter', () => {
    const x = torch.zeros(2, 5);
    const index = torch.tensor(
      [
        [0, 9],
        [1, 2],
      ],
      { dtype: 'int32' },
    );
    const src = torch.ones(2, 2);
    expectFailure(() => torch.scatter(x, 1, index, src), ['scatter', 'index 9', 'dimension 1', 'size 5']);
  });
});

describe('a float tensor used as an index', () => {
  const floatIndex = () =>
    torch.tensor([
      [0, 1],
      [1, 0],
    ]);

  it('gather', () => {
    const x = torch.ones(2, 5);
    const index = floatIndex();
    const error = expectFailure(() => torch.gather(x, 1, index), ['gather', 'index', 'int32', 'float32']);
    expect(error).toBeInstanceOf(TypeError);
  });

  it('indexSelect', () => {
    const x = torch.ones(4, 3);
    const index = torch.tensor([0, 1]);
    const error = expectFailure(() => torch.indexSelect(x, 0, index), ['indexSelect', 'index', 'int32', 'float32']);
    expect(error).toBeInstanceOf(TypeError);
  });

  it('scatter', () => {
    const x = torch.zeros(2, 5);
    const index = floatIndex();
    const src = torch.ones(2, 2);
    const error = expectFailure(() => torch.scatter(x, 1, index, src), ['scatter', 'index', 'int32', 'float32']);
    expect(error).toBeInstanceOf(TypeError);
  });

  it('index', () => {
    const x = torch.ones(4, 3);
    const index = torch.tensor([0, 1]);
    const error = expectFailure(() => x.index(index), ['index', 'float32', 'int32']);
    expect(error).toBeInstanceOf(TypeError);
  });
});

describe('autograd errors', () => {
  it('backward on a non-scalar without a gradient', () => {
    const x = torch.ones([2, 3], { requiresGrad: true });
    const y = x.mul(2);
    expectFailure(() => y.backward(), ['backward', 'scalar', '[2, 3]', 'gradient']);
    expect(x.grad).toBeNull();
  });

  it('backward twice without retainGraph', () => {
    const x = torch.ones([2, 3], { requiresGrad: true });
    const loss = x.mul(x).sum();
    const node = loss.gradFn!.name;
    loss.backward();
    expectFailure(() => loss.backward(), ['backward', 'second time', node, 'retainGraph']);
    expect(x.grad!.tolistSync()).toEqual([
      [2, 2, 2],
      [2, 2, 2],
    ]);
  });

  it('backward twice works with retainGraph', () => {
    const x = torch.ones([2], { requiresGrad: true });
    const loss = x.mul(x).sum();
    loss.backward(undefined, { retainGraph: true });
    loss.backward();
    expect(x.grad!.tolistSync()).toEqual([4, 4]);
  });

  it('in-place on a leaf that requires grad', () => {
    const w = torch.ones([2, 3], { requiresGrad: true });
    expectFailure(() => w.add_(1), ['add_', 'leaf', 'requires grad', 'noGrad']);
    expectFailure(() => w.mul_(2), ['mul_', 'leaf']);
    expect(w.tolistSync()).toEqual([
      [1, 1, 1],
      [1, 1, 1],
    ]);
    torch.noGrad(() => w.add_(1));
    expect(w.tolistSync()).toEqual([
      [2, 2, 2],
      [2, 2, 2],
    ]);
  });

  it('in-place on a tensor a backward still needs', () => {
    const x = torch.ones([3], { requiresGrad: true });
    const y = x.add(1);
    const loss = y.mul(y).sum();
    torch.noGrad(() => y.add_(1));
    expectFailure(() => loss.backward(), ['backward', 'MulBackward0', 'modified by an in-place operation']);
  });
});

describe('values and lifetimes', () => {
  it('item of a multi-element tensor', async () => {
    const x = torch.ones(2, 3);
    expectFailure(() => x.itemSync(), ['itemSync', '6 elements', '[2, 3]']);
    await expectRejection(
      Promise.resolve().then(() => x.item()),
      ['item', '6 elements', '[2, 3]'],
    );
  });

  it('using a disposed tensor', async () => {
    const x = torch.ones(2, 3);
    const other = torch.ones(2, 3);
    x.dispose();
    expectFailure(() => x.add(other), ['add', 'input', 'disposed', '[2, 3]']);
    expectFailure(() => torch.add(other, x), ['add', 'other', 'disposed', '[2, 3]']);
    expectFailure(() => x.sum(), ['sum', 'disposed']);
    expectFailure(() => x.view(-1), ['view', 'disposed']);
    expectFailure(() => torch.cat([other, x]), ['cat', 'tensors[1]', 'disposed']);
    expectFailure(() => x.tolistSync(), ['tolistSync', 'disposed', '[2, 3]']);
    await expectRejection(x.tolist(), ['tolist', 'disposed', '[2, 3]']);
    expectFailure(() => x.backward(), ['backward', 'disposed']);
  });

  it('a tensor disposed by the scope that created it', () => {
    let inner: torch.Tensor | null = null;
    torch.scope(() => {
      inner = torch.ones(2);
    });
    expectFailure(() => inner!.mul(2), ['mul', 'disposed', 'scope']);
  });
});

describe('backward checks the gradient it is given, as PyTorch does', () => {
  it('refuses a gradient of another dtype instead of accumulating it into a float leaf', () => {
    const x = torch.ones(3, { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward(torch.tensor([1, 2, 3], { dtype: 'int32' }))).toThrow(
      'backward: invalid gradient - expected dtype float32 but got int32',
    );
    expect(x.grad).toBeNull();
    y.backward(torch.tensor([1, 2, 3]));
    expect(x.grad!.tolistSync()).toEqual([2, 4, 6]);
  });
});
