// Sorting along one dim: every row (the elements along the dim, at a fixed position of the other
// dims) is copied into scratch as (key, index) pairs, sorted stably, and written out with its
// values. Keys are u32s whose unsigned order is the order of the values (NaN largest, -0 == +0, as
// PyTorch sorts), so one comparison serves float32 and int32, ascending and descending.
import { beginWalk, carry, innerSize, innerStride, nextRow, outerRows, prepareOperand } from './strided';

/** Rows up to this length are insertion-sorted; longer ones are radix-sorted. */
const INSERTION_MAX = 32;
/** Below this k, topk keeps a sorted buffer of the k best instead of sorting the whole row. */
const SELECT_MAX_K = 32;
/** The radix sort's digits: four bytes of the key, least significant first. */
const DIGITS = 4;
const BUCKETS = 256;
/** One histogram per digit, all counted in a single pass over the keys (in the calling thread's scratch). */
let histograms: usize = 0;
export const SORT_SCRATCH_BYTES: usize = DIGITS * BUCKETS * 4;

export function placeSortScratch(base: usize): void {
  histograms = base;
}

@inline function ptr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** A u32 whose unsigned order is the value order: NaN above +inf, -0 equal to +0. */
@inline function sortableKey(bits: u32, isFloat: bool): u32 {
  if (!isFloat) return bits ^ 0x80000000;
  const value = reinterpret<f32>(bits);
  if (value != value) return 0xFFFFFFFF;
  if (value == 0) return 0x80000000;
  return (bits >> 31) != 0 ? ~bits : bits | 0x80000000;
}

/** Stable insertion sort of pairs [start, end): equal keys never move past each other. */
function insertionSort(keys: usize, indices: usize, start: i32, end: i32): void {
  for (let i = start + 1; i < end; i++) {
    const key = load<u32>(ptr(keys, i));
    const index = load<i32>(ptr(indices, i));
    let j = i;
    while (j > start && load<u32>(ptr(keys, j - 1)) > key) {
      store<u32>(ptr(keys, j), load<u32>(ptr(keys, j - 1)));
      store<i32>(ptr(indices, j), load<i32>(ptr(indices, j - 1)));
      j--;
    }
    store<u32>(ptr(keys, j), key);
    store<i32>(ptr(indices, j), index);
  }
}

/**
 * Sorts n (key, index) pairs by key, ascending and stable: insertion sort for short rows, else an
 * LSD radix sort on the key's bytes (stable by construction, no data-dependent branches) between
 * the pairs and the n-pair temporaries. Digits every key shares are skipped. The result ends in
 * keys/indices.
 */
export function sortPairs(keys: usize, indices: usize, n: i32, tmpKeys: usize, tmpIndices: usize): void {
  if (n <= INSERTION_MAX) {
    insertionSort(keys, indices, 0, n);
    return;
  }
  memory.fill(histograms, 0, DIGITS * BUCKETS * 4);
  for (let i = 0; i < n; i++) {
    const key = load<u32>(ptr(keys, i));
    for (let digit = 0; digit < DIGITS; digit++) {
      const bucket = ptr(histograms, digit * BUCKETS + ((key >> (digit << 3)) & 0xFF));
      store<i32>(bucket, load<i32>(bucket) + 1);
    }
  }
  let srcKeys = keys, srcIndices = indices, dstKeys = tmpKeys, dstIndices = tmpIndices;
  for (let digit = 0; digit < DIGITS; digit++) {
    const shift = digit << 3;
    const histogram = ptr(histograms, digit * BUCKETS);
    if (load<i32>(ptr(histogram, (load<u32>(srcKeys) >> shift) & 0xFF)) == n) continue;
    // Counts become each bucket's next write position.
    let position = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      const count = load<i32>(ptr(histogram, bucket));
      store<i32>(ptr(histogram, bucket), position);
      position += count;
    }
    for (let i = 0; i < n; i++) {
      const key = load<u32>(ptr(srcKeys, i));
      const slot = ptr(histogram, (key >> shift) & 0xFF);
      const at = load<i32>(slot);
      store<i32>(slot, at + 1);
      store<u32>(ptr(dstKeys, at), key);
      store<i32>(ptr(dstIndices, at), load<i32>(ptr(srcIndices, i)));
    }
    const swapKeys = srcKeys, swapIndices = srcIndices;
    srcKeys = dstKeys;
    srcIndices = dstIndices;
    dstKeys = swapKeys;
    dstIndices = swapIndices;
  }
  if (srcKeys != keys) {
    memory.copy(keys, srcKeys, <usize>n << 2);
    memory.copy(indices, srcIndices, <usize>n << 2);
  }
}

/**
 * Moves the k smallest pairs, in stable sorted order, to the front of keys/indices: one pass that
 * keeps a sorted buffer of the best k in the temporaries (an element enters only if strictly
 * smaller than the current k-th, so among equal keys the earlier index wins, as in a stable sort).
 */
function selectSmallest(keys: usize, indices: usize, n: i32, k: i32, bestKeys: usize, bestIndices: usize): void {
  let filled = 0;
  for (let i = 0; i < n; i++) {
    const key = load<u32>(ptr(keys, i));
    if (filled == k && key >= load<u32>(ptr(bestKeys, k - 1))) continue;
    let j = filled < k ? filled++ : k - 1;
    while (j > 0 && load<u32>(ptr(bestKeys, j - 1)) > key) {
      store<u32>(ptr(bestKeys, j), load<u32>(ptr(bestKeys, j - 1)));
      store<i32>(ptr(bestIndices, j), load<i32>(ptr(bestIndices, j - 1)));
      j--;
    }
    store<u32>(ptr(bestKeys, j), key);
    store<i32>(ptr(bestIndices, j), load<i32>(ptr(indices, i)));
  }
  memory.copy(keys, bestKeys, <usize>k << 2);
  memory.copy(indices, bestIndices, <usize>k << 2);
}

@inline function sortLoop(isFloat: bool, ndim: i32, keptShape: usize, keptStrides: usize, x: usize, size: i32, stride: i32, inner: i32, k: i32, descending: bool, values: usize, outIndices: usize, scratch: usize): void {
  const keys = scratch, indices = ptr(scratch, size);
  const tmpKeys = ptr(scratch, size * 2), tmpIndices = ptr(scratch, size * 3);
  const flip: u32 = descending ? 0xFFFFFFFF : 0;
  const n = innerSize(ndim, keptShape);
  const sk = innerStride(ndim, keptStrides);
  const walkRows = outerRows(ndim, keptShape);
  beginWalk(ndim);
  prepareOperand(0, ndim, keptShape, keptStrides);
  let ox = 0, row = 0;
  for (let walkRow = 0; walkRow < walkRows; walkRow++) {
    if (walkRow > 0) ox += carry(0, nextRow(ndim, keptShape));
    for (let i = 0; i < n; i++, row++) {
      const source = ptr(x, ox + i * sk);
      for (let e = 0; e < size; e++) {
        store<u32>(ptr(keys, e), sortableKey(load<u32>(ptr(source, e * stride)), isFloat) ^ flip);
        store<i32>(ptr(indices, e), e);
      }
      if (k < size && k <= SELECT_MAX_K) selectSmallest(keys, indices, size, k, tmpKeys, tmpIndices);
      else sortPairs(keys, indices, size, tmpKeys, tmpIndices);
      // Output row `row` of the kept dims sits at (outer, 0, innerPosition) of [outer, k, inner].
      const base = (row / inner) * k * inner + row % inner;
      for (let e = 0; e < k; e++) {
        const index = load<i32>(ptr(indices, e));
        store<u32>(ptr(values, base + e * inner), load<u32>(ptr(source, index * stride)));
        store<i32>(ptr(outIndices, base + e * inner), index);
      }
    }
  }
}

/** Bytes of scratch sortRowsF32/sortRowsI32 need for rows of `size` elements. */
export function sortScratchBytes(size: i32): i32 {
  return size * 16;
}

/**
 * Sorts every row of x along one dim and writes its first k elements (k = size sorts fully; k <
 * size is topk) to values/outIndices, contiguous [outer, k, inner]. The rows are enumerated by the
 * kept dims (keptShape/keptStrides, ndim of them, coalesced, in x's dim order, inner of them after
 * the sorted dim); each row has `size` elements at `stride`. Ascending unless `descending`; ties
 * keep their original order; NaN is the largest value.
 */
export function sortRowsF32(ndim: i32, keptShape: usize, keptStrides: usize, x: usize, size: i32, stride: i32, inner: i32, k: i32, descending: bool, values: usize, outIndices: usize, scratch: usize): void {
  sortLoop(true, ndim, keptShape, keptStrides, x, size, stride, inner, k, descending, values, outIndices, scratch);
}

export function sortRowsI32(ndim: i32, keptShape: usize, keptStrides: usize, x: usize, size: i32, stride: i32, inner: i32, k: i32, descending: bool, values: usize, outIndices: usize, scratch: usize): void {
  sortLoop(false, ndim, keptShape, keptStrides, x, size, stride, inner, k, descending, values, outIndices, scratch);
}
