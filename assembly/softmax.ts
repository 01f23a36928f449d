// Fused softmax and log-softmax, forward and backward, over contiguous [outer, size, inner] data
// (the softmax dim has `size` elements, `inner` is the product of the dims after it). With inner 1
// each row is contiguous and runs in f32x4 along the row; otherwise the kernel walks whole
// [size, inner] slabs row by row and keeps per-column maxima and sums in scratch, so it stays
// sequential and SIMD runs across the inner dim: no transpose copy is needed for dim != -1.
import { expV } from './simd-math';

@inline function ptr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

@inline function expScalar(x: f32): f32 {
  return f32x4.extract_lane(expV(f32x4.splat(x)), 0);
}

@inline function horizontalMax(v: v128): f32 {
  return Mathf.max(Mathf.max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), Mathf.max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

@inline function horizontalSum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// max and min propagate NaN (a NaN in a row makes the whole row NaN, as in PyTorch); an all -inf
// row gives -inf - -inf = NaN everywhere, also as in PyTorch.
@inline function softmaxRow(log: bool, out: usize, x: usize, n: i32): void {
  let i = 0;
  // Four independent maxima: one chain of f32x4.max (several instructions, for NaN) would bound the loop by its latency.
  let max0 = f32x4.splat(-Infinity), max1 = max0, max2 = max0, max3 = max0;
  for (; i + 16 <= n; i += 16) {
    max0 = f32x4.max(max0, v128.load(ptr(x, i)));
    max1 = f32x4.max(max1, v128.load(ptr(x, i), 16));
    max2 = f32x4.max(max2, v128.load(ptr(x, i), 32));
    max3 = f32x4.max(max3, v128.load(ptr(x, i), 48));
  }
  for (; i + 4 <= n; i += 4) max0 = f32x4.max(max0, v128.load(ptr(x, i)));
  let max = horizontalMax(f32x4.max(f32x4.max(max0, max1), f32x4.max(max2, max3)));
  for (; i < n; i++) max = Mathf.max(max, load<f32>(ptr(x, i)));
  const shift = f32x4.splat(max);
  let sumV = f32x4.splat(0);
  let sum: f32 = 0;
  i = 0;
  for (; i + 4 <= n; i += 4) {
    const e = expV(f32x4.sub(v128.load(ptr(x, i)), shift));
    if (!log) v128.store(ptr(out, i), e);
    sumV = f32x4.add(sumV, e);
  }
  for (; i < n; i++) {
    const e = expScalar(load<f32>(ptr(x, i)) - max);
    if (!log) store<f32>(ptr(out, i), e);
    sum += e;
  }
  sum += horizontalSum(sumV);
  i = 0;
  if (log) {
    // (x - max) - log(sum), as PyTorch: x - (max + log(sum)) would round log(sum) to max's ulp.
    const logSum = Mathf.log(sum);
    const logSumV = f32x4.splat(logSum);
    for (; i + 4 <= n; i += 4) v128.store(ptr(out, i), f32x4.sub(f32x4.sub(v128.load(ptr(x, i)), shift), logSumV));
    for (; i < n; i++) store<f32>(ptr(out, i), (load<f32>(ptr(x, i)) - max) - logSum);
  } else {
    const scale: f32 = 1 / sum;
    const scaleV = f32x4.splat(scale);
    for (; i + 4 <= n; i += 4) v128.store(ptr(out, i), f32x4.mul(v128.load(ptr(out, i)), scaleV));
    for (; i < n; i++) store<f32>(ptr(out, i), load<f32>(ptr(out, i)) * scale);
  }
}

/** One [size, inner] slab; `maxima` and `sums` are scratch rows of `inner` floats. */
@inline function softmaxSlab(log: bool, out: usize, x: usize, size: i32, inner: i32, maxima: usize, sums: usize): void {
  memory.copy(maxima, x, <usize>inner << 2);
  for (let s = 1; s < size; s++) {
    const row = ptr(x, s * inner);
    let j = 0;
    for (; j + 4 <= inner; j += 4) v128.store(ptr(maxima, j), f32x4.max(v128.load(ptr(maxima, j)), v128.load(ptr(row, j))));
    for (; j < inner; j++) store<f32>(ptr(maxima, j), Mathf.max(load<f32>(ptr(maxima, j)), load<f32>(ptr(row, j))));
  }
  memory.fill(sums, 0, <usize>inner << 2);
  for (let s = 0; s < size; s++) {
    const row = ptr(x, s * inner), rowOut = ptr(out, s * inner);
    let j = 0;
    for (; j + 4 <= inner; j += 4) {
      const e = expV(f32x4.sub(v128.load(ptr(row, j)), v128.load(ptr(maxima, j))));
      if (!log) v128.store(ptr(rowOut, j), e);
      v128.store(ptr(sums, j), f32x4.add(v128.load(ptr(sums, j)), e));
    }
    for (; j < inner; j++) {
      const e = expScalar(load<f32>(ptr(row, j)) - load<f32>(ptr(maxima, j)));
      if (!log) store<f32>(ptr(rowOut, j), e);
      store<f32>(ptr(sums, j), load<f32>(ptr(sums, j)) + e);
    }
  }
  // Per column: log(sum) for log-softmax, else the reciprocal of the sum.
  for (let j = 0; j < inner; j++) {
    const sum = load<f32>(ptr(sums, j));
    store<f32>(ptr(sums, j), log ? Mathf.log(sum) : 1 / sum);
  }
  for (let s = 0; s < size; s++) {
    const row = ptr(x, s * inner), rowOut = ptr(out, s * inner);
    let j = 0;
    if (log) {
      for (; j + 4 <= inner; j += 4) v128.store(ptr(rowOut, j), f32x4.sub(f32x4.sub(v128.load(ptr(row, j)), v128.load(ptr(maxima, j))), v128.load(ptr(sums, j))));
      for (; j < inner; j++) store<f32>(ptr(rowOut, j), (load<f32>(ptr(row, j)) - load<f32>(ptr(maxima, j))) - load<f32>(ptr(sums, j)));
    } else {
      for (; j + 4 <= inner; j += 4) v128.store(ptr(rowOut, j), f32x4.mul(v128.load(ptr(rowOut, j)), v128.load(ptr(sums, j))));
      for (; j < inner; j++) store<f32>(ptr(rowOut, j), load<f32>(ptr(rowOut, j)) * load<f32>(ptr(sums, j)));
    }
  }
}

@inline function softmaxLoop(log: bool, out: usize, x: usize, outer: i32, size: i32, inner: i32, scratch: usize): void {
  const slab = size * inner;
  for (let o = 0; o < outer; o++) {
    if (inner == 1) softmaxRow(log, ptr(out, o * slab), ptr(x, o * slab), size);
    else softmaxSlab(log, ptr(out, o * slab), ptr(x, o * slab), size, inner, scratch, ptr(scratch, inner));
  }
}

/** Bytes of scratch the softmax kernels need for `inner` columns. */
export function softmaxScratchBytes(inner: i32): i32 {
  return inner * 8;
}

/**
 * out = softmax(x) (or log_softmax when `log`) along the middle dim of contiguous [outer, size,
 * inner] data; size >= 1. scratch: softmaxScratchBytes(inner) bytes.
 */
export function softmaxF32(out: usize, x: usize, outer: i32, size: i32, inner: i32, log: bool, scratch: usize): void {
  if (log) softmaxLoop(true, out, x, outer, size, inner, scratch);
  else softmaxLoop(false, out, x, outer, size, inner, scratch);
}

// ---- backward ---------------------------------------------------------------------------------------
// softmax:     dx = y * (g - sum(g * y))
// log_softmax: dx = g - exp(y) * sum(g)

@inline function reduceTerm(log: bool, g: v128, y: v128): v128 {
  return log ? g : f32x4.mul(g, y);
}

@inline function gradientTerm(log: bool, g: v128, y: v128, total: v128): v128 {
  return log ? f32x4.sub(g, f32x4.mul(expV(y), total)) : f32x4.mul(y, f32x4.sub(g, total));
}

@inline function gradientScalar(log: bool, g: f32, y: f32, total: f32): f32 {
  return log ? g - expScalar(y) * total : y * (g - total);
}

@inline function backwardRow(log: bool, gradInput: usize, grad: usize, output: usize, n: i32): void {
  let i = 0;
  let totalV = f32x4.splat(0);
  let total: f32 = 0;
  for (; i + 4 <= n; i += 4) totalV = f32x4.add(totalV, reduceTerm(log, v128.load(ptr(grad, i)), v128.load(ptr(output, i))));
  for (; i < n; i++) total += log ? load<f32>(ptr(grad, i)) : load<f32>(ptr(grad, i)) * load<f32>(ptr(output, i));
  total += horizontalSum(totalV);
  const splat = f32x4.splat(total);
  i = 0;
  for (; i + 4 <= n; i += 4) v128.store(ptr(gradInput, i), gradientTerm(log, v128.load(ptr(grad, i)), v128.load(ptr(output, i)), splat));
  for (; i < n; i++) store<f32>(ptr(gradInput, i), gradientScalar(log, load<f32>(ptr(grad, i)), load<f32>(ptr(output, i)), total));
}

@inline function backwardSlab(log: bool, gradInput: usize, grad: usize, output: usize, size: i32, inner: i32, totals: usize): void {
  memory.fill(totals, 0, <usize>inner << 2);
  for (let s = 0; s < size; s++) {
    const g = ptr(grad, s * inner), y = ptr(output, s * inner);
    let j = 0;
    for (; j + 4 <= inner; j += 4) v128.store(ptr(totals, j), f32x4.add(v128.load(ptr(totals, j)), reduceTerm(log, v128.load(ptr(g, j)), v128.load(ptr(y, j)))));
    for (; j < inner; j++) store<f32>(ptr(totals, j), load<f32>(ptr(totals, j)) + (log ? load<f32>(ptr(g, j)) : load<f32>(ptr(g, j)) * load<f32>(ptr(y, j))));
  }
  for (let s = 0; s < size; s++) {
    const g = ptr(grad, s * inner), y = ptr(output, s * inner), dx = ptr(gradInput, s * inner);
    let j = 0;
    for (; j + 4 <= inner; j += 4) v128.store(ptr(dx, j), gradientTerm(log, v128.load(ptr(g, j)), v128.load(ptr(y, j)), v128.load(ptr(totals, j))));
    for (; j < inner; j++) store<f32>(ptr(dx, j), gradientScalar(log, load<f32>(ptr(g, j)), load<f32>(ptr(y, j)), load<f32>(ptr(totals, j))));
  }
}

@inline function backwardLoop(log: bool, gradInput: usize, grad: usize, output: usize, outer: i32, size: i32, inner: i32, scratch: usize): void {
  const slab = size * inner;
  for (let o = 0; o < outer; o++) {
    const at = o * slab;
    if (inner == 1) backwardRow(log, ptr(gradInput, at), ptr(grad, at), ptr(output, at), size);
    else backwardSlab(log, ptr(gradInput, at), ptr(grad, at), ptr(output, at), size, inner, scratch);
  }
}

/**
 * gradInput = the gradient of softmax (log_softmax when `log`) given grad (dL/dy) and output (y),
 * all contiguous [outer, size, inner]. scratch: softmaxScratchBytes(inner) bytes.
 */
export function softmaxBackwardF32(gradInput: usize, grad: usize, output: usize, outer: i32, size: i32, inner: i32, log: bool, scratch: usize): void {
  if (log) backwardLoop(true, gradInput, grad, output, outer, size, inner, scratch);
  else backwardLoop(false, gradInput, grad, output, outer, size, inner, scratch);
}
