// Types of threads-run.js, the thread check each runtime's test runs in that runtime.
import type { ParallelInfo } from '../../src/devices/cpu/threading.js';

export interface ThreadsReport {
  initial: { threads: number; info: ParallelInfo };
  /** parallelInfo() at 2 threads, once the worker was awaited. */
  infoAtTwo: ParallelInfo;
  /** How long the worker took to take jobs after the first product; null on the single-thread build. */
  workersWaitedMs: number | null;
  /** torch.cpu.simd: which SIMD the main CPU device's kernels use. */
  simd: 'relaxed' | 'plain';
  /** The 512 x 512 product's float32 bytes as base64. */
  bits: { oneThread: string; beforeWorkers: string; withWorkers: string };
}

export function checkThreads(torch: typeof import('../../src/index.js')): Promise<ThreadsReport>;
