// WebGPU glue for the unary, binary, where, fill and copy shaders.
import { numel } from '../../../shape.js';
import type { Kernels } from '../../device.js';
import { BINARY_OPCODES, elementwiseKernelDtype, UNARY_OPCODES } from '../../opcodes.js';
import { scalarBits } from '../../scalar-bits.js';
import type { WebGpuDevice } from '../device.js';
import { DTYPE_CODES, defineShader, stridedWalk } from '../launch.js';

// Opcodes are numbered as for the wasm kernels; the WGSL sees them as constants (EXP, LOGICAL_NOT, ...).
const copyShader = defineShader('copy');
const fillShader = defineShader('fill');
const arangeShader = defineShader('arange');
const whereShader = defineShader('where');
const unaryShader = defineShader('unary', { includes: ['math'], tables: [UNARY_OPCODES] });
const binaryShader = defineShader('binary', { includes: ['math'], tables: [BINARY_OPCODES] });

/** A float64 split into two float32 bit patterns whose sum holds more of its precision. */
function splitFloat64(value: number): [number, number] {
  const high = Math.fround(value);
  return [scalarBits(high, 'float32'), scalarBits(value - high, 'float32')];
}

export function elementwiseKernels(gpu: WebGpuDevice): Pick<Kernels, 'copy' | 'fill' | 'arange' | 'unary' | 'binary' | 'where'> {
  return {
    copy(dst, src) {
      gpu.run({
        shader: copyShader,
        constants: { FROM: DTYPE_CODES[src.dtype], TO: DTYPE_CODES[dst.dtype] },
        outputs: { dst },
        inputs: { src },
        walk: stridedWalk('copy', dst.shape, [dst, src]),
      });
    },
    fill(dst, value) {
      gpu.run({
        shader: fillShader,
        outputs: { dst },
        walk: stridedWalk('fill', dst.shape, [dst]),
        uniforms: { bits: ['u32', scalarBits(value, dst.dtype)] },
      });
    },
    arange(out, start, step) {
      const count = numel(out.shape);
      const [startHigh, startLow] = out.dtype === 'float32' ? splitFloat64(start) : [scalarBits(start, 'int32'), 0];
      const [stepHigh, stepLow] = out.dtype === 'float32' ? splitFloat64(step) : [scalarBits(step, 'int32'), 0];
      gpu.run({
        shader: arangeShader,
        constants: { DTYPE: DTYPE_CODES[out.dtype] },
        outputs: { out },
        uniforms: {
          count: ['u32', count],
          offset: ['u32', out.offset],
          startHigh: ['u32', startHigh],
          startLow: ['u32', startLow],
          stepHigh: ['u32', stepHigh],
          stepLow: ['u32', stepLow],
        },
        workgroups: Math.ceil(count / 64),
      });
    },
    unary(op, out, x, p0 = 0, p1 = 0) {
      gpu.run({
        shader: unaryShader,
        constants: { OP: UNARY_OPCODES[op], DTYPE: DTYPE_CODES[elementwiseKernelDtype(op, x.dtype, false)] },
        outputs: { out },
        inputs: { x },
        walk: stridedWalk(op, out.shape, [out, x]),
        uniforms: { p0: ['f32', p0], p1: ['f32', p1] },
      });
    },
    binary(op, out, a, b) {
      const dtype = elementwiseKernelDtype(op, a.dtype, true);
      const divides = dtype === 'int32' && (op === 'remainder' || op === 'floorDivide' || op === 'fmod');
      gpu.run({
        shader: binaryShader,
        constants: { OP: BINARY_OPCODES[op], DTYPE: DTYPE_CODES[dtype] },
        outputs: { out },
        inputs: { a, b },
        walk: stridedWalk(op, out.shape, [out, a, b]),
        fault: divides ? `${op}: integer division by zero (argument 'other' contains 0)` : undefined,
      });
    },
    where(out, cond, a, b) {
      gpu.run({ shader: whereShader, outputs: { out }, inputs: { cond, a, b }, walk: stridedWalk('where', out.shape, [out, cond, a, b]) });
    },
  };
}
