// Elementwise kernels over strided operands. Every kernel writes a contiguous output (or, for copy
// and fill, any strided destination) and walks its inputs through their strides, so views,
// transposes and broadcasts (stride 0) need no copy first. Inner rows run in f32x4/i32x4 when the
// inner strides allow; shapes and strides arrive as i32 arrays in memory.
//
// unary, binary and where compute the output's elements [begin, end) of its row-major order, so a
// large op splits over threads (src/devices/cpu/kernels/elementwise.ts). Within a row, elements
// run in groups of 4 from the row's start and the row's last n % 4 one by one, whatever the range:
// a range that starts or ends at a multiple of 4 within its row (or in that tail) computes each
// element with the code the whole-tensor call would use, so the bits do not depend on the split.
import { expV, sigmoidV, tanhV } from './simd-math';
import { beginWalk, beginWalkAt, carry, innerSize, innerStride, nextRow, outerRows, prepareOperand, rowOffset } from './strided';
// Opcodes and conversions, generated from src/devices/opcodes.ts.
import {
  ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, EQ, NE, LT, LE, GT, GE, LOGICAL_AND, LOGICAL_OR, REMAINDER, FLOOR_DIVIDE, FMOD, RELU_BACKWARD,
  NEG, ABS, EXP, LOG, SQRT, RSQRT, SIN, COS, TANH, SIGMOID, RELU, SIGN, FLOOR, CEIL, ROUND, RECIPROCAL,
  SQUARE, CLAMP, POW_SCALAR, AFFINE, LEAKY_RELU, LOGICAL_NOT, ERF, LOG1P, EXPM1, RPOW_SCALAR, GT_SCALAR, TRUNC, LOG2,
  SILU, ELU, SOFTPLUS, MISH, LOG_SIGMOID,
  NO_CONVERSION, FLOAT32_TO_INT32, INT32_TO_FLOAT32, FLOAT32_TO_BOOL, INT32_TO_BOOL,
} from '../build/opcodes';

@inline function ptr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

// ---------------------------------------------------------------------------------------------
// copy and fill

@inline function convertBits(conversion: i32, bits: u32): u32 {
  if (conversion == FLOAT32_TO_INT32) {
    const v = reinterpret<f32>(bits);
    // Out-of-range and NaN floats have no int32 value; saturate instead of trapping inside wasm.
    return <u32>(isFinite(v) ? <i32>Mathf.trunc(Mathf.max(-2147483648.0, Mathf.min(2147483520.0, v))) : 0);
  }
  if (conversion == INT32_TO_FLOAT32) return reinterpret<u32>(<f32><i32>bits);
  if (conversion == FLOAT32_TO_BOOL) return reinterpret<f32>(bits) != 0 ? 1 : 0;
  if (conversion == INT32_TO_BOOL) return bits != 0 ? 1 : 0;
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
    if (conversion == NO_CONVERSION && sd == 1 && ss == 1) {
      memory.copy(rowDst, rowSrc, <usize>n << 2);
    } else if (conversion == NO_CONVERSION) {
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
//
// Each op is a class with an inlined scalar and vector form; loops are generic over the op class,
// so AssemblyScript compiles one specialised loop per op (a runtime switch inside the loop, or a
// constant op argument to an inlined loop, ends up as a per-element branch table).

// PyTorch's pow: x^y with the IEEE special cases Math.pow implements in f64; f32 rounding after.
@inline function powf(x: f32, y: f32): f32 {
  return <f32>Math.pow(<f64>x, <f64>y);
}

// erf in f64, rounded to f32. Numerical Recipes' erfc fit has 1.2e-7 error relative to erfc, so
// 1 - erfc loses erf's relative precision as x -> 0 (1e-4 at x = 1e-3); below 1 the Maclaurin
// series keeps it (the first omitted term, x^27 / (13! 27), is < 1e-11 there).
function erff(x: f32): f32 {
  const z = Math.abs(<f64>x);
  if (z < 1) {
    const x2 = <f64>x * <f64>x;
    let term = <f64>x;
    let series = term;
    for (let n = 1; n <= 12; n++) {
      term *= -x2 / <f64>n;
      series += term / <f64>(2 * n + 1);
    }
    return <f32>(series * 1.1283791670955126);
  }
  const t = 1.0 / (1.0 + 0.5 * z);
  const y = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return <f32>(x >= 0 ? 1.0 - y : y - 1.0);
}

/** Applies a scalar function lane by lane, for ops without a SIMD form. */
@inline function byLane<Op>(op: Op, x: v128, p0: f32, p1: f32): v128 {
  let r = f32x4.splat(op.scalar(f32x4.extract_lane(x, 0), p0, p1));
  r = f32x4.replace_lane(r, 1, op.scalar(f32x4.extract_lane(x, 1), p0, p1));
  r = f32x4.replace_lane(r, 2, op.scalar(f32x4.extract_lane(x, 2), p0, p1));
  return f32x4.replace_lane(r, 3, op.scalar(f32x4.extract_lane(x, 3), p0, p1));
}

class Neg { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return -x; } @inline vector(x: v128, p0: f32, p1: f32): v128 { return f32x4.neg(x); } }
class Abs { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return Mathf.abs(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return f32x4.abs(x); } }
class Exp { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return Mathf.exp(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return expV(x); } }
class Log { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return Mathf.log(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return byLane<Log>(this, x, p0, p1); } }
class Log2 { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return Mathf.log2(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return byLane<Log2>(this, x, p0, p1); } }
class Sqrt { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return Mathf.sqrt(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return f32x4.sqrt(x); } }
class Rsqrt { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return 1.0 / Mathf.sqrt(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return f32x4.div(f32x4.splat(1), f32x4.sqrt(x)); } }
class Sin { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return Mathf.sin(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return byLane<Sin>(this, x, p0, p1); } }
class Cos { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return Mathf.cos(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return byLane<Cos>(this, x, p0, p1); } }
class Tanh { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return Mathf.tanh(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return tanhV(x); } }
class Sigmoid {
  @inline scalar(x: f32, p0: f32, p1: f32): f32 { return x >= 0 ? 1.0 / (1.0 + Mathf.exp(-x)) : Mathf.exp(x) / (1.0 + Mathf.exp(x)); }
  @inline vector(x: v128, p0: f32, p1: f32): v128 { return sigmoidV(x); }
}
// relu keeps NaN, as PyTorch's does: the comparison mask is false for NaN, so select x there.
class Relu {
  @inline scalar(x: f32, p0: f32, p1: f32): f32 { return x > 0 || x != x ? x : 0; }
  @inline vector(x: v128, p0: f32, p1: f32): v128 { return v128.and(x, v128.or(f32x4.gt(x, f32x4.splat(0)), f32x4.ne(x, x))); }
}
// PyTorch's (0 < x) - (x < 0): NaN and -0 have sign +0 (abs's gradient is 0 there).
class Sign { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return x > 0 ? 1 : x < 0 ? -1 : 0; } @inline vector(x: v128, p0: f32, p1: f32): v128 { return byLane<Sign>(this, x, p0, p1); } }
class Floor { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return Mathf.floor(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return f32x4.floor(x); } }
class Ceil { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return Mathf.ceil(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return f32x4.ceil(x); } }
class Round { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return nearest<f32>(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return f32x4.nearest(x); } }
class Trunc { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return Mathf.trunc(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return f32x4.trunc(x); } }
class Reciprocal { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return 1.0 / x; } @inline vector(x: v128, p0: f32, p1: f32): v128 { return f32x4.div(f32x4.splat(1), x); } }
class Square { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return x * x; } @inline vector(x: v128, p0: f32, p1: f32): v128 { return f32x4.mul(x, x); } }
class Clamp {
  @inline scalar(x: f32, p0: f32, p1: f32): f32 { return x != x ? x : Mathf.min(Mathf.max(x, p0), p1); }
  @inline vector(x: v128, p0: f32, p1: f32): v128 { return f32x4.pmin(f32x4.pmax(x, f32x4.splat(p0)), f32x4.splat(p1)); }
}
class PowScalar { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return powf(x, p0); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return byLane<PowScalar>(this, x, p0, p1); } }
class RpowScalar { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return powf(p0, x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return byLane<RpowScalar>(this, x, p0, p1); } }
class Affine {
  @inline scalar(x: f32, p0: f32, p1: f32): f32 { return x * p0 + p1; }
  @inline vector(x: v128, p0: f32, p1: f32): v128 { return f32x4.add(f32x4.mul(x, f32x4.splat(p0)), f32x4.splat(p1)); }
}
class LeakyRelu {
  @inline scalar(x: f32, p0: f32, p1: f32): f32 { return x > 0 ? x : x * p0; }
  @inline vector(x: v128, p0: f32, p1: f32): v128 { return v128.bitselect(x, f32x4.mul(x, f32x4.splat(p0)), f32x4.gt(x, f32x4.splat(0))); }
}
class GtScalar {
  @inline scalar(x: f32, p0: f32, p1: f32): f32 { return x > p0 ? 1 : 0; }
  @inline vector(x: v128, p0: f32, p1: f32): v128 { return v128.and(f32x4.gt(x, f32x4.splat(p0)), f32x4.splat(1)); }
}
class Erf { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return erff(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return byLane<Erf>(this, x, p0, p1); } }
class Log1p { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return Mathf.log1p(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return byLane<Log1p>(this, x, p0, p1); } }
class Expm1 { @inline scalar(x: f32, p0: f32, p1: f32): f32 { return Mathf.expm1(x); } @inline vector(x: v128, p0: f32, p1: f32): v128 { return byLane<Expm1>(this, x, p0, p1); } }
// PyTorch's x / (1 + exp(-x)): far below 0, exp overflows and the result is -0, not a subnormal.
class Silu {
  @inline scalar(x: f32, p0: f32, p1: f32): f32 { return x / (1 + Mathf.exp(-x)); }
  @inline vector(x: v128, p0: f32, p1: f32): v128 { return f32x4.div(x, f32x4.add(f32x4.splat(1), expV(f32x4.neg(x)))); }
}
// PyTorch's elu with p0 = alpha and p1 = scale (selu's constants, 1 for elu). The negative side is
// exp(x) - 1 as PyTorch computes it, not expm1, whose digits near 0 PyTorch does not have.
class Elu {
  @inline scalar(x: f32, p0: f32, p1: f32): f32 { return x > 0 ? x * p1 : (Mathf.exp(x) - 1) * (p0 * p1); }
  @inline vector(x: v128, p0: f32, p1: f32): v128 {
    const negative = f32x4.mul(f32x4.sub(expV(x), f32x4.splat(1)), f32x4.splat(p0 * p1));
    return v128.bitselect(f32x4.mul(x, f32x4.splat(p1)), negative, f32x4.gt(x, f32x4.splat(0)));
  }
}
// p0 = beta, p1 = threshold: above it, softplus is x to float32 precision, and exp would overflow.
class Softplus {
  @inline scalar(x: f32, p0: f32, p1: f32): f32 { return x * p0 > p1 ? x : Mathf.log1p(Mathf.exp(x * p0)) / p0; }
  @inline vector(x: v128, p0: f32, p1: f32): v128 { return byLane<Softplus>(this, x, p0, p1); }
}
class Mish {
  @inline scalar(x: f32, p0: f32, p1: f32): f32 { return x * Mathf.tanh(Mathf.log1p(Mathf.exp(x))); }
  @inline vector(x: v128, p0: f32, p1: f32): v128 { return byLane<Mish>(this, x, p0, p1); }
}
// min(x, 0) - log1p(exp(-|x|)): no exp overflows, and the tail far above 0 keeps its digits.
class LogSigmoid {
  @inline scalar(x: f32, p0: f32, p1: f32): f32 { return Mathf.min(x, 0) - Mathf.log1p(Mathf.exp(-Mathf.abs(x))); }
  @inline vector(x: v128, p0: f32, p1: f32): v128 { return byLane<LogSigmoid>(this, x, p0, p1); }
}

/** The row walk of every unary kernel, specialised per op class and element type T (f32 or i32). */
function unaryLoop<Op, T>(ndim: i32, shape: usize, out: usize, x: usize, xStrides: usize, p0: f32, p1: f32, begin: i32, end: i32): void {
  if (end <= begin) return;
  const op = changetype<Op>(0);
  const n = innerSize(ndim, shape);
  const sx = innerStride(ndim, xStrides);
  const firstRow = begin / n, lastRow = (end - 1) / n;
  beginWalkAt(ndim, shape, firstRow);
  prepareOperand(0, ndim, shape, xStrides);
  let ox = rowOffset(ndim, shape, xStrides, firstRow);
  for (let row = firstRow; row <= lastRow; row++) {
    if (row > firstRow) ox += carry(0, nextRow(ndim, shape));
    const rowStart = row * n;
    const to = row == lastRow ? end - rowStart : n;
    const rowX = ptr(x, ox), rowOut = ptr(out, rowStart);
    let i = row == firstRow ? begin - rowStart : 0;
    if (sx == 1) {
      for (; i + 4 <= to; i += 4) v128.store(ptr(rowOut, i), op.vector(v128.load(ptr(rowX, i)), p0, p1));
    }
    for (; i < to; i++) store<T>(ptr(rowOut, i), op.scalar(load<T>(ptr(rowX, i * sx)), p0, p1));
  }
}

/** out[begin, end) = op(x) for float32; out contiguous, x strided; p0/p1 are the op's scalar parameters. */
export function unaryF32(op: i32, ndim: i32, shape: usize, out: usize, x: usize, xStrides: usize, p0: f32, p1: f32, begin: i32, end: i32): void {
  switch (op) {
    case NEG: unaryLoop<Neg, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case ABS: unaryLoop<Abs, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case EXP: unaryLoop<Exp, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case LOG: unaryLoop<Log, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case LOG2: unaryLoop<Log2, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case SQRT: unaryLoop<Sqrt, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case RSQRT: unaryLoop<Rsqrt, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case SIN: unaryLoop<Sin, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case COS: unaryLoop<Cos, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case TANH: unaryLoop<Tanh, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case SIGMOID: unaryLoop<Sigmoid, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case RELU: unaryLoop<Relu, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case SIGN: unaryLoop<Sign, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case FLOOR: unaryLoop<Floor, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case CEIL: unaryLoop<Ceil, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case ROUND: unaryLoop<Round, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case TRUNC: unaryLoop<Trunc, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case RECIPROCAL: unaryLoop<Reciprocal, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case SQUARE: unaryLoop<Square, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case CLAMP: unaryLoop<Clamp, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case POW_SCALAR: unaryLoop<PowScalar, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case RPOW_SCALAR: unaryLoop<RpowScalar, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case AFFINE: unaryLoop<Affine, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case LEAKY_RELU: unaryLoop<LeakyRelu, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case GT_SCALAR: unaryLoop<GtScalar, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case ERF: unaryLoop<Erf, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case LOG1P: unaryLoop<Log1p, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case EXPM1: unaryLoop<Expm1, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case SILU: unaryLoop<Silu, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case ELU: unaryLoop<Elu, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case SOFTPLUS: unaryLoop<Softplus, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case MISH: unaryLoop<Mish, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    case LOG_SIGMOID: unaryLoop<LogSigmoid, f32>(ndim, shape, out, x, xStrides, p0, p1, begin, end); break;
    default: unreachable();
  }
}

class IntNeg { @inline scalar(x: i32, p0: f32, p1: f32): i32 { return -x; } @inline vector(x: v128, p0: f32, p1: f32): v128 { return i32x4.neg(x); } }
class IntAbs { @inline scalar(x: i32, p0: f32, p1: f32): i32 { return x < 0 ? -x : x; } @inline vector(x: v128, p0: f32, p1: f32): v128 { return i32x4.abs(x); } }
class IntSign {
  @inline scalar(x: i32, p0: f32, p1: f32): i32 { return x > 0 ? 1 : x < 0 ? -1 : 0; }
  @inline vector(x: v128, p0: f32, p1: f32): v128 { return i32x4.sub(asBool(i32x4.gt_s(x, i32x4.splat(0))), asBool(i32x4.lt_s(x, i32x4.splat(0)))); }
}
class IntSquare { @inline scalar(x: i32, p0: f32, p1: f32): i32 { return x * x; } @inline vector(x: v128, p0: f32, p1: f32): v128 { return i32x4.mul(x, x); } }
class LogicalNot { @inline scalar(x: i32, p0: f32, p1: f32): i32 { return x == 0 ? 1 : 0; } @inline vector(x: v128, p0: f32, p1: f32): v128 { return asBool(i32x4.eq(x, i32x4.splat(0))); } }

/** out[begin, end) = op(x) for int32 and bool (neg, abs, sign, square, logicalNot). */
export function unaryI32(op: i32, ndim: i32, shape: usize, out: usize, x: usize, xStrides: usize, begin: i32, end: i32): void {
  switch (op) {
    case NEG: unaryLoop<IntNeg, i32>(ndim, shape, out, x, xStrides, 0, 0, begin, end); break;
    case ABS: unaryLoop<IntAbs, i32>(ndim, shape, out, x, xStrides, 0, 0, begin, end); break;
    case SIGN: unaryLoop<IntSign, i32>(ndim, shape, out, x, xStrides, 0, 0, begin, end); break;
    case SQUARE: unaryLoop<IntSquare, i32>(ndim, shape, out, x, xStrides, 0, 0, begin, end); break;
    case LOGICAL_NOT: unaryLoop<LogicalNot, i32>(ndim, shape, out, x, xStrides, 0, 0, begin, end); break;
    default: unreachable();
  }
}

// ---------------------------------------------------------------------------------------------
// binary

@inline function byLanes<Op>(op: Op, a: v128, b: v128): v128 {
  let r = f32x4.splat(op.scalar(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0)));
  r = f32x4.replace_lane(r, 1, op.scalar(f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1)));
  r = f32x4.replace_lane(r, 2, op.scalar(f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2)));
  return f32x4.replace_lane(r, 3, op.scalar(f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3)));
}

class Add { @inline scalar(a: f32, b: f32): f32 { return a + b; } @inline vector(a: v128, b: v128): v128 { return f32x4.add(a, b); } }
class Sub { @inline scalar(a: f32, b: f32): f32 { return a - b; } @inline vector(a: v128, b: v128): v128 { return f32x4.sub(a, b); } }
class Mul { @inline scalar(a: f32, b: f32): f32 { return a * b; } @inline vector(a: v128, b: v128): v128 { return f32x4.mul(a, b); } }
class Div { @inline scalar(a: f32, b: f32): f32 { return a / b; } @inline vector(a: v128, b: v128): v128 { return f32x4.div(a, b); } }
class Pow { @inline scalar(a: f32, b: f32): f32 { return powf(a, b); } @inline vector(a: v128, b: v128): v128 { return byLanes<Pow>(this, a, b); } }
// f32x4.max/min propagate NaN like torch.maximum/minimum.
class Maximum { @inline scalar(a: f32, b: f32): f32 { return a != a || b != b ? NaN : Mathf.max(a, b); } @inline vector(a: v128, b: v128): v128 { return f32x4.max(a, b); } }
class Minimum { @inline scalar(a: f32, b: f32): f32 { return a != a || b != b ? NaN : Mathf.min(a, b); } @inline vector(a: v128, b: v128): v128 { return f32x4.min(a, b); } }
// Python's modulo and floor division, as PyTorch's fmod-based kernels give them: the remainder takes
// the divisor's sign. An infinite divisor leaves a finite dividend whole, or, where the signs
// differ, gives the divisor as remainder and -1 as quotient; an infinite dividend has neither (NaN).
@inline function isInfinite(x: f32): bool { return !isFinite<f32>(x) && !isNaN<f32>(x); }
@inline function signsDiffer(a: f32, b: f32): bool { return a != 0 && (a < 0) != (b < 0); }
class Remainder {
  @inline scalar(a: f32, b: f32): f32 {
    if (isInfinite(b) && isFinite<f32>(a)) return signsDiffer(a, b) ? b : a;
    return a - Mathf.floor(a / b) * b;
  }
  @inline vector(a: v128, b: v128): v128 { return byLanes<Remainder>(this, a, b); }
}
class FloorDivide {
  @inline scalar(a: f32, b: f32): f32 {
    if (isInfinite(a) && b != 0) return NaN;
    if (isInfinite(b) && isFinite<f32>(a)) return signsDiffer(a, b) ? -1 : a / b;
    return Mathf.floor(a / b);
  }
  @inline vector(a: v128, b: v128): v128 { return byLanes<FloorDivide>(this, a, b); }
}
// C's fmod (AssemblyScript's float %): the remainder of truncating division, with the dividend's sign.
class Fmod { @inline scalar(a: f32, b: f32): f32 { return a % b; } @inline vector(a: v128, b: v128): v128 { return byLanes<Fmod>(this, a, b); } }

// Comparisons write bool (0/1 in 32 bits): the vector forms mask all-ones lanes down to 1.
@inline function asBool(mask: v128): v128 {
  return v128.and(mask, i32x4.splat(1));
}

class Eq { @inline scalar(a: f32, b: f32): i32 { return a == b ? 1 : 0; } @inline vector(a: v128, b: v128): v128 { return asBool(f32x4.eq(a, b)); } }
class Ne { @inline scalar(a: f32, b: f32): i32 { return a != b ? 1 : 0; } @inline vector(a: v128, b: v128): v128 { return asBool(f32x4.ne(a, b)); } }
class Lt { @inline scalar(a: f32, b: f32): i32 { return a < b ? 1 : 0; } @inline vector(a: v128, b: v128): v128 { return asBool(f32x4.lt(a, b)); } }
// relu's gradient in one pass (PyTorch's threshold_backward at 0): a = the gradient, b = relu's
// output; the gradient passes unless b <= 0, so it passes where b is NaN.
class ReluBackward {
  @inline scalar(a: f32, b: f32): f32 { return b <= 0 ? 0 : a; }
  @inline vector(a: v128, b: v128): v128 { return v128.andnot(a, f32x4.le(b, f32x4.splat(0))); }
}
class Le { @inline scalar(a: f32, b: f32): i32 { return a <= b ? 1 : 0; } @inline vector(a: v128, b: v128): v128 { return asBool(f32x4.le(a, b)); } }
class Gt { @inline scalar(a: f32, b: f32): i32 { return a > b ? 1 : 0; } @inline vector(a: v128, b: v128): v128 { return asBool(f32x4.gt(a, b)); } }
class Ge { @inline scalar(a: f32, b: f32): i32 { return a >= b ? 1 : 0; } @inline vector(a: v128, b: v128): v128 { return asBool(f32x4.ge(a, b)); } }

// int32 (and bool) operands.
@inline function byIntLanes<Op>(op: Op, a: v128, b: v128): v128 {
  let r = i32x4.splat(op.scalar(i32x4.extract_lane(a, 0), i32x4.extract_lane(b, 0)));
  r = i32x4.replace_lane(r, 1, op.scalar(i32x4.extract_lane(a, 1), i32x4.extract_lane(b, 1)));
  r = i32x4.replace_lane(r, 2, op.scalar(i32x4.extract_lane(a, 2), i32x4.extract_lane(b, 2)));
  return i32x4.replace_lane(r, 3, op.scalar(i32x4.extract_lane(a, 3), i32x4.extract_lane(b, 3)));
}

class IntAdd { @inline scalar(a: i32, b: i32): i32 { return a + b; } @inline vector(a: v128, b: v128): v128 { return i32x4.add(a, b); } }
class IntSub { @inline scalar(a: i32, b: i32): i32 { return a - b; } @inline vector(a: v128, b: v128): v128 { return i32x4.sub(a, b); } }
class IntMul { @inline scalar(a: i32, b: i32): i32 { return a * b; } @inline vector(a: v128, b: v128): v128 { return i32x4.mul(a, b); } }
class IntMaximum { @inline scalar(a: i32, b: i32): i32 { return a > b ? a : b; } @inline vector(a: v128, b: v128): v128 { return i32x4.max_s(a, b); } }
class IntMinimum { @inline scalar(a: i32, b: i32): i32 { return a < b ? a : b; } @inline vector(a: v128, b: v128): v128 { return i32x4.min_s(a, b); } }
class IntEq { @inline scalar(a: i32, b: i32): i32 { return a == b ? 1 : 0; } @inline vector(a: v128, b: v128): v128 { return asBool(i32x4.eq(a, b)); } }
class IntNe { @inline scalar(a: i32, b: i32): i32 { return a != b ? 1 : 0; } @inline vector(a: v128, b: v128): v128 { return asBool(i32x4.ne(a, b)); } }
class IntLt { @inline scalar(a: i32, b: i32): i32 { return a < b ? 1 : 0; } @inline vector(a: v128, b: v128): v128 { return asBool(i32x4.lt_s(a, b)); } }
class IntLe { @inline scalar(a: i32, b: i32): i32 { return a <= b ? 1 : 0; } @inline vector(a: v128, b: v128): v128 { return asBool(i32x4.le_s(a, b)); } }
class IntGt { @inline scalar(a: i32, b: i32): i32 { return a > b ? 1 : 0; } @inline vector(a: v128, b: v128): v128 { return asBool(i32x4.gt_s(a, b)); } }
class IntGe { @inline scalar(a: i32, b: i32): i32 { return a >= b ? 1 : 0; } @inline vector(a: v128, b: v128): v128 { return asBool(i32x4.ge_s(a, b)); } }
class LogicalAnd {
  @inline scalar(a: i32, b: i32): i32 { return a != 0 && b != 0 ? 1 : 0; }
  @inline vector(a: v128, b: v128): v128 { return asBool(v128.and(i32x4.ne(a, i32x4.splat(0)), i32x4.ne(b, i32x4.splat(0)))); }
}
class LogicalOr {
  @inline scalar(a: i32, b: i32): i32 { return a != 0 || b != 0 ? 1 : 0; }
  @inline vector(a: v128, b: v128): v128 { return asBool(v128.or(i32x4.ne(a, i32x4.splat(0)), i32x4.ne(b, i32x4.splat(0)))); }
}
// Python's floor semantics. The op refuses a zero divisor before it gets here; a kernel called
// with one writes 0, as the WGSL kernel does, because i32.div_s and i32.rem_s trap on it.
// i32.div_s also traps on INT_MIN / -1, whose quotient wraps to INT_MIN (PyTorch's CPU dies of
// SIGFPE there): x // -1 is computed as the wrapping -x instead.
class IntRemainder {
  @inline scalar(a: i32, b: i32): i32 {
    if (b == 0) return 0;
    const r = a % b;
    return r != 0 && (r ^ b) < 0 ? r + b : r;
  }
  @inline vector(a: v128, b: v128): v128 { return byIntLanes<IntRemainder>(this, a, b); }
}
class IntFloorDivide {
  @inline scalar(a: i32, b: i32): i32 {
    if (b == 0) return 0;
    if (b == -1) return -a;
    const q = a / b;
    return (a % b != 0) && ((a ^ b) < 0) ? q - 1 : q;
  }
  @inline vector(a: v128, b: v128): v128 { return byIntLanes<IntFloorDivide>(this, a, b); }
}
// Truncating remainder; i32.rem_s gives INT_MIN % -1 = 0 without trapping, and traps only on 0.
class IntFmod {
  @inline scalar(a: i32, b: i32): i32 { return b == 0 ? 0 : a % b; }
  @inline vector(a: v128, b: v128): v128 { return byIntLanes<IntFmod>(this, a, b); }
}
/**
 * PyTorch's integer pow (powi): square-and-multiply in wrapping int32 arithmetic, so it overflows
 * as PyTorch's int32 pow does. A negative exponent gives what 1 / a^-b truncates to: 1 for a = 1,
 * +-1 for a = -1 by the exponent's parity, 0 otherwise (0 included: PyTorch does not raise here).
 */
class IntPow {
  @inline scalar(a: i32, b: i32): i32 {
    if (b < 0) return a == 1 ? 1 : a == -1 ? ((b & 1) != 0 ? -1 : 1) : 0;
    let result = 1, base = a, exponent = b;
    while (exponent != 0) {
      if ((exponent & 1) != 0) result *= base;
      exponent >>>= 1;
      base *= base;
    }
    return result;
  }
  @inline vector(a: v128, b: v128): v128 { return byIntLanes<IntPow>(this, a, b); }
}

/**
 * The row walk of every binary kernel, specialised per op class and element types (In is f32 or
 * i32; Out is i32 for comparisons). Inner rows run in SIMD when each input is contiguous along
 * them or broadcast (stride 0, splatted).
 */
function binaryLoop<Op, In, Out>(ndim: i32, shape: usize, out: usize, a: usize, aStrides: usize, b: usize, bStrides: usize, begin: i32, end: i32): void {
  if (end <= begin) return;
  const op = changetype<Op>(0);
  const n = innerSize(ndim, shape);
  const sa = innerStride(ndim, aStrides), sb = innerStride(ndim, bStrides);
  const firstRow = begin / n, lastRow = (end - 1) / n;
  beginWalkAt(ndim, shape, firstRow);
  prepareOperand(0, ndim, shape, aStrides);
  prepareOperand(1, ndim, shape, bStrides);
  let oa = rowOffset(ndim, shape, aStrides, firstRow), ob = rowOffset(ndim, shape, bStrides, firstRow);
  for (let row = firstRow; row <= lastRow; row++) {
    if (row > firstRow) {
      const d = nextRow(ndim, shape);
      oa += carry(0, d);
      ob += carry(1, d);
    }
    const rowStart = row * n;
    const to = row == lastRow ? end - rowStart : n;
    const rowA = ptr(a, oa), rowB = ptr(b, ob), rowOut = ptr(out, rowStart);
    let i = row == firstRow ? begin - rowStart : 0;
    if ((sa == 1 || sa == 0) && (sb == 1 || sb == 0)) {
      const splatA = v128.load32_splat(rowA), splatB = v128.load32_splat(rowB);
      for (; i + 4 <= to; i += 4) {
        const va = sa == 1 ? v128.load(ptr(rowA, i)) : splatA;
        const vb = sb == 1 ? v128.load(ptr(rowB, i)) : splatB;
        v128.store(ptr(rowOut, i), op.vector(va, vb));
      }
    }
    for (; i < to; i++) store<Out>(ptr(rowOut, i), op.scalar(load<In>(ptr(rowA, i * sa)), load<In>(ptr(rowB, i * sb))));
  }
}

/** out[begin, end) = a op b for float32 inputs (comparisons write bool); out contiguous, a and b strided to out's shape. */
export function binaryF32(op: i32, ndim: i32, shape: usize, out: usize, a: usize, aStrides: usize, b: usize, bStrides: usize, begin: i32, end: i32): void {
  switch (op) {
    case ADD: binaryLoop<Add, f32, f32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case SUB: binaryLoop<Sub, f32, f32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case MUL: binaryLoop<Mul, f32, f32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case DIV: binaryLoop<Div, f32, f32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case POW: binaryLoop<Pow, f32, f32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case MAXIMUM: binaryLoop<Maximum, f32, f32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case MINIMUM: binaryLoop<Minimum, f32, f32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case REMAINDER: binaryLoop<Remainder, f32, f32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case FLOOR_DIVIDE: binaryLoop<FloorDivide, f32, f32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case FMOD: binaryLoop<Fmod, f32, f32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case RELU_BACKWARD: binaryLoop<ReluBackward, f32, f32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case EQ: binaryLoop<Eq, f32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case NE: binaryLoop<Ne, f32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case LT: binaryLoop<Lt, f32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case LE: binaryLoop<Le, f32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case GT: binaryLoop<Gt, f32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case GE: binaryLoop<Ge, f32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    default: unreachable();
  }
}

/** out[begin, end) = a op b for int32/bool inputs; out contiguous. */
export function binaryI32(op: i32, ndim: i32, shape: usize, out: usize, a: usize, aStrides: usize, b: usize, bStrides: usize, begin: i32, end: i32): void {
  switch (op) {
    case ADD: binaryLoop<IntAdd, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case SUB: binaryLoop<IntSub, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case MUL: binaryLoop<IntMul, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case POW: binaryLoop<IntPow, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case MAXIMUM: binaryLoop<IntMaximum, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case MINIMUM: binaryLoop<IntMinimum, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case REMAINDER: binaryLoop<IntRemainder, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case FLOOR_DIVIDE: binaryLoop<IntFloorDivide, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case FMOD: binaryLoop<IntFmod, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case EQ: binaryLoop<IntEq, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case NE: binaryLoop<IntNe, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case LT: binaryLoop<IntLt, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case LE: binaryLoop<IntLe, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case GT: binaryLoop<IntGt, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case GE: binaryLoop<IntGe, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case LOGICAL_AND: binaryLoop<LogicalAnd, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    case LOGICAL_OR: binaryLoop<LogicalOr, i32, i32>(ndim, shape, out, a, aStrides, b, bStrides, begin, end); break;
    default: unreachable();
  }
}

/** out[begin, end) = cond ? a : b, elementwise over 4-byte values of any dtype; all three inputs strided. */
/**
 * `where` over one row whose condition is contiguous and whose operands are contiguous or one
 * broadcast value (stride 0), four lanes at a time: ReLU's backward is such a `where` (a mask, a
 * zero, the gradient), and the scalar loop made it a third of a CNN training step. Returns where
 * the scalar loop goes on.
 */
@inline function selectRowSimd(out: usize, cond: usize, a: usize, sa: i32, b: usize, sb: i32, from: i32, to: i32): i32 {
  const zero = i32x4.splat(0);
  const splatA = v128.load32_splat(a), splatB = v128.load32_splat(b);
  let i = from;
  for (; i + 4 <= to; i += 4) {
    const taken = i32x4.ne(v128.load(ptr(cond, i)), zero);
    const va = sa == 0 ? splatA : v128.load(ptr(a, i));
    const vb = sb == 0 ? splatB : v128.load(ptr(b, i));
    v128.store(ptr(out, i), v128.bitselect(va, vb, taken));
  }
  return i;
}

export function whereStrided(ndim: i32, shape: usize, out: usize, cond: usize, condStrides: usize, a: usize, aStrides: usize, b: usize, bStrides: usize, begin: i32, end: i32): void {
  if (end <= begin) return;
  const n = innerSize(ndim, shape);
  const sc = innerStride(ndim, condStrides), sa = innerStride(ndim, aStrides), sb = innerStride(ndim, bStrides);
  const firstRow = begin / n, lastRow = (end - 1) / n;
  beginWalkAt(ndim, shape, firstRow);
  prepareOperand(0, ndim, shape, condStrides);
  prepareOperand(1, ndim, shape, aStrides);
  prepareOperand(2, ndim, shape, bStrides);
  let oc = rowOffset(ndim, shape, condStrides, firstRow), oa = rowOffset(ndim, shape, aStrides, firstRow), ob = rowOffset(ndim, shape, bStrides, firstRow);
  for (let row = firstRow; row <= lastRow; row++) {
    if (row > firstRow) {
      const d = nextRow(ndim, shape);
      oc += carry(0, d);
      oa += carry(1, d);
      ob += carry(2, d);
    }
    const rowStart = row * n;
    const to = row == lastRow ? end - rowStart : n;
    const rowC = ptr(cond, oc), rowA = ptr(a, oa), rowB = ptr(b, ob), rowOut = ptr(out, rowStart);
    let i = row == firstRow ? begin - rowStart : 0;
    if (sc == 1 && sa <= 1 && sb <= 1 && sa >= 0 && sb >= 0) i = selectRowSimd(rowOut, rowC, rowA, sa, rowB, sb, i, to);
    for (; i < to; i++) {
      store<u32>(ptr(rowOut, i), load<i32>(ptr(rowC, i * sc)) != 0 ? load<u32>(ptr(rowA, i * sa)) : load<u32>(ptr(rowB, i * sb)));
    }
  }
}
