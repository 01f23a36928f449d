// Reductions over one strided run of elements per output. Ops arrange the reduced dims into a single
// run (copying first when the layout cannot), so the kernel walks kept dims N-d and reduced dims 1-d.
import { beginWalk, carry, innerSize, innerStride, nextRow, outerRows, prepareOperand } from './strided';
import { SUM, MAX, MIN, ARGMAX, ARGMIN, PROD } from '../build/opcodes';

@inline function ptr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

// Sums accumulate in f64: it keeps long sums within float32 rounding of the exact result, which
// matches PyTorch's cascade summation to 1e-6 where a naive f32 loop drifts.
@inline function reduceRunF32(op: i32, x: usize, count: i32, stride: i32): f32 {
  if (op == SUM) {
    let acc: f64 = 0;
    if (stride == 1) {
      let lanes = f64x2.splat(0), lanesHigh = f64x2.splat(0);
      let i = 0;
      for (; i + 4 <= count; i += 4) {
        const v = v128.load(ptr(x, i));
        lanes = f64x2.add(lanes, f64x2.promote_low_f32x4(v));
        lanesHigh = f64x2.add(lanesHigh, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
      }
      const total = f64x2.add(lanes, lanesHigh);
      acc = f64x2.extract_lane(total, 0) + f64x2.extract_lane(total, 1);
      for (; i < count; i++) acc += <f64>load<f32>(ptr(x, i));
      return <f32>acc;
    }
    for (let i = 0; i < count; i++) acc += <f64>load<f32>(ptr(x, i * stride));
    return <f32>acc;
  }
  // Products accumulate in f32, as PyTorch's do: a partial product that overflows stays infinite.
  if (op == PROD) {
    let acc: f32 = 1;
    for (let i = 0; i < count; i++) acc *= load<f32>(ptr(x, i * stride));
    return acc;
  }
  if ((op == MAX || op == MIN) && stride == 1 && count >= 8) return extremumContiguous(op, x, count);
  let best = load<f32>(x);
  let bestIndex = 0;
  for (let i = 1; i < count; i++) {
    if (best != best) break;
    const v = load<f32>(ptr(x, i * stride));
    const better = (op == MAX || op == ARGMAX) ? (v > best || v != v) : (v < best || v != v);
    if (better) {
      best = v;
      bestIndex = i;
    }
  }
  return op == ARGMAX || op == ARGMIN ? reinterpret<f32>(bestIndex) : best;
}

// f32x4.max/min propagate NaN, as torch.max does, so lanes need no special case.
function extremumContiguous(op: i32, x: usize, count: i32): f32 {
  let lanes = v128.load(x);
  let i = 4;
  for (; i + 4 <= count; i += 4) {
    const v = v128.load(ptr(x, i));
    lanes = op == MAX ? f32x4.max(lanes, v) : f32x4.min(lanes, v);
  }
  let best = combine(op, combine(op, f32x4.extract_lane(lanes, 0), f32x4.extract_lane(lanes, 1)),
    combine(op, f32x4.extract_lane(lanes, 2), f32x4.extract_lane(lanes, 3)));
  for (; i < count; i++) best = combine(op, best, load<f32>(ptr(x, i)));
  return best;
}

@inline function combine(op: i32, a: f32, b: f32): f32 {
  return a != a || b != b ? NaN : op == MAX ? Mathf.max(a, b) : Mathf.min(a, b);
}

/**
 * Four adjacent outputs at once when outputs are contiguous in the input and the reduced run is
 * strided (sum over dim 0 of [N, C], the bias gradient): each step loads one vector per row.
 */
@inline function reduceFourRunsF32(op: i32, x: usize, count: i32, stride: i32, out: usize): void {
  if (op == SUM) {
    let low = f64x2.splat(0), high = f64x2.splat(0);
    for (let i = 0; i < count; i++) {
      const v = v128.load(ptr(x, i * stride));
      low = f64x2.add(low, f64x2.promote_low_f32x4(v));
      high = f64x2.add(high, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
    }
    v128.store(out, v128.shuffle<i64>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 2));
    return;
  }
  let lanes = v128.load(x);
  for (let i = 1; i < count; i++) {
    const v = v128.load(ptr(x, i * stride));
    lanes = op == MAX ? f32x4.max(lanes, v) : f32x4.min(lanes, v);
  }
  v128.store(out, lanes);
}

// int32 sums accumulate in i64, exactly (count * 2^31 < 2^63), so a sum outside int32 is caught:
// PyTorch returns int64 there, which webtorch lacks, so the op raises instead of wrapping.
@inline function reduceRunI32(op: i32, x: usize, count: i32, stride: i32): i64 {
  if (op == SUM) {
    let acc: i64 = 0;
    for (let i = 0; i < count; i++) acc += <i64>load<i32>(ptr(x, i * stride));
    return acc;
  }
  let best = load<i32>(x);
  let bestIndex = 0;
  for (let i = 1; i < count; i++) {
    const v = load<i32>(ptr(x, i * stride));
    const better = (op == MAX || op == ARGMAX) ? v > best : v < best;
    if (better) {
      best = v;
      bestIndex = i;
    }
  }
  return op == ARGMAX || op == ARGMIN ? bestIndex : best;
}

/**
 * Writes the int32 product of a run wrapped to int32 and returns it in f64: exact up to 2^53 and
 * rounded beyond, which cannot bring a product back into int32's range (factors other than 0 only
 * grow it), so the range check on it is exact.
 */
@inline function productRunI32(x: usize, count: i32, stride: i32, out: usize): f64 {
  let wrapped: i32 = 1;
  let product: f64 = 1;
  for (let i = 0; i < count; i++) {
    const v = load<i32>(ptr(x, i * stride));
    wrapped *= v;
    product *= <f64>v;
  }
  store<i32>(out, wrapped);
  return product;
}

/** The value of the first int32 sum or product of this call outside int32's range, or NaN. */
let firstOverflow: f64 = NaN;

@inline function reduceLoop(op: i32, isFloat: bool, ndim: i32, shape: usize, strides: usize, x: usize, count: i32, stride: i32, out: usize): void {
  const n = innerSize(ndim, shape);
  const sk = innerStride(ndim, strides);
  const rows = outerRows(ndim, shape);
  beginWalk(ndim);
  prepareOperand(0, ndim, shape, strides);
  let ox = 0;
  let rowOut = out;
  for (let row = 0; row < rows; row++) {
    if (row > 0) ox += carry(0, nextRow(ndim, shape));
    let i = 0;
    if (isFloat && sk == 1 && stride != 1 && (op == SUM || op == MAX || op == MIN)) {
      for (; i + 4 <= n; i += 4) reduceFourRunsF32(op, ptr(x, ox + i), count, stride, ptr(rowOut, i));
    }
    for (; i < n; i++) {
      const run = ptr(x, ox + i * sk);
      if (isFloat) store<f32>(ptr(rowOut, i), reduceRunF32(op, run, count, stride));
      else if (op == PROD) {
        const product = productRunI32(run, count, stride, ptr(rowOut, i));
        if ((product < -2147483648 || product > 2147483647) && isNaN(firstOverflow)) firstOverflow = product;
      } else {
        const value = reduceRunI32(op, run, count, stride);
        if (value != <i64><i32>value && isNaN(firstOverflow)) firstOverflow = <f64>value;
        store<i32>(ptr(rowOut, i), <i32>value);
      }
    }
    rowOut = ptr(rowOut, n);
  }
}

/**
 * out[k] = reduce(x[k, 0..count)) where k walks the kept dims (shape/strides, coalesced) and the
 * reduced run has `count` elements at `stride`. count >= 1. argmax/argmin write int32 positions.
 */
export function reduceF32(op: i32, ndim: i32, shape: usize, strides: usize, x: usize, count: i32, stride: i32, out: usize): void {
  switch (op) {
    case SUM: reduceLoop(SUM, true, ndim, shape, strides, x, count, stride, out); break;
    case MAX: reduceLoop(MAX, true, ndim, shape, strides, x, count, stride, out); break;
    case MIN: reduceLoop(MIN, true, ndim, shape, strides, x, count, stride, out); break;
    case ARGMAX: reduceLoop(ARGMAX, true, ndim, shape, strides, x, count, stride, out); break;
    case ARGMIN: reduceLoop(ARGMIN, true, ndim, shape, strides, x, count, stride, out); break;
    case PROD: reduceLoop(PROD, true, ndim, shape, strides, x, count, stride, out); break;
    default: unreachable();
  }
}

/**
 * reduceF32 for int32 input. Returns NaN, or the value of the first sum or product outside
 * int32's range (exact for sums, rounded to f64 for products); out holds it wrapped to int32.
 */
export function reduceI32(op: i32, ndim: i32, shape: usize, strides: usize, x: usize, count: i32, stride: i32, out: usize): f64 {
  firstOverflow = NaN;
  switch (op) {
    case SUM: reduceLoop(SUM, false, ndim, shape, strides, x, count, stride, out); break;
    case MAX: reduceLoop(MAX, false, ndim, shape, strides, x, count, stride, out); break;
    case MIN: reduceLoop(MIN, false, ndim, shape, strides, x, count, stride, out); break;
    case ARGMAX: reduceLoop(ARGMAX, false, ndim, shape, strides, x, count, stride, out); break;
    case ARGMIN: reduceLoop(ARGMIN, false, ndim, shape, strides, x, count, stride, out); break;
    case PROD: reduceLoop(PROD, false, ndim, shape, strides, x, count, stride, out); break;
    default: unreachable();
  }
  return firstOverflow;
}
