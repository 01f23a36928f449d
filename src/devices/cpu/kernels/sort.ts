// CPU glue for the sort and top-k kernels of assembly/sort.ts.
import { coalesce } from '../../coalesce.js';
import type { Kernels } from '../../device.js';
import type { CpuDevice } from '../device.js';
import { addressOf } from '../helpers.js';

export function sortKernels(cpu: CpuDevice): Pick<Kernels, 'sort'> {
  const wasm = cpu.wasm;
  return {
    sort(values, indices, x, dim, k, descending) {
      // A 0-d tensor is one row of one element.
      const size = x.shape[dim] ?? 1;
      const stride = x.strides[dim] ?? 0;
      const keptDims = x.shape.map((_, d) => d).filter((d) => d !== dim);
      const kept = coalesce(
        keptDims.map((d) => x.shape[d]),
        [keptDims.map((d) => x.strides[d])],
      );
      const inner = x.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const scratch = cpu.allocator.malloc(wasm.sortScratchBytes(size));
      try {
        cpu.beginParams();
        const [shapeAt, stridesAt] = cpu.params(kept.shape, kept.strides[0]);
        const kernel = x.dtype === 'float32' ? wasm.sortRowsF32 : wasm.sortRowsI32;
        kernel(
          kept.shape.length,
          shapeAt,
          stridesAt,
          addressOf(x),
          size,
          stride,
          inner,
          k,
          descending,
          addressOf(values),
          addressOf(indices),
          scratch,
        );
      } finally {
        cpu.allocator.free(scratch);
      }
    },
  };
}
