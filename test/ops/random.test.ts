import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

/** Philox4x32-10 of one counter block, straight from the paper, in BigInt arithmetic. */
function philoxBlock(counter: bigint, seed: bigint): number[] {
  const mask = 0xffffffffn;
  let c = [counter & mask, counter >> 32n, 0n, 0n];
  let k0 = seed & mask;
  let k1 = seed >> 32n;
  for (let round = 0; round < 10; round++) {
    const p0 = 0xd2511f53n * c[0];
    const p1 = 0xcd9e8d57n * c[2];
    c = [((p1 >> 32n) ^ c[1] ^ k0) & mask, p1 & mask, ((p0 >> 32n) ^ c[3] ^ k1) & mask, p0 & mask];
    k0 = (k0 + 0x9e3779b9n) & mask;
    k1 = (k1 + 0xbb67ae85n) & mask;
  }
  return c.map(Number);
}

/** The raw 32-bit words of the stream: randint over the whole int32 range adds -2^31 to each. */
function rawWords(count: number, generator: torch.Generator): number[] {
  const ints = torch.randint(-(2 ** 31), 2 ** 31, [count], { generator });
  return Array.from(ints.dataSync(), (v) => (v ^ 0x80000000) >>> 0);
}

function stats(values: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(squares / (values.length - 1)) };
}

/** Occurrences of each value 0..categories-1. */
function histogram(values: ArrayLike<number>, categories: number): number[] {
  const counts = new Array<number>(categories).fill(0);
  for (let i = 0; i < values.length; i++) counts[values[i]]++;
  return counts;
}

describe('the Philox stream', () => {
  it('matches the Random123 known-answer vector for counter 0, key 0', () => {
    const g = new torch.Generator().manualSeed(0);
    expect(rawWords(4, g)).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
  });

  it('matches a reference implementation for a 64-bit seed and counters crossing 2^32', () => {
    const seed = (0xa4093822n << 32n) | 0x299f31d0n;
    const offset = 2 ** 32 - 3;
    const g = new torch.Generator().setState({ seed, offset });
    // 37 words: whole SIMD groups, a partial one, and a counter carry into its high word.
    const expected = Array.from({ length: 10 }, (_, b) => philoxBlock(BigInt(offset + b), seed))
      .flat()
      .slice(0, 37);
    expect(rawWords(37, g)).toEqual(expected);
    expect(g.getState().offset).toBe(offset + 10);
  });

  it('makes element i a function of (seed, offset, i) only', () => {
    for (const draw of [
      (n: number) => torch.rand(n),
      (n: number) => torch.randn(n),
      (n: number) => torch.randint(0, 1000, [n]),
      (n: number) => torch.bernoulli(torch.full([n], 0.3)),
    ]) {
      torch.manualSeed(11);
      const long = Array.from(draw(77).dataSync());
      torch.manualSeed(11);
      const short = Array.from(draw(13).dataSync());
      expect(short).toEqual(long.slice(0, 13));
    }
  });
});

describe('generators and seeding', () => {
  it('replays after manualSeed and differs between seeds', () => {
    torch.manualSeed(42);
    const a = torch.randn(100).dataSync();
    const b = torch.randn(100).dataSync();
    torch.manualSeed(42);
    expect(torch.randn(100).dataSync()).toEqual(a);
    expect(torch.randn(100).dataSync()).toEqual(b);
    expect(b).not.toEqual(a);
    torch.manualSeed(43);
    expect(torch.randn(100).dataSync()).not.toEqual(a);
  });

  it('keeps a Generator independent of the default stream', () => {
    const g = new torch.Generator().manualSeed(7);
    const first = torch.rand([3, 4], { generator: g }).dataSync();
    torch.rand(10);
    g.manualSeed(7);
    torch.rand(10);
    expect(torch.rand([3, 4], { generator: g }).dataSync()).toEqual(first);
  });

  it('exposes its state as (seed, offset) and restores it', () => {
    const g = new torch.Generator().manualSeed(5);
    expect(g.initialSeed()).toBe(5);
    torch.rand(9, { generator: g });
    const state = g.getState();
    expect(state).toEqual({ seed: 5n, offset: 3 });
    const next = torch.randn(6, { generator: g }).dataSync();
    g.setState(state);
    expect(torch.randn(6, { generator: g }).dataSync()).toEqual(next);
  });

  it('returns the default generator from manualSeed and wraps negative seeds to 64 bits', () => {
    expect(torch.manualSeed(3)).toBe(torch.defaultGenerator);
    expect(torch.initialSeed()).toBe(3);
    torch.manualSeed(-1);
    expect(torch.initialSeed()).toBe(2n ** 64n - 1n);
    expect(new torch.Generator().initialSeed()).toBe(67280421310721);
    expect(typeof torch.seed()).toBe('number');
  });

  it('rejects seeds that are not integers', () => {
    expect(() => torch.manualSeed(1.5)).toThrow(/manualSeed: seed must be an integer/);
    expect(() => torch.manualSeed(2n ** 64n)).toThrow(/manualSeed: seed must be in \[-2\^63, 2\^64\)/);
  });
});

describe('rand, randn, randLike, randnLike', () => {
  it('accept sizes as arguments or an array, with options', () => {
    expect(torch.rand(2, 3).shape).toEqual([2, 3]);
    expect(torch.randn([4], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(torch.rand([]).shape).toEqual([]);
    expect(torch.randn(0, 5).shape).toEqual([0, 5]);
    const like = torch.randLike(torch.zeros(3, 2));
    expect([like.shape, like.dtype]).toEqual([[3, 2], 'float32']);
    expect(torch.randnLike(torch.zeros(5)).shape).toEqual([5]);
  });

  it('draws uniforms in [0, 1) with the right moments', () => {
    torch.manualSeed(1);
    const u = torch.rand(100_000).dataSync();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const { mean, std } = stats(u);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(std).toBeCloseTo(Math.sqrt(1 / 12), 2);
  });

  it('draws standard normals with the right moments and tails', () => {
    torch.manualSeed(2);
    const z = torch.randn(100_000).dataSync();
    const { mean, std } = stats(z);
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(std - 1)).toBeLessThan(0.015);
    const within = (k: number) => z.filter((v) => Math.abs(v) < k).length / z.length;
    expect(within(1)).toBeCloseTo(0.6827, 2);
    expect(within(2)).toBeCloseTo(0.9545, 2);
    expect(1 - within(3)).toBeCloseTo(0.0027, 3);
  });

  it('rejects integer dtypes', () => {
    expect(() => torch.rand(2, { dtype: 'int32' })).toThrow(/rand: dtype must be float32, got int32/);
    expect(() => torch.randn(2, { dtype: 'bool' })).toThrow(/randn: dtype must be float32, got bool/);
  });
});

describe('randint', () => {
  it('takes (high, size) or (low, high, size) and gives int32 in [low, high)', () => {
    torch.manualSeed(3);
    const a = torch.randint(5, [1000]);
    expect([a.dtype, a.shape]).toEqual(['int32', [1000]]);
    expect(histogram(a.dataSync(), 5).every((c) => c > 150)).toBe(true);
    const b = torch.randint(-3, 4, [2, 500]).dataSync();
    expect(Math.min(...b)).toBe(-3);
    expect(Math.max(...b)).toBe(3);
    expect(torch.randint(0, 2, [3], { dtype: 'float32' }).dtype).toBe('float32');
  });

  it('is uniform over its range', () => {
    torch.manualSeed(4);
    const counts = histogram(torch.randint(0, 10, [100_000]).dataSync(), 10);
    for (const c of counts) expect(Math.abs(c / 100_000 - 0.1)).toBeLessThan(0.006);
  });

  it('rejects empty or non-integer ranges and a missing size', () => {
    expect(() => torch.randint(5, 5, [2])).toThrow(/randint: expects 'low' to be less than 'high', but got low=5 >= high=5/);
    expect(() => torch.randint(0.5, [2])).toThrow(/randint: low and high must be integers/);
    expect(() => torch.randint(0, 2 ** 32, [2])).toThrow(/randint: \[low, high\) = \[0, 4294967296\) must lie within the int32 range/);
    expect(() => (torch.randint as (...a: number[]) => torch.Tensor)(5, 3)).toThrow(/randint: size must be an array of sizes/);
  });
});

describe('randperm', () => {
  it('returns a permutation of 0..n-1', () => {
    torch.manualSeed(5);
    const p = torch.randperm(1000);
    expect(p.dtype).toBe('int32');
    expect([...p.dataSync()].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(torch.randperm(0).shape).toEqual([0]);
  });

  it('puts every element in every position equally often', () => {
    torch.manualSeed(6);
    const firsts = Array.from({ length: 4000 }, () => torch.randperm(4).dataSync()[0]);
    for (const c of histogram(firsts, 4)) expect(Math.abs(c / 4000 - 0.25)).toBeLessThan(0.03);
  });

  it('rejects a negative n', () => {
    expect(() => torch.randperm(-1)).toThrow(/randperm: n must be a non-negative integer, got -1/);
  });
});

describe('bernoulli', () => {
  it("draws 1 with each element's probability", () => {
    torch.manualSeed(7);
    const p = torch.tensor([0, 0.2, 0.9, 1]).expand(50_000, 4);
    const draws = torch.bernoulli(p);
    expect(draws.shape).toEqual([50_000, 4]);
    const means = draws.mean(0).dataSync();
    expect(means[0]).toBe(0);
    expect(means[1]).toBeCloseTo(0.2, 2);
    expect(means[2]).toBeCloseTo(0.9, 2);
    expect(means[3]).toBe(1);
  });

  it('takes one probability for all elements, as a function, method or in place', () => {
    torch.manualSeed(8);
    const x = torch.zeros(100_000);
    expect(torch.bernoulli(x, 0.3).mean().itemSync()).toBeCloseTo(0.3, 2);
    expect(torch.full([100_000], 0.6).bernoulli().mean().itemSync()).toBeCloseTo(0.6, 2);
    expect(x.bernoulli_(0.25).mean().itemSync()).toBeCloseTo(0.25, 2);
  });

  it('rejects probabilities outside [0, 1]', () => {
    expect(() => torch.bernoulli(torch.zeros(2), 1.5)).toThrow(/bernoulli: p must be in \[0, 1\], got 1.5/);
  });
});

describe('multinomial', () => {
  it('draws with replacement in proportion to unnormalised weights', () => {
    torch.manualSeed(9);
    const samples = torch.multinomial(torch.tensor([1, 0, 3, 6]), 100_000, { replacement: true });
    expect([samples.dtype, samples.shape]).toEqual(['int32', [100_000]]);
    const counts = histogram(samples.dataSync(), 4);
    expect(counts[1]).toBe(0);
    [0.1, 0, 0.3, 0.6].forEach((p, i) => expect(Math.abs(counts[i] / 100_000 - p)).toBeLessThan(0.006));
  });

  it('draws distinct categories without replacement, the first in proportion to the weights', () => {
    torch.manualSeed(10);
    const weights = torch.tensor([
      [1, 2, 3, 4],
      [4, 0, 0, 1],
    ]);
    const rows = torch.multinomial(weights.expand(2, 4), 4);
    expect(rows.shape).toEqual([2, 4]);
    const [first, second] = rows.tolistSync() as number[][];
    expect([...first].sort()).toEqual([0, 1, 2, 3]);
    expect([...second].sort()).toEqual([0, 1, 2, 3]);
    expect(second.slice(2).sort()).toEqual([1, 2]);
    const firstPicks = torch.multinomial(weights.index(0).unsqueeze(0).expand(20_000, 4), 1).dataSync();
    histogram(firstPicks, 4).forEach((c, i) => expect(Math.abs(c / 20_000 - (i + 1) / 10)).toBeLessThan(0.012));
  });

  it('is a Tensor method and takes a generator', () => {
    const g = new torch.Generator().manualSeed(1);
    const a = torch.tensor([0.2, 0.8]).multinomial(5, { replacement: true, generator: g }).dataSync();
    g.manualSeed(1);
    expect(torch.multinomial(torch.tensor([0.2, 0.8]), 5, { replacement: true, generator: g }).dataSync()).toEqual(a);
  });

  it('rejects negative, infinite and NaN weights', () => {
    for (const bad of [-1, Infinity, NaN]) {
      expect(() => torch.multinomial(torch.tensor([1, bad]), 1)).toThrow(
        /multinomial: probability tensor contains either inf, nan or element < 0/,
      );
    }
  });

  it('rejects a row of zeros', () => {
    expect(() =>
      torch.multinomial(
        torch.tensor([
          [1, 1],
          [0, 0],
        ]),
        1,
      ),
    ).toThrow(/multinomial: invalid multinomial distribution \(sum of probabilities <= 0/);
  });

  it('rejects more samples than categories without replacement', () => {
    expect(() => torch.multinomial(torch.tensor([1, 1]), 3)).toThrow(
      /multinomial: cannot sample numSamples \(3\) > input.size\(-1\) \(2\) samples without replacement/,
    );
  });

  it('rejects inputs that are not 1-D or 2-D float weights, and bad sample counts', () => {
    expect(() => torch.multinomial(torch.ones(2, 2, 2), 1)).toThrow(/multinomial: input must be 1-D or 2-D, got shape \[2, 2, 2\]/);
    expect(() => torch.multinomial(torch.tensor([1, 2], { dtype: 'int32' }), 1)).toThrow(
      /multinomial: input must be float32 weights, got int32/,
    );
    expect(() => torch.multinomial(torch.ones(3), 0)).toThrow(/multinomial: numSamples must be a positive integer, got 0/);
  });
});

describe('uniform_ and normal_', () => {
  it('fill in place, through views, with the requested range and moments', () => {
    torch.manualSeed(12);
    const x = torch.zeros(400, 250);
    const view = x.t();
    expect(view.uniform_(-2, 3)).toBe(view);
    const values = x.dataSync();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...values)).toBeLessThan(3);
    expect(stats(values).mean).toBeCloseTo(0.5, 1);
    const { mean, std } = stats(x.normal_(4, 0.5).dataSync());
    expect(mean).toBeCloseTo(4, 2);
    expect(std).toBeCloseTo(0.5, 2);
  });

  it('replay with a generator', () => {
    const g = new torch.Generator().manualSeed(2);
    const a = torch.empty(5).normal_(0, 1, { generator: g }).dataSync();
    g.manualSeed(2);
    expect(torch.empty(5).normal_(0, 1, { generator: g }).dataSync()).toEqual(a);
  });

  it('refuse a leaf that requires grad outside noGrad', () => {
    const w = torch.zeros(3, { requiresGrad: true });
    expect(() => w.uniform_()).toThrow(/uniform_: a leaf tensor that requires grad is being used in an in-place operation/);
    torch.noGrad(() => w.normal_());
    expect(w.requiresGrad).toBe(true);
  });

  it('cut a graph tensor off from the values they overwrite', () => {
    const w = torch.ones(3, { requiresGrad: true });
    const h = w.mul(2);
    h.uniform_();
    expect(h.requiresGrad).toBe(false);
    h.mul(w).sum().backward();
    expect(w.grad!.dataSync()).toEqual(h.dataSync());
  });

  it('refuse expanded views, whose elements share memory', () => {
    expect(() => torch.zeros(3, 1).expand(3, 4).normal_()).toThrow(
      /normal_: unsupported operation: more than one element of the written-to tensor/,
    );
  });

  it('reject bad arguments', () => {
    expect(() => torch.zeros(2).uniform_(1, 0)).toThrow(/uniform_: expects from <= to/);
    expect(() => torch.zeros(2).normal_(0, -1)).toThrow(/normal_: expects std >= 0.0, but found std -1/);
    expect(() => torch.zeros(2, { dtype: 'int32' }).normal_()).toThrow(/normal_: argument 'self' must have dtype float32, got int32/);
  });
});

describe('dropout', () => {
  it('zeroes a fraction p and scales the rest by 1 / (1 - p)', () => {
    torch.manualSeed(13);
    const out = torch.dropout(torch.ones(1000, 100), 0.3).dataSync();
    const kept = out.filter((v) => v !== 0);
    expect(kept.length / out.length).toBeCloseTo(0.7, 2);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.7)]));
  });

  it('is the identity when not training or p = 0, and zeroes everything for p = 1', () => {
    const x = torch.randn(4, 5);
    expect(torch.dropout(x, 0.5, false)).toBe(x);
    expect(torch.dropout(x, 0)).toBe(x);
    expect(
      torch
        .dropout(x, 1)
        .dataSync()
        .every((v) => v === 0),
    ).toBe(true);
  });

  it('backpropagates through the same mask', () => {
    torch.manualSeed(14);
    const x = torch.ones(20, 30, { requiresGrad: true });
    const out = torch.dropout(x, 0.4);
    expect(out.gradFn!.name).toBe('NativeDropoutBackward0');
    out.sum().backward();
    expect(x.grad!.dataSync()).toEqual(out.dataSync());
  });

  it('passes gradcheck with the mask fixed by the seed', async () => {
    const x = torch.randn(6, 7).requiresGrad_();
    const fn = (a: torch.Tensor) => {
      torch.manualSeed(15);
      return torch.dropout(a, 0.5);
    };
    expect(await torch.autograd.gradcheck(fn, [x])).toBe(true);
  });

  it('rejects p outside [0, 1]', () => {
    expect(() => torch.dropout(torch.ones(2), 1.5)).toThrow(/dropout: dropout probability has to be between 0 and 1, but got 1.5/);
  });
});

describe('memory', () => {
  it('random ops leave no temporaries behind', () => {
    const x = torch.randn(8, 9).requiresGrad_();
    const before = torch.memory();
    torch.scope(() => {
      torch.randperm(50);
      torch.multinomial(torch.rand(3, 7), 4);
      torch.multinomial(torch.rand(7).t(), 20, { replacement: true });
      torch.bernoulli(torch.rand(9, 8).t());
      torch.dropout(x, 0.5).sum().backward();
      torch.empty(5, 6).t().normal_();
    });
    x.grad!.dispose();
    x.grad = null;
    expect(torch.memory()).toEqual(before);
  });
});
