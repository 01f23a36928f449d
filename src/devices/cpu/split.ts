// How the elementwise and reduce kernels split their outputs between threads: ranges of whole grains, each cut on a SIMD group.
import type { CpuDevice, WasmExports } from './device.js';

/**
 * Output elements per grain of a split elementwise op: a piece is a run of whole grains, so its
 * cuts sit at the same places whatever the thread count (a multiple of the SIMD width).
 */
export const GRAIN = 4096;

/**
 * Where cut `k` (k grains in) falls in an output walked in rows of `rowSize`: the kernels take
 * each row in groups of 4 from its start and its last `rowSize % 4` elements one by one, so a cut
 * inside a group moves to the group's end; elsewhere (a group's start, the tail) it stays.
 */
function cut(k: number, grain: number, rowSize: number, total: number): number {
  const at = k * grain;
  if (at >= total) return total;
  const column = at % rowSize;
  return column % 4 === 0 || column >= rowSize - (rowSize % 4) ? at : at + 4 - (column % 4);
}

/**
 * `threads` ranges [begin, end) covering `total` outputs, each a run of whole grains (see cut), as
 * equal in grains as they can be. A kernel computes each output in its range with the code the
 * single call over [0, total) would use, so the split does not change the bits.
 */
export function outputRanges(total: number, rowSize: number, threads: number, grain: number): [number, number][] {
  const grains = Math.ceil(total / grain);
  const ranges: [number, number][] = [];
  for (let t = 0; t < threads; t++) {
    const begin = cut(Math.floor((t * grains) / threads), grain, rowSize, total);
    const end = cut(Math.floor(((t + 1) * grains) / threads), grain, rowSize, total);
    if (end > begin) ranges.push([begin, end]);
  }
  return ranges;
}

/**
 * Runs the wasm export `kernel` over items [0, items), `piece(first, end)` giving its arguments
 * for a range: on the calling thread, or in one contiguous range per thread that `work` pays for
 * against `threshold` (see CpuDevice.threadsFor). Each item must write outputs of its own (a
 * plane, a channel), so any split gives the same bits.
 */
export function runOverItems(
  cpu: CpuDevice,
  kernel: keyof WasmExports,
  items: number,
  work: number,
  threshold: number,
  piece: (first: number, end: number) => readonly number[],
): void {
  const run = cpu.wasm[kernel] as (...args: readonly number[]) => unknown;
  const threads = Math.min(cpu.threadsFor(work, threshold), items);
  if (threads <= 1 || !cpu.pool) {
    run(...piece(0, items));
    return;
  }
  cpu.pool.run(
    kernel,
    Array.from({ length: threads }, (_, t) => piece(Math.floor((t * items) / threads), Math.floor(((t + 1) * items) / threads))),
    (args) => run(...args),
  );
}

/** A kernel split over threads: its leading arguments, then the range [begin, end) of outputs it computes. */
export interface SplitJob {
  /** The wasm export's name, which the pool's workers call, and the export itself, for this thread. */
  kernel: string;
  run: (...args: number[]) => unknown;
  args: readonly number[];
  /** Outputs in all, walked in rows of `rowSize` (the innermost dim of the walk). */
  total: number;
  rowSize: number;
  /** Outputs per grain. */
  grain: number;
  /** Cost in the units of `threshold` (elements touched), which decides the thread count. */
  work: number;
  threshold: number;
}

/**
 * Runs a kernel over the threads when its work pays for them, and returns whether it did; when it
 * returns false the caller runs the kernel over [0, total) itself, with a direct call that V8
 * makes cheaper than a call through this function (small ops are most of the calls).
 */
export function splitOverThreads(cpu: CpuDevice, job: SplitJob): boolean {
  const threads = Math.min(cpu.threadsFor(job.work, job.threshold), Math.ceil(job.total / job.grain));
  if (threads === 1 || !cpu.pool) return false;
  const pieces = outputRanges(job.total, job.rowSize, threads, job.grain).map(([begin, end]) => [...job.args, begin, end]);
  cpu.pool.run(job.kernel, pieces, (piece) => job.run(...piece));
  return true;
}
