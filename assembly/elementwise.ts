// Elementwise kernels over strided operands. Every kernel writes a contiguous output (or, for copy
// and fill, any strided destination) and walks its inputs through their strides, so views,
// transposes and broadcasts (stride 0) need no copy first. Inner rows run in f32x4/i32x4 when the
// inner strides allow; shapes and strides arrive as i32 arrays in memory.
import { expV, sigmoidV, tanhV } from './simd-math';
import { beginWalk, carry, innerSize, innerStride, nextRow, outerRows, prepareOperand } from './strided';

// Opcodes, mirrored in src/devices/cpu/opcodes.ts.
const ADD = 0, SUB = 1, MUL = 2, DIV = 3, POW = 4, MAXIMUM = 5, MINIMUM = 6;
const EQ = 7, NE = 8, LT = 9, LE = 10, GT = 11, GE = 12, LOGICAL_AND = 13, LOGICAL_OR = 14;
const REMAINDER = 15, FLOOR_DIVIDE = 16;

const NEG = 0, ABS = 1, EXP = 2, LOG = 3, SQRT = 4, RSQRT = 5, SIN = 6, COS = 7, TANH = 8;
const SIGMOID = 9, RELU = 10, SIGN = 11, FLOOR = 12, CEIL = 13, ROUND = 14, RECIPROCAL = 15;
const SQUARE = 16, CLAMP = 17, POW_SCALAR = 18, AFFINE = 19, LEAKY_RELU = 20, LOGICAL_NOT = 21;
const ERF = 22, LOG1P = 23, EXPM1 = 24, RPOW_SCALAR = 25, GT_SCALAR = 26, TRUNC = 27;

// Conversions for copy, mirrored in src/devices/cpu/opcodes.ts.
const CONVERT_NONE = 0, F32_TO_I32 = 1, I32_TO_F32 = 2, F32_TO_BOOL = 3, I32_TO_BOOL = 4;

@inline function ptr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

// ---------------------------------------------------------------------------------------------
// copy and fill

@inline function convertBits(conversion: i32, bits: u32): u32 {
  if (conversion == F32_TO_I32) {
    const v = reinterpret<f32>(bits);
    // Out-of-range and NaN floats have no int32 value; saturate instead of trapping inside wasm.
    return <u32>(isFinite(v) ? <i32>Mathf.trunc(Mathf.max(-2147483648.0, Mathf.min(2147483520.0, v))) : 0);
  }
  if (conversion == I32_TO_F32) return reinterpret<u32>(<f32><i32>bits);
  if (conversion == F32_TO_BOOL) return reinterpret<f32>(bits) != 0 ? 1 : 0;
  if (conversion == I32_TO_BOOL) return bits != 0 ? 1 : 0;
  return bits;
}

/** dst[...] = convert(src[...]) over `shape`; both strided. */
export function copyStrided(ndim: i32, shape: usize, dst: usize, dstStrides: usize, src: usize, srcStrides: usize, conversion: i32): void {
  const n = innerSize(ndim, shape);
  const sd = innerStride(ndim, dstStrides), ss = innerStride(ndim, srcStrides);
  const rows = outerRows(ndim, shape);
  beginWalk(ndim);
  prepareOperand(0, ndim, shape, dstStrides);
  prepareOperand(1, ndim, shape, srcStrides);
  let od = 0, os = 0;
  for (let row = 0; row < rows; row++) {
    if (row > 0) {
      const d = nextRow(ndim, shape);
      od += carry(0, d);
      os += carry(1, d);
    }
    const rowDst = ptr(dst, od), rowSrc = ptr(src, os);
    if (conversion == CONVERT_NONE && sd == 1 && ss == 1) {
      memory.copy(rowDst, rowSrc, <usize>n << 2);
    } else if (conversion == CONVERT_NONE) {
      for (let i = 0; i < n; i++) store<u32>(ptr(rowDst, i * sd), load<u32>(ptr(rowSrc, i * ss)));
    } else {
      for (let i = 0; i < n; i++) store<u32>(ptr(rowDst, i * sd), convertBits(conversion, load<u32>(ptr(rowSrc, i * ss))));
    }
  }
}

/** dst[...] = bits over `shape`, strided: fills, diagonals (eye) and slice assignment of scalars. */
export function fillStrided(ndim: i32, shape: usize, dst: usize, dstStrides: usize, bits: u32): void {
  const n = innerSize(ndim, shape);
  const sd = innerStride(ndim, dstStrides);
  const rows = outerRows(ndim, shape);
  beginWalk(ndim);
  prepareOperand(0, ndim, shape, dstStrides);
  const splat = i32x4.splat(bits);
  let od = 0;
  for (let row = 0; row < rows; row++) {
    if (row > 0) od += carry(0, nextRow(ndim, shape));
    const rowDst = ptr(dst, od);
    if (sd == 1) {
      let i = 0;
      for (; i + 4 <= n; i += 4) v128.store(ptr(rowDst, i), splat);
      for (; i < n; i++) store<u32>(ptr(rowDst, i), bits);
    } else {
      for (let i = 0; i < n; i++) store<u32>(ptr(rowDst, i * sd), bits);
    }
  }
}

/** out[i] = start + i * step, the arange/linspace fill (contiguous). */
export function arangeF32(out: usize, n: i32, start: f64, step: f64): void {
  for (let i = 0; i < n; i++) store<f32>(ptr(out, i), <f32>(start + <f64>i * step));
}

export function arangeI32(out: usize, n: i32, start: i32, step: i32): void {
  for (let i = 0; i < n; i++) store<i32>(ptr(out, i), start + i * step);
}

// ---------------------------------------------------------------------------------------------
// unary

@inline function unaryScalar(op: i32, x: f32, p0: f32, p1: f32): f32 {
  switch (op) {
    case NEG: return -x;
    case ABS: return Mathf.abs(x);
    case EXP: return Mathf.exp(x);
    case LOG: return Mathf.log(x);
    case SQRT: return Mathf.sqrt(x);
    case RSQRT: return 1.0 / Mathf.sqrt(x);
    case SIN: return Mathf.sin(x);
    case COS: return Mathf.cos(x);
    case TANH: return Mathf.tanh(x);
    case SIGMOID: return x >= 0 ? 1.0 / (1.0 + Mathf.exp(-x)) : Mathf.exp(x) / (1.0 + Mathf.exp(x));
    case RELU: return x > 0 ? x : (x != x ? x : 0);
    case SIGN: return x > 0 ? 1 : x < 0 ? -1 : x;
    case FLOOR: return Mathf.floor(x);
    case CEIL: return Mathf.ceil(x);
    case ROUND: return nearest<f32>(x);
    case TRUNC: return Mathf.trunc(x);
    case RECIPROCAL: return 1.0 / x;
    case SQUARE: return x * x;
    case CLAMP: return x != x ? x : Mathf.min(Mathf.max(x, p0), p1);
    case POW_SCALAR: return powf(x, p0);
    case RPOW_SCALAR: return powf(p0, x);
    case AFFINE: return x * p0 + p1;
    case LEAKY_RELU: return x > 0 ? x : x * p0;
    case GT_SCALAR: return x > p0 ? 1 : 0;
    case ERF: return erff(x);
    case LOG1P: return Mathf.log1p(x);
    case EXPM1: return Mathf.expm1(x);
    default: return x;
  }
}

@inline function unaryVector(op: i32, x: v128, p0: v128, p1: v128): v128 {
  switch (op) {
    case NEG: return f32x4.neg(x);
    case ABS: return f32x4.abs(x);
    case EXP: return expV(x);
    case TANH: return tanhV(x);
    case SIGMOID: return sigmoidV(x);
    case SQRT: return f32x4.sqrt(x);
    case RELU: return v128.and(x, f32x4.gt(x, f32x4.splat(0)));
    case FLOOR: return f32x4.floor(x);
    case CEIL: return f32x4.ceil(x);
    case ROUND: return f32x4.nearest(x);
    case TRUNC: return f32x4.trunc(x);
    case RECIPROCAL: return f32x4.div(f32x4.splat(1), x);
    case SQUARE: return f32x4.mul(x, x);
    case AFFINE: return f32x4.add(f32x4.mul(x, p0), p1);
    case LEAKY_RELU: return v128.bitselect(x, f32x4.mul(x, p0), f32x4.gt(x, f32x4.splat(0)));
    default: return x;
  }
}

@inline function hasVectorForm(op: i32): bool {
  return op == NEG || op == ABS || op == EXP || op == TANH || op == SIGMOID || op == SQRT || op == RELU || op == FLOOR || op == CEIL || op == ROUND
    || op == TRUNC || op == RECIPROCAL || op == SQUARE || op == AFFINE || op == LEAKY_RELU;
}

// PyTorch's pow: x^y with the IEEE special cases Math.pow implements in f64; f32 rounding after.
@inline function powf(x: f32, y: f32): f32 {
  return <f32>Math.pow(<f64>x, <f64>y);
}

// erf in f64 (Abramowitz-Stegun 7.1.26 is too coarse for 1e-5 parity), rounded to f32.
function erff(x: f32): f32 {
  const z = Math.abs(<f64>x);
  const t = 1.0 / (1.0 + 0.5 * z);
  const y = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return <f32>(x >= 0 ? 1.0 - y : y - 1.0);
}

@inline function unaryLoop(op: i32, ndim: i32, shape: usize, out: usize, x: usize, xStrides: usize, p0: f32, p1: f32): void {
  const n = innerSize(ndim, shape);
  const sx = innerStride(ndim, xStrides);
  const rows = outerRows(ndim, shape);
  const vp0 = f32x4.splat(p0), vp1 = f32x4.splat(p1);
  beginWalk(ndim);
  prepareOperand(0, ndim, shape, xStrides);
  let ox = 0;
  let rowOut = out;
  for (let row = 0; row < rows; row++) {
    if (row > 0) ox += carry(0, nextRow(ndim, shape));
    const rowX = ptr(x, ox);
    let i = 0;
    if (hasVectorForm(op) && sx == 1) {
      for (; i + 4 <= n; i += 4) v128.store(ptr(rowOut, i), unaryVector(op, v128.load(ptr(rowX, i)), vp0, vp1));
    }
    for (; i < n; i++) store<f32>(ptr(rowOut, i), unaryScalar(op, load<f32>(ptr(rowX, i * sx)), p0, p1));
    rowOut = ptr(rowOut, n);
  }
}

/** out = op(x) for float32; out contiguous, x strided; p0/p1 are the op's scalar parameters. */
export function unaryF32(op: i32, ndim: i32, shape: usize, out: usize, x: usize, xStrides: usize, p0: f32, p1: f32): void {
  // One specialised loop per op: the switch inside unaryLoop folds away once op is a constant.
  switch (op) {
    case NEG: unaryLoop(NEG, ndim, shape, out, x, xStrides, p0, p1); break;
    case ABS: unaryLoop(ABS, ndim, shape, out, x, xStrides, p0, p1); break;
    case EXP: unaryLoop(EXP, ndim, shape, out, x, xStrides, p0, p1); break;
    case LOG: unaryLoop(LOG, ndim, shape, out, x, xStrides, p0, p1); break;
    case SQRT: unaryLoop(SQRT, ndim, shape, out, x, xStrides, p0, p1); break;
    case RSQRT: unaryLoop(RSQRT, ndim, shape, out, x, xStrides, p0, p1); break;
    case SIN: unaryLoop(SIN, ndim, shape, out, x, xStrides, p0, p1); break;
    case COS: unaryLoop(COS, ndim, shape, out, x, xStrides, p0, p1); break;
    case TANH: unaryLoop(TANH, ndim, shape, out, x, xStrides, p0, p1); break;
    case SIGMOID: unaryLoop(SIGMOID, ndim, shape, out, x, xStrides, p0, p1); break;
    case RELU: unaryLoop(RELU, ndim, shape, out, x, xStrides, p0, p1); break;
    case SIGN: unaryLoop(SIGN, ndim, shape, out, x, xStrides, p0, p1); break;
    case FLOOR: unaryLoop(FLOOR, ndim, shape, out, x, xStrides, p0, p1); break;
    case CEIL: unaryLoop(CEIL, ndim, shape, out, x, xStrides, p0, p1); break;
    case ROUND: unaryLoop(ROUND, ndim, shape, out, x, xStrides, p0, p1); break;
    case TRUNC: unaryLoop(TRUNC, ndim, shape, out, x, xStrides, p0, p1); break;
    case RECIPROCAL: unaryLoop(RECIPROCAL, ndim, shape, out, x, xStrides, p0, p1); break;
    case SQUARE: unaryLoop(SQUARE, ndim, shape, out, x, xStrides, p0, p1); break;
    case CLAMP: unaryLoop(CLAMP, ndim, shape, out, x, xStrides, p0, p1); break;
    case POW_SCALAR: unaryLoop(POW_SCALAR, ndim, shape, out, x, xStrides, p0, p1); break;
    case RPOW_SCALAR: unaryLoop(RPOW_SCALAR, ndim, shape, out, x, xStrides, p0, p1); break;
    case AFFINE: unaryLoop(AFFINE, ndim, shape, out, x, xStrides, p0, p1); break;
    case LEAKY_RELU: unaryLoop(LEAKY_RELU, ndim, shape, out, x, xStrides, p0, p1); break;
    case GT_SCALAR: unaryLoop(GT_SCALAR, ndim, shape, out, x, xStrides, p0, p1); break;
    case ERF: unaryLoop(ERF, ndim, shape, out, x, xStrides, p0, p1); break;
    case LOG1P: unaryLoop(LOG1P, ndim, shape, out, x, xStrides, p0, p1); break;
    case EXPM1: unaryLoop(EXPM1, ndim, shape, out, x, xStrides, p0, p1); break;
    default: unreachable();
  }
}

@inline function unaryIntScalar(op: i32, x: i32): i32 {
  switch (op) {
    case NEG: return -x;
    case ABS: return x < 0 ? -x : x;
    case SIGN: return x > 0 ? 1 : x < 0 ? -1 : 0;
    case SQUARE: return x * x;
    case LOGICAL_NOT: return x == 0 ? 1 : 0;
    default: return x;
  }
}

/** out = op(x) for int32 and bool (neg, abs, sign, square, logicalNot). */
export function unaryI32(op: i32, ndim: i32, shape: usize, out: usize, x: usize, xStrides: usize): void {
  const n = innerSize(ndim, shape);
  const sx = innerStride(ndim, xStrides);
  const rows = outerRows(ndim, shape);
  beginWalk(ndim);
  prepareOperand(0, ndim, shape, xStrides);
  let ox = 0;
  let rowOut = out;
  for (let row = 0; row < rows; row++) {
    if (row > 0) ox += carry(0, nextRow(ndim, shape));
    const rowX = ptr(x, ox);
    for (let i = 0; i < n; i++) store<i32>(ptr(rowOut, i), unaryIntScalar(op, load<i32>(ptr(rowX, i * sx))));
    rowOut = ptr(rowOut, n);
  }
}

// ---------------------------------------------------------------------------------------------
// binary

@inline function binaryScalar(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case ADD: return a + b;
    case SUB: return a - b;
    case MUL: return a * b;
    case DIV: return a / b;
    case POW: return powf(a, b);
    case MAXIMUM: return a != a || b != b ? NaN : Mathf.max(a, b);
    case MINIMUM: return a != a || b != b ? NaN : Mathf.min(a, b);
    case REMAINDER: { const r = a - Mathf.floor(a / b) * b; return r; }
    case FLOOR_DIVIDE: return Mathf.floor(a / b);
    default: return 0;
  }
}

@inline function compareScalar(op: i32, a: f32, b: f32): i32 {
  switch (op) {
    case EQ: return a == b ? 1 : 0;
    case NE: return a != b ? 1 : 0;
    case LT: return a < b ? 1 : 0;
    case LE: return a <= b ? 1 : 0;
    case GT: return a > b ? 1 : 0;
    case GE: return a >= b ? 1 : 0;
    default: return 0;
  }
}

@inline function binaryVector(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    case DIV: return f32x4.div(a, b);
    // f32x4.max/min propagate NaN like torch.maximum/minimum.
    case MAXIMUM: return f32x4.max(a, b);
    case MINIMUM: return f32x4.min(a, b);
    default: return a;
  }
}

@inline function hasBinaryVectorForm(op: i32): bool {
  return op == ADD || op == SUB || op == MUL || op == DIV || op == MAXIMUM || op == MINIMUM;
}

@inline function isComparison(op: i32): bool {
  return op >= EQ && op <= GE;
}

@inline function binaryLoop(op: i32, ndim: i32, shape: usize, out: usize, a: usize, aStrides: usize, b: usize, bStrides: usize): void {
  const n = innerSize(ndim, shape);
  const sa = innerStride(ndim, aStrides), sb = innerStride(ndim, bStrides);
  const rows = outerRows(ndim, shape);
  beginWalk(ndim);
  prepareOperand(0, ndim, shape, aStrides);
  prepareOperand(1, ndim, shape, bStrides);
  let oa = 0, ob = 0;
  let rowOut = out;
  for (let row = 0; row < rows; row++) {
    if (row > 0) {
      const d = nextRow(ndim, shape);
      oa += carry(0, d);
      ob += carry(1, d);
    }
    const rowA = ptr(a, oa), rowB = ptr(b, ob);
    let i = 0;
    if (hasBinaryVectorForm(op)) {
      if (sa == 1 && sb == 1) {
        for (; i + 4 <= n; i += 4) v128.store(ptr(rowOut, i), binaryVector(op, v128.load(ptr(rowA, i)), v128.load(ptr(rowB, i))));
      } else if (sa == 1 && sb == 0) {
        const vb = f32x4.splat(load<f32>(rowB));
        for (; i + 4 <= n; i += 4) v128.store(ptr(rowOut, i), binaryVector(op, v128.load(ptr(rowA, i)), vb));
      } else if (sa == 0 && sb == 1) {
        const va = f32x4.splat(load<f32>(rowA));
        for (; i + 4 <= n; i += 4) v128.store(ptr(rowOut, i), binaryVector(op, va, v128.load(ptr(rowB, i))));
      }
    }
    if (isComparison(op)) {
      for (; i < n; i++) store<i32>(ptr(rowOut, i), compareScalar(op, load<f32>(ptr(rowA, i * sa)), load<f32>(ptr(rowB, i * sb))));
    } else {
      for (; i < n; i++) store<f32>(ptr(rowOut, i), binaryScalar(op, load<f32>(ptr(rowA, i * sa)), load<f32>(ptr(rowB, i * sb))));
    }
    rowOut = ptr(rowOut, n);
  }
}

/** out = a op b for float32 inputs (comparisons write bool); out contiguous, a and b strided to out's shape. */
export function binaryF32(op: i32, ndim: i32, shape: usize, out: usize, a: usize, aStrides: usize, b: usize, bStrides: usize): void {
  switch (op) {
    case ADD: binaryLoop(ADD, ndim, shape, out, a, aStrides, b, bStrides); break;
    case SUB: binaryLoop(SUB, ndim, shape, out, a, aStrides, b, bStrides); break;
    case MUL: binaryLoop(MUL, ndim, shape, out, a, aStrides, b, bStrides); break;
    case DIV: binaryLoop(DIV, ndim, shape, out, a, aStrides, b, bStrides); break;
    case POW: binaryLoop(POW, ndim, shape, out, a, aStrides, b, bStrides); break;
    case MAXIMUM: binaryLoop(MAXIMUM, ndim, shape, out, a, aStrides, b, bStrides); break;
    case MINIMUM: binaryLoop(MINIMUM, ndim, shape, out, a, aStrides, b, bStrides); break;
    case EQ: binaryLoop(EQ, ndim, shape, out, a, aStrides, b, bStrides); break;
    case NE: binaryLoop(NE, ndim, shape, out, a, aStrides, b, bStrides); break;
    case LT: binaryLoop(LT, ndim, shape, out, a, aStrides, b, bStrides); break;
    case LE: binaryLoop(LE, ndim, shape, out, a, aStrides, b, bStrides); break;
    case GT: binaryLoop(GT, ndim, shape, out, a, aStrides, b, bStrides); break;
    case GE: binaryLoop(GE, ndim, shape, out, a, aStrides, b, bStrides); break;
    case REMAINDER: binaryLoop(REMAINDER, ndim, shape, out, a, aStrides, b, bStrides); break;
    case FLOOR_DIVIDE: binaryLoop(FLOOR_DIVIDE, ndim, shape, out, a, aStrides, b, bStrides); break;
    default: unreachable();
  }
}

@inline function binaryIntScalar(op: i32, a: i32, b: i32): i32 {
  switch (op) {
    case ADD: return a + b;
    case SUB: return a - b;
    case MUL: return a * b;
    case MAXIMUM: return a > b ? a : b;
    case MINIMUM: return a < b ? a : b;
    case EQ: return a == b ? 1 : 0;
    case NE: return a != b ? 1 : 0;
    case LT: return a < b ? 1 : 0;
    case LE: return a <= b ? 1 : 0;
    case GT: return a > b ? 1 : 0;
    case GE: return a >= b ? 1 : 0;
    case LOGICAL_AND: return a != 0 && b != 0 ? 1 : 0;
    case LOGICAL_OR: return a != 0 || b != 0 ? 1 : 0;
    // Python's floor semantics; a zero divisor is rejected by the op before it reaches here.
    case REMAINDER: { const r = a % b; return r != 0 && (r ^ b) < 0 ? r + b : r; }
    case FLOOR_DIVIDE: { const q = a / b; return (a % b != 0) && ((a ^ b) < 0) ? q - 1 : q; }
    default: return 0;
  }
}

/** out = a op b for int32/bool inputs; out contiguous. */
export function binaryI32(op: i32, ndim: i32, shape: usize, out: usize, a: usize, aStrides: usize, b: usize, bStrides: usize): void {
  const n = innerSize(ndim, shape);
  const sa = innerStride(ndim, aStrides), sb = innerStride(ndim, bStrides);
  const rows = outerRows(ndim, shape);
  beginWalk(ndim);
  prepareOperand(0, ndim, shape, aStrides);
  prepareOperand(1, ndim, shape, bStrides);
  let oa = 0, ob = 0;
  let rowOut = out;
  for (let row = 0; row < rows; row++) {
    if (row > 0) {
      const d = nextRow(ndim, shape);
      oa += carry(0, d);
      ob += carry(1, d);
    }
    const rowA = ptr(a, oa), rowB = ptr(b, ob);
    for (let i = 0; i < n; i++) store<i32>(ptr(rowOut, i), binaryIntScalar(op, load<i32>(ptr(rowA, i * sa)), load<i32>(ptr(rowB, i * sb))));
    rowOut = ptr(rowOut, n);
  }
}

/** out = cond ? a : b, elementwise over 4-byte values of any dtype; all three inputs strided. */
export function whereStrided(ndim: i32, shape: usize, out: usize, cond: usize, condStrides: usize, a: usize, aStrides: usize, b: usize, bStrides: usize): void {
  const n = innerSize(ndim, shape);
  const sc = innerStride(ndim, condStrides), sa = innerStride(ndim, aStrides), sb = innerStride(ndim, bStrides);
  const rows = outerRows(ndim, shape);
  beginWalk(ndim);
  prepareOperand(0, ndim, shape, condStrides);
  prepareOperand(1, ndim, shape, aStrides);
  prepareOperand(2, ndim, shape, bStrides);
  let oc = 0, oa = 0, ob = 0;
  let rowOut = out;
  for (let row = 0; row < rows; row++) {
    if (row > 0) {
      const d = nextRow(ndim, shape);
      oc += carry(0, d);
      oa += carry(1, d);
      ob += carry(2, d);
    }
    const rowC = ptr(cond, oc), rowA = ptr(a, oa), rowB = ptr(b, ob);
    for (let i = 0; i < n; i++) {
      store<u32>(ptr(rowOut, i), load<i32>(ptr(rowC, i * sc)) != 0 ? load<u32>(ptr(rowA, i * sa)) : load<u32>(ptr(rowB, i * sb)));
    }
    rowOut = ptr(rowOut, n);
  }
}
