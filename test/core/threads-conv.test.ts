// Threaded CPU convolution: conv1d/2d, depthwise and transposed convolutions, forward and every
// gradient, give the same bits at 1, 2 and 3 threads. Each shape is large enough to split (above
// twice THREAD_MIN_MACS in src/devices/cpu/kernels/conv.ts) and has several work items per pass.
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { poolJobs, sameBitsAtAnyThreadCount } from '../helpers/threads.js';

const F = torch.nn.functional;
const defaultThreads = torch.getNumThreads();

type Options = Parameters<typeof F.conv2d>[3] & { outputPadding?: number | number[] };

/** Output, input gradient, weight gradient and bias gradient of `conv` on fresh random operands. */
function withGradients(
  conv: (x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) => torch.Tensor,
  inputShape: number[],
  weightShape: number[],
  biasSize: number,
): torch.Tensor[] {
  const x = torch.randn(inputShape, { requiresGrad: true });
  const w = torch.randn(weightShape, { requiresGrad: true });
  const b = torch.randn([biasSize], { requiresGrad: true });
  const out = conv(x, w, b);
  out.mul(torch.randn(out.shape)).sum().backward();
  return [out, x.grad!, w.grad!, b.grad!];
}

const conv2dCase = (inputShape: number[], weightShape: number[], options: Options) => () =>
  withGradients((x, w, b) => F.conv2d(x, w, b, options), inputShape, weightShape, weightShape[0]);

describe('threaded CPU convolution gives the same bits at 1, 2 and 3 threads', () => {
  afterAll(() => torch.setNumThreads(defaultThreads));

  it('splits a large convolution over several pieces (the tests below exercise threads)', async () => {
    const pieces = (await poolJobs(conv2dCase([4, 16, 32, 32], [32, 16, 3, 3], { padding: 1 }))).filter((job) => job.startsWith('conv'));
    // Forward, input gradient and weight gradient each in two pieces.
    expect(pieces.sort()).toEqual(['conv2dBackwardInputF32 2', 'conv2dBackwardWeightF32 2', 'conv2dF32 2']);
  });

  it('conv2d over a batch, 3x3 padded (weight gradient split over column rows)', async () => {
    await sameBitsAtAnyThreadCount(conv2dCase([4, 16, 32, 32], [32, 16, 3, 3], { padding: 1 }));
  });

  it('conv2d over batches of 8 images and more (the weight gradient split over ranges of 4 images, their partial sums added in order)', async () => {
    await sameBitsAtAnyThreadCount(conv2dCase([32, 1, 28, 28], [32, 1, 3, 3], {}));
    await sameBitsAtAnyThreadCount(conv2dCase([10, 8, 20, 20], [16, 8, 3, 3], { padding: 1 }));
    await sameBitsAtAnyThreadCount(() =>
      withGradients((x, w, b) => F.convTranspose2d(x, w, b, { stride: 2 }), [12, 8, 16, 16], [8, 4, 3, 3], 4),
    );
  });

  it('conv2d on one large image, split over pixel chunks', async () => {
    await sameBitsAtAnyThreadCount(conv2dCase([1, 8, 96, 96], [16, 8, 3, 3], { padding: 1 }));
  });

  it('conv2d with groups, stride, padding and dilation', async () => {
    await sameBitsAtAnyThreadCount(conv2dCase([4, 16, 40, 40], [32, 8, 3, 3], { stride: [2, 1], padding: [2, 1], dilation: 2, groups: 2 }));
  });

  it('conv2d with a shallow receptive field (the weight gradient transposed, split over output channels)', async () => {
    await sameBitsAtAnyThreadCount(conv2dCase([4, 1, 64, 64], [36, 1, 3, 3], {}));
    await sameBitsAtAnyThreadCount(conv2dCase([8, 2, 48, 48], [40, 1, 3, 3], { padding: 1, groups: 2 }));
  });

  it('conv2d 1x1 (the input serves as the column matrix)', async () => {
    await sameBitsAtAnyThreadCount(conv2dCase([4, 32, 24, 24], [64, 32, 1, 1], {}));
  });

  it('conv1d (height 1 through the 2-D kernels)', async () => {
    await sameBitsAtAnyThreadCount(() =>
      withGradients((x, w, b) => F.conv1d(x, w, b, { padding: 2, stride: 2 }), [4, 16, 2000], [32, 16, 5], 32),
    );
  });

  it('depthwise conv2d with a channel multiplier', async () => {
    await sameBitsAtAnyThreadCount(conv2dCase([4, 32, 48, 48], [64, 1, 3, 3], { padding: 1, groups: 32 }));
    await sameBitsAtAnyThreadCount(conv2dCase([4, 48, 64, 64], [48, 1, 5, 5], { stride: 2, padding: 3, dilation: [1, 2], groups: 48 }));
  });

  it('convTranspose2d and convTranspose1d (the input-gradient kernel forward, conv2d and the weight gradient backward)', async () => {
    await sameBitsAtAnyThreadCount(() =>
      withGradients(
        (x, w, b) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }),
        [4, 16, 24, 24],
        [16, 8, 4, 4],
        8,
      ),
    );
    await sameBitsAtAnyThreadCount(() =>
      withGradients((x, w, b) => F.convTranspose2d(x, w, b, { padding: 1, groups: 2 }), [4, 16, 40, 40], [16, 8, 3, 3], 16),
    );
    await sameBitsAtAnyThreadCount(() =>
      withGradients((x, w, b) => F.convTranspose1d(x, w, b, { stride: 2 }), [4, 32, 1000], [32, 16, 5], 16),
    );
  });
});
