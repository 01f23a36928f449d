// The CPU device's thread count (`torch.setNumThreads`, `torch.getNumThreads`) and why threads are off where they are.
import { describeValue } from '../../options.js';
import { getDevice } from '../registry.js';
import type { CpuDevice } from './device.js';

/** Intra-op threads of the CPU device, the calling thread included (`torch.getNumThreads()`). */
export let threads = 1;

/**
 * Why the CPU device runs one thread here, or null where it has a pool: a page that is not
 * cross-origin isolated, a runtime without Worker (edge runtimes), kernels given precompiled.
 */
export let threadsUnavailable: string | null = null;

/** Records what initCpu found; called once, before any op. */
export function recordThreading(count: number, unavailable: string | null): void {
  threads = count;
  threadsUnavailable = unavailable;
}

let warnedUnavailable = false;

/**
 * `torch.setNumThreads(n)`: the threads CPU ops may use, counting the calling thread, as in
 * PyTorch. Where threads are unavailable the count stays 1, and the first call asking for more
 * warns with the reason (`torch.cpu.threadsUnavailable` holds it too).
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: n must be a positive integer, got ${describeValue(n)}`);
  const cpu = getDevice('cpu') as CpuDevice;
  if (n > 1 && !cpu.pool && !warnedUnavailable) {
    warnedUnavailable = true;
    console.warn(`setNumThreads(${n}): the CPU device runs on one thread here because ${threadsUnavailable}`);
  }
  cpu.setThreads(n);
  threads = cpu.threads;
}

/** `torch.getNumThreads()`: the threads CPU ops may use, the calling thread included. */
export function getNumThreads(): number {
  return threads;
}

/** What `torch.cpu.parallelInfo()` reports (PyTorch prints the like with `torch.__config__.parallel_info()`). */
export interface ParallelInfo {
  /** `torch.getNumThreads()`. */
  threads: number;
  /** Workers started and ready to take a piece of an op (a new worker is ready a few milliseconds after it starts). */
  workersReady: number;
  /** Which kernel build runs: 'threaded' (shared memory) or 'single-thread'. */
  build: 'threaded' | 'single-thread';
  /** `torch.cpu.threadsUnavailable`. */
  threadsUnavailable: string | null;
}

/** The CPU device's threading as it stands: for checking a deployment (a page's COOP/COEP headers, a runtime without workers). */
export function parallelInfo(): ParallelInfo {
  const cpu = getDevice('cpu') as CpuDevice;
  return { threads, workersReady: cpu.pool?.readyWorkers() ?? 0, build: cpu.pool ? 'threaded' : 'single-thread', threadsUnavailable };
}
