// Elementwise ops and reductions split over CPU threads: the same bits at 1, 2 and 3 threads, around
// the thresholds, grain and chunk boundaries, with broadcast and strided operands, forward and backward.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { poolJobs, sameBitsAtAnyThreadCount } from '../helpers/threads.js';

const defaultThreads = torch.getNumThreads();

/** Runs `compute` at 2 threads and returns the kernels the pool split, so a test knows it covered the threaded path. */
async function splitKernels(compute: () => unknown): Promise<Set<string>> {
  return new Set((await poolJobs(compute)).map((job) => job.split(' ')[0]));
}

// Sizes below and above the 2^18 elements from which the ops split, none a multiple of the
// 4096-element grain, with rows whose length is not a multiple of 4, so cuts fall mid-row and move.
const SIZES = [[1000, 100], [1031, 1029], [(1 << 20) + 3]];

describe('elementwise ops and reductions over CPU threads', () => {
  beforeAll(() => torch.manualSeed(0));
  afterAll(() => torch.setNumThreads(defaultThreads));

  it('unary ops (SIMD, lane-by-lane and int32 forms) on contiguous and transposed inputs', async () => {
    await sameBitsAtAnyThreadCount(() =>
      SIZES.flatMap((shape) => {
        const x = torch.randn(shape);
        const t = shape.length === 2 ? torch.randn([shape[1], shape[0]]).t() : x.flip(0);
        const n = x.mul(100).to('int32');
        return [x.exp(), x.log(), x.relu(), t.tanh(), n.neg()];
      }),
    );
  });

  it('binary ops with broadcasting, strided operands and int32, and where', async () => {
    await sameBitsAtAnyThreadCount(() =>
      SIZES.filter((shape) => shape.length === 2).flatMap(([rows, cols]) => {
        const a = torch.randn([rows, cols]);
        const row = torch.randn([cols]);
        const column = torch.randn([rows, 1]);
        const transposed = torch.randn([cols, rows]).t();
        const ints = a.mul(50).to('int32');
        return [a.add(row), column.sub(row), transposed.div(a), a.gt(row), ints.mul(ints.flip(0)), torch.where(a.gt(0), transposed, row)];
      }),
    );
  });

  it('reductions over all elements, across the chunk boundaries of long runs', async () => {
    const chunk = 16384;
    await sameBitsAtAnyThreadCount(() =>
      [chunk - 1, chunk + 1, 3 * chunk + 5, 70 * chunk + 3].flatMap((n) => {
        const x = torch.randn([n]).mul(torch.rand([n]).mul(1000));
        const strided = torch.randn([n, 2]).select(1, 1);
        return [x.sum(), x.mean(), x.max(), x.min(), x.argmax(), x.argmin(), x.norm(), x.var(), strided.sum(), strided.argmax()];
      }),
    );
  });

  it('reductions along a dim, over many outputs or few long runs, with ties and NaN', async () => {
    await sameBitsAtAnyThreadCount(() => {
      const wide = torch.randn([5, 250_000]);
      const tall = torch.randn([200_000, 7]);
      const square = torch.randn([1031, 1029]);
      // Rounded values give ties, whose first position argmax must keep across chunks.
      const ties = torch.randn([3, 400_000]).mul(4).round();
      const withNaN = torch
        .randn([3, 400_000])
        .indexPut(
          [torch.tensor([1, 2], { dtype: 'int32' }), torch.tensor([270_000, 20_000], { dtype: 'int32' })],
          torch.tensor(Number.NaN),
        );
      return [
        wide.sum(1),
        wide.max(1).values,
        wide.argmin(1),
        tall.sum(0),
        tall.max(0).values,
        square.sum(0),
        square.sum(1),
        square.prod(1),
        square.mean([0, 1]),
        square.t().sum(1),
        ties.argmax(1),
        ties.argmin(1),
        withNaN.max(1).values,
        withNaN.argmax(1),
        withNaN.sum(1),
      ];
    });
  });

  it('backward through large elementwise ops and the broadcast sums of their gradients', async () => {
    await sameBitsAtAnyThreadCount(() => {
      const x = torch.randn([1100, 1000], { requiresGrad: true });
      const bias = torch.randn([1000], { requiresGrad: true });
      const scale = torch.randn([1100, 1], { requiresGrad: true });
      const y = x.mul(scale).add(bias).tanh().mul(x.sigmoid());
      y.pow(2).mean().backward();
      return [y, x.grad!, bias.grad!, scale.grad!];
    });
  });

  it('splits large ops over the pool, and keeps small ones on the calling thread', async () => {
    const large = torch.randn([1 << 21]);
    const small = torch.randn([1000]);
    expect(await splitKernels(() => [large.exp(), large.add(large), torch.where(large.gt(0), large, small.sum())])).toEqual(
      new Set(['unaryF32', 'binaryF32', 'whereStrided']),
    );
    expect(await splitKernels(() => large.sum())).toEqual(new Set(['reducePartialsF32']));
    expect(await splitKernels(() => large.reshape([2048, 1024]).sum(1))).toEqual(new Set(['reduceF32']));
    expect(await splitKernels(() => [small.exp(), small.add(small), small.sum()])).toEqual(new Set());
  });
});
