import { numel } from '../../../shape.js';
import type { Kernels } from '../../device.js';
import type { WebGpuDevice } from '../device.js';
import { defineShader, stridedWalk } from '../launch.js';

const matmulShader = defineShader('matmul');

/** Rows and columns of out per workgroup (shaders/matmul.wgsl). */
const TILE = 64;
const MAX_BATCHES_PER_LAUNCH = 65535;

export function matmulKernels(gpu: WebGpuDevice): Pick<Kernels, 'matmul'> {
  return {
    matmul(out, a, b) {
      const ndim = out.shape.length;
      const [M, N] = out.shape.slice(-2);
      const K = a.shape[ndim - 1];
      const batchShape = out.shape.slice(0, -2);
      const batchOf = (strides: readonly number[]) => strides.slice(0, -2);
      const walk = stridedWalk('matmul', batchShape, [out, a, b].map((view) => ({ strides: batchOf(view.strides), offset: view.offset })));
      const batches = numel(batchShape);
      for (let first = 0; first < batches; first += MAX_BATCHES_PER_LAUNCH) {
        gpu.run({
          shader: matmulShader,
          workgroupSize: 256,
          outputs: { out },
          inputs: { a, b },
          walk,
          uniforms: {
            M: ['u32', M], N: ['u32', N], K: ['u32', K], batchBase: ['u32', first],
            aRowStride: ['i32', a.strides[ndim - 2]], aColStride: ['i32', a.strides[ndim - 1]],
            bRowStride: ['i32', b.strides[ndim - 2]], bColStride: ['i32', b.strides[ndim - 1]],
            outRowStride: ['i32', out.strides[ndim - 2]], outColStride: ['i32', out.strides[ndim - 1]],
          },
          workgroups: [Math.ceil(N / TILE), Math.ceil(M / TILE), Math.min(MAX_BATCHES_PER_LAUNCH, batches - first)],
        });
      }
    },
  };
}
