// WebGPU running sums and products (shaders/scan.wgsl): one thread per line along the scanned dim, reading strided input in place.
import type { Kernels } from '../../device.js';
import { SCAN_OPCODES } from '../../opcodes.js';
import type { WebGpuDevice } from '../device.js';
import { DTYPE_CODES, defineShader } from '../launch.js';
import { rowsAlong } from './rows.js';

const scanShader = defineShader('scan', { tables: [SCAN_OPCODES] });

const WORKGROUP_SIZE = 64;

export function scanKernels(gpu: WebGpuDevice): Pick<Kernels, 'scan'> {
  return {
    scan(op, out, x, dim, reverse, overflow) {
      const lines = rowsAlong(op, x.shape, dim, [x]);
      gpu.run({
        shader: scanShader,
        constants: { OP: SCAN_OPCODES[op], DTYPE: DTYPE_CODES[x.dtype], REVERSE: reverse ? 1 : 0 },
        workgroupSize: WORKGROUP_SIZE,
        outputs: { out },
        inputs: { x },
        walk: lines.walk,
        uniforms: {
          size: ['u32', lines.size],
          inner: ['u32', lines.inner],
          outOffset: ['u32', out.offset],
          xStride: ['i32', lines.strides[0]],
        },
        workgroups: Math.ceil(lines.rows / WORKGROUP_SIZE),
        fault: x.dtype === 'float32' ? undefined : overflow,
      });
      return null;
    },
  };
}
