// The CPU's GEMM entry for the kernel glue: assembly/gemm.ts's gemmF32, its columns split over the thread pool when the size pays.
import type { CpuDevice } from './device.js';

/** Columns of C per tile of the GEMM kernel: pieces split at multiples of it, so each column is
 *  computed by the same code whichever piece holds it, and any thread count gives the same bits. */
const TILE_COLS = 8;
/**
 * A GEMM splits only with at least twice this many multiply-adds, at most one piece per this many.
 * On this 2-core machine (scripts/thread-threshold.mjs, quiet machine) 2 threads ran 0.64-0.68x
 * the speed of 1 at 2^20 multiply-adds (waking a worker, waiting for it and each piece packing
 * its own copy of A cost tens of microseconds), 1.07-1.19x at 2^21 and 1.7x at 2^24.
 */
const THREAD_MIN_MACS = 1 << 20;

/**
 * C[M,N] = beta*C + A[M,K] @ B[K,N] with gemmF32's conventions (byte addresses, strides in
 * elements, row-major C with row stride ldc), on as many threads as the size pays for.
 */
export function gemm(
  cpu: CpuDevice,
  M: number,
  N: number,
  K: number,
  a: number,
  aRowStride: number,
  aColStride: number,
  b: number,
  bRowStride: number,
  bColStride: number,
  c: number,
  ldc: number,
  beta: number,
): void {
  const wasm = cpu.wasm;
  const workspaceBytes = wasm.gemmWorkspaceBytes();
  const threads = Math.min(cpu.threadsFor(M * N * K, THREAD_MIN_MACS), Math.ceil(N / TILE_COLS));
  if (threads === 1 || !cpu.pool) {
    wasm.gemmF32(M, N, K, a, aRowStride, aColStride, b, bRowStride, bColStride, c, ldc, beta, cpu.workspace('gemm', workspaceBytes, 0));
    return;
  }
  const width = Math.ceil(N / threads / TILE_COLS) * TILE_COLS;
  const pieces: number[][] = [];
  for (let first = 0, t = 0; first < N; first += width, t++) {
    const cols = Math.min(width, N - first);
    const workspace = cpu.workspace('gemm', workspaceBytes, t);
    pieces.push([
      M,
      cols,
      K,
      a,
      aRowStride,
      aColStride,
      b + first * bColStride * 4,
      bRowStride,
      bColStride,
      c + first * 4,
      ldc,
      beta,
      workspace,
    ]);
  }
  cpu.pool.run('gemmF32', pieces, (args) => wasm.gemmF32(...(args as Parameters<typeof wasm.gemmF32>)));
}
