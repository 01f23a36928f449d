// Running a computation at several CPU thread counts and comparing the bits, for the threaded kernels' tests.
import { expect } from 'vitest';
import type { CpuDevice } from '../../src/devices/cpu/device.js';
import { getDevice } from '../../src/devices/registry.js';
import * as torch from '../../src/index.js';

export const cpu = getDevice('cpu') as CpuDevice;

/** Sets the thread count and waits until its workers take jobs, so a test measures the pool, not the fallback. */
export async function useThreads(n: number): Promise<void> {
  torch.setNumThreads(n);
  const deadline = Date.now() + 20_000;
  while ((cpu.pool?.readyWorkers() ?? 0) < n - 1) {
    if (Date.now() > deadline) throw new Error(`the pool did not start ${n - 1} workers`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs `compute` at 1, 2 and 3 threads and expects bit-identical values (NaN payloads and -0 included). */
export async function sameBitsAtAnyThreadCount(compute: () => torch.Tensor[]): Promise<void> {
  const results: Float32Array[][] = [];
  for (const n of [1, 2, 3]) {
    await useThreads(n);
    torch.manualSeed(7);
    results.push(torch.scope(() => compute().map((t) => new Float32Array(t.dataSync()))));
  }
  const bits = (values: Float32Array) => new Uint32Array(values.buffer);
  for (const other of results.slice(1)) {
    expect(other.length).toBe(results[0].length);
    other.forEach((values, i) => {
      const expected = bits(results[0][i]);
      const actual = bits(values);
      // A deep comparison of a million-element array takes seconds: compare in a loop, and let
      // expect show the difference only when there is one.
      if (actual.length !== expected.length || actual.some((word, j) => word !== expected[j]))
        expect(Array.from(actual)).toEqual(Array.from(expected));
    });
  }
}

/**
 * Runs `compute` at 2 threads in a scope and returns the pool's jobs in order, each as `${kernel}
 * ${pieces}`, so a test knows it covered the threaded path.
 */
export async function poolJobs(compute: () => unknown): Promise<string[]> {
  await useThreads(2);
  const pool = cpu.pool!;
  const run = pool.run;
  const jobs: string[] = [];
  pool.run = (kernel, pieces, runHere) => {
    jobs.push(`${kernel} ${pieces.length}`);
    run.call(pool, kernel, pieces, runHere);
  };
  try {
    torch.scope(() => {
      compute();
    });
  } finally {
    pool.run = run;
  }
  return jobs;
}
