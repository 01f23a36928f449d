// Threaded CPU max pooling, forward and backward: planes split over the pool give the same output, indices and gradient
// bits at 1, 2 and 3 threads, padded and strided windows and ceil mode included. Each input is
// above twice THREAD_MIN_ELEMENTS in src/devices/cpu/kernels/pool.ts, so it splits.
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { poolJobs, sameBitsAtAnyThreadCount } from '../helpers/threads.js';

const F = torch.nn.functional;
const defaultThreads = torch.getNumThreads();

type Options = { stride?: number | number[]; padding?: number | number[]; dilation?: number | number[]; ceilMode?: boolean };

/** Output, indices (as float32) and input gradient of a max pool over a fresh random input. */
const poolCase = (shape: number[], kernelSize: number | number[], options: Options) => () => {
  const x = torch.randn(shape, { requiresGrad: true });
  const [out, indices] = F.maxPool2d(x, kernelSize, { ...options, returnIndices: true });
  out.mul(torch.randn(out.shape)).sum().backward();
  return [out, indices.to({ dtype: 'float32' }), x.grad!];
};

describe('threaded CPU max pooling gives the same bits at 1, 2 and 3 threads', () => {
  afterAll(() => torch.setNumThreads(defaultThreads));

  it('splits a large max pool and its backward over planes', async () => {
    const pieces = (await poolJobs(poolCase([32, 32, 26, 26], 2, {}))).filter((job) => job.startsWith('maxPool'));
    expect(pieces).toEqual(['maxPool2dF32 2', 'maxPool2dBackwardF32 2']);
  });

  it('2x2 windows over the CNN step of the conv bench (1024 planes)', async () => {
    await sameBitsAtAnyThreadCount(poolCase([32, 32, 26, 26], 2, {}));
  });

  it('3x3 windows, stride 2, padding 1, ceil mode, over planes that do not divide evenly', async () => {
    await sameBitsAtAnyThreadCount(poolCase([14, 22, 45, 39], 3, { stride: 2, padding: 1, ceilMode: true }));
  });

  it('dilated, non-square windows', async () => {
    await sameBitsAtAnyThreadCount(poolCase([10, 32, 48, 40], [2, 3], { stride: [1, 2], dilation: 2 }));
  });
});
