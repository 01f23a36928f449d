// CPU glue for the GEMM kernels of assembly/gemm.ts (matmul, bmm, strided operands).
import type { Kernels } from '../../device.js';
import type { CpuDevice } from '../device.js';
import { gemm } from '../gemm.js';
import { addressOf } from '../helpers.js';

export function matmulKernels(cpu: CpuDevice): Pick<Kernels, 'matmul'> {
  return {
    matmul(out, a, b) {
      const ndim = out.shape.length;
      const [M, N] = [out.shape[ndim - 2], out.shape[ndim - 1]];
      const K = a.shape[ndim - 1];
      const batchShape = out.shape.slice(0, ndim - 2);
      const batches = batchShape.reduce((n, s) => n * s, 1);
      const aBase = addressOf(a),
        bBase = addressOf(b),
        outBase = addressOf(out);
      for (let batch = 0; batch < batches; batch++) {
        let aOffset = 0,
          bOffset = 0,
          rest = batch;
        for (let d = batchShape.length - 1; d >= 0; d--) {
          const index = rest % batchShape[d];
          rest = Math.floor(rest / batchShape[d]);
          aOffset += index * a.strides[d];
          bOffset += index * b.strides[d];
        }
        gemm(
          cpu,
          M,
          N,
          K,
          aBase + aOffset * 4,
          a.strides[ndim - 2],
          a.strides[ndim - 1],
          bBase + bOffset * 4,
          b.strides[ndim - 2],
          b.strides[ndim - 1],
          outBase + batch * M * N * 4,
          N,
          0,
        );
      }
    },
  };
}
