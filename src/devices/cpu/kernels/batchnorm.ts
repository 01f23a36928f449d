// CPU glue for batch normalisation's per-channel kernels of assembly/batchnorm.ts.
import { numel } from '../../../shape.js';
import type { Kernels, TensorView } from '../../device.js';
import type { CpuDevice } from '../device.js';
import { addressOf, withContiguous } from '../helpers.js';
import { runOverItems } from '../split.js';

/**
 * The kernels split channels over threads from twice this many input elements: the threshold of
 * the reductions and elementwise ops (measured for those, see reduce.ts), whose passes these
 * resemble; not measured for these kernels on their own. A channel's arithmetic does not depend
 * on the split, so the bits do not either.
 */
const THREAD_MIN_ELEMENTS = 1 << 17;

type BatchNormKernel = 'batchNormStatisticsF32' | 'channelAffineF32' | 'batchNormBackwardReduceF32' | 'batchNormBackwardInputF32';

/** Runs `use` on contiguous forms of every view (each itself when it already is; see withContiguous). */
function withAllContiguous<T>(cpu: CpuDevice, views: readonly TensorView[], use: (views: TensorView[]) => T): T {
  const [first, ...rest] = views;
  if (!first) return use([]);
  return withContiguous(cpu, first, (staged) => withAllContiguous(cpu, rest, (others) => use([staged, ...others])));
}

export function batchNormKernels(
  cpu: CpuDevice,
): Pick<Kernels, 'batchNormStatistics' | 'channelAffine' | 'batchNormBackwardReduce' | 'batchNormBackwardInput'> {
  /**
   * Runs `kernel` with its pointer arguments `addresses`, then batch, channels and inner of the
   * [N, C, *] `shape`, over channels [first, end), split over threads when the input pays for them.
   */
  const byChannels = (kernel: BatchNormKernel, shape: readonly number[], addresses: readonly number[]) => {
    const [batch, channels] = shape;
    const inner = numel(shape.slice(2));
    runOverItems(cpu, kernel, channels, numel(shape), THREAD_MIN_ELEMENTS, (first, end) => [
      ...addresses,
      batch,
      channels,
      inner,
      first,
      end,
    ]);
  };
  return {
    batchNormStatistics(mean, variance, input) {
      withContiguous(cpu, input, (x) =>
        byChannels('batchNormStatisticsF32', x.shape, [addressOf(x), addressOf(mean), addressOf(variance)]),
      );
    },
    channelAffine(out, input, scale, shift) {
      withAllContiguous(cpu, [input, scale, shift], (views) => byChannels('channelAffineF32', input.shape, [out, ...views].map(addressOf)));
    },
    batchNormBackwardReduce(gradSum, dot, grad, input, mean) {
      withAllContiguous(cpu, [grad, input, mean], (views) =>
        byChannels('batchNormBackwardReduceF32', grad.shape, [gradSum, dot, ...views].map(addressOf)),
      );
    },
    batchNormBackwardInput(gradInput, grad, input, mean, k1, k2, k3) {
      withAllContiguous(cpu, [grad, input, mean, k1, k2, k3], (views) =>
        byChannels('batchNormBackwardInputF32', grad.shape, [gradInput, ...views].map(addressOf)),
      );
    },
  };
}
