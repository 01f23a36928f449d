// The per-thread scratch that kernels keep their walk state and staging in, placed by the JS side.
//
// Kernels never allocate. Their scratch used to be static data, but every thread runs the kernels
// at once on one shared memory, and instantiating a worker's module re-applies the data segments
// over live state; so each instance (the main thread's and each worker's) holds its own pointers,
// in wasm globals, which are per instance, to a block the main thread allocated for that thread.
import { placeRandomScratch, RANDOM_SCRATCH_BYTES } from './random';
import { placeSortScratch, SORT_SCRATCH_BYTES } from './sort';
import { placeWalkScratch, WALK_SCRATCH_BYTES } from './strided';

/** Bytes of one thread's scratch block, whose base must be 16-byte aligned. */
export function threadScratchBytes(): usize {
  return RANDOM_SCRATCH_BYTES + SORT_SCRATCH_BYTES + WALK_SCRATCH_BYTES;
}

/** Points this instance's kernels at its thread's scratch block; called once, before any kernel. */
export function setThreadScratch(base: usize): void {
  placeRandomScratch(base);
  placeSortScratch(base + RANDOM_SCRATCH_BYTES);
  placeWalkScratch(base + RANDOM_SCRATCH_BYTES + SORT_SCRATCH_BYTES);
}
