// Max and average pooling over contiguous [planes, height, width] data (planes = N * C; 1-D
// pooling runs with height 1). The ops describe each axis's windows as arrays, so one kernel serves
// every padding, ceil mode, dilation and adaptive pooling: output row i reads input rows
// rowStart[i], rowStart[i] + rowStep, ... < rowEnd[i], all inside the image, and likewise for
// columns. Average pooling divides by rowDivisor[i] * colDivisor[j].

@inline function at(array: usize, i: i32): i32 {
  return load<i32>(array + (<usize>i << 2));
}

@inline function ptr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/**
 * out and indices [planes, outHeight, outWidth]: the largest input in each window and its position
 * h * width + w within the plane. Ties keep the first (row-major) position and NaN wins, as in
 * PyTorch. Windows are never empty.
 */
export function maxPool2dF32(planes: i32, height: i32, width: i32, outHeight: i32, outWidth: i32,
  input: usize, out: usize, indices: usize,
  rowStart: usize, rowEnd: usize, rowStep: i32, colStart: usize, colEnd: usize, colStep: i32): void {
  const planeSize = height * width;
  const pairs = rowStep == 1 && colStep == 1;
  for (let plane = 0; plane < planes; plane++) {
    const image = ptr(input, plane * planeSize);
    for (let i = 0; i < outHeight; i++) {
      const h0 = at(rowStart, i), h1 = at(rowEnd, i);
      const rowOut = (plane * outHeight + i) * outWidth;
      let j = 0;
      while (j < outWidth) {
        // The last windows of a row go four at a time too, overlapping ones already written (with
        // the same values): one window at a time costs a mispredicted branch per tap.
        const k = j + 4 > outWidth && outWidth >= 4 ? outWidth - 4 : j;
        const o = rowOut + k;
        if (k + 4 <= outWidth && pairs && h1 - h0 == 2 && twoWideTwoApart(colStart, colEnd, k)) {
          maxOfFourPairs(image, width, h0, at(colStart, k), ptr(out, o), ptr(indices, o));
          j = k + 4;
        } else if (k + 4 <= outWidth && evenlySpaced(colStart, colEnd, k)) {
          maxOfFourWindows(image, width, h0, h1, rowStep, at(colStart, k), at(colEnd, k), colStep, at(colStart, k + 1) - at(colStart, k), ptr(out, o), ptr(indices, o));
          j = k + 4;
        } else {
          maxOfWindow(image, width, h0, h1, rowStep, at(colStart, j), at(colEnd, j), colStep, ptr(out, rowOut + j), ptr(indices, rowOut + j));
          j++;
        }
      }
    }
  }
}

/** True when column windows j..j+3 have one length and start a constant stride apart (every
 *  window away from the padded edges), so one SIMD lane can follow each. */
@inline function evenlySpaced(colStart: usize, colEnd: usize, j: i32): bool {
  const first = at(colStart, j);
  const stride = at(colStart, j + 1) - first;
  const length = at(colEnd, j) - first;
  return stride > 0
    && at(colStart, j + 2) - first == 2 * stride && at(colStart, j + 3) - first == 3 * stride
    && at(colEnd, j + 1) - at(colStart, j + 1) == length && at(colEnd, j + 2) - at(colStart, j + 2) == length
    && at(colEnd, j + 3) - at(colStart, j + 3) == length;
}

/** True when column windows j..j+3 are each two wide and start two apart: kernel 2, stride 2, the
 *  commonest pooling by far. */
@inline function twoWideTwoApart(colStart: usize, colEnd: usize, j: i32): bool {
  const first = at(colStart, j);
  return at(colEnd, j) - first == 2 && at(colStart, j + 3) - first == 6 && at(colEnd, j + 3) - first == 8
    && at(colStart, j + 1) - first == 2 && at(colStart, j + 2) - first == 4;
}

/**
 * Four 2x2 windows two apart, one per lane: two loads per row and a split into even and odd
 * columns, where maxOfFourWindows would gather each tap lane by lane. The taps are taken in the
 * scan order maxOfWindow uses, so ties and NaN pick the same index.
 */
@inline function maxOfFourPairs(image: usize, width: i32, h0: i32, w0: i32, out: usize, indices: usize): void {
  const top = ptr(image, h0 * width + w0);
  const bottom = top + (<usize>width << 2);
  const topLeft = v128.load(top), topRight = v128.load(top, 16);
  const bottomLeft = v128.load(bottom), bottomRight = v128.load(bottom, 16);
  const first = i32x4.add(i32x4.splat(h0 * width + w0), i32x4(0, 2, 4, 6));
  let best = f32x4.shuffle(topLeft, topRight, 0, 2, 4, 6);
  let bestIndex = first;
  let value = f32x4.shuffle(topLeft, topRight, 1, 3, 5, 7);
  let wins = v128.or(f32x4.gt(value, best), f32x4.ne(value, value));
  best = v128.bitselect(value, best, wins);
  bestIndex = v128.bitselect(i32x4.add(first, i32x4.splat(1)), bestIndex, wins);
  value = f32x4.shuffle(bottomLeft, bottomRight, 0, 2, 4, 6);
  wins = v128.or(f32x4.gt(value, best), f32x4.ne(value, value));
  best = v128.bitselect(value, best, wins);
  bestIndex = v128.bitselect(i32x4.add(first, i32x4.splat(width)), bestIndex, wins);
  value = f32x4.shuffle(bottomLeft, bottomRight, 1, 3, 5, 7);
  wins = v128.or(f32x4.gt(value, best), f32x4.ne(value, value));
  best = v128.bitselect(value, best, wins);
  bestIndex = v128.bitselect(i32x4.add(first, i32x4.splat(width + 1)), bestIndex, wins);
  v128.store(out, best);
  v128.store(indices, bestIndex);
}

/**
 * Four neighbouring windows at once, one per lane, with compare masks and bitselect. The scalar
 * form branches on every tap, and on real data which tap wins is unpredictable: V8 compiles even
 * a select on f32 into a branch, and the mispredictions cost four times the comparisons.
 */
@inline function maxOfFourWindows(image: usize, width: i32, h0: i32, h1: i32, rowStep: i32,
  w0: i32, w1: i32, colStep: i32, stride: i32, out: usize, indices: usize): void {
  const laneOffsets = i32x4.mul(i32x4(0, 1, 2, 3), i32x4.splat(stride));
  const laneBytes = <usize>stride << 2;
  let best = f32x4.splat(-Infinity);
  let bestIndex = i32x4.add(i32x4.splat(h0 * width + w0), laneOffsets);
  for (let h = h0; h < h1; h += rowStep) {
    for (let w = w0; w < w1; w += colStep) {
      const index = h * width + w;
      const tap = ptr(image, index);
      let value: v128;
      if (stride == 1) {
        value = v128.load(tap);
      } else {
        value = f32x4.splat(load<f32>(tap));
        value = f32x4.replace_lane(value, 1, load<f32>(tap + laneBytes));
        value = f32x4.replace_lane(value, 2, load<f32>(tap + 2 * laneBytes));
        value = f32x4.replace_lane(value, 3, load<f32>(tap + 3 * laneBytes));
      }
      const wins = v128.or(f32x4.gt(value, best), f32x4.ne(value, value));
      best = v128.bitselect(value, best, wins);
      bestIndex = v128.bitselect(i32x4.add(i32x4.splat(index), laneOffsets), bestIndex, wins);
    }
  }
  v128.store(out, best);
  v128.store(indices, bestIndex);
}

@inline function maxOfWindow(image: usize, width: i32, h0: i32, h1: i32, rowStep: i32,
  w0: i32, w1: i32, colStep: i32, out: usize, indices: usize): void {
  let best: f32 = -Infinity;
  let bestIndex = h0 * width + w0;
  for (let h = h0; h < h1; h += rowStep) {
    for (let w = w0; w < w1; w += colStep) {
      const index = h * width + w;
      const value = load<f32>(ptr(image, index));
      if (value > best || value != value) {
        best = value;
        bestIndex = index;
      }
    }
  }
  store<f32>(out, best);
  store<i32>(indices, bestIndex);
}

/**
 * The position of the first of `count` indices outside [0, planeSize), or -1. maxPool2dBackwardF32
 * runs only on indices that pass: indices written by anything but maxPool2dF32 must not send a
 * store outside wasm memory.
 */
export function maxPool2dIndexOutside(count: i32, planeSize: i32, indices: usize): i32 {
  // Four at a time with one unsigned compare (a negative index reads as a huge one): the check
  // runs before every max pooling backward, and one index at a time it took a quarter of it.
  const limit = i32x4.splat(planeSize);
  let o = 0;
  for (; o + 4 <= count; o += 4) {
    if (v128.any_true(i32x4.ge_u(v128.load(indices + (<usize>o << 2)), limit))) break;
  }
  for (; o < count; o++) {
    if (<u32>at(indices, o) >= <u32>planeSize) return o;
  }
  return -1;
}

/**
 * gradInput [planes, height, width] (overwritten) = the input gradient of maxPool2dF32 given grad
 * and indices [planes, outHeight, outWidth], checked by maxPool2dIndexOutside: each output's
 * gradient added at its argmax.
 */
export function maxPool2dBackwardF32(planes: i32, height: i32, width: i32, outHeight: i32, outWidth: i32,
  grad: usize, indices: usize, gradInput: usize): void {
  const planeSize = height * width;
  const outPlaneSize = outHeight * outWidth;
  memory.fill(gradInput, 0, <usize>(planes * planeSize) << 2);
  for (let plane = 0; plane < planes; plane++) {
    const image = ptr(gradInput, plane * planeSize);
    const first = plane * outPlaneSize;
    for (let o = first; o < first + outPlaneSize; o++) {
      const target = ptr(image, at(indices, o));
      store<f32>(target, load<f32>(target) + load<f32>(ptr(grad, o)));
    }
  }
}

/** out [planes, outHeight, outWidth] = each window's sum / (rowDivisor[i] * colDivisor[j]); windows step by 1. */
export function avgPool2dF32(planes: i32, height: i32, width: i32, outHeight: i32, outWidth: i32,
  input: usize, out: usize,
  rowStart: usize, rowEnd: usize, rowDivisor: usize, colStart: usize, colEnd: usize, colDivisor: usize): void {
  const planeSize = height * width;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const image = ptr(input, plane * planeSize);
    for (let i = 0; i < outHeight; i++) {
      const h0 = at(rowStart, i), h1 = at(rowEnd, i);
      const divisorRow = at(rowDivisor, i);
      let j = 0;
      while (j < outWidth) {
        const w0 = at(colStart, j), w1 = at(colEnd, j);
        if (j + 4 <= outWidth && evenlySpaced(colStart, colEnd, j)) {
          // Four windows, one per lane, as maxOfFourWindows.
          const laneBytes = <usize>(at(colStart, j + 1) - w0) << 2;
          let sum = f32x4.splat(0);
          for (let h = h0; h < h1; h++) {
            for (let w = w0; w < w1; w++) {
              const tap = ptr(image, h * width + w);
              let value = f32x4.splat(load<f32>(tap));
              value = f32x4.replace_lane(value, 1, load<f32>(tap + laneBytes));
              value = f32x4.replace_lane(value, 2, load<f32>(tap + 2 * laneBytes));
              value = f32x4.replace_lane(value, 3, load<f32>(tap + 3 * laneBytes));
              sum = f32x4.add(sum, value);
            }
          }
          const divisors = f32x4.convert_i32x4_s(i32x4.mul(v128.load(ptr(colDivisor, j)), i32x4.splat(divisorRow)));
          v128.store(ptr(out, o), f32x4.div(sum, divisors));
          j += 4;
          o += 4;
        } else {
          let sum: f32 = 0;
          for (let h = h0; h < h1; h++) {
            const row = ptr(image, h * width);
            for (let w = w0; w < w1; w++) sum += load<f32>(ptr(row, w));
          }
          store<f32>(ptr(out, o), sum / <f32>(divisorRow * at(colDivisor, j)));
          j++;
          o++;
        }
      }
    }
  }
}

/** gradInput [planes, height, width] (overwritten) = the input gradient of avgPool2dF32 given grad
 *  [planes, outHeight, outWidth]. */
export function avgPool2dBackwardF32(planes: i32, height: i32, width: i32, outHeight: i32, outWidth: i32,
  grad: usize, gradInput: usize,
  rowStart: usize, rowEnd: usize, rowDivisor: usize, colStart: usize, colEnd: usize, colDivisor: usize): void {
  const planeSize = height * width;
  memory.fill(gradInput, 0, <usize>(planes * planeSize) << 2);
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const image = ptr(gradInput, plane * planeSize);
    for (let i = 0; i < outHeight; i++) {
      const h0 = at(rowStart, i), h1 = at(rowEnd, i);
      for (let j = 0; j < outWidth; j++) {
        const w0 = at(colStart, j), w1 = at(colEnd, j);
        const share = load<f32>(ptr(grad, o)) / <f32>(at(rowDivisor, i) * at(colDivisor, j));
        for (let h = h0; h < h1; h++) {
          const row = ptr(image, h * width);
          for (let w = w0; w < w1; w++) store<f32>(ptr(row, w), load<f32>(ptr(row, w)) + share);
        }
        o++;
      }
    }
  }
}
