// CPU glue for the max and average pooling kernels of assembly/pool.ts.
import type { Kernels, PoolAxis, TensorView } from '../../device.js';
import type { CpuDevice } from '../device.js';
import { addressOf, withContiguous } from '../helpers.js';

/** [planes, height, width, outHeight, outWidth] of an [N, C, H, W] -> [N, C, Ho, Wo] pooling. */
function planeSizes(input: TensorView, out: TensorView): [number, number, number, number, number] {
  const [batch, channels, height, width] = input.shape;
  return [batch * channels, height, width, out.shape[2], out.shape[3]];
}

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
        wasm.maxPool2dF32(
          ...planeSizes(input, out),
          addressOf(x),
          addressOf(out),
          addressOf(indices),
          rowStart,
          rowEnd,
          rows.step,
          colStart,
          colEnd,
          cols.step,
        );
      });
    },
    maxPool2dBackward(gradInput, grad, indices) {
      const bad = withContiguous(cpu, grad, (g) =>
        wasm.maxPool2dBackwardF32(...planeSizes(gradInput, grad), addressOf(g), addressOf(indices), addressOf(gradInput)),
      );
      if (bad >= 0) {
        const [height, width] = gradInput.shape.slice(2);
        throw new RangeError(
          `maxPool2dBackward: index ${cpu.i32()[addressOf(indices) / 4 + bad]} at position ${bad} of indices is outside the ${height}x${width} input plane; indices must be those maxPool2d returned`,
        );
      }
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
