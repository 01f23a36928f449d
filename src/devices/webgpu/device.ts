// The WebGPU device: buffers, command encoding and submission, pipelines, and reads back to the CPU.
import type { DType } from '../../dtype.js';
import { formatBytes } from '../bytes.js';
import type { Device, DeviceBuffer, Kernels } from '../device.js';
import { BindGroupCache } from './bind-group-cache.js';
import { BufferPool } from './buffer-pool.js';
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
import {
  type KernelLaunch,
  type LaunchLayout,
  launchLayout,
  packUniforms,
  type UniformWords,
  uniformWordsOf,
  workgroupsOf,
} from './launch.js';
import type { GpuDevice } from './webgpu-types.js';

// Flag values fixed by the WebGPU spec (Node has no GPUBufferUsage/GPUMapMode globals).
const MAP_READ = 0x1,
  COPY_SRC = 0x4,
  COPY_DST = 0x8,
  UNIFORM = 0x40,
  STORAGE = 0x80;
const COMPUTE_STAGE = 0x4;
const READ_MODE = 0x1;
/** [code, value] of the first fault reported since the last read (see launch.ts). */
const FAULT_STATUS_BYTES = 8;

/** Dispatches encoded before the batch is submitted, unless a read comes first. */
export const DISPATCHES_PER_SUBMIT = 128;
/** Bind groups kept for reuse (see BindGroupCache). */
const BIND_GROUPS_CACHED = 4096;
/**
 * Bind groups allowed alive at once (created and not yet garbage-collected), unless the device is
 * given another limit. WebGPU cannot destroy a bind group, and drivers hold resources for each
 * until its wrapper is collected: lavapipe holds one memory mapping per group, and a process dies
 * (SIGSEGV in the driver) at Linux's default of 65,530 mappings. A garbage collector that rarely
 * runs (a large heap) lets groups pile up, so the device refuses to go past this, with an error
 * that says why, instead of crashing. Half the mappings leaves the rest to everything else.
 */
export const BIND_GROUPS_ALIVE_LIMIT = 32768;

export interface WebGpuDeviceOptions {
  /** Bind groups allowed alive at once (BIND_GROUPS_ALIVE_LIMIT by default). */
  bindGroupsAliveLimit?: number;
}
/**
 * Bytes of one uniform page (each launch's block starts on a 256-byte boundary, so a page holds
 * 1024 launches). One page takes the uniforms of DISPATCHES_PER_SUBMIT launches with blocks up to
 * 2 KiB, so ordinary batches never fill it. A sequence encoded with `encodeTogether` may be far
 * longer (a recurrent layer-direction takes a block per step, and sequences run to thousands of
 * steps) and must not be submitted halfway, so it continues on further pages. They are added, not grown: the bind groups already encoded point into the pages
 * they used. Pages are kept for reuse, so the device holds what its longest sequence needed
 * (256 KiB of host and GPU memory per 1024 steps).
 */
const UNIFORM_PAGE_BYTES = 256 * 1024;
/** Freed storage bytes kept for reuse before freed buffers are destroyed instead. */
const MAX_IDLE_BYTES = 256 * 1024 * 1024;

interface Pipeline {
  readonly pipeline: GPUComputePipeline;
  readonly bindings: GPUBindGroupLayout;
}

/** Counters for tests and benchmarks: how the device batched its work. */
export interface WebGpuStats {
  dispatches: number;
  submits: number;
  pipelines: number;
  buffersCreated: number;
  /** Sequences encoded with `encodeTogether` (the outermost call of each). */
  sequences: number;
  /** Sequences a submit interrupted (a write or read issued inside one): 0 means each went into one command buffer. */
  splitSequences: number;
  /** Uniform pages allocated (the first with the device; more only for sequences too long for one). */
  uniformPages: number;
  bindGroupsCreated: number;
  /** Bind groups created whose wrappers the garbage collector has not yet taken (see BIND_GROUPS_ALIVE_LIMIT). */
  bindGroupsAlive: number;
}

/** Host staging and the GPU buffer for one page of launch uniforms; `used` bytes are pending. */
interface UniformPage {
  readonly host: ArrayBuffer;
  /** Typed views of `host`, for packing. */
  readonly words: UniformWords;
  readonly buffer: GPUBuffer;
  /** Bind groups of the page's uniform blocks, by offset / uniform alignment, made when first used. */
  readonly groups: (GPUBindGroup | undefined)[];
  used: number;
}

/**
 * A GPUDevice as a webtorch device. Kernels are WGSL compute shaders (see ./launch.ts): each call
 * encodes one dispatch into a shared command encoder, which is submitted every
 * DISPATCHES_PER_SUBMIT dispatches (a kernel that issues a sequence of them, such as a recurrent
 * layer's steps, keeps them in one with `encodeTogether`), before a read, and when the JavaScript
 * that issued the work yields (a microtask), never once per op. Work runs in issue order: reads, writes and copies from
 * other devices are ordered with the dispatches around them. Values come back only asynchronously
 * (`read`), through staging buffers.
 */
export class WebGpuDevice implements Device {
  readonly type = 'webgpu';
  readonly synchronous = false;
  readonly kernels: Kernels;
  readonly stats: WebGpuStats = {
    dispatches: 0,
    submits: 0,
    pipelines: 0,
    buffersCreated: 0,
    sequences: 0,
    splitSequences: 0,
    uniformPages: 0,
    bindGroupsCreated: 0,
    bindGroupsAlive: 0,
  };

  private readonly storagePool: BufferPool;
  private readonly stagingPool: BufferPool;
  /** Pipelines by launch layout (each layout has one pipeline cache key, see launch.ts). */
  private readonly pipelines = new Map<LaunchLayout, Pipeline>();
  /** Groups of storage buffers (group 0 of every pipeline). */
  private readonly bindGroups = new BindGroupCache(BIND_GROUPS_CACHED);
  /**
   * The layout of group 1 of every pipeline: one uniform block. Uniforms have a group of their
   * own, per block position in a page and shared by all kernels, so the storage groups do not
   * depend on where a launch's uniforms land (that shifts whenever a step issues a dispatch more
   * or less before them). These groups are at most a page's blocks per page, made once. (Dynamic
   * offsets would serve too, but lavapipe makes them cost more than the whole rest of a dispatch.)
   */
  private readonly uniformLayout: GPUBindGroupLayout;
  /**
   * Counts bind groups out as the collector takes them. The driver's resources for a group go with
   * its wrapper (or, if a submitted command buffer still uses it, when that work completes), so
   * this is the count that approaches the driver's limits; the cache's size is not, since groups
   * it has forgotten stay alive until collected.
   */
  private readonly bindGroupsCollected = new FinalizationRegistry<WebGpuStats>((stats) => {
    stats.bindGroupsAlive--;
  });
  /** Scratch for run(): the buffers of the launch being encoded. */
  private readonly boundBuffers: GPUBuffer[] = [];
  /** The pipeline run() last set, and in which pass: setting it again is skipped. */
  private pipelineSet: Pipeline | null = null;
  private pipelineSetIn: GPUComputePassEncoder | null = null;
  private liveBytes = 0;

  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatchesInBatch = 0;
  private flushScheduled = false;
  /** Pages of launch uniforms; pages 0..currentPage hold the pending batch's. Kept for reuse. */
  private readonly uniformPages: UniformPage[] = [];
  private currentPage = 0;
  private readonly uniformAlignment: number;
  /** Nesting depth of `encodeTogether`; while above 0 the periodic submit waits. */
  private sequenceDepth = 0;
  private sequenceSplit = false;

  /** Set while queue work waits for values still arriving from another device; later queue work chains on it. */
  private pendingSteps: Promise<void> | null = null;

  /** The first fault code a kernel reported (see KernelLaunch.fault) since the last read, and its value. */
  private readonly faultStatus: GPUBuffer;
  private readonly faultMessages: string[] = [];
  private faultsPossible = false;

  private lostInfo: GPUDeviceLostInfo | null = null;
  /** A device error (out of memory, a validation error): the device cannot be trusted after it. */
  private failure: Error | null = null;
  /** Build checks of new pipelines not yet settled: a failure is raised only after them, so it names its cause. */
  private readonly pipelineChecks = new Set<Promise<void>>();

  private readonly bindGroupsAliveLimit: number;

  constructor(
    readonly name: string,
    readonly gpu: GpuDevice,
    options: WebGpuDeviceOptions = {},
  ) {
    this.bindGroupsAliveLimit = options.bindGroupsAliveLimit ?? BIND_GROUPS_ALIVE_LIMIT;
    void gpu.lost.then((info) => {
      this.lostInfo = info;
    });
    gpu.addEventListener('uncapturederror', (event) =>
      this.fail(new Error(`${this.name}: ${(event as GPUUncapturedErrorEvent).error.message}`)),
    );
    this.storagePool = new BufferPool(gpu, STORAGE | COPY_SRC | COPY_DST, MAX_IDLE_BYTES, (descriptor) => this.createBuffer(descriptor));
    this.stagingPool = new BufferPool(gpu, MAP_READ | COPY_DST, 64 * 1024 * 1024, (descriptor) => this.createBuffer(descriptor));
    this.uniformAlignment = gpu.limits.minUniformBufferOffsetAlignment;
    this.uniformLayout = gpu.createBindGroupLayout({
      entries: [{ binding: 0, visibility: COMPUTE_STAGE, buffer: { type: 'uniform' } }],
      label: `${name} uniforms`,
    });
    this.addUniformPage();
    this.faultStatus = gpu.createBuffer({ size: FAULT_STATUS_BYTES, usage: STORAGE | COPY_SRC | COPY_DST, label: `${name} fault status` });
    this.kernels = {
      ...elementwiseKernels(this),
      ...reduceKernels(this),
      ...scanKernels(this),
      ...matmulKernels(this),
      ...softmaxKernels(this),
      ...sortKernels(this),
      ...rnnKernels(this),
      ...convKernels(this),
      ...poolKernels(this),
      ...optimKernels(this),
      ...batchNormKernels(this),
      ...indexingKernels(this),
      ...randomKernels(this),
    };
  }

  /** True until the device is lost or fails; `torch.webgpu.init()` replaces a device that is not. */
  get usable(): boolean {
    return this.lostInfo === null && this.failure === null;
  }

  // ---- memory ---------------------------------------------------------------------------------

  malloc(bytes: number): DeviceBuffer {
    this.assertUsable();
    const limit = this.gpu.limits.maxStorageBufferBindingSize;
    if (bytes > limit) {
      throw new RangeError(
        `${this.name}: out of memory: cannot allocate ${formatBytes(bytes)} for one tensor; the largest buffer this device can bind is ${formatBytes(limit)} (maxStorageBufferBindingSize)`,
      );
    }
    const buffer = this.storagePool.acquire(bytes);
    this.liveBytes += buffer.size;
    return buffer;
  }

  free(buffer: DeviceBuffer): void {
    const gpuBuffer = buffer as GPUBuffer;
    this.liveBytes -= gpuBuffer.size;
    this.storagePool.release(gpuBuffer);
  }

  /** 0 once the device is lost: its buffers went with it, though tensors may still name them. */
  bytesInUse(): number {
    return this.lostInfo === null ? this.liveBytes : 0;
  }

  /** A new GPUBuffer; an allocation failure surfaces (asynchronously) as this device's failure. */
  private createBuffer(descriptor: GPUBufferDescriptor): GPUBuffer {
    this.gpu.pushErrorScope('out-of-memory');
    const buffer = this.gpu.createBuffer(descriptor);
    this.stats.buffersCreated++;
    void this.gpu.popErrorScope().then((error) => {
      if (error)
        this.fail(
          new Error(
            `${this.name}: out of memory: allocating ${formatBytes(descriptor.size)} failed with ${formatBytes(this.liveBytes)} in use (${error.message}); free tensors (dispose, torch.scope) and call torch.webgpu.init() for a fresh device`,
          ),
        );
    });
    return buffer;
  }

  write(buffer: DeviceBuffer, offset: number, values: Float32Array | Int32Array): void {
    this.assertUsable();
    // Commands already encoded must see the buffer's old contents: a pooled buffer may still be
    // read by them. queue.writeBuffer runs on the queue, so submit them first.
    this.flush();
    const data = this.pendingSteps ? values.slice() : values;
    this.inOrder(() => this.gpu.queue.writeBuffer(buffer as GPUBuffer, offset * 4, data.buffer, data.byteOffset, data.byteLength));
  }

  writeLater(buffer: DeviceBuffer, offset: number, values: Promise<Float32Array | Int32Array>): null {
    this.assertUsable();
    this.flush();
    const previous = this.pendingSteps ?? Promise.resolve();
    const landed = previous
      .then(() => values)
      .then(
        (data) => this.gpu.queue.writeBuffer(buffer as GPUBuffer, offset * 4, data.buffer, data.byteOffset, data.byteLength),
        (error: Error) => this.fail(new Error(`${this.name}: a copy from another device failed: ${error.message}`)),
      );
    this.trackPending(landed);
    return null;
  }

  // ---- reading ----------------------------------------------------------------------------------

  async read(buffer: DeviceBuffer, offset: number, count: number, dtype: DType): Promise<Float32Array | Int32Array> {
    this.assertUsable();
    // An empty read still raises a fault a kernel reported (an empty result of a failed op).
    if (count === 0 && !this.faultsPossible) return dtype === 'float32' ? new Float32Array(0) : new Int32Array(0);
    const bytes = count * 4;
    const checkFaults = this.faultsPossible;
    this.faultsPossible = false;
    const stagingBytes = bytes + (checkFaults ? FAULT_STATUS_BYTES : 0);
    const staging = this.stagingPool.acquire(stagingBytes);
    const encoder = this.commandEncoder();
    if (bytes > 0) encoder.copyBufferToBuffer(buffer as GPUBuffer, offset * 4, staging, 0, bytes);
    if (checkFaults) {
      encoder.copyBufferToBuffer(this.faultStatus, 0, staging, bytes, FAULT_STATUS_BYTES);
      encoder.clearBuffer(this.faultStatus);
    }
    this.flush();
    try {
      await this.pendingSteps;
      await staging.mapAsync(READ_MODE, 0, stagingBytes);
    } catch (error) {
      throw (await this.lostError()) ?? (await this.settledFailure()) ?? error;
    }
    const mapped = staging.getMappedRange(0, stagingBytes);
    const values = dtype === 'float32' ? new Float32Array(mapped.slice(0, bytes)) : new Int32Array(mapped.slice(0, bytes));
    const [fault, faultValue] = checkFaults ? new Int32Array(mapped, bytes, 2) : [0, 0];
    staging.unmap();
    this.stagingPool.release(staging);
    const failure = await this.settledFailure();
    if (failure) throw failure;
    if (fault !== 0)
      throw new Error(
        `${this.faultMessages[fault - 1].replace('{value}', String(faultValue))}; found by a kernel on ${this.name}, which reports such errors at the next read (its kernels run asynchronously)`,
      );
    return values;
  }

  readSync(): never {
    throw new Error(
      `tensor is on ${this.name}: reading values synchronously is only possible on the CPU device; use await t.data() / await t.tolist() / await t.item()`,
    );
  }

  /** Resolves when everything issued so far has run on the GPU. */
  async synchronize(): Promise<void> {
    this.assertUsable();
    this.flush();
    await this.pendingSteps;
    await this.gpu.queue.onSubmittedWorkDone();
    const failure = await this.settledFailure();
    if (failure) throw failure;
  }

  // ---- kernels ----------------------------------------------------------------------------------

  /** Encodes one kernel launch (see KernelLaunch); it runs after everything issued before it. */
  run(launch: KernelLaunch): void {
    this.assertUsable();
    const [x, y, z] = workgroupsOf(launch);
    // An empty launch (an empty view copied) has nothing to do.
    if (x === 0 || y === 0 || z === 0) return;
    const layout = launchLayout(launch);
    const pipeline = this.pipelines.get(layout) ?? this.createPipeline(layout);
    let page = this.uniformPages[this.currentPage];
    if (page.used + layout.uniformBytes > UNIFORM_PAGE_BYTES) {
      if (this.sequenceDepth === 0) {
        this.flush();
      } else {
        // Inside a sequence the batch must not be submitted: go on on the next page.
        if (++this.currentPage === this.uniformPages.length) this.addUniformPage();
      }
      page = this.uniformPages[this.currentPage];
    }
    const uniformOffset = page.used;
    packUniforms(layout, launch, launch.fault === undefined ? 0 : this.faultCode(launch.fault), page.words, uniformOffset);
    page.used = Math.ceil((uniformOffset + layout.uniformBytes) / this.uniformAlignment) * this.uniformAlignment;
    const buffers = this.boundBuffers;
    let count = 0;
    for (const name in launch.outputs) buffers[count++] = launch.outputs[name].storage.buffer as GPUBuffer;
    const outputs = count;
    let temporaries: GPUBuffer[] | null = null;
    for (const name in launch.inputs) {
      let buffer = launch.inputs[name].storage.buffer as GPUBuffer;
      // WebGPU forbids binding one buffer both writable and readable in a dispatch (a copy between
      // two views of one storage): read from a snapshot instead.
      if (amongFirst(buffers, outputs, buffer)) {
        const snapshot = this.storagePool.acquire(buffer.size);
        this.commandEncoder().copyBufferToBuffer(buffer, 0, snapshot, 0, buffer.size);
        (temporaries ??= []).push(snapshot);
        buffer = snapshot;
      }
      buffers[count++] = buffer;
    }
    if (layout.reportsFaults) this.faultsPossible = true;
    // A snapshot comes from the pool like any buffer, so its group is found again as often.
    const slot = this.bindGroups.slot(pipeline.bindings, buffers, count);
    let storageGroup = slot.group;
    if (!storageGroup) {
      if (this.stats.bindGroupsAlive >= this.bindGroupsAliveLimit) {
        if (temporaries) for (const buffer of temporaries) this.storagePool.release(buffer);
        throw this.tooManyBindGroups(layout);
      }
      storageGroup = this.bindGroups.fill(slot, this.createStorageGroup(pipeline, layout, buffers, count));
    }
    const block = uniformOffset / this.uniformAlignment;
    const uniformGroup = page.groups[block] ?? (page.groups[block] = this.createUniformGroup(page.buffer, uniformOffset));
    const pass = this.computePass();
    if (this.pipelineSetIn !== pass || this.pipelineSet !== pipeline) {
      pass.setPipeline(pipeline.pipeline);
      this.pipelineSet = pipeline;
      this.pipelineSetIn = pass;
    }
    pass.setBindGroup(0, storageGroup);
    pass.setBindGroup(1, uniformGroup);
    pass.dispatchWorkgroups(x, y, z);
    if (temporaries) for (const buffer of temporaries) this.storagePool.release(buffer);
    this.stats.dispatches++;
    if (++this.dispatchesInBatch >= DISPATCHES_PER_SUBMIT && this.sequenceDepth === 0) this.flush();
    else this.scheduleFlush();
  }

  private createStorageGroup(pipeline: Pipeline, layout: LaunchLayout, buffers: readonly GPUBuffer[], count: number): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = [];
    for (let i = 0; i < count; i++) entries.push({ binding: i, resource: { buffer: buffers[i] } });
    if (layout.reportsFaults) entries.push({ binding: count, resource: { buffer: this.faultStatus } });
    return this.counted(this.gpu.createBindGroup({ layout: pipeline.bindings, entries }));
  }

  /**
   * The group of the uniform block at `offset` of a page. It binds as much of the page as one
   * binding may hold: every kernel's block fits, so one group serves them all.
   */
  private createUniformGroup(uniforms: GPUBuffer, offset: number): GPUBindGroup {
    const size = Math.min(this.gpu.limits.maxUniformBufferBindingSize, UNIFORM_PAGE_BYTES - offset);
    return this.counted(
      this.gpu.createBindGroup({ layout: this.uniformLayout, entries: [{ binding: 0, resource: { buffer: uniforms, offset, size } }] }),
    );
  }

  private counted(group: GPUBindGroup): GPUBindGroup {
    this.stats.bindGroupsCreated++;
    this.stats.bindGroupsAlive++;
    this.bindGroupsCollected.register(group, this.stats);
    return group;
  }

  private tooManyBindGroups(layout: LaunchLayout): Error {
    return new Error(
      `${this.name}: the kernel ${layout.key} needs a new bind group, but ${this.stats.bindGroupsAlive} are alive (created and not yet garbage-collected) and this device allows ${this.bindGroupsAliveLimit}: WebGPU cannot destroy a bind group, and a driver may hold a memory mapping for each until the garbage collector takes it, which would crash the process at the system's limit. Groups are made for buffers not bound together before: dispose tensors you no longer need (or run each step in torch.scope) so the pool hands their buffers out again`,
    );
  }

  /**
   * Runs `encode` (which issues kernels) with the periodic submit suspended, so every dispatch it
   * issues lands in one command buffer: the steps of a recurrent layer, hundreds of small
   * dispatches, are submitted once instead of every DISPATCHES_PER_SUBMIT (submits are slow, and
   * one per few steps would dominate). The batch is submitted after `encode` if it has grown past
   * DISPATCHES_PER_SUBMIT meanwhile. Their uniforms continue on extra pages as needed, so no
   * length of sequence forces a submit; a write or read inside `encode` still submits (it must
   * see the work before it) and counts in stats.splitSequences. Calls nest.
   */
  encodeTogether<T>(encode: () => T): T {
    this.assertUsable();
    if (this.sequenceDepth === 0) {
      this.stats.sequences++;
      this.sequenceSplit = false;
    }
    this.sequenceDepth++;
    try {
      return encode();
    } finally {
      if (--this.sequenceDepth === 0) {
        if (this.sequenceSplit) this.stats.splitSequences++;
        if (this.dispatchesInBatch >= DISPATCHES_PER_SUBMIT && this.usable) this.flush();
      }
    }
  }

  private addUniformPage(): void {
    const buffer = this.gpu.createBuffer({
      size: UNIFORM_PAGE_BYTES,
      usage: UNIFORM | COPY_DST,
      label: `${this.name} uniforms ${this.uniformPages.length}`,
    });
    const host = new ArrayBuffer(UNIFORM_PAGE_BYTES);
    this.uniformPages.push({ host, words: uniformWordsOf(host), buffer, groups: [], used: 0 });
    this.stats.uniformPages++;
  }

  private createPipeline(launchLayout: LaunchLayout): Pipeline {
    const source = launchLayout.source();
    const storage = (write: boolean): GPUBindGroupLayoutEntry['buffer'] => ({ type: write ? 'storage' : 'read-only-storage' });
    const layoutEntries: GPUBindGroupLayoutEntry[] = launchLayout.bindings.map(({ write }, i) => ({
      binding: i,
      visibility: COMPUTE_STAGE,
      buffer: storage(write),
    }));
    if (launchLayout.reportsFaults)
      layoutEntries.push({ binding: launchLayout.bindings.length, visibility: COMPUTE_STAGE, buffer: storage(true) });
    this.gpu.pushErrorScope('validation');
    const module = this.gpu.createShaderModule({ code: source, label: launchLayout.key });
    const bindings = this.gpu.createBindGroupLayout({ entries: layoutEntries });
    const layout = this.gpu.createPipelineLayout({ bindGroupLayouts: [bindings, this.uniformLayout] });
    const pipeline = {
      pipeline: this.gpu.createComputePipeline({
        layout,
        compute: { module, entryPoint: launchLayout.entryPoint },
        label: launchLayout.key,
      }),
      bindings,
    };
    const check = this.gpu.popErrorScope().then(async (error) => {
      if (!error) return;
      const messages = (await module.getCompilationInfo()).messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n');
      const buildError = new Error(`${this.name}: building the WGSL kernel ${launchLayout.key} failed: ${error.message}\n${messages}`);
      // Dispatches of the broken pipeline report "Invalid ComputePipeline <label>" as they are
      // encoded, often before this scope settles: the build error is their cause, so it wins.
      if (this.failure?.message.includes(launchLayout.key)) this.failure = buildError;
      else this.fail(buildError);
    });
    this.pipelineChecks.add(check);
    void check.then(() => this.pipelineChecks.delete(check));
    this.pipelines.set(launchLayout, pipeline);
    this.stats.pipelines++;
    return pipeline;
  }

  private faultCode(message: string): number {
    let index = this.faultMessages.indexOf(message);
    if (index < 0) index = this.faultMessages.push(message) - 1;
    return index + 1;
  }

  // ---- batching ---------------------------------------------------------------------------------

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) {
      this.encoder ??= this.gpu.createCommandEncoder();
      this.pass = this.encoder.beginComputePass();
    }
    return this.pass;
  }

  /** The shared encoder outside any compute pass, for copies. */
  private commandEncoder(): GPUCommandEncoder {
    this.pass?.end();
    this.pass = null;
    return (this.encoder ??= this.gpu.createCommandEncoder());
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      if (this.usable) this.flush();
    });
  }

  /** Submits the encoded commands, with the uniforms they read. */
  private flush(): void {
    if (!this.encoder) return;
    this.pass?.end();
    this.pass = null;
    const commands = this.encoder.finish();
    this.encoder = null;
    // Written just before the submit that reads them (queue order keeps earlier batches' intact).
    const uniforms = this.uniformPages.slice(0, this.currentPage + 1).map((page) => {
      const bytes = page.used;
      page.used = 0;
      return { buffer: page.buffer, bytes, data: this.pendingSteps ? page.host.slice(0, bytes) : page.host };
    });
    this.currentPage = 0;
    this.dispatchesInBatch = 0;
    this.stats.submits++;
    if (this.sequenceDepth > 0) this.sequenceSplit = true;
    this.inOrder(() => {
      for (const { buffer, bytes, data } of uniforms) if (bytes > 0) this.gpu.queue.writeBuffer(buffer, 0, data, 0, bytes);
      this.gpu.queue.submit([commands]);
      this.storagePool.destroyRetired();
    });
  }

  /** Runs a queue step now, or after the steps still waiting for values from another device. */
  private inOrder(step: () => void): void {
    if (!this.pendingSteps) {
      step();
      return;
    }
    this.trackPending(this.pendingSteps.then(step));
  }

  private trackPending(tail: Promise<void>): void {
    const settled = tail.catch((error: Error) => this.fail(error));
    this.pendingSteps = settled;
    void settled.then(() => {
      if (this.pendingSteps === settled) this.pendingSteps = null;
    });
  }

  // ---- faults -----------------------------------------------------------------------------------

  /** The device's failure once the pending pipeline build checks have settled, or null. */
  private async settledFailure(): Promise<Error | null> {
    if (this.failure && this.pipelineChecks.size > 0) await Promise.all(this.pipelineChecks);
    return this.failure;
  }

  private fail(error: Error): void {
    this.failure ??= error;
  }

  private async lostError(): Promise<Error | null> {
    // A failed map may come before the lost promise settles: give it a turn.
    await Promise.race([this.gpu.lost, new Promise((resolve) => setTimeout(resolve, 0))]);
    return this.lostInfo ? this.lostErrorNow() : null;
  }

  private lostErrorNow(): Error {
    const info = this.lostInfo!;
    return new Error(
      `${this.name}: the WebGPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''}); its tensors are gone. Call await torch.webgpu.init() to create a new device`,
    );
  }

  private assertUsable(): void {
    if (this.lostInfo) throw this.lostErrorNow();
    if (this.failure) throw this.failure;
  }
}

function amongFirst(buffers: readonly GPUBuffer[], count: number, buffer: GPUBuffer): boolean {
  for (let i = 0; i < count; i++) if (buffers[i] === buffer) return true;
  return false;
}
