// CPU glue for the unary, binary, where, fill and copy kernels of assembly/elementwise.ts.
import type { DType } from '../../../dtype.js';
import { coalesce } from '../../coalesce.js';
import type { Kernels } from '../../device.js';
import { BINARY_OPCODES, CONVERSIONS, elementwiseKernelDtype, UNARY_OPCODES } from '../../opcodes.js';
import { scalarBits } from '../../scalar-bits.js';
import type { CpuDevice } from '../device.js';
import { addressOf } from '../helpers.js';

function conversion(from: DType, to: DType): number {
  if (from === to || (from === 'bool' && to === 'int32')) return CONVERSIONS.noConversion;
  if (to === 'float32') return from === 'float32' ? CONVERSIONS.noConversion : CONVERSIONS.int32ToFloat32;
  if (to === 'int32') return CONVERSIONS.float32ToInt32;
  return from === 'float32' ? CONVERSIONS.float32ToBool : CONVERSIONS.int32ToBool;
}

export function elementwiseKernels(cpu: CpuDevice): Pick<Kernels, 'copy' | 'fill' | 'arange' | 'unary' | 'binary' | 'where'> {
  const wasm = cpu.wasm;
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
      if (elementwiseKernelDtype(op, x.dtype, false) === 'float32')
        wasm.unaryF32(UNARY_OPCODES[op], shape.length, shapeAt, addressOf(out), addressOf(x), xStrides, p0, p1);
      else wasm.unaryI32(UNARY_OPCODES[op], shape.length, shapeAt, addressOf(out), addressOf(x), xStrides);
    },
    binary(op, out, a, b) {
      const { shape, strides } = coalesce(out.shape, [out.strides, a.strides, b.strides]);
      cpu.beginParams();
      const [shapeAt, aStrides, bStrides] = cpu.params(shape, strides[1], strides[2]);
      const kernel = elementwiseKernelDtype(op, a.dtype, true) === 'float32' ? wasm.binaryF32 : wasm.binaryI32;
      kernel(BINARY_OPCODES[op], shape.length, shapeAt, addressOf(out), addressOf(a), aStrides, addressOf(b), bStrides);
    },
    where(out, cond, a, b) {
      const { shape, strides } = coalesce(out.shape, [out.strides, cond.strides, a.strides, b.strides]);
      cpu.beginParams();
      const [shapeAt, condStrides, aStrides, bStrides] = cpu.params(shape, strides[1], strides[2], strides[3]);
      wasm.whereStrided(
        shape.length,
        shapeAt,
        addressOf(out),
        addressOf(cond),
        condStrides,
        addressOf(a),
        aStrides,
        addressOf(b),
        bStrides,
      );
    },
  };
}
