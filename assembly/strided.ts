// Walking N-d strided tensors row by row. Ops hand kernels coalesced shapes (adjacent dims merged,
// size-1 dims dropped), so the innermost dim is as long as the layout allows and the outer walk,
// which costs O(1) amortised per row, is cheap next to the inner loop.

export const MAX_DIMS = 64;
const MAX_OPERANDS = 4;

// Kernels never allocate, so the walk state lives in the calling thread's scratch (see
// thread-scratch.ts): one counter per outer dim, and for each operand the offset change when the
// counter of dim d carries into it.
let counters: usize = 0;
let carryDeltas: usize = 0;
export const WALK_SCRATCH_BYTES: usize = MAX_DIMS * 4 + MAX_DIMS * MAX_OPERANDS * 4;

export function placeWalkScratch(base: usize): void {
  counters = base;
  carryDeltas = base + MAX_DIMS * 4;
}

@inline export function dimAt(shape: usize, d: i32): i32 {
  return load<i32>(shape + (<usize>d << 2));
}

/** Product of all dims but the innermost: how many inner rows a walk visits. */
export function outerRows(ndim: i32, shape: usize): i32 {
  let rows = 1;
  for (let d = 0; d < ndim - 1; d++) rows *= dimAt(shape, d);
  return rows;
}

/** Starts a walk: zeroes the counters. */
export function beginWalk(ndim: i32): void {
  memory.fill(counters, 0, <usize>MAX_DIMS << 2);
}

/**
 * Starts a walk at outer row `row` instead of the first: a thread's piece of a split kernel
 * begins mid-tensor. Pair it with rowOffset for each operand's starting offset.
 */
export function beginWalkAt(ndim: i32, shape: usize, row: i32): void {
  beginWalk(ndim);
  let rest = row;
  for (let d = ndim - 2; d > 0; d--) {
    const size = dimAt(shape, d);
    store<i32>(counters + (<usize>d << 2), rest % size);
    rest /= size;
  }
}

/** The element offset of outer row `row`'s first element in an operand with element strides `strides`. */
export function rowOffset(ndim: i32, shape: usize, strides: usize, row: i32): i32 {
  let offset = 0;
  let rest = row;
  for (let d = ndim - 2; d >= 0; d--) {
    const size = dimAt(shape, d);
    offset += (rest % size) * load<i32>(strides + (<usize>d << 2));
    rest /= size;
  }
  return offset;
}

/** Precomputes, for operand `slot` with element strides `strides`, the offset change per carry. */
export function prepareOperand(slot: i32, ndim: i32, shape: usize, strides: usize): void {
  const base = carryDeltas + (<usize>(slot * MAX_DIMS) << 2);
  let rewind = 0;
  for (let d = ndim - 2; d >= 0; d--) {
    const stride = load<i32>(strides + (<usize>d << 2));
    store<i32>(base + (<usize>d << 2), stride - rewind);
    rewind += (dimAt(shape, d) - 1) * stride;
  }
}

/** Advances to the next row and returns the outer dim whose counter moved. */
@inline export function nextRow(ndim: i32, shape: usize): i32 {
  let d = ndim - 2;
  while (d > 0) {
    const at = counters + (<usize>d << 2);
    const count = load<i32>(at) + 1;
    if (count < dimAt(shape, d)) {
      store<i32>(at, count);
      return d;
    }
    store<i32>(at, 0);
    d--;
  }
  return d;
}

@inline export function carry(slot: i32, d: i32): i32 {
  return load<i32>(carryDeltas + (<usize>(slot * MAX_DIMS + d) << 2));
}

@inline export function innerStride(ndim: i32, strides: usize): i32 {
  return ndim == 0 ? 0 : load<i32>(strides + (<usize>(ndim - 1) << 2));
}

@inline export function innerSize(ndim: i32, shape: usize): i32 {
  return ndim == 0 ? 1 : dimAt(shape, ndim - 1);
}
