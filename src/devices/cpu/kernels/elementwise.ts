// CPU glue for the unary, binary, where, fill and copy kernels of assembly/elementwise.ts.
import type { DType } from '../../../dtype.js';
import { numel } from '../../../shape.js';
import { coalesce } from '../../coalesce.js';
import type { Kernels } from '../../device.js';
import { BINARY_OPCODES, CONVERSIONS, elementwiseKernelDtype, UNARY_OPCODES } from '../../opcodes.js';
import { scalarBits } from '../../scalar-bits.js';
import type { CpuDevice } from '../device.js';
import { addressOf } from '../helpers.js';
import { GRAIN, splitOverThreads } from '../split.js';

/**
 * unary, binary and where split their output over threads only from twice this many elements, at
 * most one piece per this many. Measured with scripts/thread-threshold-elementwise.mjs on this
 * 2-core machine, quiet (load 1.4), with every size split and the pool's workers spinning between
 * jobs (fastest of many runs each): 2 threads against 1 gave 1.2-2.2x from 131072 elements up
 * (relu 2.20x, add 1.48x, where 1.29x, exp 1.93x at 131072), and at 65536 relu lost (0.78x) where
 * the rest gained 1.2-1.8x. In a whole step the cut lies higher: the conv bench's CNN step at 2
 * threads took 0.77-0.81x of 1 thread's time with this threshold (splitting from 262144) and
 * 1.07-1.11x with half of it, alternated runs. An earlier measurement at load 15-17, with parked
 * workers, found no size that paid, which says only that a busy machine has no second core to give.
 */
const THREAD_MIN_ELEMENTS = 1 << 17;

function conversion(from: DType, to: DType): number {
  if (from === to || (from === 'bool' && to === 'int32')) return CONVERSIONS.noConversion;
  if (to === 'float32') return from === 'float32' ? CONVERSIONS.noConversion : CONVERSIONS.int32ToFloat32;
  if (to === 'int32') return CONVERSIONS.float32ToInt32;
  return from === 'float32' ? CONVERSIONS.float32ToBool : CONVERSIONS.int32ToBool;
}

export function elementwiseKernels(cpu: CpuDevice): Pick<Kernels, 'copy' | 'fill' | 'arange' | 'unary' | 'binary' | 'where'> {
  const wasm = cpu.wasm;
  /** Whether an elementwise kernel ran split over threads; if not, the caller runs it on [0, total). */
  const split = (
    kernel: 'unaryF32' | 'unaryI32' | 'binaryF32' | 'binaryI32' | 'whereStrided',
    shape: readonly number[],
    total: number,
    args: readonly number[],
  ) => {
    const run = wasm[kernel] as (...args: number[]) => unknown;
    return splitOverThreads(cpu, {
      kernel,
      run,
      args,
      total,
      rowSize: shape[shape.length - 1],
      grain: GRAIN,
      work: total,
      threshold: THREAD_MIN_ELEMENTS,
    });
  };
  return {
    copy(dst, src) {
      const { shape, strides } = coalesce(dst.shape, [dst.strides, src.strides]);
      cpu.beginParams();
      const [shapeAt, dstStrides, srcStrides] = cpu.params(shape, strides[0], strides[1]);
      wasm.copyStrided(shape.length, shapeAt, addressOf(dst), dstStrides, addressOf(src), srcStrides, conversion(src.dtype, dst.dtype));
    },
    fill(dst, value) {
      const { shape, strides } = coalesce(dst.shape, [dst.strides]);
      cpu.beginParams();
      const [shapeAt, dstStrides] = cpu.params(shape, strides[0]);
      wasm.fillStrided(shape.length, shapeAt, addressOf(dst), dstStrides, scalarBits(value, dst.dtype));
    },
    arange(out, start, step) {
      const count = out.shape.reduce((a, b) => a * b, 1);
      if (out.dtype === 'float32') wasm.arangeF32(addressOf(out), count, start, step);
      else wasm.arangeI32(addressOf(out), count, start, step);
    },
    unary(op, out, x, p0 = 0, p1 = 0) {
      const { shape, strides } = coalesce(out.shape, [out.strides, x.strides]);
      cpu.beginParams();
      const [shapeAt, xStrides] = cpu.params(shape, strides[1]);
      const total = numel(shape);
      if (elementwiseKernelDtype(op, x.dtype, false) === 'float32') {
        const args = [UNARY_OPCODES[op], shape.length, shapeAt, addressOf(out), addressOf(x), xStrides, p0, p1] as const;
        if (!split('unaryF32', shape, total, args)) wasm.unaryF32(...args, 0, total);
      } else {
        const args = [UNARY_OPCODES[op], shape.length, shapeAt, addressOf(out), addressOf(x), xStrides] as const;
        if (!split('unaryI32', shape, total, args)) wasm.unaryI32(...args, 0, total);
      }
    },
    binary(op, out, a, b) {
      const { shape, strides } = coalesce(out.shape, [out.strides, a.strides, b.strides]);
      cpu.beginParams();
      const [shapeAt, aStrides, bStrides] = cpu.params(shape, strides[1], strides[2]);
      const total = numel(shape);
      const args = [BINARY_OPCODES[op], shape.length, shapeAt, addressOf(out), addressOf(a), aStrides, addressOf(b), bStrides] as const;
      const isFloat = elementwiseKernelDtype(op, a.dtype, true) === 'float32';
      if (split(isFloat ? 'binaryF32' : 'binaryI32', shape, total, args)) return;
      if (isFloat) wasm.binaryF32(...args, 0, total);
      else wasm.binaryI32(...args, 0, total);
    },
    where(out, cond, a, b) {
      const { shape, strides } = coalesce(out.shape, [out.strides, cond.strides, a.strides, b.strides]);
      cpu.beginParams();
      const [shapeAt, condStrides, aStrides, bStrides] = cpu.params(shape, strides[1], strides[2], strides[3]);
      const total = numel(shape);
      const args = [
        shape.length,
        shapeAt,
        addressOf(out),
        addressOf(cond),
        condStrides,
        addressOf(a),
        aStrides,
        addressOf(b),
        bStrides,
      ] as const;
      if (!split('whereStrided', shape, total, args)) wasm.whereStrided(...args, 0, total);
    },
  };
}
