// CPU glue for the reduction kernels of assembly/reduce.ts.
import { contiguousStrides } from '../../../shape.js';
import type { Kernels } from '../../device.js';
import { REDUCE_OPCODES } from '../../opcodes.js';
import { reducedInnermost, reduceLayout } from '../../reduce-layout.js';
import type { CpuDevice } from '../device.js';
import { addressOf } from '../helpers.js';

export function reduceKernels(cpu: CpuDevice): Pick<Kernels, 'reduce'> {
  const wasm = cpu.wasm;
  return {
    reduce(op, out, x, dims) {
      let layout = reduceLayout(x.shape, x.strides, dims);
      let source = x;
      let temporary: number | null = null;
      if (!layout) {
        // The reduced dims interleave with kept ones in memory: gather them innermost first.
        const order = reducedInnermost(x.shape.length, dims);
        const shape = order.map((d) => x.shape[d]);
        const bytes = shape.reduce((a, b) => a * b, 1) * 4;
        temporary = cpu.allocator.malloc(bytes);
        const staged = {
          storage: { ...x.storage, buffer: temporary },
          offset: 0,
          shape,
          strides: contiguousStrides(shape),
          dtype: x.dtype,
        };
        cpu.kernels.copy(staged, { ...x, shape, strides: order.map((d) => x.strides[d]) });
        const kept = x.shape.length - dims.length;
        source = staged;
        layout = reduceLayout(
          shape,
          staged.strides,
          dims.map((_, i) => kept + i),
        )!;
      }
      cpu.beginParams();
      const [shapeAt, stridesAt] = cpu.params(layout.keptShape, layout.keptStrides);
      const args = [
        REDUCE_OPCODES[op],
        layout.keptShape.length,
        shapeAt,
        stridesAt,
        addressOf(source),
        layout.count,
        layout.stride,
        addressOf(out),
      ] as const;
      let overflow: number | null = null;
      if (x.dtype === 'float32') wasm.reduceF32(...args);
      else {
        const firstOverflow = wasm.reduceI32(...args);
        if (!Number.isNaN(firstOverflow)) overflow = firstOverflow;
      }
      if (temporary !== null) cpu.allocator.free(temporary);
      return overflow;
    },
  };
}
