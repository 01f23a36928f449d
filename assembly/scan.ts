// Running sums and products (cumsum, cumprod) along one dim of contiguous [outer, n, inner] data.
// float32 accumulates in f64, as PyTorch's CPU kernel does (acc_type<float> is double), so results
// match it to the last bit and long sums do not drift. With inner >= 4 a line's neighbours along the
// inner dim are adjacent in memory: the kernel sweeps whole rows of `inner` lines, four lines per
// f32x4 load, promoted to f64x2 accumulators kept in scratch. With inner == 1 each line is a
// contiguous row, scanned in order. int32 scans accumulate in i64 and stop at the first result
// outside int32's range.
import { CUMSUM, CUMPROD } from '../build/opcodes';

@inline function ptr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

@inline function combineF64(op: i32, a: f64, b: f64): f64 {
  return op == CUMSUM ? a + b : a * b;
}

@inline function combineF64x2(op: i32, a: v128, b: v128): v128 {
  return op == CUMSUM ? f64x2.add(a, b) : f64x2.mul(a, b);
}

/** One line of n elements `step` apart (step < 0 walks it backwards from `first`). */
@inline function scanLineF32(op: i32, out: usize, x: usize, first: i32, n: i32, step: i32): void {
  let acc: f64 = op == CUMSUM ? 0 : 1;
  let at = first;
  for (let i = 0; i < n; i++) {
    acc = combineF64(op, acc, <f64>load<f32>(ptr(x, at)));
    store<f32>(ptr(out, at), <f32>acc);
    at += step;
  }
}

/**
 * Lines `inner` wide side by side (inner >= 4), swept a whole row at a time with each line's f64
 * accumulator in `scratch` (inner f64s): memory is read in order. Walking four lines down a column
 * instead reads one vector per row `inner` floats apart, and at inner = 1024 (4 KiB apart, every
 * load in the same L1 set) that ran 10x slower.
 */
@inline function scanRowsF32(op: i32, out: usize, x: usize, first: i32, n: i32, inner: i32, step: i32, scratch: usize): void {
  const identity = f64x2.splat(op == CUMSUM ? 0 : 1);
  for (let j = 0; j + 2 <= inner; j += 2) v128.store(scratch + (<usize>j << 3), identity);
  if (inner & 1) store<f64>(scratch + (<usize>(inner - 1) << 3), op == CUMSUM ? 0 : 1);
  let row = first;
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (; j + 4 <= inner; j += 4) {
      const v = v128.load(ptr(x, row + j));
      const at = scratch + (<usize>j << 3);
      const low = combineF64x2(op, v128.load(at), f64x2.promote_low_f32x4(v));
      const high = combineF64x2(op, v128.load(at, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
      v128.store(at, low);
      v128.store(at, high, 16);
      v128.store(ptr(out, row + j), v128.shuffle<i64>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 2));
    }
    for (; j < inner; j++) {
      const at = scratch + (<usize>j << 3);
      const acc = combineF64(op, load<f64>(at), <f64>load<f32>(ptr(x, row + j)));
      store<f64>(at, acc);
      store<f32>(ptr(out, row + j), <f32>acc);
    }
    row += step;
  }
}

@inline function scanLoopF32(op: i32, out: usize, x: usize, outer: i32, n: i32, inner: i32, reverse: bool, scratch: usize): void {
  const step = reverse ? -inner : inner;
  const slab = n * inner;
  for (let o = 0; o < outer; o++) {
    const first = o * slab + (reverse ? slab - inner : 0);
    if (inner >= 4) scanRowsF32(op, out, x, first, n, inner, step, scratch);
    else for (let j = 0; j < inner; j++) scanLineF32(op, out, x, first + j, n, step);
  }
}

/** Bytes of scratch scanF32 needs for `inner` lines side by side. */
export function scanScratchBytes(inner: i32): i32 {
  return inner << 3;
}

/**
 * out = the running op of x along the middle dim of [outer, n, inner] (contiguous, float32), from
 * its first element, or from its last when `reverse`. op is CUMSUM or CUMPROD; scratch holds
 * scanScratchBytes(inner) bytes, 8-aligned.
 */
export function scanF32(op: i32, out: usize, x: usize, outer: i32, n: i32, inner: i32, reverse: bool, scratch: usize): void {
  if (op == CUMSUM) scanLoopF32(CUMSUM, out, x, outer, n, inner, reverse, scratch);
  else scanLoopF32(CUMPROD, out, x, outer, n, inner, reverse, scratch);
}

// Lines are swept a whole [inner] row at a time, each output built from the previous row's output:
// those are exact int32 until the first overflow, where the sweep stops, so they serve as the i64
// accumulators (the product of two int32 values is exact in i64).
@inline function scanLoopI32(op: i32, out: usize, x: usize, outer: i32, n: i32, inner: i32, reverse: bool): f64 {
  const step = reverse ? -inner : inner;
  const slab = n * inner;
  for (let o = 0; o < outer; o++) {
    const first = o * slab + (reverse ? slab - inner : 0);
    if (inner == 1) {
      // A contiguous row: the accumulator stays in a register.
      let acc: i64 = op == CUMSUM ? 0 : 1;
      let at = first;
      for (let i = 0; i < n; i++) {
        const v = <i64>load<i32>(ptr(x, at));
        acc = op == CUMSUM ? acc + v : acc * v;
        if (acc != <i64><i32>acc) return <f64>acc;
        store<i32>(ptr(out, at), <i32>acc);
        at += step;
      }
      continue;
    }
    for (let j = 0; j < inner; j++) store<i32>(ptr(out, first + j), load<i32>(ptr(x, first + j)));
    let previous = first;
    for (let i = 1; i < n; i++) {
      const row = previous + step;
      for (let j = 0; j < inner; j++) {
        const before = <i64>load<i32>(ptr(out, previous + j));
        const v = <i64>load<i32>(ptr(x, row + j));
        const value = op == CUMSUM ? before + v : before * v;
        if (value != <i64><i32>value) return <f64>value;
        store<i32>(ptr(out, row + j), <i32>value);
      }
      previous = row;
    }
  }
  return NaN;
}

/** scanF32 for int32 input. Returns NaN, or the first result outside int32's range (out then partly written). */
export function scanI32(op: i32, out: usize, x: usize, outer: i32, n: i32, inner: i32, reverse: bool): f64 {
  if (op == CUMSUM) return scanLoopI32(CUMSUM, out, x, outer, n, inner, reverse);
  return scanLoopI32(CUMPROD, out, x, outer, n, inner, reverse);
}
