import type { DType } from '../../dtype.js';
import type { Device, DeviceBuffer, Kernels } from '../device.js';
import { BufferPool } from './buffer-pool.js';
import { BindGroupCache } from './bind-group-cache.js';
import { type KernelLaunch, type LaunchLayout, launchLayout, packUniforms, uniformWordsOf, workgroupsOf } from './launch.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { matmulKernels } from './kernels/matmul.js';
import { reduceKernels } from './kernels/reduce.js';

// Flag values fixed by the WebGPU spec (Node has no GPUBufferUsage/GPUMapMode globals).
const MAP_READ = 0x1, COPY_SRC = 0x4, COPY_DST = 0x8, UNIFORM = 0x40, STORAGE = 0x80;
const COMPUTE_STAGE = 0x4;
const READ_MODE = 0x1;

/** Dispatches encoded before the batch is submitted, unless a read comes first. */
export const DISPATCHES_PER_SUBMIT = 128;
/** Bytes of uniforms one batch can hold (each launch's block starts on a 256-byte boundary). */
const UNIFORM_ARENA_BYTES = 256 * 1024;
/** Bind groups kept for reuse (see BindGroupCache). */
const BIND_GROUPS_CACHED = 4096;
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
}

/**
 * A GPUDevice as a webtorch device. Kernels are WGSL compute shaders (see ./launch.ts): each call
 * encodes one dispatch into a shared command encoder, which is submitted every
 * DISPATCHES_PER_SUBMIT dispatches, before a read, and when the JavaScript that issued the work
 * yields (a microtask), never once per op. Work runs in issue order: reads, writes and copies from
 * other devices are ordered with the dispatches around them. Values come back only asynchronously
 * (`read`), through staging buffers.
 */
export class WebGpuDevice implements Device {
  readonly type = 'webgpu';
  readonly synchronous = false;
  readonly kernels: Kernels;
  readonly stats: WebGpuStats = { dispatches: 0, submits: 0, pipelines: 0, buffersCreated: 0 };

  private readonly storagePool: BufferPool;
  private readonly stagingPool: BufferPool;
  /** Pipelines by launch layout (each layout has one pipeline cache key, see launch.ts). */
  private readonly pipelines = new Map<LaunchLayout, Pipeline>();
  private readonly bindGroups = new BindGroupCache(BIND_GROUPS_CACHED);
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
  private readonly uniformArena = new ArrayBuffer(UNIFORM_ARENA_BYTES);
  private readonly uniformWords = uniformWordsOf(this.uniformArena);
  private uniformCursor = 0;
  private readonly uniformBuffer: GPUBuffer;
  private readonly uniformAlignment: number;

  /** Set while queue work waits for values still arriving from another device; later queue work chains on it. */
  private pendingSteps: Promise<void> | null = null;

  /** Holds the first fault code a kernel reported (see KernelLaunch.fault) since the last read. */
  private readonly faultStatus: GPUBuffer;
  private readonly faultMessages: string[] = [];
  private faultsPossible = false;

  private lostInfo: GPUDeviceLostInfo | null = null;
  /** A device error (out of memory, a validation error): the device cannot be trusted after it. */
  private failure: Error | null = null;

  constructor(readonly name: string, readonly gpu: GPUDevice) {
    void gpu.lost.then((info) => {
      this.lostInfo = info;
    });
    gpu.addEventListener('uncapturederror', (event) => this.fail(new Error(`${this.name}: ${(event as GPUUncapturedErrorEvent).error.message}`)));
    this.storagePool = new BufferPool(gpu, STORAGE | COPY_SRC | COPY_DST, MAX_IDLE_BYTES, (descriptor) => this.createBuffer(descriptor));
    this.stagingPool = new BufferPool(gpu, MAP_READ | COPY_DST, 64 * 1024 * 1024, (descriptor) => this.createBuffer(descriptor));
    this.uniformAlignment = gpu.limits.minUniformBufferOffsetAlignment;
    this.uniformBuffer = gpu.createBuffer({ size: UNIFORM_ARENA_BYTES, usage: UNIFORM | COPY_DST, label: `${name} uniforms` });
    this.faultStatus = gpu.createBuffer({ size: 4, usage: STORAGE | COPY_SRC | COPY_DST, label: `${name} fault status` });
    this.kernels = kernelTable(name, { ...elementwiseKernels(this), ...reduceKernels(this), ...matmulKernels(this) });
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
      throw new RangeError(`${this.name}: out of memory: cannot allocate ${formatBytes(bytes)} for one tensor; the largest buffer this device can bind is ${formatBytes(limit)} (maxStorageBufferBindingSize)`);
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

  bytesInUse(): number {
    return this.liveBytes;
  }

  /** A new GPUBuffer; an allocation failure surfaces (asynchronously) as this device's failure. */
  private createBuffer(descriptor: GPUBufferDescriptor): GPUBuffer {
    this.gpu.pushErrorScope('out-of-memory');
    const buffer = this.gpu.createBuffer(descriptor);
    this.stats.buffersCreated++;
    void this.gpu.popErrorScope().then((error) => {
      if (error) this.fail(new Error(`${this.name}: out of memory: allocating ${formatBytes(descriptor.size)} failed with ${formatBytes(this.liveBytes)} in use (${error.message}); free tensors (dispose, torch.scope) and call torch.webgpu.init() for a fresh device`));
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
    const landed = previous.then(() => values).then(
      (data) => this.gpu.queue.writeBuffer(buffer as GPUBuffer, offset * 4, data.buffer, data.byteOffset, data.byteLength),
      (error: Error) => this.fail(new Error(`${this.name}: a copy from another device failed: ${error.message}`)),
    );
    this.trackPending(landed);
    return null;
  }

  // ---- reading ----------------------------------------------------------------------------------

  async read(buffer: DeviceBuffer, offset: number, count: number, dtype: DType): Promise<Float32Array | Int32Array> {
    this.assertUsable();
    if (count === 0) return dtype === 'float32' ? new Float32Array(0) : new Int32Array(0);
    const bytes = count * 4;
    const checkFaults = this.faultsPossible;
    this.faultsPossible = false;
    const stagingBytes = bytes + (checkFaults ? 4 : 0);
    const staging = this.stagingPool.acquire(stagingBytes);
    const encoder = this.commandEncoder();
    encoder.copyBufferToBuffer(buffer as GPUBuffer, offset * 4, staging, 0, bytes);
    if (checkFaults) {
      encoder.copyBufferToBuffer(this.faultStatus, 0, staging, bytes, 4);
      encoder.clearBuffer(this.faultStatus);
    }
    this.flush();
    try {
      await this.pendingSteps;
      await staging.mapAsync(READ_MODE, 0, stagingBytes);
    } catch (error) {
      throw (await this.lostError()) ?? this.failure ?? error;
    }
    const mapped = staging.getMappedRange(0, stagingBytes);
    const values = dtype === 'float32' ? new Float32Array(mapped.slice(0, bytes)) : new Int32Array(mapped.slice(0, bytes));
    const fault = checkFaults ? new Uint32Array(mapped, bytes, 1)[0] : 0;
    staging.unmap();
    this.stagingPool.release(staging);
    if (this.failure) throw this.failure;
    if (fault !== 0) throw new Error(`${this.faultMessages[fault - 1]}; found by a kernel on ${this.name}, which reports such errors at the next read (its kernels run asynchronously)`);
    return values;
  }

  readSync(): never {
    throw new Error(`tensor is on ${this.name}: reading values synchronously is only possible on the CPU device; use await t.data() / await t.tolist() / await t.item()`);
  }

  /** Resolves when everything issued so far has run on the GPU. */
  async synchronize(): Promise<void> {
    this.assertUsable();
    this.flush();
    await this.pendingSteps;
    await this.gpu.queue.onSubmittedWorkDone();
    if (this.failure) throw this.failure;
  }

  // ---- kernels ----------------------------------------------------------------------------------

  /** Encodes one kernel launch (see KernelLaunch); it runs after everything issued before it. */
  run(launch: KernelLaunch): void {
    this.assertUsable();
    const layout = launchLayout(launch);
    const pipeline = this.pipelines.get(layout) ?? this.createPipeline(layout);
    if (this.uniformCursor + layout.uniformBytes > UNIFORM_ARENA_BYTES) this.flush();
    const uniformOffset = this.uniformCursor;
    packUniforms(layout, launch, launch.fault === undefined ? 0 : this.faultCode(launch.fault), this.uniformWords, uniformOffset);
    this.uniformCursor = Math.ceil((uniformOffset + layout.uniformBytes) / this.uniformAlignment) * this.uniformAlignment;
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
    let bindGroup: GPUBindGroup;
    // Groups holding a snapshot are used once: caching them would only keep them alive.
    if (temporaries) bindGroup = this.createBindGroup(pipeline, layout, uniformOffset, buffers, count);
    else {
      const slot = this.bindGroups.slot(pipeline.bindings, uniformOffset, buffers, count);
      bindGroup = slot.group ?? this.bindGroups.fill(slot, this.createBindGroup(pipeline, layout, uniformOffset, buffers, count));
    }
    const pass = this.computePass();
    if (this.pipelineSetIn !== pass || this.pipelineSet !== pipeline) {
      pass.setPipeline(pipeline.pipeline);
      this.pipelineSet = pipeline;
      this.pipelineSetIn = pass;
    }
    pass.setBindGroup(0, bindGroup);
    const [x, y, z] = workgroupsOf(launch);
    pass.dispatchWorkgroups(x, y, z);
    if (temporaries) for (const buffer of temporaries) this.storagePool.release(buffer);
    this.stats.dispatches++;
    if (++this.dispatchesInBatch >= DISPATCHES_PER_SUBMIT) this.flush();
    else this.scheduleFlush();
  }

  private createBindGroup(pipeline: Pipeline, layout: LaunchLayout, uniformOffset: number, buffers: readonly GPUBuffer[], count: number): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.uniformBuffer, offset: uniformOffset, size: layout.uniformBytes } }];
    for (let i = 0; i < count; i++) entries.push({ binding: i + 1, resource: { buffer: buffers[i] } });
    if (layout.reportsFaults) entries.push({ binding: count + 1, resource: { buffer: this.faultStatus } });
    return this.gpu.createBindGroup({ layout: pipeline.bindings, entries });
  }

  private createPipeline(launchLayout: LaunchLayout): Pipeline {
    const source = launchLayout.source();
    const storage = (write: boolean): GPUBindGroupLayoutEntry['buffer'] => ({ type: write ? 'storage' : 'read-only-storage' });
    const layoutEntries: GPUBindGroupLayoutEntry[] = [
      { binding: 0, visibility: COMPUTE_STAGE, buffer: { type: 'uniform' } },
      ...launchLayout.bindings.map(({ write }, i) => ({ binding: i + 1, visibility: COMPUTE_STAGE, buffer: storage(write) })),
    ];
    if (launchLayout.reportsFaults) layoutEntries.push({ binding: launchLayout.bindings.length + 1, visibility: COMPUTE_STAGE, buffer: storage(true) });
    this.gpu.pushErrorScope('validation');
    const module = this.gpu.createShaderModule({ code: source, label: launchLayout.key });
    const bindings = this.gpu.createBindGroupLayout({ entries: layoutEntries });
    const layout = this.gpu.createPipelineLayout({ bindGroupLayouts: [bindings] });
    const pipeline = { pipeline: this.gpu.createComputePipeline({ layout, compute: { module, entryPoint: launchLayout.entryPoint }, label: launchLayout.key }), bindings };
    void this.gpu.popErrorScope().then(async (error) => {
      if (!error) return;
      const messages = (await module.getCompilationInfo()).messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n');
      this.fail(new Error(`${this.name}: building the WGSL kernel ${launchLayout.key} failed: ${error.message}\n${messages}`));
    });
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
    const uniformBytes = this.uniformCursor;
    // Written just before the submit that reads them (queue order keeps earlier batches' intact).
    const uniforms = this.pendingSteps ? this.uniformArena.slice(0, uniformBytes) : this.uniformArena;
    this.uniformCursor = 0;
    this.dispatchesInBatch = 0;
    this.stats.submits++;
    this.inOrder(() => {
      if (uniformBytes > 0) this.gpu.queue.writeBuffer(this.uniformBuffer, 0, uniforms, 0, uniformBytes);
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
    return new Error(`${this.name}: the WebGPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''}); its tensors are gone. Call await torch.webgpu.init() to create a new device`);
  }

  private assertUsable(): void {
    if (this.lostInfo) throw this.lostErrorNow();
    if (this.failure) throw this.failure;
  }
}

/**
 * The kernel table: the WGSL kernels that exist, and for any other kernel of the Kernels interface
 * a function that throws naming it, so an op without a WebGPU kernel fails loudly instead of
 * silently running on the CPU.
 */
function kernelTable(deviceName: string, implemented: Partial<Kernels>): Kernels {
  return new Proxy(implemented, {
    get(target, name) {
      if (typeof name !== 'string' || name in target) return target[name as keyof Kernels];
      return () => {
        throw new Error(`${name}: this kernel has no WebGPU implementation yet, so ops that need it cannot run on ${deviceName}; move the tensors to the CPU with .to('cpu') for this op`);
      };
    },
  }) as Kernels;
}

function amongFirst(buffers: readonly GPUBuffer[], count: number, buffer: GPUBuffer): boolean {
  for (let i = 0; i < count; i++) if (buffers[i] === buffer) return true;
  return false;
}

function formatBytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${bytes} bytes`;
}
