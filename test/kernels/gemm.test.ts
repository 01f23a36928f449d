// gemmF32 against a float64 triple loop, straight on build/kernels.wasm (built by `npm test`).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

interface GemmKernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gemmWorkspaceBytes(): number;
  gemmF32(
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
    work: number,
  ): void;
}

/** How a logical [rows, cols] matrix sits in memory: element (i, j) at i*rowStride + j*colStride. */
interface Layout {
  rowStride: number;
  colStride: number;
}

type LayoutName = 'rowMajor' | 'transposed' | 'strided' | 'broadcastColumns';

function layoutOf(name: LayoutName, rows: number, cols: number): Layout {
  switch (name) {
    case 'rowMajor':
      return { rowStride: cols, colStride: 1 };
    case 'transposed':
      return { rowStride: 1, colStride: rows };
    // Neither stride is 1, and rows are padded: packing must walk both strides.
    case 'strided':
      return { rowStride: 2 * cols + 3, colStride: 2 };
    // Stride 0 repeats column 0 across every column, as an expanded view does.
    case 'broadcastColumns':
      return { rowStride: 1, colStride: 0 };
  }
}

/** Deterministic values in [-1, 1) so failures reproduce. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

let kernels: GemmKernels;

beforeAll(async () => {
  const bytes = readFileSync(new URL('../../build/kernels.wasm', import.meta.url));
  const { instance } = await WebAssembly.instantiate(bytes, {});
  kernels = instance.exports as unknown as GemmKernels;
});

/** Bump allocation from the heap base; `misalign` shifts a block off 16-byte alignment. */
class Arena {
  private next: number;
  constructor() {
    this.next = Math.ceil(kernels.heapBase() / 16) * 16;
  }
  allocate(bytes: number, misalign = 0): number {
    const address = this.next + misalign;
    this.next = Math.ceil((address + bytes) / 16) * 16 + 16;
    const missing = this.next - kernels.memory.buffer.byteLength;
    if (missing > 0) kernels.memory.grow(Math.ceil(missing / 65536));
    return address;
  }
  // memory.grow detaches old views, so every access takes a fresh one.
  get heap(): Float32Array {
    return new Float32Array(kernels.memory.buffer);
  }
}

interface Case {
  M: number;
  N: number;
  K: number;
  aLayout?: LayoutName;
  bLayout?: LayoutName;
  beta?: 0 | 1;
  /** Extra floats between rows of C, which the kernel must leave alone. */
  cPadding?: number;
  misalign?: number;
  seed?: number;
}

const SENTINEL = 12345.5;

function footprint({ rowStride, colStride }: Layout, rows: number, cols: number): number {
  return rows === 0 || cols === 0 ? 1 : (rows - 1) * rowStride + (cols - 1) * colStride + 1;
}

function checkGemm({ M, N, K, aLayout = 'rowMajor', bLayout = 'rowMajor', beta = 0, cPadding = 0, misalign = 0, seed = 1 }: Case): void {
  const random = randomSource(seed * 7919 + M * 131 + N * 17 + K);
  const A = Float32Array.from({ length: M * K }, random);
  const B = Float32Array.from({ length: K * N }, random);
  const C0 = Float32Array.from({ length: M * N }, random);
  const aView = layoutOf(aLayout, M, K);
  const bView = layoutOf(bLayout, K, N);
  const ldc = N + cPadding;

  const arena = new Arena();
  // The contract promises only 16-byte alignment; the kernel aligns its panels itself.
  const work = arena.allocate(kernels.gemmWorkspaceBytes(), 16 * (seed % 4));
  const aBytes = footprint(aView, M, K) * 4;
  const bBytes = footprint(bView, K, N) * 4;
  const cFloats = M * ldc + 4;
  const aAddress = arena.allocate(aBytes, misalign);
  const bAddress = arena.allocate(bBytes, misalign);
  const cAddress = arena.allocate(cFloats * 4, misalign);

  let heap = arena.heap;
  heap.fill(SENTINEL, aAddress / 4, (aAddress + aBytes) / 4);
  heap.fill(SENTINEL, bAddress / 4, (bAddress + bBytes) / 4);
  for (let i = 0; i < M; i++)
    for (let k = 0; k < K; k++) {
      heap[aAddress / 4 + i * aView.rowStride + k * aView.colStride] = A[i * K + k];
    }
  for (let k = 0; k < K; k++)
    for (let j = 0; j < N; j++) {
      heap[bAddress / 4 + k * bView.rowStride + j * bView.colStride] = B[k * N + j];
    }
  // beta 0 must overwrite whatever C holds, NaN included; the padding must survive untouched.
  heap.fill(SENTINEL, cAddress / 4, cAddress / 4 + cFloats);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      heap[cAddress / 4 + i * ldc + j] = beta === 0 ? NaN : C0[i * N + j];
    }
  const aBefore = heap.slice(aAddress / 4, (aAddress + aBytes) / 4);
  const bBefore = heap.slice(bAddress / 4, (bAddress + bBytes) / 4);

  kernels.gemmF32(
    M,
    N,
    K,
    aAddress,
    aView.rowStride,
    aView.colStride,
    bAddress,
    bView.rowStride,
    bView.colStride,
    cAddress,
    ldc,
    beta,
    work,
  );

  heap = arena.heap;
  const label = JSON.stringify({ M, N, K, aLayout, bLayout, beta, cPadding, misalign });
  expectUnchanged(heap, aAddress / 4, aBefore, `${label}: A`);
  expectUnchanged(heap, bAddress / 4, bBefore, `${label}: B`);
  // Read the inputs back as the kernel sees them: in a broadcast view the last write won.
  const aRows = new Float64Array(M * K);
  const bColumns = new Float64Array(K * N);
  for (let i = 0; i < M; i++)
    for (let k = 0; k < K; k++) {
      aRows[i * K + k] = heap[aAddress / 4 + i * aView.rowStride + k * aView.colStride];
    }
  for (let k = 0; k < K; k++)
    for (let j = 0; j < N; j++) {
      bColumns[j * K + k] = heap[bAddress / 4 + k * bView.rowStride + j * bView.colStride];
    }
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let expected = beta === 0 ? 0 : C0[i * N + j];
      let magnitude = Math.abs(expected);
      for (let k = 0; k < K; k++) {
        const product = aRows[i * K + k] * bColumns[j * K + k];
        expected += product;
        magnitude += Math.abs(product);
      }
      const actual = heap[cAddress / 4 + i * ldc + j];
      // float32 accumulation error grows with K; scale by the sum of magnitudes, not the result.
      const tolerance = (K + 1) * 1e-6 * magnitude;
      if (!(Math.abs(actual - expected) <= tolerance)) {
        throw new Error(`${label}: C[${i},${j}] = ${actual}, expected ${expected}`);
      }
    }
    for (let j = N; j < ldc; j++) {
      if (heap[cAddress / 4 + i * ldc + j] !== SENTINEL) throw new Error(`${label}: wrote padding of C row ${i}`);
    }
  }
  for (let index = M * ldc; index < cFloats; index++) {
    if (heap[cAddress / 4 + index] !== SENTINEL) throw new Error(`${label}: wrote past the end of C`);
  }
}

function expectUnchanged(heap: Float32Array, start: number, before: Float32Array, label: string): void {
  for (let index = 0; index < before.length; index++) {
    if (heap[start + index] !== before[index]) throw new Error(`${label} modified at element ${index}`);
  }
}

const SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 17, 33, 64, 100, 257];

describe('gemmF32', () => {
  it('reports a workspace size', () => {
    const bytes = kernels.gemmWorkspaceBytes();
    expect(bytes).toBeGreaterThan(0);
    expect(bytes % 16).toBe(0);
  });

  it('matches the reference on every combination of edge and block sizes', () => {
    for (const M of SIZES) for (const N of SIZES) for (const K of SIZES) checkGemm({ M, N, K });
  });

  it('reads transposed and strided inputs through their strides', () => {
    const layouts: LayoutName[] = ['rowMajor', 'transposed', 'strided'];
    const sizes = [1, 3, 8, 9, 17, 64, 100];
    let seed = 0;
    for (const aLayout of layouts)
      for (const bLayout of layouts) {
        for (const M of sizes)
          for (const N of sizes) {
            const K = sizes[seed++ % sizes.length];
            checkGemm({ M, N, K, aLayout, bLayout, seed });
          }
      }
  });

  it('reads zero strides (broadcast views)', () => {
    checkGemm({ M: 9, N: 17, K: 33, aLayout: 'broadcastColumns' });
    checkGemm({ M: 9, N: 17, K: 33, bLayout: 'broadcastColumns' });
  });

  it('overwrites NaN in C when beta is 0, including K = 0', () => {
    for (const M of [1, 5, 9]) for (const N of [1, 8, 17]) checkGemm({ M, N, K: 0, beta: 0, cPadding: 3 });
    checkGemm({ M: 33, N: 100, K: 257, beta: 0, cPadding: 5 });
  });

  it('accumulates into C when beta is 1', () => {
    for (const [M, N, K] of [
      [1, 1, 1],
      [3, 5, 2],
      [4, 8, 0],
      [17, 33, 9],
      [100, 64, 257],
      [7, 9, 600],
    ]) {
      checkGemm({ M, N, K, beta: 1, cPadding: 2 });
      checkGemm({ M, N, K, beta: 1, aLayout: 'transposed', bLayout: 'strided' });
    }
  });

  it('crosses row, column and depth blocks, with misaligned and padded operands', () => {
    checkGemm({ M: 300, N: 600, K: 300, cPadding: 7, misalign: 4 });
    checkGemm({ M: 131, N: 517, K: 513, aLayout: 'transposed', bLayout: 'transposed', beta: 1, misalign: 8 });
    checkGemm({ M: 5, N: 3, K: 4000, aLayout: 'strided', bLayout: 'rowMajor' });
  });

  it('gives a narrow product, which runs transposed, the bits of the same columns of a wide one', () => {
    // The thread pool splits a product over its columns, so a piece may be narrow where the
    // whole is not: the two must agree bit for bit.
    const [M, N, K, first] = [300, 26, 700, 16];
    const random = randomSource(7);
    const arena = new Arena();
    const work = arena.allocate(kernels.gemmWorkspaceBytes());
    const a = arena.allocate(M * K * 4);
    const b = arena.allocate(K * N * 4);
    const wide = arena.allocate(M * N * 4);
    const narrow = arena.allocate(M * (N - first) * 4);
    let heap = arena.heap;
    for (let i = 0; i < M * K; i++) heap[a / 4 + i] = random();
    for (let i = 0; i < K * N; i++) heap[b / 4 + i] = random();
    kernels.gemmF32(M, N, K, a, K, 1, b, N, 1, wide, N, 0, work);
    kernels.gemmF32(M, N - first, K, a, K, 1, b + first * 4, N, 1, narrow, N - first, 0, work);
    heap = arena.heap;
    for (let i = 0; i < M; i++)
      for (let j = first; j < N; j++) {
        if (!Object.is(heap[narrow / 4 + i * (N - first) + j - first], heap[wide / 4 + i * N + j]))
          throw new Error(`C[${i},${j}] differs: ${heap[narrow / 4 + i * (N - first) + j - first]} vs ${heap[wide / 4 + i * N + j]}`);
      }
  });

  it('handles random shapes', () => {
    const random = randomSource(2024);
    const layouts: LayoutName[] = ['rowMajor', 'transposed', 'strided'];
    const pick = <T>(items: T[]) => items[Math.floor(((random() + 1) / 2) * items.length)];
    for (let seed = 0; seed < 60; seed++) {
      const size = () => Math.floor(((random() + 1) / 2) * 70);
      checkGemm({
        M: size(),
        N: size(),
        K: size(),
        aLayout: pick(layouts),
        bLayout: pick(layouts),
        beta: pick([0, 1] as const),
        cPadding: pick([0, 1, 5]),
        misalign: pick([0, 4, 12]),
        seed,
      });
    }
  });
});
