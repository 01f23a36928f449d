// The layout of a pool thread's job slot in shared wasm memory, read by the main thread and the worker.
//
// A slot is a few words the main thread writes a job into (which kernel, its arguments) and bumps a
// sequence number; the worker, spinning on that number for a moment after its last job and then
// blocked in Atomics.wait on it, claims the job, runs the kernel and stores the same number in DONE. Everything lives in the one shared memory, so a job
// costs no message.

/** Int32 word indices into a slot. */
export const SLOT = {
  /** Bumped by the main thread to post a job; -1 asks the worker to exit. */
  SEQ: 0,
  /** The SEQ of the last job the worker finished, or found the main thread had taken back. */
  DONE: 1,
  /** Index of the kernel in the export-name list the worker received at start. */
  KERNEL: 2,
  ARG_COUNT: 3,
  /** 1 once the worker has instantiated its module and waits for jobs. */
  READY: 4,
  /** 1 when the last job threw; the message is sent separately. */
  FAILED: 5,
  /**
   * The SEQ of the last job taken, by the worker before it runs it or by the main thread when the
   * worker has not taken it in time (compare-exchange, so exactly one of them runs a job).
   */
  CLAIM: 6,
  /**
   * 1 while the worker blocks in Atomics.wait for a job. Only then does posting one need
   * Atomics.notify, a system call; a worker still spinning after its last job sees SEQ change.
   */
  PARKED: 7,
} as const;

/** Words before the arguments; the f64 arguments start on an 8-byte boundary after them. */
export const SLOT_HEADER_WORDS = 8;
export const MAX_JOB_ARGS = 24;
export const SLOT_BYTES = SLOT_HEADER_WORDS * 4 + MAX_JOB_ARGS * 8;

/** What a pool worker receives once, at start. */
export interface ThreadStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte address of this worker's slot. */
  slot: number;
  /** Byte address of this worker's kernel scratch block (see assembly/thread-scratch.ts). */
  scratch: number;
  /** The wasm exports a job may name, by index. */
  kernels: readonly string[];
}
