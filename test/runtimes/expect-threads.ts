// What every runtime's thread check (threads-run.js) must show: the build and thread count the
// runtime allows, and the same product bits at 1 and 2 threads as Node computes (the same values
// to float tolerance where the runtime runs the relaxed-SIMD build, whose multiply-adds are fused).
import { expect } from 'vitest';
import * as torch from '../../src/index.js';
import { checkThreads, type ThreadsReport } from './threads-run.js';

let nodeBits: Promise<string> | undefined;

/** The product's bits in this Node process (vitest runs at the default thread count, the core count). */
export function nodeProductBits(): Promise<string> {
  nodeBits ??= checkThreads(torch).then((report) => {
    expect(report.bits.withWorkers).toBe(report.bits.oneThread);
    return report.bits.oneThread;
  });
  return nodeBits;
}

/** Counts the float32 values of two base64 byte strings that differ in any bit. */
function differingValues(actual: string, expected: string): number {
  const a = new Uint32Array(Buffer.from(actual, 'base64').buffer.slice(0));
  const b = new Uint32Array(Buffer.from(expected, 'base64').buffer.slice(0));
  expect(a.length).toBe(b.length);
  return a.reduce((count, bits, i) => count + (bits === b[i] ? 0 : 1), 0);
}

/** The largest |a - b| / (1 + |b|) over the float32 values of two base64 byte strings. */
function largestDifference(actual: string, expected: string): number {
  const a = new Float32Array(Buffer.from(actual, 'base64').buffer.slice(0));
  const b = new Float32Array(Buffer.from(expected, 'base64').buffer.slice(0));
  expect(a.length).toBe(b.length);
  return a.reduce((largest, value, i) => Math.max(largest, Math.abs(value - b[i]) / (1 + Math.abs(b[i]))), 0);
}

/**
 * Expects the product at 1 thread, at 2 before the worker was ready and at 2 with it, to equal
 * Node's bits; with relaxed SIMD (a fused multiply-add rounds once where Node's plain build rounds
 * twice) to equal each other's bits and Node's values within 1e-4 (relative, 512-term sums).
 */
export async function expectNodeBits(report: ThreadsReport, where: string): Promise<void> {
  const expected = await nodeProductBits();
  expect(expected.length).toBe(Math.ceil((512 * 512 * 4) / 3) * 4);
  if (report.simd === 'relaxed') {
    expect(new Set(Object.values(report.bits)).size, `one result at every thread count ${where}`).toBe(1);
    expect(largestDifference(report.bits.oneThread, expected), where).toBeLessThan(1e-4);
    return;
  }
  for (const [run, bits] of Object.entries(report.bits)) expect(differingValues(bits, expected), `${run} ${where}`).toBe(0);
}

/** Expects a threaded runtime: `threads` by default, the threaded build, and a worker that became ready and took its piece. */
export function expectThreaded(report: ThreadsReport, threads: number): void {
  expect(report.initial.threads).toBe(threads);
  expect(report.initial.info).toMatchObject({ threads, build: 'threaded', threadsUnavailable: null });
  expect(report.infoAtTwo).toMatchObject({ threads: 2, build: 'threaded', threadsUnavailable: null });
  // The pool keeps the workers it started for every core, so more than one may be ready.
  expect(report.infoAtTwo.workersReady).toBeGreaterThanOrEqual(1);
  expect(report.workersWaitedMs).toBeTypeOf('number');
}
