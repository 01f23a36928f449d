// gemmPackedF32 (assembly/gemm.ts, the pre-packed-B entry point the recurrent steps use) against a
// float64 reference, straight on build/kernels.wasm: edge tiles, depth and column blocks, strided
// A, beta 0 over NaN and beta 1, and rows of C outside the call left untouched.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

interface Kernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gemmWorkspaceBytes(): number;
  gemmPackedBBytes(K: number, N: number): number;
  gemmPackBF32(K: number, N: number, b: number, bRowStride: number, bColStride: number, packed: number): void;
  gemmPackedF32(
    M: number,
    N: number,
    K: number,
    a: number,
    aRowStride: number,
    aColStride: number,
    packedB: number,
    c: number,
    ldc: number,
    beta: number,
    work: number,
  ): void;
}

let kernels: Kernels;

beforeAll(async () => {
  const { instance } = await WebAssembly.instantiate(readFileSync(new URL('../../build/kernels.wasm', import.meta.url)), {});
  kernels = instance.exports as unknown as Kernels;
});

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

/** Lays out buffers from the heap base, growing memory, all 16-byte aligned. */
function arena() {
  let next = Math.ceil(kernels.heapBase() / 16) * 16;
  return (floats: number) => {
    const address = next;
    next += Math.ceil((floats * 4) / 16) * 16 + 16;
    const missing = next - kernels.memory.buffer.byteLength;
    if (missing > 0) kernels.memory.grow(Math.ceil(missing / 65536));
    return address;
  };
}

function check(M: number, N: number, K: number, { transposedA = false, transposedB = false, beta = 0 } = {}): void {
  const next = random(M * 7919 + N * 31 + K);
  const A = Float32Array.from({ length: M * K }, next);
  const B = Float32Array.from({ length: K * N }, next);
  const C0 = Float32Array.from({ length: M * N }, next);
  const take = arena();
  const work = take(kernels.gemmWorkspaceBytes() / 4);
  const a = take(M * K),
    b = take(K * N),
    packed = take(kernels.gemmPackedBBytes(K, N) / 4);
  const ldc = N + 2;
  const c = take((M + 1) * ldc);
  let heap = new Float32Array(kernels.memory.buffer);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) heap[a / 4 + (transposedA ? k * M + i : i * K + k)] = A[i * K + k];
  for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) heap[b / 4 + (transposedB ? j * K + k : k * N + j)] = B[k * N + j];
  heap.fill(-7, c / 4, c / 4 + (M + 1) * ldc);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) heap[c / 4 + i * ldc + j] = beta === 0 ? NaN : C0[i * N + j];
  kernels.gemmPackBF32(K, N, b, transposedB ? 1 : N, transposedB ? K : 1, packed);
  kernels.gemmPackedF32(M, N, K, a, transposedA ? 1 : K, transposedA ? M : 1, packed, c, ldc, beta, work);
  heap = new Float32Array(kernels.memory.buffer);
  const label = JSON.stringify({ M, N, K, transposedA, transposedB, beta });
  for (let i = 0; i <= M; i++) {
    for (let j = 0; j < ldc; j++) {
      const actual = heap[c / 4 + i * ldc + j];
      if (i === M || j >= N) {
        if (actual !== -7) throw new Error(`${label}: wrote outside C at row ${i}, column ${j}`);
        continue;
      }
      let expected = beta === 0 ? 0 : C0[i * N + j];
      let magnitude = Math.abs(expected);
      for (let k = 0; k < K; k++) {
        expected += A[i * K + k] * B[k * N + j];
        magnitude += Math.abs(A[i * K + k] * B[k * N + j]);
      }
      if (!(Math.abs(actual - expected) <= (K + 1) * 1e-6 * magnitude))
        throw new Error(`${label}: C[${i},${j}] = ${actual}, expected ${expected}`);
    }
  }
}

describe('gemmPackedF32', () => {
  it('matches the reference across edge tiles and blocks', () => {
    for (const M of [1, 3, 4, 5, 9, 33]) for (const N of [1, 7, 8, 9, 20, 33]) for (const K of [1, 2, 5, 16, 31]) check(M, N, K);
    check(6, 530, 300);
    check(37, 1030, 257, { beta: 1 });
  });

  it('reads transposed A and packs transposed B', () => {
    check(9, 17, 33, { transposedA: true });
    check(9, 17, 33, { transposedB: true });
    check(32, 64, 40, { transposedA: true, transposedB: true, beta: 1 });
  });

  it('reports the packed size', () => {
    expect(kernels.gemmPackedBBytes(10, 9)).toBe(2 * 10 * 8 * 4);
  });
});
