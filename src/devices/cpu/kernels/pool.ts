// CPU glue for the max and average pooling kernels of assembly/pool.ts.
import type { Kernels, PoolAxis, TensorView } from '../../device.js';
import type { CpuDevice } from '../device.js';
import { addressOf, withContiguous } from '../helpers.js';
import { runOverItems } from '../split.js';

/** [planes, height, width, outHeight, outWidth] of an [N, C, H, W] -> [N, C, Ho, Wo] pooling. */
function planeSizes(input: TensorView, out: TensorView): [number, number, number, number, number] {
  const [batch, channels, height, width] = input.shape;
  return [batch * channels, height, width, out.shape[2], out.shape[3]];
}

/**
 * Max pooling splits its planes over threads from twice this many input elements, at most one
 * piece per this many. Measured with scripts/pool-thread-threshold.mjs (every size split, fastest
 * of 41 alternated runs, workers spinning between jobs) on this 2-core machine, quiet (load 1.5):
 * 2 threads ran a 2x2 pool 1.57x faster than 1 at 43K input elements (0.05 ms), 1.76x at 87K and
 * 1.96x at 692K, the conv bench's. (At load 3, with no core free, no size paid.)
 */
const THREAD_MIN_ELEMENTS = 1 << 15;

export function poolKernels(cpu: CpuDevice): Pick<Kernels, 'maxPool2d' | 'maxPool2dBackward' | 'avgPool2d' | 'avgPool2dBackward'> {
  const wasm = cpu.wasm;
  /** Window arrays in the parameter area: [rowStart, rowEnd, rowDivisor, colStart, colEnd, colDivisor]. */
  const windows = (rows: PoolAxis, cols: PoolAxis) => {
    cpu.beginParams();
    return cpu.params(rows.start, rows.end, rows.divisor, cols.start, cols.end, cols.divisor);
  };
  return {
    maxPool2d(out, indices, input, rows, cols) {
      withContiguous(cpu, input, (x) => {
        const [rowStart, rowEnd, , colStart, colEnd] = windows(rows, cols);
        const [planes, height, width, outHeight, outWidth] = planeSizes(input, out);
        // A max pooling plane's windows touch that plane only, so planes split over threads.
        runOverItems(cpu, 'maxPool2dF32', planes, planes * height * width, THREAD_MIN_ELEMENTS, (first, end) => [
          end - first,
          height,
          width,
          outHeight,
          outWidth,
          addressOf(x) + first * height * width * 4,
          addressOf(out) + first * outHeight * outWidth * 4,
          addressOf(indices) + first * outHeight * outWidth * 4,
          rowStart,
          rowEnd,
          rows.step,
          colStart,
          colEnd,
          cols.step,
        ]);
      });
    },
    maxPool2dBackward(gradInput, grad, indices) {
      const [planes, height, width, outHeight, outWidth] = planeSizes(gradInput, grad);
      const bad = wasm.maxPool2dIndexOutside(planes * outHeight * outWidth, height * width, addressOf(indices));
      if (bad >= 0)
        throw new RangeError(
          `maxPool2dBackward: index ${cpu.i32()[addressOf(indices) / 4 + bad]} at position ${bad} of indices is outside the ${height}x${width} input plane; indices must be those maxPool2d returned`,
        );
      withContiguous(cpu, grad, (g) =>
        // A plane's gradient gets the argmax stores of that plane's windows only.
        runOverItems(cpu, 'maxPool2dBackwardF32', planes, planes * height * width, THREAD_MIN_ELEMENTS, (first, end) => [
          end - first,
          height,
          width,
          outHeight,
          outWidth,
          addressOf(g) + first * outHeight * outWidth * 4,
          addressOf(indices) + first * outHeight * outWidth * 4,
          addressOf(gradInput) + first * height * width * 4,
        ]),
      );
    },
    avgPool2d(out, input, rows, cols) {
      withContiguous(cpu, input, (x) => wasm.avgPool2dF32(...planeSizes(input, out), addressOf(x), addressOf(out), ...windows(rows, cols)));
    },
    avgPool2dBackward(gradInput, grad, rows, cols) {
      withContiguous(cpu, grad, (g) =>
        wasm.avgPool2dBackwardF32(...planeSizes(gradInput, grad), addressOf(g), addressOf(gradInput), ...windows(rows, cols)),
      );
    },
  };
}
