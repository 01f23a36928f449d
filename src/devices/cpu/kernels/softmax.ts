// CPU glue for the softmax and log-softmax kernels of assembly/softmax.ts.
import { numel } from '../../../shape.js';
import type { Kernels } from '../../device.js';
import type { CpuDevice } from '../device.js';
import { addressOf, withContiguous } from '../helpers.js';

/** The kernels see [outer, size, inner] around `dim` (a 0-d tensor is one row of one). */
function layout(shape: readonly number[], dim: number): [number, number, number] {
  return [numel(shape.slice(0, dim)), shape[dim] ?? 1, numel(shape.slice(dim + 1))];
}

export function softmaxKernels(cpu: CpuDevice): Pick<Kernels, 'softmax' | 'softmaxBackward'> {
  const wasm = cpu.wasm;
  const withScratch = (inner: number, use: (scratch: number) => void) => {
    const scratch = cpu.allocator.malloc(wasm.softmaxScratchBytes(inner));
    try {
      use(scratch);
    } finally {
      cpu.allocator.free(scratch);
    }
  };
  return {
    softmax(out, x, dim, log) {
      const [outer, size, inner] = layout(x.shape, dim);
      withContiguous(cpu, x, (source) =>
        withScratch(inner, (scratch) => wasm.softmaxF32(addressOf(out), addressOf(source), outer, size, inner, log, scratch)),
      );
    },
    softmaxBackward(gradInput, grad, output, dim, log) {
      const [outer, size, inner] = layout(gradInput.shape, dim);
      withContiguous(cpu, grad, (g) =>
        withContiguous(cpu, output, (y) =>
          withScratch(inner, (scratch) =>
            wasm.softmaxBackwardF32(addressOf(gradInput), addressOf(g), addressOf(y), outer, size, inner, log, scratch),
          ),
        ),
      );
    },
  };
}
