// WebGPU glue for the softmax and log-softmax shaders.
import type { Kernels, TensorView } from '../../device.js';
import type { WebGpuDevice } from '../device.js';
import { defineShader } from '../launch.js';
import { rowsAlong } from './rows.js';

const softmaxShader = defineShader('softmax', { includes: ['math', 'compensated'] });

const WORKGROUP_SIZE = 64;
/** Rows at least this long get a workgroup each instead of a thread (as in the reduce kernel). */
const COOPERATIVE_ROW = 64;

export function softmaxKernels(gpu: WebGpuDevice): Pick<Kernels, 'softmax' | 'softmaxBackward'> {
  /** One launch over the rows of `out` along `dim`, reading rows of a and b (see shaders/softmax.wgsl). */
  const run = (op: string, pass: 'forward' | 'backward', log: boolean, out: TensorView, a: TensorView, b: TensorView, dim: number) => {
    const rows = rowsAlong(op, out.shape, dim, [a, b]);
    const cooperative = rows.size >= COOPERATIVE_ROW;
    gpu.run({
      shader: softmaxShader,
      entryPoint: cooperative ? `${pass}Cooperative` : pass,
      constants: { LOG: log ? 1 : 0 },
      workgroupSize: WORKGROUP_SIZE,
      outputs: { out },
      inputs: { a, b },
      walk: rows.walk,
      uniforms: {
        size: ['u32', rows.size],
        inner: ['u32', rows.inner],
        outOffset: ['u32', out.offset],
        aStride: ['i32', rows.strides[0]],
        bStride: ['i32', rows.strides[1]],
      },
      workgroups: cooperative ? rows.rows : Math.ceil(rows.rows / WORKGROUP_SIZE),
    });
  };
  return {
    softmax(out, x, dim, log) {
      run('softmax', 'forward', log, out, x, x, dim);
    },
    softmaxBackward(gradInput, grad, output, dim, log) {
      run('softmaxBackward', 'backward', log, gradInput, grad, output, dim);
    },
  };
}
