// The indexing ops on webgpu: PyTorch's fixtures (the CPU suite's cases; bool tensor masks, whose
// values decide the result's shape, through the async forms), cpu and webgpu agreeing forward and
// backward on random shapes with contiguous, transposed, strided and broadcast operands, and the
// errors only a kernel sees raised at the next read with the CPU's messages. Everything here moves
// or selects values, so results must agree exactly; sums (scatterAdd, indexAdd, accumulate and
// every backward, which the GPU adds with atomics in no fixed order) are of values on a grid
// (integers, eighths), which add exactly in any order, except in one test of the float bound.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { B, cases, entryOf, expectCaseMatches, fixtures, type IndexingFunction, L, MASK, values } from '../helpers/indexing-fixtures.js';
import { Choices, EXACT, expectAgree, LAYOUTS, type Pair, pair, type Tolerance } from './compare.js';
import { webgpuReady } from './gpu.js';

type Tensor = torch.Tensor;

const ready = await webgpuReady();

const normal = (shape: number[]) => torch.randn(shape);
/** Values that add exactly in any order: eighths in [-4, 4]. */
const eighths = (shape: number[]) => torch.randint(-32, 33, shape).div(8);
const indices =
  (high: number, low = 0) =>
  (shape: number[]) =>
    torch.randint(low, high, shape, { dtype: 'int32' });

type Fn = (...xs: Tensor[]) => Tensor | Promise<Tensor>;

/**
 * Runs `cpu` on the pairs' cpu operands and `gpu` (the same op, or its async form) on their webgpu
 * ones and compares the results; then backpropagates the same integer upstream gradient on both
 * and compares the gradients of every leaf that requires grad (exactly: they are sums of integers).
 * The pairs' views serve several calls, so their graph is retained and the leaves' grads reset.
 */
async function agree(what: string, cpu: Fn, gpu: Fn, pairs: Pair[], tolerance: Tolerance = EXACT): Promise<void> {
  const cpuOut = await cpu(...pairs.map((p) => p.cpu));
  const gpuOut = await gpu(...pairs.map((p) => p.gpu));
  await expectAgree(what, gpuOut, cpuOut, tolerance);
  if (!cpuOut.requiresGrad) return;
  for (const p of pairs) {
    p.cpuLeaf.grad = null;
    p.gpuLeaf.grad = null;
  }
  const upstream = torch.randint(-4, 5, cpuOut.shape).float();
  cpuOut.backward(upstream, { retainGraph: true });
  gpuOut.backward(upstream.to('webgpu'), { retainGraph: true });
  for (const [k, p] of pairs.entries()) {
    // A base written in place through a view stops being a leaf.
    if (p.cpuLeaf.requiresGrad && p.cpuLeaf.isLeaf)
      await expectAgree(`${what}: gradient of operand ${k}`, p.gpuLeaf.grad!, p.cpuLeaf.grad!, EXACT);
  }
}

/** An operand on both devices, laid out at random; `requiresGrad` for the differentiable ones. */
function operand(choices: Choices, shape: number[], make: (shape: number[]) => Tensor, requiresGrad = false, layouts = LAYOUTS): Pair {
  return pair(shape, choices.pick(layouts), make, { requiresGrad, choices });
}

/** The error the cpu raises at once, which webgpu must raise at the next read. */
function cpuError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the cpu raised no error');
}

/** The message webgpu raises when a kernel found the error (the cpu's, then where it was found). */
const foundLater = (message: string) => `${message}; found by a kernel on webgpu, which reports such errors at the next read`;

describe.skipIf(!ready)('indexing on webgpu', () => {
  describe('PyTorch 1.13 fixtures', () => {
    beforeAll(() => torch.setDefaultDevice('webgpu'));
    afterAll(() => torch.setDefaultDevice('cpu'));

    // What differs on webgpu: bool tensor masks go through the async forms, and oneHot gets numClasses.
    const webgpuCases: Record<string, IndexingFunction> = {
      ...cases,
      'index bool mask': async (x) => [await x.indexAsync(MASK()), x.index(':', [true, false, true, true])],
      'indexPut bool mask': async (x, v) => [await x.mul(1).indexPutAsync_([MASK()], v)],
      oneHot: () => [
        torch.oneHot(
          L([
            [0, 2],
            [1, 1],
          ]),
          3,
        ),
        torch.oneHot(L([3, 0]), 5),
      ],
    };
    for (const fixture of fixtures.cases) {
      it(fixture.name, () => expectCaseMatches(fixture, webgpuCases[fixture.name], 'webgpu'));
    }

    describe('random index expressions: x[...] and x[...] = v through indexAsync and indexPutAsync_', () => {
      for (const [n, fixture] of fixtures.random.entries()) {
        it(`${n}: x[${JSON.stringify(fixture.entries).slice(1, -1)}]`, async () => {
          const x = torch.arange(24).reshape(2, 3, 4);
          const entries = fixture.entries.map(entryOf);
          if (fixture.error !== undefined) {
            // Synchronous on the cpu; on webgpu an index out of range is found by a kernel and raised at the read.
            const read = async (promise: Promise<Tensor>) => (await promise).data();
            const bound = /index (-?\d+) is out of bounds for dimension \d+ with size (\d+)/.exec(fixture.error);
            await expect(read(x.indexAsync(...entries))).rejects.toThrow(
              bound ? `index: index ${bound[1]} is out of bounds for dimension` : /^index: /,
            );
            await expect(read(x.clone().indexPutAsync_(entries, 0))).rejects.toThrow(/^indexPut_: /);
            return;
          }
          const result = await x.indexAsync(...entries);
          expect(result.device).toBe('webgpu');
          expect(result.shape).toEqual(fixture.shape);
          expect(await values(result)).toEqual(fixture.data);
          const y = await x.clone().indexPutAsync_(
            entries,
            torch
              .arange(1, result.numel() + 1)
              .neg()
              .reshape(result.shape),
          );
          expect(await values(y)).toEqual(fixture.put);
        });
      }
    });
  });

  describe('cpu and webgpu agree on random shapes and layouts', () => {
    beforeEach(() => torch.manualSeed(11));

    /** A random input shape, a dim, and an index shape that fits it, up to `along` positions along dim. */
    function gatherShapes(choices: Choices, along: number) {
      const shape = choices.shape(1, 4, 5);
      const dim = choices.int(0, shape.length - 1);
      const indexShape = shape.map((size, d) => (d === dim ? choices.int(1, along) : choices.int(1, size)));
      return { shape, dim, indexShape };
    }

    it('gather, forward and backward', async () => {
      const choices = new Choices(1);
      for (let trial = 0; trial < 24; trial++) {
        const { shape, dim, indexShape } = gatherShapes(choices, 7);
        const input = operand(choices, shape, normal, true);
        const index = operand(choices, indexShape, indices(shape[dim]));
        const fn = (x: Tensor, i: Tensor) => x.gather(dim, i);
        await agree(`gather(${dim}) of [${shape}] by [${indexShape}]`, fn, fn, [input, index]);
      }
    });

    // Many positions per line along dim for few targets: most elements are written several times,
    // the last write winning (scatter) or all adding up (scatterAdd, of eighths: exact in any order).
    for (const [op, values, seed] of [
      ['scatter', normal, 2],
      ['scatterAdd', eighths, 3],
    ] as const) {
      it(`${op} and ${op}_ with duplicate indices, forward and backward`, async () => {
        const choices = new Choices(seed);
        for (let trial = 0; trial < 24; trial++) {
          const { shape, dim, indexShape } = gatherShapes(choices, 9);
          const input = operand(choices, shape, values, true);
          const index = operand(choices, indexShape, indices(shape[dim]));
          const src = operand(choices, indexShape, values, true);
          const fn = (x: Tensor, i: Tensor, s: Tensor) => x[op](dim, i, s);
          await agree(`${op}(${dim}) into [${shape}] by [${indexShape}]`, fn, fn, [input, index, src]);
          // In place through a transposed or strided view of the target.
          const target = operand(choices, shape, values, false, ['contiguous', 'permuted', 'strided']);
          const inPlace = (x: Tensor, i: Tensor, s: Tensor) => x[`${op}_`](dim, i, s);
          await agree(`${op}_(${dim}) through a view`, inPlace, inPlace, [target, index, src]);
          await expectAgree(`${op}_: the viewed base`, target.gpuLeaf, target.cpuLeaf, EXACT);
        }
      });
    }

    it('scatter of a value, and indexAdd', async () => {
      const choices = new Choices(4);
      for (let trial = 0; trial < 24; trial++) {
        const { shape, dim, indexShape } = gatherShapes(choices, 9);
        const input = operand(choices, shape, eighths, true);
        const index = operand(choices, indexShape, indices(shape[dim]));
        const value = (x: Tensor, i: Tensor) => x.scatter(dim, i, -2.5);
        await agree(`scatter(${dim}) of a value into [${shape}]`, value, value, [input, index]);
        const vector = operand(choices, [choices.int(0, 8)], indices(shape[dim]));
        const source = operand(
          choices,
          shape.map((size, d) => (d === dim ? vector.cpu.numel() : size)),
          eighths,
          true,
        );
        const add = (x: Tensor, i: Tensor, s: Tensor) => x.indexAdd(dim, i, s);
        await agree(`indexAdd(${dim}) into [${shape}]`, add, add, [input, vector, source]);
      }
    });

    it('int32 scatter, scatterAdd and gather, and bool gather', async () => {
      const choices = new Choices(40);
      const x = operand(choices, [4, 6], indices(100, -100));
      const index = operand(choices, [5, 6], indices(4));
      const src = operand(choices, [5, 6], indices(1000, -1000));
      await agree(
        'int32 scatterAdd',
        (a, i, s) => a.scatterAdd(0, i, s),
        (a, i, s) => a.scatterAdd(0, i, s),
        [x, index, src],
      );
      await agree(
        'int32 scatter',
        (a, i, s) => a.scatter(0, i, s),
        (a, i, s) => a.scatter(0, i, s),
        [x, index, src],
      );
      await agree(
        'int32 gather',
        (a, i) => a.gather(0, i),
        (a, i) => a.gather(0, i),
        [x, index],
      );
      const mask = operand(choices, [4, 6], (s) => torch.rand(s).gt(0.5));
      await agree(
        'bool gather',
        (a, i) => a.gather(0, i),
        (a, i) => a.gather(0, i),
        [mask, index],
      );
    });

    it('scatterAdd of float32 sums within the float bound of a sum', async () => {
      // 2000 terms into 5 elements: the GPU's atomics add them in another order than the CPU.
      const src = torch.randn(2000);
      const index = torch.randint(0, 5, [2000], { dtype: 'int32' });
      const cpu = torch.zeros(5).scatterAdd(0, index, src);
      const gpu = torch.zeros(5, { device: 'webgpu' }).scatterAdd(0, index.to('webgpu'), src.to('webgpu'));
      const magnitudes = torch.zeros(5).scatterAdd(0, index, src.abs());
      // |error| <= (n - 1) * 2^-24 * sum |terms| for any order of n additions.
      await expectAgree('scatterAdd of 2000 normals', gpu, cpu, {
        rtol: 0,
        atol: magnitudes.mul(2000 * 2 ** -24).dataSync() as Float32Array,
      });
    });

    it('indexSelect, forward and backward', async () => {
      const choices = new Choices(5);
      for (let trial = 0; trial < 24; trial++) {
        const shape = choices.shape(1, 4, 5);
        const dim = choices.int(0, shape.length - 1);
        const input = operand(choices, shape, normal, true);
        const index = operand(choices, [choices.int(0, 8)], indices(shape[dim]));
        const fn = (x: Tensor, i: Tensor) => x.indexSelect(dim, i);
        await agree(`indexSelect(${dim}) of [${shape}]`, fn, fn, [input, index]);
      }
      // Rows of an embedding table, the common case: one index per contiguous row.
      const table = pair([300, 37], 'contiguous', normal, { requiresGrad: true });
      const rows = pair([500], 'contiguous', indices(300));
      await agree(
        'indexSelect of 500 rows',
        (x, i) => x.indexSelect(0, i),
        (x, i) => x.indexSelect(0, i),
        [table, rows],
      );
    });

    it('maskedFill and maskedFill_ with broadcast masks, numbers and 0-d tensors', async () => {
      const choices = new Choices(6);
      for (let trial = 0; trial < 16; trial++) {
        const shape = choices.shape(1, 4, 5);
        const input = operand(choices, shape, normal, true);
        const mask = operand(
          choices,
          shape.map((size) => (choices.next() < 0.3 ? 1 : size)),
          (s) => torch.rand(s).gt(0.5),
        );
        const value = operand(choices, [], normal, true, ['contiguous']);
        await agree(
          'maskedFill with a number',
          (x, m) => x.maskedFill(m, 3.5),
          (x, m) => x.maskedFill(m, 3.5),
          [input, mask],
        );
        await agree(
          'maskedFill with a 0-d tensor',
          (x, m, v) => x.maskedFill(m, v),
          (x, m, v) => x.maskedFill(m, v),
          [input, mask, value],
        );
        const fill = (x: Tensor, m: Tensor) => x.mul(1).maskedFill_(m, -1);
        await agree('maskedFill_', fill, fill, [input, mask]);
      }
    });

    it('oneHot of any layout, with numClasses', async () => {
      const choices = new Choices(7);
      for (let trial = 0; trial < 8; trial++) {
        const classes = choices.int(1, 6);
        const labels = operand(choices, choices.shape(0, 3, 4), indices(classes));
        await agree(
          `oneHot(${classes})`,
          (l) => torch.oneHot(l, classes),
          (l) => torch.oneHot(l, classes),
          [labels],
        );
      }
    });

    describe('index and indexPut_ with every index form', () => {
      /**
       * Index expressions over a tensor of `shape` (3-D), each form of API.md's list: numbers, slice
       * strings, null, '...', booleans, int32 tensors (of random layouts) and lists, bool tensors
       * and arrays (masks), and 0-d tensors, which act as numbers.
       */
      function forms(shape: number[], choices: Choices): [string, torch.IndexEntry[], torch.IndexEntry[]][] {
        const [a, b, c] = shape;
        const both = (p: Pair): [Tensor, Tensor] => [p.cpu, p.gpu];
        const [i2, i2g] = both(operand(choices, [2, 3], indices(b, -b)));
        const [i1, i1g] = both(operand(choices, [4], indices(c, -c)));
        const [first, firstGpu] = both(operand(choices, [3], indices(a)));
        const [mask, maskGpu] = both(operand(choices, [a, b], (s) => torch.rand(s).gt(0.4)));
        const [lastMask, lastMaskGpu] = both(operand(choices, [c], (s) => torch.rand(s).gt(0.4)));
        const scalar = L(choices.int(-b, b - 1));
        const flag = B(choices.next() < 0.5);
        const same = (...entries: torch.IndexEntry[]): [torch.IndexEntry[], torch.IndexEntry[]] => [entries, entries];
        return [
          ['a number', ...same(choices.int(-a, a - 1))],
          ['numbers and slices', ...same(':', choices.int(0, b - 1), '1:')],
          ['slices with steps', ...same('::2', '-2:', '0::3')],
          ['null and an ellipsis', ...same(null, '...', choices.int(0, c - 1), null)],
          ['true and false', ...same(true, ':', false)],
          ['an int32 tensor, negative values included', [':', i2], [':', i2g]],
          ['adjacent int32 tensors broadcast', [':', i2, i1.index(':3')], [':', i2g, i1g.index(':3')]],
          ['separated int32 tensors go first', [first, ':', i1.index(':3')], [firstGpu, ':', i1g.index(':3')]],
          ['a list with duplicates', ...same([0, a - 1, 0])],
          [
            'a nested list',
            ...same(':', [
              [0, b - 1],
              [-1, 0],
            ]),
          ],
          [
            'a bool array',
            ...same(
              ':',
              ':',
              Array.from({ length: c }, (_, k) => k % 2 === 0),
            ),
          ],
          ['a bool mask over two dims', [mask], [maskGpu]],
          ['a bool mask after a slice', ['1:', ':', lastMask], ['1:', ':', lastMaskGpu]],
          ['a 0-d int32 tensor', [':', scalar], [':', scalar.to('webgpu')]],
          ['a 0-d int32 tensor between tensors', [first, scalar, i1.index(':3')], [firstGpu, scalar.to('webgpu'), i1g.index(':3')]],
          ['a 0-d bool tensor', [flag, -1], [flag.to('webgpu'), -1]],
        ];
      }

      it('index (indexAsync where a bool tensor decides the shape), forward and backward', async () => {
        const choices = new Choices(8);
        for (let trial = 0; trial < 3; trial++) {
          const shape = [choices.int(2, 4), choices.int(2, 4), choices.int(3, 5)];
          const x = operand(choices, shape, normal, true);
          for (const [name, cpuEntries, gpuEntries] of forms(shape, choices)) {
            const masked = gpuEntries.some((entry) => entry instanceof torch.Tensor && entry.dtype === 'bool');
            await agree(
              `x[${name}] of [${shape}]`,
              (t) => t.index(...cpuEntries),
              (t) => (masked ? t.indexAsync(...gpuEntries) : t.index(...gpuEntries)),
              [x],
            );
          }
        }
      });

      it('indexPut_ and indexPut with values and numbers, written and accumulated, forward and backward', async () => {
        const choices = new Choices(9);
        for (let trial = 0; trial < 3; trial++) {
          const shape = [choices.int(2, 4), choices.int(2, 4), choices.int(3, 5)];
          const x = operand(choices, shape, eighths, true);
          for (const [name, cpuEntries, gpuEntries] of forms(shape, choices)) {
            const resultShape = x.cpu.index(...cpuEntries).shape;
            const v = operand(
              choices,
              resultShape.map((size) => (choices.next() < 0.3 ? 1 : size)),
              eighths,
              true,
            );
            for (const accumulating of [false, true]) {
              const cpuPut = (t: Tensor, values: Tensor) => t.mul(1).indexPut_(cpuEntries, values, { accumulate: accumulating });
              const gpuPut = (t: Tensor, values: Tensor) => t.mul(1).indexPutAsync_(gpuEntries, values, { accumulate: accumulating });
              await agree(`x[${name}] ${accumulating ? '+' : ''}= v of [${v.cpu.shape}]`, cpuPut, gpuPut, [x, v]);
            }
            const cpuNumber = (t: Tensor) => t.indexPut(cpuEntries, 2.5);
            await agree(`x[${name}] = 2.5`, cpuNumber, (t) => t.indexPutAsync(gpuEntries, 2.5), [x]);
          }
        }
      });

      it('sync index and indexPut_ without bool tensors match too', async () => {
        const x = torch.arange(60).reshape(3, 4, 5);
        const gpu = x.to('webgpu');
        const entries: torch.IndexEntry[] = [[2, 0], ':', L([[4], [-1]])];
        await expectAgree(
          'index',
          gpu.index(...entries.map((e) => (e instanceof torch.Tensor ? e.to('webgpu') : e))),
          x.index(...entries),
          EXACT,
        );
        const cpuPut = x.clone().indexPut_([L(1), '::2'], torch.tensor([7, 8]).reshape(2, 1));
        const gpuPut = gpu.clone().indexPut_([L(1).to('webgpu'), '::2'], torch.tensor([7, 8], { device: 'webgpu' }).reshape(2, 1));
        await expectAgree('indexPut_ with a 0-d index', gpuPut, cpuPut, EXACT);
        await expectAgree(
          'indexPut accumulate',
          gpu.indexPut([[0, 0, 2]], torch.ones(1, 5, { device: 'webgpu' }), { accumulate: true }),
          x.indexPut([[0, 0, 2]], torch.ones(1, 5), { accumulate: true }),
          EXACT,
        );
      });
    });
  });

  describe("errors a kernel finds are raised at the next read, with the cpu's message", () => {
    const x = () => torch.ones(2, 5);
    const gpuOnes = () => torch.ones(2, 5, { device: 'webgpu' });
    const G = (v: torch.NestedArray) => torch.tensor(v, { dtype: 'int32', device: 'webgpu' });

    const cases: [string, () => unknown, () => Tensor][] = [
      ['gather, too large', () => x().gather(1, L([[0, 7]])), () => gpuOnes().gather(1, G([[0, 7]]))],
      ['gather, negative', () => x().gather(1, L([[-1]])), () => gpuOnes().gather(1, G([[-1]]))],
      ['indexSelect', () => x().indexSelect(0, L([0, 2])), () => gpuOnes().indexSelect(0, G([0, 2]))],
      ['indexSelect, negative', () => x().indexSelect(1, L([-1])), () => gpuOnes().indexSelect(1, G([-1]))],
      ['scatter', () => x().scatter(1, L([[9]]), 1), () => gpuOnes().scatter(1, G([[9]]), 1)],
      [
        'scatterAdd',
        () => x().scatterAdd(0, L([[2]]), torch.ones(1, 1)),
        () => gpuOnes().scatterAdd(0, G([[2]]), torch.ones(1, 1, { device: 'webgpu' })),
      ],
      [
        'scatter into an empty dim',
        () => torch.zeros(2, 0).scatter(1, L([[0]]), 1),
        () => torch.zeros(2, 0, { device: 'webgpu' }).scatter(1, G([[0]]), 1),
      ],
      [
        'indexAdd',
        () => x().indexAdd(1, L([5]), torch.ones(2, 1)),
        () => gpuOnes().indexAdd(1, G([5]), torch.ones(2, 1, { device: 'webgpu' })),
      ],
      ['index with a tensor', () => x().index(':', L([0, -6])), () => gpuOnes().index(':', G([0, -6]))],
      ['index with a list', () => x().index([2]), () => gpuOnes().index([2])],
      ['index with a 0-d tensor', () => x().index(L(2)), () => gpuOnes().index(G(2))],
      ['indexPut_', () => x().indexPut_([L([0, 7])], 1), () => gpuOnes().indexPut_([G([0, 7])], 1)],
      [
        'indexPut accumulate',
        () => x().indexPut([':', L([5])], torch.ones(1), { accumulate: true }),
        () => gpuOnes().indexPut([':', G([5])], torch.ones(1, { device: 'webgpu' }), { accumulate: true }),
      ],
      ['oneHot, too large', () => torch.oneHot(L([0, 3]), 3), () => torch.oneHot(G([0, 3]), 3)],
      ['oneHot, negative', () => torch.oneHot(L([0, -1]), 3), () => torch.oneHot(G([0, -1]), 3)],
    ];
    for (const [name, cpu, gpu] of cases) {
      it(name, async () => {
        const message = cpuError(cpu);
        const result = gpu();
        expect(result.device).toBe('webgpu');
        await expect(result.data()).rejects.toThrow(foundLater(message));
        // Raised once: the next reads succeed.
        expect(await torch.ones(1, { device: 'webgpu' }).tolist()).toEqual([1]);
      });
    }

    it('any read raises it, and the first error since the last read wins', async () => {
      const bad = gpuOnes().gather(1, G([[6]]));
      gpuOnes().indexSelect(0, G([3]));
      const other = torch.ones(2, { device: 'webgpu' });
      await expect(other.data()).rejects.toThrow(foundLater('gather: index 6 is out of bounds for dimension 1 with size 5'));
      expect(bad.shape).toEqual([1, 1]);
    });

    it('a failed scatter_ or scatterAdd_ leaves self untouched, as on the cpu', async () => {
      const target = torch.zeros([4], { device: 'webgpu' });
      target.scatter_(0, G([1, 2, 8]), 1);
      await expect(target.data()).rejects.toThrow(foundLater('scatter_: index 8 is out of bounds for dimension 0 with size 4'));
      expect(await target.tolist()).toEqual([0, 0, 0, 0]);
      target.scatterAdd_(0, G([3, -1]), torch.ones(2, { device: 'webgpu' }));
      await expect(target.data()).rejects.toThrow(foundLater('scatterAdd_: index -1 is out of bounds for dimension 0 with size 4'));
      expect(await target.tolist()).toEqual([0, 0, 0, 0]);
    });

    it('ops whose result shape depends on the values say what to do instead', () => {
      const y = torch.arange(6, { device: 'webgpu' }).reshape(2, 3);
      const mask = torch.tensor([true, false], { device: 'webgpu' });
      expect(() => y.index(mask)).toThrow(
        'index: indexing with a bool mask of shape [2] gives a shape that depends on its values, which a tensor on webgpu cannot give without an asynchronous read; use await x.indexAsync(...)',
      );
      expect(() => y.indexPut_([mask], 1)).toThrow(
        'indexPut_: indexing with a bool mask of shape [2] gives a shape that depends on its values, which a tensor on webgpu cannot give without an asynchronous read; use await x.indexPutAsync_(...)',
      );
      expect(() => y.indexPut([mask], 1)).toThrow(/^indexPut: .* use await x\.indexPutAsync\(\.\.\.\)/);
      expect(() => y.index(torch.tensor(true, { device: 'webgpu' }))).toThrow(
        'index: indexing with a 0-d bool tensor gives a shape that depends on its values',
      );
      expect(() => torch.oneHot(torch.tensor([1, 2], { dtype: 'int32', device: 'webgpu' }))).toThrow(
        'oneHot: numClasses -1 takes the number of classes from the largest value, which a tensor on webgpu cannot give without an asynchronous read; pass numClasses',
      );
    });
  });

  it('leaves no temporaries behind', async () => {
    const x = torch.randn([3, 4, 5], { device: 'webgpu' }).requiresGrad_(true);
    const mask = torch.tensor(
      [
        [true, false, true, true],
        [false, false, true, false],
        [true, true, true, true],
      ],
      { device: 'webgpu' },
    );
    const G = (v: torch.NestedArray) => torch.tensor(v, { dtype: 'int32', device: 'webgpu' });
    await x.data();
    const before = torch.memory();
    const picked = await x.indexAsync(mask);
    torch.scope(() => {
      picked.sum().backward();
      x.index(
        ':',
        G([
          [0, 1],
          [2, 0],
        ]),
        G([1, 3]),
      )
        .sum()
        .backward();
      x.mul(1)
        .indexPut_([G([0, 2]), ':', G([4, 0])], torch.ones(2, 4, { device: 'webgpu' }))
        .sum()
        .backward();
      x.gather(1, G([[[0]], [[1]]]))
        .sum()
        .backward();
      x.scatter(2, G([[[0, 0]]]), 1)
        .sum()
        .backward();
      torch.oneHot(G([1, 2]), 3);
    });
    picked.dispose();
    await x.grad!.data();
    x.grad!.dispose();
    x.grad = null;
    // Only growth is a leak: while this awaited, the collector may have freed what earlier tests dropped.
    const after = torch.memory();
    expect(after.tensors).toBeLessThanOrEqual(before.tensors);
    expect(after.bytes.webgpu).toBeLessThanOrEqual(before.bytes.webgpu);
    expect(after.bytes.cpu).toBeLessThanOrEqual(before.bytes.cpu);
  });
});
