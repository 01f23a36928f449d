import type { DType } from '../../dtype.js';
import type { BinaryOp, ReduceOp, UnaryOp } from '../device.js';

// Opcodes shared with assembly/elementwise.ts; the order must match its constants.
export const BINARY_OPCODES: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6,
  eq: 7, ne: 8, lt: 9, le: 10, gt: 11, ge: 12, logicalAnd: 13, logicalOr: 14,
  remainder: 15, floorDivide: 16,
};

export const UNARY_OPCODES: Record<UnaryOp, number> = {
  neg: 0, abs: 1, exp: 2, log: 3, sqrt: 4, rsqrt: 5, sin: 6, cos: 7, tanh: 8,
  sigmoid: 9, relu: 10, sign: 11, floor: 12, ceil: 13, round: 14, reciprocal: 15,
  square: 16, clamp: 17, powScalar: 18, affine: 19, leakyRelu: 20, logicalNot: 21,
  erf: 22, log1p: 23, expm1: 24, rpowScalar: 25, gtScalar: 26, trunc: 27,
};

/** Ops with an int32 kernel (bool runs as int32) on every device; ops convert others' inputs to float32. */
const INTEGER_UNARY_OPS: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['neg', 'abs', 'sign', 'square', 'logicalNot']);
const INTEGER_BINARY_OPS: ReadonlySet<BinaryOp> = new Set<BinaryOp>([
  'add', 'sub', 'mul', 'pow', 'maximum', 'minimum', 'remainder', 'floorDivide',
  'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr',
]);
/** Ops defined on 0/1 values only: ops convert their inputs to bool first. */
const LOGICAL_OPS: ReadonlySet<UnaryOp | BinaryOp> = new Set<UnaryOp | BinaryOp>(['logicalNot', 'logicalAnd', 'logicalOr']);

/**
 * The dtype of the kernel that runs `op` on inputs of `dtype` (bool runs as int32), or a TypeError
 * for a combination no device has a kernel for: kernels trust their arguments, so a caller that
 * skipped the op's conversions gets this error instead of a wrong result or a wasm trap.
 */
export function elementwiseKernelDtype(op: UnaryOp | BinaryOp, dtype: DType, binary: boolean): 'float32' | 'int32' {
  const kernelDtype = dtype === 'float32' ? 'float32' : 'int32';
  const integerOps: ReadonlySet<UnaryOp | BinaryOp> = binary ? INTEGER_BINARY_OPS : INTEGER_UNARY_OPS;
  const supported = kernelDtype === 'int32' ? integerOps.has(op) : !LOGICAL_OPS.has(op);
  if (!supported) {
    const remedy = kernelDtype === 'int32' ? 'the op converts its inputs to float32 first' : 'the op converts its inputs to bool first';
    throw new TypeError(`${op}: no ${dtype} ${binary ? 'binary' : 'unary'} kernel (${remedy})`);
  }
  return kernelDtype;
}

export const CONVERSIONS = { none: 0, float32ToInt32: 1, int32ToFloat32: 2, float32ToBool: 3, int32ToBool: 4 } as const;

// Shared with assembly/reduce.ts.
export const REDUCE_OPCODES: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2, argmax: 3, argmin: 4 };
