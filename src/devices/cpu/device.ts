// The CPU device: wasm memory, its storages, and the kernel table assembled from kernels/.
import type { instantiate as instantiateKernels } from '../../../build/kernels.js';
import type { DType } from '../../dtype.js';
import type { Device, DeviceBuffer, Kernels } from '../device.js';
import { nextTask } from '../next-task.js';
import { Allocator } from './allocator.js';
import { batchNormKernels } from './kernels/batchnorm.js';
import { convKernels } from './kernels/conv.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { indexingKernels } from './kernels/indexing.js';
import { matmulKernels } from './kernels/matmul.js';
import { optimKernels } from './kernels/optim.js';
import { poolKernels } from './kernels/pool.js';
import { randomKernels } from './kernels/random.js';
import { reduceKernels } from './kernels/reduce.js';
import { rnnKernels } from './kernels/rnn.js';
import { scanKernels } from './kernels/scan.js';
import { softmaxKernels } from './kernels/softmax.js';
import { sortKernels } from './kernels/sort.js';
import { ThreadPool } from './thread-pool.js';

/**
 * The wasm module's exports, each typed from its AssemblyScript signature by asc's raw bindings
 * (build/kernels.d.ts). Those types are of the adapted exports their `instantiate` returns; the
 * instance's own exports take the same arguments (a `bool` parameter converts a boolean as the
 * adapter would) and, as no kernel returns an address past 2 GiB, give the same results.
 */
export type WasmExports = Awaited<ReturnType<typeof instantiateKernels>>;

const PARAM_BYTES = 1 << 16;

/**
 * The main-thread CPU device: AssemblyScript kernels in one wasm instance, tensors in its linear
 * memory. Kernels run synchronously, so reads never wait and `readSync` works.
 */
export class CpuDevice implements Device {
  readonly type = 'cpu';
  readonly synchronous = true;
  readonly kernels: Kernels;
  readonly allocator: Allocator;
  private readonly paramBase: number;
  private paramCursor = 0;
  /** Bytes the device holds for itself (parameter area, kernel scratch, workspaces), not for tensors. */
  private reservedBytes = 0;
  private heapI32: Int32Array;

  /**
   * Threads an op may use, the calling one included (`torch.setNumThreads`); 1 without a pool.
   * Kernels split only work large enough to pay for waking a worker (thresholds in their glue).
   */
  threads = 1;
  /** The workers, on the threaded build; null on the single-thread one. */
  readonly pool: ThreadPool | null;
  private readonly workspaces = new Map<string, number[]>();

  constructor(
    readonly name: string,
    readonly wasm: WasmExports,
    threaded?: { module: WebAssembly.Module; memory: WebAssembly.Memory },
  ) {
    this.allocator = new Allocator(wasm.memory, wasm.heapBase());
    this.paramBase = this.reserve(PARAM_BYTES);
    wasm.setThreadScratch(this.reserve(wasm.threadScratchBytes()));
    this.pool = threaded
      ? new ThreadPool(
          threaded.module,
          threaded.memory,
          (bytes) => this.reserve(bytes),
          wasm.threadScratchBytes(),
          wasm as unknown as Record<string, unknown>,
        )
      : null;
    this.heapI32 = new Int32Array(wasm.memory.buffer);
    this.kernels = {
      ...elementwiseKernels(this),
      ...reduceKernels(this),
      ...scanKernels(this),
      ...matmulKernels(this),
      ...indexingKernels(this),
      ...randomKernels(this),
      ...softmaxKernels(this),
      ...sortKernels(this),
      ...convKernels(this),
      ...poolKernels(this),
      ...optimKernels(this),
      ...batchNormKernels(this),
      ...rnnKernels(this),
    };
  }

  /** Sets the thread count, starting workers as needed (they join as they become ready). */
  setThreads(count: number): void {
    this.threads = this.pool ? count : 1;
    this.pool?.grow(this.threads - 1);
  }

  /**
   * The threads to split a job of `work` units over: 1 below `threshold` units (where waking a
   * worker costs more than it saves), else the thread count, at most one per `work / threshold`.
   */
  threadsFor(work: number, threshold: number): number {
    if (this.threads === 1 || work < 2 * threshold) return 1;
    return Math.min(this.threads, Math.floor(work / threshold));
  }

  /**
   * Per-thread scratch of a kernel family, allocated once per thread on first use (kernels never
   * allocate): thread t's block of `bytes` under `key`.
   */
  workspace(key: string, bytes: number, thread: number): number {
    let blocks = this.workspaces.get(key);
    if (!blocks) this.workspaces.set(key, (blocks = []));
    while (blocks.length <= thread) blocks.push(this.reserve(bytes));
    return blocks[thread];
  }

  /** Memory the device keeps for its whole life (scratch, workspaces); not counted as in use by tensors. */
  reserve(bytes: number): number {
    this.reservedBytes += bytes;
    return this.allocator.malloc(bytes);
  }

  malloc(bytes: number): DeviceBuffer {
    return this.allocator.malloc(bytes);
  }

  free(buffer: DeviceBuffer): void {
    this.allocator.free(buffer as number);
  }

  bytesInUse(): number {
    return this.allocator.bytesInUse() - this.reservedBytes;
  }

  write(buffer: DeviceBuffer, offset: number, values: Float32Array | Int32Array): void {
    const target = values instanceof Float32Array ? this.f32() : this.i32();
    target.set(values, (buffer as number) / 4 + offset);
  }

  writeLater(buffer: DeviceBuffer, offset: number, values: Promise<Float32Array | Int32Array>): Promise<void> {
    return values.then((landed) => this.write(buffer, offset, landed));
  }

  read(buffer: DeviceBuffer, offset: number, count: number, dtype: DType): Promise<Float32Array | Int32Array> {
    const values = this.readSync(buffer, offset, count, dtype);
    return nextTask().then(() => values);
  }

  readSync(buffer: DeviceBuffer, offset: number, count: number, dtype: DType): Float32Array | Int32Array {
    const start = (buffer as number) / 4 + offset;
    return dtype === 'float32' ? this.f32().slice(start, start + count) : this.i32().slice(start, start + count);
  }

  /** Views over wasm memory; memory growth detaches old views, so take fresh ones at each use. */
  f32(): Float32Array {
    return new Float32Array(this.wasm.memory.buffer);
  }

  i32(): Int32Array {
    if (this.heapI32.buffer !== this.wasm.memory.buffer) this.heapI32 = new Int32Array(this.wasm.memory.buffer);
    return this.heapI32;
  }

  /**
   * Writes i32 arrays (shapes, strides) into the parameter area and returns their addresses, one
   * per array, typed as a tuple so they spread into a kernel's typed arguments. Each
   * kernel call starts a fresh parameter block with `beginParams`; kernels run to completion before
   * the next call, so one area serves all.
   */
  params<const Arrays extends readonly (readonly number[])[]>(...arrays: Arrays): { [K in keyof Arrays]: number } {
    const heap = this.i32();
    return arrays.map((values) => {
      const address = this.paramBase + this.paramCursor;
      this.paramCursor += values.length * 4;
      if (this.paramCursor > PARAM_BYTES) throw new RangeError(`cpu: kernel parameters exceed ${PARAM_BYTES} bytes`);
      heap.set(values, address / 4);
      return address;
    }) as { [K in keyof Arrays]: number };
  }

  beginParams(): void {
    this.paramCursor = 0;
  }
}

/** Compiles and instantiates the kernel module from bytes, or from a precompiled module (edge runtimes). */
export async function createCpuDevice(name: string, source: Uint8Array | WebAssembly.Module): Promise<CpuDevice> {
  const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source as BufferSource);
  const instance = await WebAssembly.instantiate(module, {});
  return new CpuDevice(name, instance.exports as unknown as WasmExports);
}

/** Wasm pages of the threaded build's memory: its declared minimum, and the full 4 GiB as maximum. */
const INITIAL_PAGES = 32;
const MAXIMUM_PAGES = 65536;

/**
 * The CPU device on the threaded build: its memory is shared (declared with the full 4 GiB
 * maximum, so the allocator's limit is the same as the single-thread build's) and pool workers
 * instantiate the same module over it.
 */
export async function createThreadedCpuDevice(name: string, bytes: Uint8Array): Promise<CpuDevice> {
  const module = await WebAssembly.compile(bytes as BufferSource);
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return new CpuDevice(name, instance.exports as unknown as WasmExports, { module, memory });
}
