// The CPU allocator: splitting, coalescing with either neighbour and with the unused tail, reuse of
// freed space by requests of other sizes, its errors, and the same properties seen through tensors
// (growing allocations, and a large tensor freed for another of a different size).
import { describe, expect, it } from 'vitest';
import { Allocator } from '../../src/devices/cpu/allocator.js';
import type { CpuDevice } from '../../src/devices/cpu/device.js';
import { getDevice } from '../../src/devices/registry.js';
import * as torch from '../../src/index.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const PAGE = 64 * KiB;

/** An allocator over a fresh memory of `pages` 64 KiB pages that cannot grow past `maximum`. */
function allocatorOver(pages: number, maximum?: number, heapBase = 0) {
  const memory = new WebAssembly.Memory({ initial: pages, maximum });
  return { allocator: new Allocator(memory, heapBase), memory };
}

describe('Allocator', () => {
  it('hands out 64-byte aligned blocks, rounded up to a bin by at most 1/32', () => {
    const { allocator } = allocatorOver(1, undefined, 100);
    const first = allocator.malloc(1);
    expect(first).toBe(128);
    expect(allocator.bytesInUse()).toBe(64);
    const second = allocator.malloc(1000);
    expect(second).toBe(192);
    expect(allocator.bytesInUse()).toBe(64 + 1024);
    // 79 units of 64 bytes lie in a bin two units wide.
    allocator.malloc(79 * 64);
    expect(allocator.bytesInUse()).toBe(64 + 1024 + 80 * 64);
    allocator.malloc(0);
    expect(allocator.bytesInUse()).toBe(64 + 1024 + 80 * 64 + 64);
  });

  it('merges a freed block into a free left neighbour', () => {
    const { allocator } = allocatorOver(1);
    const [a, b] = [allocator.malloc(KiB), allocator.malloc(2 * KiB), allocator.malloc(KiB)];
    allocator.free(a);
    allocator.free(b);
    expect(allocator.freeRanges()).toEqual([{ address: a, bytes: 3 * KiB }]);
  });

  it('merges a freed block into a free right neighbour', () => {
    const { allocator } = allocatorOver(1);
    const [a, b] = [allocator.malloc(KiB), allocator.malloc(2 * KiB), allocator.malloc(KiB)];
    allocator.free(b);
    allocator.free(a);
    expect(allocator.freeRanges()).toEqual([{ address: a, bytes: 3 * KiB }]);
  });

  it('merges a freed block with free neighbours on both sides', () => {
    const { allocator } = allocatorOver(1);
    const [a, b, c, d] = [allocator.malloc(KiB), allocator.malloc(2 * KiB), allocator.malloc(4 * KiB), allocator.malloc(KiB)];
    allocator.free(a);
    allocator.free(c);
    expect(allocator.freeRanges()).toEqual([
      { address: a, bytes: KiB },
      { address: c, bytes: 4 * KiB },
    ]);
    allocator.free(b);
    expect(allocator.freeRanges()).toEqual([{ address: a, bytes: 7 * KiB }]);
    expect(allocator.top).toBe(d + KiB);
  });

  it('returns a free block at the top to the unused tail, with the free blocks below it', () => {
    const { allocator } = allocatorOver(1);
    const [a, b, c] = [allocator.malloc(KiB), allocator.malloc(2 * KiB), allocator.malloc(KiB)];
    allocator.free(b);
    allocator.free(c);
    expect(allocator.top).toBe(b);
    expect(allocator.freeRanges()).toEqual([]);
    allocator.free(a);
    expect(allocator.top).toBe(0);
    expect(allocator.bytesInUse()).toBe(0);
  });

  it('splits a larger free block and keeps the rest free', () => {
    const { allocator } = allocatorOver(1);
    const [a, b] = [allocator.malloc(8 * KiB), allocator.malloc(KiB)];
    allocator.free(a);
    expect(allocator.malloc(KiB)).toBe(a);
    expect(allocator.freeRanges()).toEqual([{ address: a + KiB, bytes: 7 * KiB }]);
    expect(allocator.malloc(3 * KiB)).toBe(a + KiB);
    expect(allocator.malloc(4 * KiB)).toBe(a + 4 * KiB);
    expect(allocator.freeRanges()).toEqual([]);
    expect(allocator.top).toBe(b + KiB);
  });

  it('serves a request from a free range or tail that holds its size but not its rounded size', () => {
    // The memory cannot grow, and 1,020 units of 64 bytes round up to 1,024.
    const { allocator } = allocatorOver(1, 1, 4 * 64);
    expect(allocator.malloc(1020 * 64)).toBe(4 * 64);
    expect(allocator.bytesInUse()).toBe(1020 * 64);
    // Two freed blocks, 1,008 and 12 units (both bin bounds), merge into a hole of 1,020.
    const hole = allocatorOver(1, 1).allocator;
    const [a, b] = [hole.malloc(1008 * 64), hole.malloc(12 * 64), hole.malloc(4 * 64)];
    hole.free(a);
    hole.free(b);
    expect(hole.malloc(1020 * 64)).toBe(a);
  });

  it('grows memory for the tail, and by at least a quarter so growing workloads do not grow per tensor', () => {
    const { allocator, memory } = allocatorOver(4);
    allocator.malloc(4 * PAGE + 64);
    expect(memory.buffer.byteLength).toBe(5 * PAGE);
    allocator.malloc(PAGE);
    expect(memory.buffer.byteLength).toBe(7 * PAGE);
  });

  it('says which address a double free or an unknown free names', () => {
    const { allocator } = allocatorOver(1);
    const a = allocator.malloc(KiB);
    allocator.free(a);
    expect(() => allocator.free(a)).toThrow(
      `cpu allocator: free(${a}): no live block starts at this address (it was freed already, or malloc never returned it)`,
    );
    const b = allocator.malloc(2 * KiB);
    expect(() => allocator.free(b + 64)).toThrow(`free(${b + 64}): no live block starts at this address`);
    expect(() => allocator.malloc(-1)).toThrow('cpu allocator: malloc takes a finite byte count of 0 or more, got -1');
    expect(() => allocator.malloc(Number.NaN)).toThrow('got NaN');
    expect(() => allocator.malloc(Infinity)).toThrow('got Infinity');
  });

  it('out of memory is a RangeError naming the bytes asked, live and free', () => {
    const { allocator } = allocatorOver(2, 2);
    const [a] = [allocator.malloc(16 * KiB), allocator.malloc(KiB)];
    allocator.free(a);
    // Free: the 16 KiB hole and the 111 KiB above the live block.
    expect(() => allocator.malloc(120 * KiB)).toThrow(
      'cpu: out of memory allocating 122880 bytes: 1024 bytes live, 130048 bytes free (the largest contiguous free range is 113664 bytes), ' +
        'and wasm memory (131072 bytes) could not grow enough: 32-bit wasm stops at 4 GiB',
    );
    expect(() => allocator.malloc(5 * 2 ** 30)).toThrow(/^cpu: out of memory allocating 5120\.0 MiB: 1024 bytes live/);
    expect(allocator.malloc(111 * KiB)).toBe(17 * KiB);
  });

  it('random churn: live blocks never overlap, all freed space coalesces, and every free range is reused', () => {
    // Memory fixed at 4 MiB, so every request is served from free ranges or the tail, never by growth.
    const pages = 64;
    const { allocator, memory } = allocatorOver(pages, pages);
    let seed = 12345;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    /** Sizes as a training step's: scalars, bias vectors, activations, weights. */
    const randomBytes = () => {
      const kind = random();
      if (kind < 0.3) return 4;
      if (kind < 0.6) return 4 * Math.ceil(random() * 256);
      if (kind < 0.9) return 4 * Math.ceil(random() * 4096);
      return 4 * Math.ceil(random() * 32768);
    };
    const live = new Map<number, number>();
    const checkLayout = () => {
      const blocks = [...live].sort((x, y) => x[0] - y[0]);
      for (const [i, [address, bytes]] of blocks.entries()) {
        expect(address % 64).toBe(0);
        if (i > 0) expect(address).toBeGreaterThanOrEqual(blocks[i - 1][0] + blocks[i - 1][1]);
        expect(address + bytes).toBeLessThanOrEqual(allocator.top);
      }
      const freeBytes = allocator.freeRanges().reduce((sum, range) => sum + range.bytes, 0);
      expect(allocator.bytesInUse() + freeBytes).toBe(allocator.top);
    };
    /** Fills every free range and the tail, largest first, each with a request of exactly its size. */
    const fillEveryRange = () => {
      const ranges = [...allocator.freeRanges(), { address: allocator.top, bytes: memory.buffer.byteLength - allocator.top }].filter(
        (range) => range.bytes > 0,
      );
      ranges.sort((x, y) => y.bytes - x.bytes);
      const filled = ranges.map((range) => {
        const address = allocator.malloc(range.bytes);
        live.set(address, range.bytes);
        return address;
      });
      expect(allocator.freeRanges()).toEqual([]);
      expect(allocator.top).toBe(memory.buffer.byteLength);
      checkLayout();
      for (const address of filled) {
        allocator.free(address);
        live.delete(address);
      }
    };
    for (let step = 0; step < 20_000; step++) {
      if (live.size > 0 && (live.size > 150 || random() < 0.45)) {
        const victims = [...live.keys()];
        const address = victims[Math.floor(random() * victims.length)];
        allocator.free(address);
        live.delete(address);
      } else {
        const bytes = randomBytes();
        const address = allocator.malloc(bytes);
        live.set(address, Math.ceil(bytes / 64) * 64);
      }
      if (step % 100 === 0) checkLayout();
      if (step % 2_000 === 1_999) fillEveryRange();
    }
    for (const address of live.keys()) allocator.free(address);
    expect(allocator.freeRanges()).toEqual([]);
    expect(allocator.top).toBe(0);
    expect(allocator.bytesInUse()).toBe(0);
  });
});

describe('cpu memory through tensors', () => {
  const cpu = getDevice('cpu') as CpuDevice;
  const wasmBytes = () => cpu.wasm.memory.buffer.byteLength;

  it('growing allocations, each disposed at once, reuse the same space', () => {
    const before = torch.memory().bytes.cpu;
    const startBytes = wasmBytes();
    let largest = 0;
    let total = 0;
    // 1 KiB up to 512 MiB in steps of 5%: 10 GiB in all, more than 32-bit wasm can hold.
    for (let bytes = KiB; bytes <= 512 * MiB; bytes = Math.ceil(bytes * 1.05)) {
      const t = torch.empty(Math.ceil(bytes / 4));
      expect(torch.memory().bytes.cpu - before).toBeLessThanOrEqual(bytes * 1.13 + 64);
      t.dispose();
      expect(torch.memory().bytes.cpu).toBe(before);
      largest = bytes;
      total += bytes;
    }
    expect(total).toBeGreaterThan(4 * 2 ** 30);
    expect(wasmBytes()).toBeLessThanOrEqual(Math.max(startBytes, 1.3 * largest + 64 * MiB));
  });

  it('after a disposed 3.6 GB tensor, a 1.2 GB zeros fits in its space', () => {
    // torch.empty leaves its 3.6 GB untouched, so only the 1.2 GB of zeros take real memory.
    const big = torch.empty(900_000_000);
    big.dispose();
    const grown = wasmBytes();
    const zeros = torch.zeros(300_000_000);
    expect(zeros.narrow(0, 299_999_999, 1).itemSync()).toBe(0);
    expect(zeros.narrow(0, 0, 1).itemSync()).toBe(0);
    zeros.dispose();
    expect(wasmBytes()).toBe(grown);
  });
});
