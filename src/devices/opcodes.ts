// The device-neutral table of op names and numbers; the build generates the AssemblyScript and WGSL constants from it.
import type { DType } from '../dtype.js';

/**
 * Every number a kernel knows an op by, written once: each family's kernel op names in order, an
 * op's number being its position in its list. From these lists come the TypeScript types
 * (UnaryOp, ...) and the numbers devices pass to kernels (UNARY_OPCODES, ...), below; the WGSL
 * constants (NEG, ADD, SUM, ...), through defineShader's tables; and the AssemblyScript constants,
 * which scripts/build.mjs writes to build/opcodes.ts for the kernels to import. Names become
 * constants by `constantName` (leakyRelu -> LEAKY_RELU), so kernels name ops and never numbers.
 *
 * Adding a unary op (log2 is an example): append its name to `unary` here (and to
 * INTEGER_UNARY_OPS if it has an int32 kernel); in assembly/elementwise.ts import its constant,
 * write its class and add its case to unaryF32; add its case to shaders/unary.wgsl; write its line
 * in src/ops/unary.ts. test/webgpu/opcodes.test.ts then runs it on both devices. A binary op (fmod)
 * or a reduction (prod) goes the same way: its name here (and in INTEGER_BINARY_OPS if it has an
 * int32 kernel), its class and its cases in binaryF32/binaryI32 (assembly/elementwise.ts) or its
 * run in reduceF32/reduceI32 (assembly/reduce.ts), its case in shaders/binary.wgsl or
 * shaders/reduce.wgsl, and its op in src/ops/elementwise.ts or src/ops/reduce.ts.
 *
 * The build evaluates this file on its own: it must import nothing but types.
 */
export const OPCODE_FAMILIES = {
  /** Device.unary (assembly/elementwise.ts, shaders/unary.wgsl). */
  unary: [
    'neg',
    'abs',
    'exp',
    'log',
    'sqrt',
    'rsqrt',
    'sin',
    'cos',
    'tanh',
    'sigmoid',
    'relu',
    'sign',
    'floor',
    'ceil',
    'round',
    'reciprocal',
    'square',
    'clamp',
    'powScalar',
    'affine',
    'leakyRelu',
    'logicalNot',
    'erf',
    'log1p',
    'expm1',
    'rpowScalar',
    'gtScalar',
    'trunc',
    'log2',
    'silu',
    'elu',
    'softplus',
    'mish',
    'logSigmoid',
  ],
  /** Device.binary (assembly/elementwise.ts, shaders/binary.wgsl). */
  binary: [
    'add',
    'sub',
    'mul',
    'div',
    'pow',
    'maximum',
    'minimum',
    'eq',
    'ne',
    'lt',
    'le',
    'gt',
    'ge',
    'logicalAnd',
    'logicalOr',
    'remainder',
    'floorDivide',
    'fmod',
    'reluBackward',
  ],
  /** Device.reduce (assembly/reduce.ts, shaders/reduce.wgsl). */
  reduce: ['sum', 'max', 'min', 'argmax', 'argmin', 'prod'],
  /** Device.scan (assembly/scan.ts, shaders/scan.wgsl). */
  scan: ['cumsum', 'cumprod'],
  /** What the CPU copy kernel does to each element (assembly/elementwise.ts copyStrided). */
  conversion: ['noConversion', 'float32ToInt32', 'int32ToFloat32', 'float32ToBool', 'int32ToBool'],
  /** What the CPU gatherScatter kernel does (assembly/indexing.ts). */
  gatherScatter: ['gather', 'scatter', 'scatterAddF32', 'scatterAddI32'],
  /** Device.multinomial's outcomes, as the CPU kernel returns them (assembly/random.ts). */
  multinomialStatus: ['ok', 'invalidWeight', 'zeroRow'],
} as const;

export type UnaryOp = (typeof OPCODE_FAMILIES.unary)[number];
export type BinaryOp = (typeof OPCODE_FAMILIES.binary)[number];
export type ReduceOp = (typeof OPCODE_FAMILIES.reduce)[number];
export type ScanOp = (typeof OPCODE_FAMILIES.scan)[number];
export type MultinomialStatus = (typeof OPCODE_FAMILIES.multinomialStatus)[number];

/** `leakyRelu` -> `LEAKY_RELU`, `float32` -> `FLOAT32`: names as AssemblyScript and WGSL constants. */
export function constantName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function numbered<Name extends string>(names: readonly Name[]): Readonly<Record<Name, number>> {
  return Object.fromEntries(names.map((name, position) => [name, position])) as Record<Name, number>;
}

export const UNARY_OPCODES = numbered(OPCODE_FAMILIES.unary);
export const BINARY_OPCODES = numbered(OPCODE_FAMILIES.binary);
export const REDUCE_OPCODES = numbered(OPCODE_FAMILIES.reduce);
export const SCAN_OPCODES = numbered(OPCODE_FAMILIES.scan);
export const CONVERSIONS = numbered(OPCODE_FAMILIES.conversion);
export const GATHER_SCATTER_MODES = numbered(OPCODE_FAMILIES.gatherScatter);
export const MULTINOMIAL_STATUSES = OPCODE_FAMILIES.multinomialStatus;

/** Ops with an int32 kernel (bool runs as int32) on every device; ops convert others' inputs to float32. */
const INTEGER_UNARY_OPS: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['neg', 'abs', 'sign', 'square', 'logicalNot']);
const INTEGER_BINARY_OPS: ReadonlySet<BinaryOp> = new Set<BinaryOp>([
  'add',
  'sub',
  'mul',
  'pow',
  'maximum',
  'minimum',
  'remainder',
  'floorDivide',
  'fmod',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
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
