// A worker CPU device ('cpu:1', ...) as the calling thread sees it: kernels, copies, allocations and reads queued to its worker.
import type { DType } from '../../dtype.js';
import type { Device, DeviceBuffer, Kernels, TensorView } from '../device.js';
import { COMMAND, type Command, type FromWorker, type ToWorker, type ViewMessage } from './protocol.js';

/** How the device talks to its worker, whichever runtime's Worker it is. */
export interface WorkerChannel {
  post(message: ToWorker, transfer?: ArrayBuffer[]): void;
  /** Whether the worker keeps the process alive (Node): only while a read waits for it. */
  keepAlive(alive: boolean): void;
}

/**
 * Commands issued in one synchronous run go to the worker together, when the calling code yields
 * (a microtask), or every this many commands so a long synchronous loop keeps the worker busy.
 */
export const COMMANDS_PER_BATCH = 256;

/** Kernel results a queueing device gives at once: its faults come at the next read (see Kernels). */
const QUEUED_RESULTS: Partial<Record<keyof Kernels, unknown>> = { multinomial: 'ok' };

/**
 * A CPU device hosted in a worker: the CPU's kernels and wasm, run in order on the worker's own
 * thread and memory. Every call returns at once; reads resolve once the worker has run everything
 * issued before them, and synchronous reads refuse.
 */
export class WorkerCpuDevice implements Device {
  readonly type = 'cpu';
  readonly synchronous = false;
  readonly kernels: Kernels;
  private nextHandle = 1;
  private nextRequest = 1;
  private liveBytes = 0;
  private batch: Command[] = [];
  private transfers: ArrayBuffer[] = [];
  private flushQueued = false;
  private readonly reads = new Map<number, { resolve(values: Float32Array | Int32Array): void; reject(error: Error): void }>();
  private failure: Error | null = null;

  constructor(
    readonly name: string,
    private readonly channel: WorkerChannel,
    kernelNames: readonly string[],
  ) {
    const kernels: Record<string, (...args: unknown[]) => unknown> = {};
    for (const kernel of kernelNames) {
      const result = QUEUED_RESULTS[kernel as keyof Kernels] ?? null;
      kernels[kernel] = (...args) => {
        this.enqueue([COMMAND.KERNEL, kernel, args.map(encode)]);
        return result;
      };
    }
    this.kernels = kernels as unknown as Kernels;
  }

  malloc(bytes: number): DeviceBuffer {
    const handle = this.nextHandle++;
    this.liveBytes += bytes;
    this.enqueue([COMMAND.MALLOC, handle, bytes]);
    return handle;
  }

  free(buffer: DeviceBuffer, bytes: number): void {
    this.liveBytes -= bytes;
    this.enqueue([COMMAND.FREE, buffer as number]);
  }

  bytesInUse(): number {
    return this.liveBytes;
  }

  write(buffer: DeviceBuffer, offset: number, values: Float32Array | Int32Array): void {
    // The caller may change its array once this returns; the copy travels to the worker.
    const copy = values.slice();
    this.transfers.push(copy.buffer);
    this.enqueue([COMMAND.WRITE, buffer as number, offset, copy]);
  }

  writeLater(buffer: DeviceBuffer, offset: number, values: Promise<Float32Array | Int32Array>): null {
    const ticket = this.nextRequest++;
    this.enqueue([COMMAND.WRITE_LATER, ticket, buffer as number, offset]);
    values.then(
      (landed) => this.channel.post({ landed: ticket, values: landed }),
      (error: Error) => this.channel.post({ landed: ticket, error: error.message }),
    );
    return null;
  }

  read(buffer: DeviceBuffer, offset: number, count: number, dtype: DType): Promise<Float32Array | Int32Array> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextRequest++;
    if (this.reads.size === 0) this.channel.keepAlive(true);
    return new Promise((resolve, reject) => {
      this.reads.set(id, { resolve, reject });
      this.enqueue([COMMAND.READ, id, buffer as number, offset, count, dtype]);
    });
  }

  readSync(): never {
    throw new Error(
      `tensor is on ${this.name}, a worker CPU device whose kernels run asynchronously in a worker: reading values synchronously is only possible on the main CPU device ('cpu'); use await t.data() / await t.tolist() / await t.item(), or t.to('cpu')`,
    );
  }

  /** A message from the worker (the worker channel calls it). */
  receive(message: FromWorker): void {
    if (!('id' in message)) return;
    const read = this.reads.get(message.id);
    if (!read) return;
    this.reads.delete(message.id);
    if (this.reads.size === 0) this.channel.keepAlive(false);
    if (message.values) read.resolve(message.values);
    else read.reject(new Error(message.error));
  }

  /** The worker stopped (an uncaught error, or it was terminated): every read from now on fails with `error`. */
  fail(error: Error): void {
    this.failure ??= error;
    for (const read of this.reads.values()) read.reject(this.failure);
    this.reads.clear();
    this.channel.keepAlive(false);
  }

  private enqueue(command: Command): void {
    this.batch.push(command);
    if (this.batch.length >= COMMANDS_PER_BATCH) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.batch.length === 0) return;
    const commands = this.batch;
    const transfers = this.transfers;
    this.batch = [];
    this.transfers = [];
    this.channel.post({ commands }, transfers);
  }
}

/** A kernel argument as it crosses to the worker: views by handle (a Tensor is a view too), objects field by field. */
function encode(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  if ('storage' in value) {
    const { storage, offset, shape, strides, dtype } = value as TensorView;
    return { view: storage.buffer as number, offset, shape, strides, dtype } satisfies ViewMessage;
  }
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, encode(field)]));
}
