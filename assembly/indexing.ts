// Gather, scatter and index normalisation over strided tensors. One walk serves gather and every
// scatter: it runs over the index's shape, and the indexed tensor's stride along `dim` is applied to
// the index value rather than to a coordinate, so the other dims coalesce freely. Every index is
// checked before any element is read or written through it; a bad one comes back as an error code.
import { beginWalk, carry, innerSize, innerStride, nextRow, outerRows, prepareOperand } from './strided';
import { GATHER, SCATTER, SCATTER_ADD_F32, SCATTER_ADD_I32 } from '../build/opcodes';

@inline function ptr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** Element offset (from `index`) of the first index value outside [lo, hi), or -1 when all are inside. */
function firstOutOfRange(ndim: i32, shape: usize, index: usize, indexStrides: usize, lo: i32, hi: i32): i32 {
  const n = innerSize(ndim, shape);
  const si = innerStride(ndim, indexStrides);
  const rows = outerRows(ndim, shape);
  beginWalk(ndim);
  prepareOperand(0, ndim, shape, indexStrides);
  let oi = 0;
  for (let row = 0; row < rows; row++) {
    if (row > 0) oi += carry(0, nextRow(ndim, shape));
    for (let i = 0; i < n; i++) {
      const v = load<i32>(ptr(index, oi + i * si));
      if (v < lo || v >= hi) return oi + i * si;
    }
  }
  return -1;
}

/** Moves a contiguous row of n elements between the indexed tensor and the other operand. */
@inline function moveRow(mode: i32, dataAt: usize, otherAt: usize, n: i32): void {
  if (mode == GATHER) {
    memory.copy(otherAt, dataAt, <usize>n << 2);
  } else if (mode == SCATTER) {
    memory.copy(dataAt, otherAt, <usize>n << 2);
  } else {
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const d = v128.load(ptr(dataAt, i)), o = v128.load(ptr(otherAt, i));
      v128.store(ptr(dataAt, i), mode == SCATTER_ADD_F32 ? f32x4.add(d, o) : i32x4.add(d, o));
    }
    for (; i < n; i++) moveElement(mode, ptr(dataAt, i), ptr(otherAt, i));
  }
}

@inline function moveElement(mode: i32, dataAt: usize, otherAt: usize): void {
  if (mode == GATHER) store<u32>(otherAt, load<u32>(dataAt));
  else if (mode == SCATTER) store<u32>(dataAt, load<u32>(otherAt));
  else if (mode == SCATTER_ADD_F32) store<f32>(dataAt, load<f32>(dataAt) + load<f32>(otherAt));
  else store<i32>(dataAt, load<i32>(dataAt) + load<i32>(otherAt));
}

@inline function gatherScatterLoop(mode: i32, ndim: i32, shape: usize, data: usize, dataStrides: usize, index: usize, indexStrides: usize, other: usize, otherStrides: usize, dimStride: i32): void {
  const n = innerSize(ndim, shape);
  const sd = innerStride(ndim, dataStrides), si = innerStride(ndim, indexStrides), so = innerStride(ndim, otherStrides);
  const rows = outerRows(ndim, shape);
  beginWalk(ndim);
  prepareOperand(0, ndim, shape, dataStrides);
  prepareOperand(1, ndim, shape, indexStrides);
  prepareOperand(2, ndim, shape, otherStrides);
  let od = 0, oi = 0, oo = 0;
  for (let row = 0; row < rows; row++) {
    if (row > 0) {
      const d = nextRow(ndim, shape);
      od += carry(0, d);
      oi += carry(1, d);
      oo += carry(2, d);
    }
    const rowData = ptr(data, od), rowIndex = ptr(index, oi), rowOther = ptr(other, oo);
    if (si == 0 && sd == 1 && so == 1) {
      // One index for a whole contiguous row (indexSelect, embedding rows and their backward).
      moveRow(mode, ptr(rowData, load<i32>(rowIndex) * dimStride), rowOther, n);
    } else {
      for (let i = 0; i < n; i++) {
        moveElement(mode, ptr(rowData, i * sd + load<i32>(ptr(rowIndex, i * si)) * dimStride), ptr(rowOther, i * so));
      }
    }
  }
}

/**
 * Walks the index's shape; `data` is the tensor indexed along one dim (gather's input, scatter's
 * destination), its strides given with that dim's stride zeroed and the dim's stride and size
 * passed separately; `other` is gather's output or scatter's source. Returns -1, or the element
 * offset (from `index`) of the first index outside [0, dimSize), before touching any element.
 */
export function gatherScatter(mode: i32, ndim: i32, shape: usize, data: usize, dataStrides: usize, index: usize, indexStrides: usize, other: usize, otherStrides: usize, dimStride: i32, dimSize: i32): i32 {
  const bad = firstOutOfRange(ndim, shape, index, indexStrides, 0, dimSize);
  if (bad >= 0) return bad;
  // One specialised loop per mode: the branches inside fold away once mode is a constant.
  switch (mode) {
    case GATHER: gatherScatterLoop(GATHER, ndim, shape, data, dataStrides, index, indexStrides, other, otherStrides, dimStride); break;
    case SCATTER: gatherScatterLoop(SCATTER, ndim, shape, data, dataStrides, index, indexStrides, other, otherStrides, dimStride); break;
    case SCATTER_ADD_F32: gatherScatterLoop(SCATTER_ADD_F32, ndim, shape, data, dataStrides, index, indexStrides, other, otherStrides, dimStride); break;
    case SCATTER_ADD_I32: gatherScatterLoop(SCATTER_ADD_I32, ndim, shape, data, dataStrides, index, indexStrides, other, otherStrides, dimStride); break;
    default: unreachable();
  }
  return -1;
}

/**
 * out = index with negative values counted from the end (v + size); out contiguous, index strided.
 * Returns -1, or the element offset (from `index`) of the first value outside [-size, size).
 */
export function normalizeIndex(ndim: i32, shape: usize, out: usize, index: usize, indexStrides: usize, size: i32): i32 {
  const bad = firstOutOfRange(ndim, shape, index, indexStrides, -size, size);
  if (bad >= 0) return bad;
  const n = innerSize(ndim, shape);
  const si = innerStride(ndim, indexStrides);
  const rows = outerRows(ndim, shape);
  beginWalk(ndim);
  prepareOperand(0, ndim, shape, indexStrides);
  let oi = 0;
  let rowOut = out;
  for (let row = 0; row < rows; row++) {
    if (row > 0) oi += carry(0, nextRow(ndim, shape));
    for (let i = 0; i < n; i++) {
      const v = load<i32>(ptr(index, oi + i * si));
      store<i32>(ptr(rowOut, i), v < 0 ? v + size : v);
    }
    rowOut = ptr(rowOut, n);
  }
  return -1;
}
