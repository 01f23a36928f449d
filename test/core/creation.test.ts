import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

type Tensor = torch.Tensor;

interface CreationCase {
  fn: string;
  args: unknown[];
  options: Record<string, unknown>;
  shape: number[];
  dtype: torch.DType;
  data: (number | boolean)[];
}

const fixtures: { cases: CreationCase[] } = JSON.parse(readFileSync(new URL('../fixtures/creation.json', import.meta.url), 'utf8'));

const creation = torch as unknown as Record<string, (...args: unknown[]) => Tensor>;

function describeCase(c: CreationCase): string {
  const options = Object.keys(c.options).length > 0 ? `, ${JSON.stringify(c.options)}` : '';
  return `${c.fn}(${c.args.map((a) => JSON.stringify(a)).join(', ')}${options})`;
}

describe('creation functions match PyTorch 1.13', () => {
  it.each(fixtures.cases.map((c) => [describeCase(c), c] as const))('%s', (_name, c) => {
    torch.scope(() => {
      const t = creation[c.fn](...c.args, c.options);
      expect(t.shape).toEqual(c.shape);
      expect(t.dtype).toBe(c.dtype);
      const flat = c.shape.length === 0 ? [t.tolistSync()] : (t.reshape(-1).tolistSync() as (number | boolean)[]);
      if (c.fn === 'linspace') {
        // Known difference: PyTorch computes linspace in float32 from both ends; webtorch computes
        // start + i * step in double, so a value can differ by one float32 ulp.
        flat.forEach((v, i) => expect(v).toBeCloseTo(c.data[i] as number, 6));
      } else {
        expect(flat).toEqual(c.data);
      }
    });
  });
});

type Options = { dtype?: torch.DType; device?: string; requiresGrad?: boolean };

/** Calls of every creation function in API.md, each making 4 elements; `like` is a [2, 2] source. */
const creators: Record<string, (options: Options, like: Tensor) => Tensor> = {
  tensor: (options) =>
    torch.tensor(
      [
        [1, 0],
        [2, 3],
      ],
      options,
    ),
  zeros: (options) => torch.zeros(2, 2, options),
  ones: (options) => torch.ones([2, 2], options),
  full: (options) => torch.full([2, 2], 1, options),
  empty: (options) => torch.empty(2, 2, options),
  arange: (options) => torch.arange(0, 4, options),
  linspace: (options) => torch.linspace(0, 3, 4, options),
  eye: (options) => torch.eye(2, options),
  rand: (options) => torch.rand(2, 2, options),
  randn: (options) => torch.randn([2, 2], options),
  randint: (options) => torch.randint(0, 5, [2, 2], options),
  zerosLike: (options, like) => torch.zerosLike(like, options),
  onesLike: (options, like) => torch.onesLike(like, options),
  fullLike: (options, like) => torch.fullLike(like, 1, options),
  emptyLike: (options, like) => torch.emptyLike(like, options),
  randLike: (options, like) => torch.randLike(like, options),
  randnLike: (options, like) => torch.randnLike(like, options),
};

/** The dtypes PyTorch 1.13 accepts for each function (arange and linspace have no bool kernel). */
const dtypesOf = (name: string): torch.DType[] => {
  if (['rand', 'randn', 'randLike', 'randnLike'].includes(name)) return ['float32'];
  if (['arange', 'linspace', 'randint'].includes(name)) return ['float32', 'int32'];
  return ['float32', 'int32', 'bool'];
};

describe.each(Object.entries(creators))('%s options', (name, create) => {
  const withOptions = (options: Options) => torch.scope(() => create(options, torch.ones(2, 2)));

  it('gives a float32 tensor on the CPU that does not require grad by default', () => {
    const t = withOptions({});
    expect(t.numel()).toBe(4);
    expect(t.dtype).toBe(name === 'randint' ? 'int32' : 'float32');
    expect(t.device).toBe('cpu');
    expect(t.requiresGrad).toBe(false);
    expect(t.isLeaf).toBe(true);
    t.dispose();
  });

  it.each(['float32', 'int32', 'bool'] as const)('honours { dtype: %s } where PyTorch does', (dtype) => {
    if (dtypesOf(name).includes(dtype)) {
      const t = withOptions({ dtype });
      expect(t.dtype).toBe(dtype);
      t.dispose();
    } else if (name.startsWith('rand') && name !== 'randint') {
      expect(() => withOptions({ dtype })).toThrow(new RegExp(`${name.replace('Like', '')}: .*float32`));
    }
  });

  it("accepts { device: 'cpu' } and 'cpu:0', and names an unknown device", () => {
    for (const device of ['cpu', 'cpu:0']) {
      const t = withOptions({ device });
      expect(t.device).toBe('cpu');
      t.dispose();
    }
    expect(() => withOptions({ device: 'tpu' })).toThrow(/'tpu' is not available/);
  });

  it('makes a leaf that requires grad with { requiresGrad: true }', () => {
    torch.scope(() => {
      const t = create({ dtype: 'float32', requiresGrad: true }, torch.ones(2, 2));
      expect(t.requiresGrad).toBe(true);
      expect(t.isLeaf).toBe(true);
      expect(t.gradFn).toBeNull();
      t.mul(2).sum().backward();
      expect(t.grad!.tolistSync()).toEqual(torch.fullLike(t, 2).tolistSync());
    });
  });

  it('refuses requiresGrad on an int32 tensor, naming the dtype, without leaking', () => {
    if (!dtypesOf(name).includes('int32')) return;
    const like = torch.ones(2, 2);
    const before = torch.memory();
    expect(() => create({ dtype: 'int32', requiresGrad: true }, like)).toThrow(
      new RegExp(`^${name}: only float32 tensors can require gradients.*int32`),
    );
    expect(torch.memory()).toEqual(before);
    like.dispose();
  });
});

describe('creation details', () => {
  it('zeros, ones and empty take sizes as arguments or as one array', () => {
    torch.scope(() => {
      for (const create of [torch.zeros, torch.ones, torch.empty, torch.rand, torch.randn]) {
        expect(create(2, 3).shape).toEqual([2, 3]);
        expect(create([2, 3]).shape).toEqual([2, 3]);
        expect(create([]).shape).toEqual([]);
        expect(create(0).shape).toEqual([0]);
      }
    });
  });

  it('rejects negative and fractional sizes, naming the function', () => {
    expect(() => torch.zeros(2, -1)).toThrow(/zeros: .*\[2, -1\]/);
    expect(() => torch.ones([1.5])).toThrow(/ones: .*1\.5/);
    expect(() => torch.full([-2], 0)).toThrow(/full: .*-2/);
    expect(() => torch.arange(0, 1, 0)).toThrow(/arange: step/);
    expect(() => torch.arange(0, 5, -1)).toThrow(/arange: .*step/);
    expect(() => torch.linspace(0, 1, -1)).toThrow(/linspace: .*-1/);
  });

  it('tensor() accepts typed arrays and keeps their dtype', () => {
    torch.scope(() => {
      const f = torch.tensor(Float32Array.from([1.5, 2]));
      expect(f.dtype).toBe('float32');
      const i = torch.tensor(Int32Array.from([3, -4]));
      expect(i.dtype).toBe('int32');
      expect(i.tolistSync()).toEqual([3, -4]);
      expect(torch.tensor(Float32Array.from([1.9, -1.9]), { dtype: 'int32' }).tolistSync()).toEqual([1, -1]);
    });
  });

  it('tensor() copies its data: changing the array afterwards does not change the tensor', () => {
    torch.scope(() => {
      const data = Float32Array.from([1, 2, 3]);
      const t = torch.tensor(data);
      data[0] = 100;
      expect(t.tolistSync()).toEqual([1, 2, 3]);
    });
  });

  it('the *Like functions copy shape, dtype and device but not values or requiresGrad', () => {
    torch.scope(() => {
      const source = torch.arange(6, { dtype: 'int32' }).reshape(2, 3);
      for (const like of [torch.zerosLike(source), torch.onesLike(source), torch.fullLike(source, 7), torch.emptyLike(source)]) {
        expect(like.shape).toEqual([2, 3]);
        expect(like.dtype).toBe('int32');
        expect(like.storage).not.toBe(source.storage);
      }
      expect(torch.onesLike(source).tolistSync()).toEqual([
        [1, 1, 1],
        [1, 1, 1],
      ]);
      const grad = torch.ones([2], { requiresGrad: true });
      expect(torch.zerosLike(grad).requiresGrad).toBe(false);
      expect(torch.randnLike(grad).requiresGrad).toBe(false);
    });
  });

  it('manualSeed makes rand, randn and randint repeat', () => {
    torch.scope(() => {
      const draw = () => [torch.rand(5), torch.randn(5), torch.randint(10, [5])].map((t) => t.tolistSync());
      torch.manualSeed(7);
      const first = draw();
      torch.manualSeed(7);
      expect(draw()).toEqual(first);
      expect(draw()).not.toEqual(first);
    });
  });

  it('rand is uniform on [0, 1), randn standard normal, randint within [low, high)', () => {
    torch.scope(() => {
      torch.manualSeed(0);
      const u = torch.rand(20000);
      expect(u.min().itemSync()).toBeGreaterThanOrEqual(0);
      expect(u.max().itemSync()).toBeLessThan(1);
      expect(u.mean().itemSync()).toBeCloseTo(0.5, 1);
      const n = torch.randn(20000);
      expect(n.mean().itemSync()).toBeCloseTo(0, 1);
      expect(n.std().itemSync()).toBeCloseTo(1, 1);
      const k = torch.randint(-3, 4, [20000]);
      expect(k.dtype).toBe('int32');
      expect(k.min().itemSync()).toBe(-3);
      expect(k.max().itemSync()).toBe(3);
      expect(torch.randint(5, [3]).shape).toEqual([3]);
    });
  });

  it('eye writes only the diagonal, also for non-square shapes', () => {
    torch.scope(() => {
      expect(torch.eye(2, 3).tolistSync()).toEqual([
        [1, 0, 0],
        [0, 1, 0],
      ]);
      expect(torch.eye(3, 2, { dtype: 'int32' }).tolistSync()).toEqual([
        [1, 0],
        [0, 1],
        [0, 0],
      ]);
    });
  });

  it('dtype constants are the dtype strings', () => {
    expect(torch.float32).toBe('float32');
    expect(torch.int32).toBe('int32');
    expect(torch.bool).toBe('bool');
    expect(torch.zeros(1, { dtype: torch.bool }).dtype).toBe('bool');
  });
});
