// Threaded CPU batch norm, forward and backward: channels split over the pool give the same
// output, running statistics and gradient bits at 1, 2 and 3 threads. Each input is above twice
// THREAD_MIN_ELEMENTS in src/devices/cpu/kernels/batchnorm.ts, so it splits.
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { poolJobs, sameBitsAtAnyThreadCount } from '../helpers/threads.js';

const { nn } = torch;
const defaultThreads = torch.getNumThreads();

/** Training forward and backward of a fresh BatchNorm over a fresh random input (eval after `evaluate`). */
const batchNormCase = (shape: number[], evaluate: boolean) => () => {
  const bn = new nn.BatchNorm2d(shape[1]);
  const x = torch.randn(shape, { requiresGrad: true });
  bn.forward(x);
  if (evaluate) bn.eval();
  const out = bn.forward(x);
  out.mul(torch.randn(out.shape)).sum().backward();
  return [out, bn.running_mean!, bn.running_var!, x.grad!, bn.weight!.grad!, bn.bias!.grad!];
};

describe('threaded CPU batch norm gives the same bits at 1, 2 and 3 threads', () => {
  afterAll(() => torch.setNumThreads(defaultThreads));

  it('splits the statistics, the normalisation and both backward passes over channels', async () => {
    const pieces = (await poolJobs(batchNormCase([32, 32, 32, 32], false))).filter(
      (job) => job.startsWith('batchNorm') || job.startsWith('channelAffine'),
    );
    expect(pieces).toEqual([
      'batchNormStatisticsF32 2',
      'channelAffineF32 2',
      'batchNormStatisticsF32 2',
      'channelAffineF32 2',
      'batchNormBackwardReduceF32 2',
      'batchNormBackwardInputF32 2',
    ]);
  });

  it('training, the deeper CNN bench shape (32 channels of 32x32)', async () => {
    await sameBitsAtAnyThreadCount(batchNormCase([32, 32, 32, 32], false));
  });

  it('evaluation, channels that do not divide evenly and odd runs', async () => {
    await sameBitsAtAnyThreadCount(batchNormCase([9, 7, 63, 67], true));
  });
});
