/**
 * A size-class allocator over wasm linear memory. Kernels never allocate; every buffer comes from
 * here. Freed blocks go to a free list of their size class and are reused first, so a training loop
 * that allocates the same shapes each step reaches a fixed footprint. Memory only grows, because
 * wasm memory cannot shrink.
 */
export class Allocator {
  private readonly freeLists = new Map<number, number[]>();
  private readonly liveSizes = new Map<number, number>();
  private top: number;
  private inUse = 0;

  constructor(private readonly memory: WebAssembly.Memory, heapBase: number) {
    this.top = alignUp(heapBase, 64);
  }

  /** Returns a 64-byte aligned address of at least `bytes` bytes (v128 loads want 16, cache lines 64). */
  malloc(bytes: number): number {
    const size = sizeClass(bytes);
    const reused = this.freeLists.get(size)?.pop();
    const address = reused ?? this.bump(size);
    this.liveSizes.set(address, size);
    this.inUse += size;
    return address;
  }

  free(address: number): void {
    const size = this.liveSizes.get(address);
    if (size === undefined) throw new Error(`cpu allocator: free of address ${address}, which is not allocated`);
    this.liveSizes.delete(address);
    this.inUse -= size;
    let list = this.freeLists.get(size);
    if (!list) this.freeLists.set(size, (list = []));
    list.push(address);
  }

  bytesInUse(): number {
    return this.inUse;
  }

  private bump(size: number): number {
    const address = this.top;
    const end = address + size;
    const available = this.memory.buffer.byteLength;
    if (end > available) {
      const pageBytes = 65536;
      // Grow geometrically so a growing workload does not pay for a grow (and its copy) per tensor.
      const wanted = Math.max(end - available, available / 4);
      const pages = Math.ceil(wanted / pageBytes);
      try {
        this.memory.grow(pages);
      } catch {
        throw new RangeError(`cpu: out of memory allocating ${size} bytes (wasm memory is ${available} bytes; the 4 GiB limit of 32-bit wasm may be reached)`);
      }
    }
    this.top = end;
    return address;
  }
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/** Rounds up to one of eight classes per power of two (at most 12.5% waste), in 64-byte units. */
export function sizeClass(bytes: number): number {
  const units = Math.max(1, Math.ceil(bytes / 64));
  if (units <= 8) return units * 64;
  const step = 2 ** (Math.floor(Math.log2(units)) - 3);
  return Math.ceil(units / step) * step * 64;
}
