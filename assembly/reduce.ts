// Reductions over one strided run of elements per output. Ops arrange the reduced dims into a single
// run (copying first when the layout cannot), so the kernel walks kept dims N-d and reduced dims 1-d.
//
// A large reduction splits over threads (src/devices/cpu/kernels/reduce.ts) in one of two ways
// that give the same bits at any thread count: over its outputs (reduceF32 on a range of them),
// or, for long runs, over fixed-size chunks of each run (reducePartialsF32), whose partials
// reduceCombineF32 then combines in chunk order. Whether a run is chunked, and where, depends only
// on its length, so one thread takes the same chunks as many.
import { beginWalkAt, carry, dimAt, innerSize, innerStride, nextRow, prepareOperand, rowOffset } from './strided';
import { SUM, MAX, MIN, ARGMAX, ARGMIN, PROD } from '../build/opcodes';

@inline function ptr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

// Sums accumulate in f64: it keeps long sums within float32 rounding of the exact result, which
// matches PyTorch's cascade summation to 1e-6 where a naive f32 loop drifts.
@inline function sumRunF64(x: usize, count: i32, stride: i32): f64 {
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
    return acc;
  }
  for (let i = 0; i < count; i++) acc += <f64>load<f32>(ptr(x, i * stride));
  return acc;
}

@inline function reduceRunF32(op: i32, x: usize, count: i32, stride: i32): f32 {
  if (op == SUM) return <f32>sumRunF64(x, count, stride);
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

@inline function reduceLoop(op: i32, isFloat: bool, ndim: i32, shape: usize, strides: usize, x: usize, count: i32, stride: i32, out: usize, begin: i32, end: i32): void {
  if (end <= begin) return;
  const n = innerSize(ndim, shape);
  const sk = innerStride(ndim, strides);
  const firstRow = begin / n, lastRow = (end - 1) / n;
  beginWalkAt(ndim, shape, firstRow);
  prepareOperand(0, ndim, shape, strides);
  let ox = rowOffset(ndim, shape, strides, firstRow);
  for (let row = firstRow; row <= lastRow; row++) {
    if (row > firstRow) ox += carry(0, nextRow(ndim, shape));
    const rowStart = row * n;
    const to = row == lastRow ? end - rowStart : n;
    const rowOut = ptr(out, rowStart);
    let i = row == firstRow ? begin - rowStart : 0;
    if (isFloat && sk == 1 && stride != 1 && (op == SUM || op == MAX || op == MIN)) {
      for (; i + 4 <= to; i += 4) reduceFourRunsF32(op, ptr(x, ox + i), count, stride, ptr(rowOut, i));
    }
    for (; i < to; i++) {
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
  }
}

/**
 * out[k] = reduce(x[k, 0..count)) for the outputs k in [begin, end), where k walks the kept dims
 * (shape/strides, coalesced) and the reduced run has `count` elements at `stride`. count >= 1.
 * argmax/argmin write int32 positions.
 */
export function reduceF32(op: i32, ndim: i32, shape: usize, strides: usize, x: usize, count: i32, stride: i32, out: usize, begin: i32, end: i32): void {
  switch (op) {
    case SUM: reduceLoop(SUM, true, ndim, shape, strides, x, count, stride, out, begin, end); break;
    case MAX: reduceLoop(MAX, true, ndim, shape, strides, x, count, stride, out, begin, end); break;
    case MIN: reduceLoop(MIN, true, ndim, shape, strides, x, count, stride, out, begin, end); break;
    case ARGMAX: reduceLoop(ARGMAX, true, ndim, shape, strides, x, count, stride, out, begin, end); break;
    case ARGMIN: reduceLoop(ARGMIN, true, ndim, shape, strides, x, count, stride, out, begin, end); break;
    case PROD: reduceLoop(PROD, true, ndim, shape, strides, x, count, stride, out, begin, end); break;
    default: unreachable();
  }
}

/**
 * reduceF32 for int32 input. Returns NaN, or the value of the first sum or product outside
 * int32's range (exact for sums, rounded to f64 for products); out holds it wrapped to int32.
 */
export function reduceI32(op: i32, ndim: i32, shape: usize, strides: usize, x: usize, count: i32, stride: i32, out: usize, begin: i32, end: i32): f64 {
  firstOverflow = NaN;
  switch (op) {
    case SUM: reduceLoop(SUM, false, ndim, shape, strides, x, count, stride, out, begin, end); break;
    case MAX: reduceLoop(MAX, false, ndim, shape, strides, x, count, stride, out, begin, end); break;
    case MIN: reduceLoop(MIN, false, ndim, shape, strides, x, count, stride, out, begin, end); break;
    case ARGMAX: reduceLoop(ARGMAX, false, ndim, shape, strides, x, count, stride, out, begin, end); break;
    case ARGMIN: reduceLoop(ARGMIN, false, ndim, shape, strides, x, count, stride, out, begin, end); break;
    case PROD: reduceLoop(PROD, false, ndim, shape, strides, x, count, stride, out, begin, end); break;
    default: unreachable();
  }
  return firstOverflow;
}

/** Bytes of one chunk's partial: a sum's f64, or an extremum's f32 value with its i32 position in the run. */
const PARTIAL_BYTES: i32 = 8;

export function reducePartialBytes(): i32 {
  return PARTIAL_BYTES;
}

/** Where output `k`'s run starts: k unravelled over the kept dims. */
function keptOffset(ndim: i32, shape: usize, strides: usize, k: i32): i32 {
  let offset = 0;
  let rest = k;
  for (let d = ndim - 1; d >= 0; d--) {
    const size = dimAt(shape, d);
    offset += (rest % size) * load<i32>(strides + (<usize>d << 2));
    rest /= size;
  }
  return offset;
}

/**
 * The partials of chunk units [begin, end) of reduceF32's runs (sum, max, min, argmax, argmin) cut
 * into chunks of `chunk` elements (a multiple of 4, so each starts on a SIMD group of its run):
 * unit u is chunk u % chunks of output u / chunks's run, chunks = ceil(count / chunk), and its
 * partial lands at partials + u * reducePartialBytes().
 */
export function reducePartialsF32(op: i32, ndim: i32, shape: usize, strides: usize, x: usize, count: i32, stride: i32, chunk: i32, partials: usize, begin: i32, end: i32): void {
  const chunks = (count + chunk - 1) / chunk;
  for (let u = begin; u < end; u++) {
    const first = (u % chunks) * chunk;
    const size = min(chunk, count - first);
    const run = ptr(x, keptOffset(ndim, shape, strides, u / chunks) + first * stride);
    const at = partials + <usize>u * PARTIAL_BYTES;
    switch (op) {
      case SUM: store<f64>(at, sumRunF64(run, size, stride)); break;
      case MAX: store<f32>(at, reduceRunF32(MAX, run, size, stride)); break;
      case MIN: store<f32>(at, reduceRunF32(MIN, run, size, stride)); break;
      case ARGMAX:
      case ARGMIN: {
        const index = reinterpret<i32>(op == ARGMAX ? reduceRunF32(ARGMAX, run, size, stride) : reduceRunF32(ARGMIN, run, size, stride));
        store<f32>(at, load<f32>(ptr(run, index * stride)));
        store<i32>(at, first + index, 4);
        break;
      }
      default: unreachable();
    }
  }
}

/**
 * out[k] = the `chunks` partials of output k combined in chunk order, for the `outputs` outputs of
 * a reducePartialsF32: sums add in f64 and round once; an arg-extremum keeps the first of equal
 * values and the first NaN, as one pass over the run would.
 */
export function reduceCombineF32(op: i32, outputs: i32, chunks: i32, partials: usize, out: usize): void {
  for (let k = 0; k < outputs; k++) {
    const base = partials + <usize>(k * chunks) * PARTIAL_BYTES;
    if (op == SUM) {
      let total: f64 = 0;
      for (let c = 0; c < chunks; c++) total += load<f64>(base + <usize>c * PARTIAL_BYTES);
      store<f32>(ptr(out, k), <f32>total);
      continue;
    }
    let best = load<f32>(base);
    let bestIndex = load<i32>(base, 4);
    for (let c = 1; c < chunks; c++) {
      const at = base + <usize>c * PARTIAL_BYTES;
      const v = load<f32>(at);
      if (op == MAX || op == MIN) best = combine(op, best, v);
      else if (best == best && ((op == ARGMAX ? v > best : v < best) || v != v)) {
        best = v;
        bestIndex = load<i32>(at, 4);
      }
    }
    if (op == ARGMAX || op == ARGMIN) store<i32>(ptr(out, k), bestIndex);
    else store<f32>(ptr(out, k), best);
  }
}
