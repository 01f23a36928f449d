// A worker CPU device ('cpu:1', ...) as the calling thread sees it: kernels, copies, allocations and reads queued to its worker.
import type { DType } from '../../dtype.js';
import { canBlock } from '../blocking.js';
import type { Device, DeviceBuffer, Kernels, TensorView } from '../device.js';
import {
  ARGUMENT,
  COMMAND,
  type CommandStream,
  type FromWorker,
  SHARED_REPLY,
  sharedReplyBytes,
  type ToWorker,
  type ViewMessage,
} from './protocol.js';

/** How the device talks to its worker, whichever runtime's Worker it is. */
export interface WorkerChannel {
  post(message: ToWorker, transfer?: Transferable[]): void;
  /** Whether the worker keeps the process alive (Node): only while a read waits for it. */
  keepAlive(alive: boolean): void;
}

/**
 * Commands issued in one synchronous run go to the worker together, when the calling code yields
 * (a microtask), or every this many commands so a long synchronous loop keeps the worker busy.
 */
export const COMMANDS_PER_BATCH = 256;

/** Written values of at least this many elements are transferred to the worker, not cloned. */
const TRANSFER_MIN_ELEMENTS = 1024;

/**
 * How long a blocking read waits for the worker. It waits for all the work issued before it, which
 * may be long, but a worker that died would never answer, and the calling thread cannot hear of the
 * death while it blocks.
 */
const BLOCKING_READ_TIMEOUT_MS = 120_000;

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
  private batch: CommandStream = [];
  private batchCommands = 0;
  private transfers: ArrayBuffer[] = [];
  private flushQueued = false;
  private readonly reads = new Map<number, { resolve(values: Float32Array | Int32Array): void; reject(error: Error): void }>();
  private failure: Error | null = null;
  /** WRITE_LATER values not yet posted: the worker waits for them, and they come through this thread's event loop. */
  private valuesOnTheirWay = 0;
  /** The worker devices whose workers this one's worker has a port to (see `link`). */
  private readonly peers = new Set<string>();
  /** Every worker device: a blocking read first posts all their batches, since its answer may wait on a copy a peer has not been sent. */
  private static readonly devices: WorkerCpuDevice[] = [];

  constructor(
    readonly name: string,
    private readonly channel: WorkerChannel,
    kernelNames: readonly string[],
  ) {
    const kernels: Record<string, (...args: unknown[]) => unknown> = {};
    for (const kernel of kernelNames) {
      const result = QUEUED_RESULTS[kernel as keyof Kernels] ?? null;
      kernels[kernel] = (...args) => {
        const batch = this.batch;
        batch.push(COMMAND.KERNEL, kernel, args.length);
        for (const arg of args) encodeArgument(batch, arg);
        this.issued();
        return result;
      };
    }
    this.kernels = kernels as unknown as Kernels;
    WorkerCpuDevice.devices.push(this);
  }

  malloc(bytes: number): DeviceBuffer {
    const handle = this.nextHandle++;
    this.liveBytes += bytes;
    this.batch.push(COMMAND.MALLOC, handle, bytes);
    this.issued();
    return handle;
  }

  free(buffer: DeviceBuffer, bytes: number): void {
    this.liveBytes -= bytes;
    this.batch.push(COMMAND.FREE, buffer as number);
    this.issued();
  }

  bytesInUse(): number {
    return this.liveBytes;
  }

  write(buffer: DeviceBuffer, offset: number, values: Float32Array | Int32Array): void {
    // The caller may change its array once this returns, so it is copied now. A large copy moves to
    // the worker without another; a small one (a scalar operand) is cloned with its batch, which
    // costs less than detaching a buffer.
    const copy = values.slice();
    if (copy.length >= TRANSFER_MIN_ELEMENTS) this.transfers.push(copy.buffer);
    this.batch.push(COMMAND.WRITE, buffer as number, offset, copy);
    this.issued();
  }

  writeLater(buffer: DeviceBuffer, offset: number, values: Promise<Float32Array | Int32Array>): null {
    const ticket = this.nextRequest++;
    this.batch.push(COMMAND.WRITE_LATER, ticket, buffer as number, offset, null);
    this.issued();
    this.valuesOnTheirWay++;
    values.then(
      (landed) => {
        this.valuesOnTheirWay--;
        this.channel.post({ landed: ticket, values: landed });
      },
      (error: Error) => {
        this.valuesOnTheirWay--;
        this.channel.post({ landed: ticket, error: error.message });
      },
    );
    return null;
  }

  read(buffer: DeviceBuffer, offset: number, count: number, dtype: DType): Promise<Float32Array | Int32Array> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextRequest++;
    if (this.reads.size === 0) this.channel.keepAlive(true);
    return new Promise((resolve, reject) => {
      this.reads.set(id, { resolve, reject });
      this.batch.push(COMMAND.READ, id, buffer as number, offset, count, dtype);
      this.issued();
    });
  }

  readBlocking(buffer: DeviceBuffer, offset: number, count: number, dtype: DType): Float32Array | Int32Array | null {
    if (!canBlock || this.valuesOnTheirWay > 0) return null;
    if (this.failure) throw this.failure;
    const reply = new SharedArrayBuffer(sharedReplyBytes(count));
    const state = new Int32Array(reply, 0, 2);
    this.batch.push(COMMAND.READ_SHARED, reply, buffer as number, offset, count, dtype);
    for (const device of WorkerCpuDevice.devices) device.flush();
    if (Atomics.wait(state, SHARED_REPLY.STATE, SHARED_REPLY.PENDING, BLOCKING_READ_TIMEOUT_MS) === 'timed-out')
      throw new Error(`${this.name}: its worker did not answer a read within ${BLOCKING_READ_TIMEOUT_MS / 1000} s; it may have died`);
    if (state[SHARED_REPLY.STATE] === SHARED_REPLY.ERROR)
      throw new Error(new TextDecoder().decode(new Uint8Array(reply, SHARED_REPLY.DATA, state[SHARED_REPLY.LENGTH]).slice()));
    const values = dtype === 'int32' ? new Int32Array(count) : new Float32Array(count);
    values.set(dtype === 'int32' ? new Int32Array(reply, SHARED_REPLY.DATA, count) : new Float32Array(reply, SHARED_REPLY.DATA, count));
    return values;
  }

  canCopyTo(target: Device): boolean {
    // A source still waiting for values through this thread's event loop would make the target's
    // blocking reads (readBlocking) wait on that loop too; such a copy goes through this thread.
    return target instanceof WorkerCpuDevice && this.peers.has(target.name) && this.valuesOnTheirWay === 0;
  }

  copyTo(target: Device, buffer: DeviceBuffer, offset: number, count: number, dtype: DType, targetBuffer: DeviceBuffer): void {
    const peer = target as WorkerCpuDevice;
    const ticket = peer.nextRequest++;
    peer.batch.push(COMMAND.WRITE_LATER, ticket, targetBuffer as number, 0, this.name);
    peer.issued();
    this.batch.push(COMMAND.SEND, peer.name, ticket, buffer as number, offset, count, dtype);
    this.issued();
  }

  /**
   * Gives this device's worker and `other`'s a channel of their own, so copies between the two
   * go straight from one worker to the other (copyTo).
   */
  link(other: WorkerCpuDevice): void {
    const { port1, port2 } = new MessageChannel();
    this.channel.post({ peer: other.name, port: port1 }, [port1]);
    other.channel.post({ peer: this.name, port: port2 }, [port2]);
    this.peers.add(other.name);
    other.peers.add(this.name);
  }

  /** The worker of device `peer` stopped: copies from it that have not landed fail in this worker. */
  peerStopped(peer: string, error: Error): void {
    if (this.peers.delete(peer)) this.channel.post({ peerStopped: peer, error: error.message });
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

  /** Called after each command is pushed onto the batch. */
  private issued(): void {
    if (++this.batchCommands >= COMMANDS_PER_BATCH) this.flush();
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
    this.batchCommands = 0;
    this.transfers = [];
    this.channel.post({ commands }, transfers);
  }
}

/** Appends a kernel argument to the batch (see ARGUMENT): views inline, by handle (a Tensor is a view too). */
function encodeArgument(batch: CommandStream, value: unknown): void {
  if (value === null || typeof value !== 'object' || (Array.isArray(value) && !value.some(isObject)))
    batch.push(ARGUMENT.VALUE, value as CommandStream[number]);
  else if ('storage' in value) {
    const { storage, offset, shape, strides, dtype } = value as TensorView;
    batch.push(ARGUMENT.VIEW, storage.buffer as number, offset, dtype, shape.length, ...shape, ...strides);
  } else batch.push(ARGUMENT.OBJECT, encode(value) as object);
}

const isObject = (value: unknown): boolean => value !== null && typeof value === 'object';

/** An object argument (or an array of them: rnnForward's runs) as it crosses to the worker: views as ViewMessage, other fields as they are. */
function encode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(encode);
  if (value === null || typeof value !== 'object') return value;
  if ('storage' in value) {
    const { storage, offset, shape, strides, dtype } = value as TensorView;
    return { view: storage.buffer as number, offset, shape, strides, dtype } satisfies ViewMessage;
  }
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, encode(field)]));
}
