// The CPU device's allocator over wasm memory: segregated-fit bins (TLSF), free neighbours merged.
import { formatBytes } from '../bytes.js';

/**
 * The allocator over wasm linear memory: every tensor and kernel scratch buffer comes from here
 * (kernels never allocate). Memory only grows, because wasm memory cannot shrink, so freed space
 * must serve later requests of any size: a freed block merges with free neighbours, a larger free
 * block is split to fit, and a free block at the top returns to the unused tail.
 *
 * Free blocks sit in segregated bins (two-level segregated fit, as in TLSF): 32 bins per power of
 * two, with a bitmap of the non-empty ones, so malloc and free cost the same however many blocks
 * are free. A request is rounded up to the lower bound of a bin (at most 1/32 more), so every block
 * in that bin and above fits without a search; a training step that asks for the same sizes each
 * time gets exactly the blocks the previous step freed.
 *
 *   const allocator = new Allocator(new WebAssembly.Memory({ initial: 1 }), 0);
 *   const a = allocator.malloc(1000);   // 0; 1024 bytes in use
 *   allocator.free(a);                  // 0 in use; the block returns to the tail
 */
export class Allocator {
  /** Free blocks by bin, each bin a list through `nextFree`; index = level * BINS_PER_LEVEL + sub-bin. */
  private readonly bins: (Block | null)[] = new Array(LEVELS * BINS_PER_LEVEL).fill(null);
  /** Bit l: level l has a non-empty bin. */
  private levelBitmap = 0;
  /** Per level, bit s: sub-bin s is non-empty. */
  private readonly binBitmaps = new Int32Array(LEVELS);
  private readonly live = new Map<number, Block>();
  /** Blocks merged away or returned to the tail, reused so that a steady workload creates no garbage. */
  private readonly spareBlocks: Block[] = [];
  /** The block that ends at `top`, or null when nothing is allocated. It is never free. */
  private highest: Block | null = null;
  private liveUnits = 0;
  private topAddress: number;

  constructor(
    private readonly memory: WebAssembly.Memory,
    heapBase: number,
  ) {
    this.topAddress = Math.ceil(heapBase / UNIT) * UNIT;
  }

  /**
   * Returns a 64-byte aligned address of at least `bytes` bytes (v128 loads want 16, cache lines
   * 64). Throws a RangeError when no free range, nor the tail grown up to the 4 GiB of 32-bit wasm,
   * can hold it.
   */
  malloc(bytes: number): number {
    if (!(bytes >= 0 && bytes < Infinity))
      throw new RangeError(`cpu allocator: malloc takes a finite byte count of 0 or more, got ${bytes}`);
    if (bytes > MAX_MEMORY_BYTES) throw this.outOfMemory(bytes);
    const units = Math.max(1, Math.ceil(bytes / UNIT));
    const rounded = roundUpToBin(units);
    // Rounding keeps the common path free of searches; only when that cannot be met does the
    // exact size get a chance, so a request that fits some free range never fails.
    const block = this.takeFree(rounded) ?? this.takeTail(rounded) ?? this.takeFreeExactly(units) ?? this.takeTail(units);
    if (block === null) throw this.outOfMemory(bytes);
    this.live.set(block.address, block);
    this.liveUnits += block.units;
    return block.address;
  }

  /** Frees a block that `malloc` returned; freeing it twice, or any other address, is an error. */
  free(address: number): void {
    const block = this.live.get(address);
    if (block === undefined)
      throw new Error(
        `cpu allocator: free(${address}): no live block starts at this address (it was freed already, or malloc never returned it)`,
      );
    this.live.delete(address);
    this.liveUnits -= block.units;
    block.free = true;
    let merged = block;
    const below = block.below;
    if (below?.free) {
      this.removeFree(below);
      this.absorbAbove(below);
      merged = below;
    }
    const above = merged.above;
    if (above?.free) {
      this.removeFree(above);
      this.absorbAbove(merged);
    }
    if (merged.above === null) {
      this.topAddress = merged.address;
      this.highest = merged.below;
      if (merged.below !== null) merged.below.above = null;
      this.spareBlocks.push(merged);
    } else {
      this.insertFree(merged);
    }
  }

  /** Bytes of live blocks, each counted at its rounded size. */
  bytesInUse(): number {
    return this.liveUnits * UNIT;
  }

  /** The end of the highest live block: everything from here to the end of wasm memory is unused. */
  get top(): number {
    return this.topAddress;
  }

  /** The free blocks below `top`, lowest first; walks every block, so it is for diagnostics and tests. */
  freeRanges(): { address: number; bytes: number }[] {
    const ranges = [];
    for (let block = this.highest; block !== null; block = block.below) {
      if (block.free) ranges.push({ address: block.address, bytes: block.units * UNIT });
    }
    return ranges.reverse();
  }

  private takeFree(units: number): Block | null {
    const block = this.firstFitBin(binIndex(units));
    if (block === null) return null;
    this.removeFree(block);
    this.split(block, units);
    return block;
  }

  /** Finds a block of at least `units` in the one bin that can hold blocks smaller than the rounded request. */
  private takeFreeExactly(units: number): Block | null {
    for (let block = this.bins[binIndex(units)]; block !== null; block = block.nextFree) {
      if (block.units >= units) {
        this.removeFree(block);
        this.split(block, units);
        return block;
      }
    }
    return null;
  }

  private takeTail(units: number): Block | null {
    const end = this.topAddress + units * UNIT;
    if (end > this.memory.buffer.byteLength && !this.grow(end)) return null;
    const block = this.newBlock(this.topAddress, units);
    block.below = this.highest;
    if (this.highest !== null) this.highest.above = block;
    this.highest = block;
    this.topAddress = end;
    return block;
  }

  /** Grows wasm memory to hold `end` bytes, by a quarter at least so that a growing workload does not pay for a grow per tensor. */
  private grow(end: number): boolean {
    if (end > MAX_MEMORY_BYTES) return false;
    const pages = this.memory.buffer.byteLength / PAGE_BYTES;
    const needed = Math.ceil(end / PAGE_BYTES) - pages;
    const generous = Math.min(Math.max(needed, Math.ceil(pages / 4)), MAX_MEMORY_BYTES / PAGE_BYTES - pages);
    for (const count of generous > needed ? [generous, needed] : [needed]) {
      try {
        this.memory.grow(count);
        return true;
      } catch {
        // The engine refused this much; a smaller grow may still succeed.
      }
    }
    return false;
  }

  /** The first block of the lowest non-empty bin at or above `index`; any block there fits its lower bound. */
  private firstFitBin(index: number): Block | null {
    let level = index >>> SUB_BIN_BITS;
    let subBins = this.binBitmaps[level] & (~0 << (index & (BINS_PER_LEVEL - 1)));
    if (subBins === 0) {
      const levels = this.levelBitmap & (~0 << (level + 1));
      if (levels === 0) return null;
      level = lowestBit(levels);
      subBins = this.binBitmaps[level];
    }
    return this.bins[level * BINS_PER_LEVEL + lowestBit(subBins)];
  }

  /** Cuts `block` down to `units`, returning the rest to the free bins. */
  private split(block: Block, units: number): void {
    block.free = false;
    if (block.units === units) return;
    const rest = this.newBlock(block.address + units * UNIT, block.units - units);
    rest.free = true;
    rest.below = block;
    rest.above = block.above;
    if (block.above !== null) block.above.below = rest;
    block.above = rest;
    block.units = units;
    this.insertFree(rest);
  }

  /** `block` takes over the block just above it, which must be free and out of its bin. */
  private absorbAbove(block: Block): void {
    const above = block.above!;
    block.units += above.units;
    block.above = above.above;
    if (above.above !== null) above.above.below = block;
    else this.highest = block;
    this.spareBlocks.push(above);
  }

  private newBlock(address: number, units: number): Block {
    const block = this.spareBlocks.pop() ?? new Block();
    block.address = address;
    block.units = units;
    block.free = false;
    block.below = null;
    block.above = null;
    return block;
  }

  private insertFree(block: Block): void {
    const index = binIndex(block.units);
    const head = this.bins[index];
    block.bin = index;
    block.previousFree = null;
    block.nextFree = head;
    if (head !== null) head.previousFree = block;
    this.bins[index] = block;
    const level = index >>> SUB_BIN_BITS;
    this.binBitmaps[level] |= 1 << (index & (BINS_PER_LEVEL - 1));
    this.levelBitmap |= 1 << level;
  }

  private removeFree(block: Block): void {
    const { previousFree, nextFree } = block;
    if (nextFree !== null) nextFree.previousFree = previousFree;
    if (previousFree !== null) {
      previousFree.nextFree = nextFree;
    } else {
      const index = block.bin;
      this.bins[index] = nextFree;
      if (nextFree === null) {
        const level = index >>> SUB_BIN_BITS;
        this.binBitmaps[level] &= ~(1 << (index & (BINS_PER_LEVEL - 1)));
        if (this.binBitmaps[level] === 0) this.levelBitmap &= ~(1 << level);
      }
    }
    block.previousFree = null;
    block.nextFree = null;
  }

  private outOfMemory(bytes: number): RangeError {
    let freeBytes = this.memory.buffer.byteLength - this.topAddress;
    let largest = freeBytes;
    for (const range of this.freeRanges()) {
      freeBytes += range.bytes;
      largest = Math.max(largest, range.bytes);
    }
    return new RangeError(
      `cpu: out of memory allocating ${formatBytes(bytes)}: ${formatBytes(this.bytesInUse())} live, ${formatBytes(freeBytes)} free ` +
        `(the largest contiguous free range is ${formatBytes(largest)}), and wasm memory (${formatBytes(this.memory.buffer.byteLength)}) ` +
        `could not grow enough: 32-bit wasm stops at 4 GiB. Dispose of tensors you no longer need (t.dispose(), torch.scope)`,
    );
  }
}

/** One block of memory, live or free; blocks tile the heap from its base to `top` in address order. */
class Block {
  address = 0;
  units = 0;
  free = false;
  /** Its bin, while free. */
  bin = 0;
  /** The blocks just below and just above in memory. */
  below: Block | null = null;
  above: Block | null = null;
  /** Neighbours in its bin's list while free. */
  previousFree: Block | null = null;
  nextFree: Block | null = null;
}

/** Every block starts on a 64-byte boundary and is a whole number of these. */
const UNIT = 64;
const SUB_BIN_BITS = 5;
const BINS_PER_LEVEL = 1 << SUB_BIN_BITS;
const PAGE_BYTES = 65536;
const MAX_MEMORY_BYTES = 65536 * PAGE_BYTES;
/** Level 0 holds sizes below BINS_PER_LEVEL units one per bin; level l >= 1 holds [2^(l+4), 2^(l+5)) units, up to 4 GiB. */
const LEVELS = Math.log2(MAX_MEMORY_BYTES / UNIT) - SUB_BIN_BITS + 2;

/** The bin whose range holds `units`. */
function binIndex(units: number): number {
  if (units < BINS_PER_LEVEL) return units;
  const exponent = 31 - Math.clz32(units);
  const level = exponent - SUB_BIN_BITS + 1;
  return level * BINS_PER_LEVEL + (units >>> (exponent - SUB_BIN_BITS)) - BINS_PER_LEVEL;
}

/** Rounds `units` up to the lower bound of a bin. */
function roundUpToBin(units: number): number {
  if (units < BINS_PER_LEVEL) return units;
  const step = 1 << (31 - Math.clz32(units) - SUB_BIN_BITS);
  return Math.ceil(units / step) * step;
}

function lowestBit(bits: number): number {
  return 31 - Math.clz32(bits & -bits);
}
