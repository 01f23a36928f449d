// The body of a worker CPU device's worker: a CPU device of its own, running the commands the calling thread queues.
//
// scripts/build.mjs bundles this file on its own into a string (build/cpu-worker.js) that the
// calling thread starts as a worker's source, as the thread pool does with thread-worker.ts. The
// kernels are the CPU device's own glue and wasm, so a worker device gives the CPU's bits.

import type { DType } from '../../dtype.js';
import { CpuDevice, type WasmExports } from '../cpu/device.js';
import type { Kernels, Storage, TensorView } from '../device.js';
import {
  ARGUMENT,
  COMMAND,
  type CommandStream,
  type FromWorker,
  type Landed,
  SHARED_REPLY,
  type ToWorker,
  type ViewMessage,
  type WorkerStart,
} from './protocol.js';

type Kernel = (...args: unknown[]) => unknown;

function serve(start: WorkerStart, post: (message: FromWorker, transfer?: ArrayBuffer[]) => void): (message: ToWorker) => void {
  const instance = new WebAssembly.Instance(start.module, {});
  const cpu = new CpuDevice(start.name, instance.exports as unknown as WasmExports);
  const kernels = cpu.kernels as unknown as Record<string, Kernel>;
  const addresses = new Map<number, number>();
  const storages = new Map<number, Storage>();
  /**
   * Commands held back, in issue order: a WRITE_LATER whose values have not landed, and each later
   * command that names memory an earlier held one names. Every other command runs as it comes,
   * ahead of them: a replica's backward on this device need not wait behind the copy of another
   * device's gradients into it (DataParallel), and naming memory in common keeps the order wherever
   * it matters.
   */
  let held: HeldCommand[] = [];
  /** The handles the held commands name. */
  const heldHandles = new Set<number>();
  const landed = new Map<number, Landed>();
  /** Ports to other worker devices' workers, by device name: SEND posts there, and their Landed messages come from there. */
  const peers = new Map<string, PeerPort>();
  /** Peers whose workers stopped, and why: a copy from one of them that never landed fails with this. */
  const stoppedPeers = new Map<string, Landed>();
  /** The first error since the last read, raised there (kernels run asynchronously). */
  let fault: string | null = null;
  /** Set when a kernel's argument names memory that was never allocated (after an earlier error). */
  let missing = false;

  const raise = (message: string) => {
    fault ??= message;
  };
  const attempt = (work: () => void) => {
    try {
      work();
    } catch (error) {
      raise(error instanceof Error ? error.message : String(error));
    }
  };
  const address = (handle: number): number => {
    const found = addresses.get(handle);
    if (found === undefined) throw new Error(`${start.name}: a tensor's memory was never allocated (after an earlier error)`);
    return found;
  };
  const storageOf = (handle: number): Storage => {
    let storage = storages.get(handle);
    if (!storage) {
      const found = addresses.get(handle);
      if (found === undefined) missing = true;
      storage = { device: cpu, buffer: found ?? 0, bytes: 0, refs: 1, version: 0, pending: null };
      if (found !== undefined) storages.set(handle, storage);
    }
    return storage;
  };

  /** An OBJECT argument's fields (or elements), its ViewMessage views made TensorViews (RnnForwardRun, RnnGradients). */
  const decodeObject = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(decodeObject);
    if (value === null || typeof value !== 'object') return value;
    if ('view' in value) {
      const { view, offset, shape, strides, dtype } = value as ViewMessage;
      return { storage: storageOf(view), offset, shape, strides, dtype } satisfies TensorView;
    }
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, decodeObject(field)]));
  };

  /** Decodes the argument at `p` onto `args`; returns the position after it. */
  const decodeArgument = (batch: CommandStream, p: number, args: unknown[]): number => {
    const tag = batch[p];
    if (tag === ARGUMENT.VALUE) {
      args.push(batch[p + 1]);
      return p + 2;
    }
    if (tag === ARGUMENT.OBJECT) {
      args.push(decodeObject(batch[p + 1]));
      return p + 2;
    }
    const rank = batch[p + 4] as number;
    const dims = p + 5;
    args.push({
      storage: storageOf(batch[p + 1] as number),
      offset: batch[p + 2] as number,
      dtype: batch[p + 3] as DType,
      shape: batch.slice(dims, dims + rank) as number[],
      strides: batch.slice(dims + rank, dims + 2 * rank) as number[],
    } satisfies TensorView);
    return dims + 2 * rank;
  };

  const runKernel = (name: string, args: unknown[]) => {
    if (missing) {
      missing = false;
      throw new Error(`${start.name}: ${name} was given a tensor whose memory was never allocated (after an earlier error)`);
    }
    const result = kernels[name](...args);
    // Kernels that find a bad value return it on a synchronous device; here it becomes the fault
    // message the op passed (see Kernels and FaultMessage).
    if (name === ('multinomial' satisfies keyof Kernels)) {
      if (result !== 'ok') raise((args[4] as Record<string, string>)[result as string]);
    } else if (typeof result === 'number') {
      const message = args[args.length - 1];
      if (typeof message === 'string')
        raise(
          `${message.replace('{value}', String(result))}; found by a kernel on ${start.name}, which reports such errors at the next read (its kernels run asynchronously)`,
        );
    }
  };

  /** The values a read asks for, or null when there is a fault to report instead (an earlier one, or this read's). */
  const readValues = (handle: number, offset: number, count: number, dtype: DType): Float32Array | Int32Array | null => {
    let values: Float32Array | Int32Array | null = null;
    if (fault === null) attempt(() => (values = cpu.readSync(address(handle), offset, count, dtype)));
    return values;
  };

  const answerRead = (id: number, handle: number, offset: number, count: number, dtype: DType) => {
    const values = readValues(handle, offset, count, dtype);
    if (values === null) {
      post({ id, error: fault as string });
      fault = null;
    } else post({ id, values }, [values.buffer as ArrayBuffer]);
  };

  /** SEND: the values to the peer's worker; an earlier fault goes instead, and stays to be raised here too. */
  const send = (peer: string, ticket: number, handle: number, offset: number, count: number, dtype: DType) => {
    const port = peers.get(peer);
    if (!port) return raise(`${start.name}: has no channel to ${peer}`);
    const values = readValues(handle, offset, count, dtype);
    if (values === null) port.postMessage({ landed: ticket, error: fault as string } satisfies Landed);
    else port.postMessage({ landed: ticket, values } satisfies Landed, [values.buffer as ArrayBuffer]);
  };

  const answerSharedRead = (reply: SharedArrayBuffer, handle: number, offset: number, count: number, dtype: DType) => {
    const values = readValues(handle, offset, count, dtype);
    const state = new Int32Array(reply, 0, 2);
    if (values === null) {
      const message = new TextEncoder().encode(fault as string).subarray(0, reply.byteLength - SHARED_REPLY.DATA);
      new Uint8Array(reply, SHARED_REPLY.DATA).set(message);
      state[SHARED_REPLY.LENGTH] = message.length;
      fault = null;
      Atomics.store(state, SHARED_REPLY.STATE, SHARED_REPLY.ERROR);
    } else {
      new Uint8Array(reply, SHARED_REPLY.DATA, count * 4).set(new Uint8Array(values.buffer, 0, count * 4));
      Atomics.store(state, SHARED_REPLY.STATE, SHARED_REPLY.VALUES);
    }
    Atomics.notify(state, SHARED_REPLY.STATE);
  };

  /** Runs the command at `p` of `batch`; returns the position after it, or -1 to wait for values still arriving. */
  const step = (batch: CommandStream, p: number): number => {
    switch (batch[p]) {
      case COMMAND.MALLOC:
        attempt(() => addresses.set(batch[p + 1] as number, cpu.malloc(batch[p + 2] as number) as number));
        return p + 3;
      case COMMAND.FREE: {
        const handle = batch[p + 1] as number;
        const found = addresses.get(handle);
        addresses.delete(handle);
        storages.delete(handle);
        if (found !== undefined) cpu.free(found);
        return p + 2;
      }
      case COMMAND.WRITE:
        attempt(() => cpu.write(address(batch[p + 1] as number), batch[p + 2] as number, batch[p + 3] as Float32Array | Int32Array));
        return p + 4;
      case COMMAND.WRITE_LATER: {
        const ticket = batch[p + 1] as number;
        const source = batch[p + 4] as string | null;
        const arrived = landed.get(ticket) ?? (source !== null ? stoppedPeers.get(source) : undefined);
        if (!arrived) return -1;
        landed.delete(ticket);
        const values = arrived.values;
        if (values) attempt(() => cpu.write(address(batch[p + 2] as number), batch[p + 3] as number, values));
        else raise(`${start.name}: a copy from another device failed: ${arrived.error}`);
        return p + 5;
      }
      case COMMAND.SEND:
        send(
          batch[p + 1] as string,
          batch[p + 2] as number,
          batch[p + 3] as number,
          batch[p + 4] as number,
          batch[p + 5] as number,
          batch[p + 6] as DType,
        );
        return p + 7;
      case COMMAND.KERNEL: {
        const name = batch[p + 1] as string;
        const count = batch[p + 2] as number;
        const args: unknown[] = [];
        let next = p + 3;
        for (let i = 0; i < count; i++) next = decodeArgument(batch, next, args);
        attempt(() => runKernel(name, args));
        return next;
      }
      case COMMAND.READ:
        answerRead(batch[p + 1] as number, batch[p + 2] as number, batch[p + 3] as number, batch[p + 4] as number, batch[p + 5] as DType);
        return p + 6;
      case COMMAND.READ_SHARED:
        answerSharedRead(
          batch[p + 1] as SharedArrayBuffer,
          batch[p + 2] as number,
          batch[p + 3] as number,
          batch[p + 4] as number,
          batch[p + 5] as DType,
        );
        return p + 6;
      default:
        throw new Error(`${start.name}: unknown command ${String(batch[p])}`);
    }
  };

  const hold = (command: CommandStream, handles: readonly number[]) => {
    held.push({ command, handles });
    for (const handle of handles) heldHandles.add(handle);
  };

  const runBatch = (batch: CommandStream) => {
    let p = 0;
    while (p < batch.length) {
      if (held.length === 0) {
        const next = step(batch, p);
        if (next >= 0) {
          p = next;
          continue;
        }
      }
      const handles: number[] = [];
      const next = commandHandles(batch, p, handles);
      if (handles.some((handle) => heldHandles.has(handle)) || step(batch, p) < 0) hold(batch.slice(p, next), handles);
      p = next;
    }
  };

  /** Runs the held commands that can run now that values have landed, in issue order. */
  const runHeld = () => {
    const waiting = held;
    held = [];
    heldHandles.clear();
    for (const { command, handles } of waiting) {
      if (handles.some((handle) => heldHandles.has(handle)) || step(command, 0) < 0) hold(command, handles);
    }
  };

  const land = (message: Landed) => {
    landed.set(message.landed, message);
    runHeld();
  };

  post({ ready: Object.keys(kernels) });
  return (message) => {
    if ('landed' in message) land(message);
    else if ('peer' in message) {
      const port = message.port as unknown as PeerPort;
      peers.set(message.peer, port);
      if (typeof port.on === 'function') port.on('message', land);
      else port.onmessage = (event) => land(event.data);
    } else if ('peerStopped' in message) {
      stoppedPeers.set(message.peerStopped, { landed: -1, error: message.error });
      runHeld();
    } else runBatch(message.commands);
  };
}

/** A MessagePort: Node's worker_threads kind (`on`, messages as they are) or the web's (`onmessage`, messages in events). */
interface PeerPort {
  postMessage(message: Landed, transfer?: ArrayBuffer[]): void;
  on?(event: 'message', listener: (message: Landed) => void): void;
  onmessage?: ((event: { data: Landed }) => void) | null;
}

interface HeldCommand {
  readonly command: CommandStream;
  readonly handles: readonly number[];
}

/** Appends the handles the command at `p` names onto `handles`; returns the position after it. */
function commandHandles(batch: CommandStream, p: number, handles: number[]): number {
  switch (batch[p]) {
    case COMMAND.MALLOC:
      handles.push(batch[p + 1] as number);
      return p + 3;
    case COMMAND.FREE:
      handles.push(batch[p + 1] as number);
      return p + 2;
    case COMMAND.WRITE:
      handles.push(batch[p + 1] as number);
      return p + 4;
    case COMMAND.WRITE_LATER:
      handles.push(batch[p + 2] as number);
      return p + 5;
    case COMMAND.SEND:
      handles.push(batch[p + 3] as number);
      return p + 7;
    case COMMAND.READ:
    case COMMAND.READ_SHARED:
      handles.push(batch[p + 2] as number);
      return p + 6;
    case COMMAND.KERNEL: {
      const count = batch[p + 2] as number;
      let next = p + 3;
      for (let i = 0; i < count; i++) {
        const tag = batch[next];
        if (tag === ARGUMENT.VIEW) {
          handles.push(batch[next + 1] as number);
          next += 5 + 2 * (batch[next + 4] as number);
        } else {
          if (tag === ARGUMENT.OBJECT) objectHandles(batch[next + 1], handles);
          next += 2;
        }
      }
      return next;
    }
    default:
      return batch.length;
  }
}

function objectHandles(value: unknown, handles: number[]): void {
  if (Array.isArray(value)) {
    for (const element of value) objectHandles(element, handles);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if ('view' in value) handles.push((value as ViewMessage).view);
  else for (const field of Object.values(value)) objectHandles(field, handles);
}

interface NodeParentPort {
  on(event: 'message', listener: (message: ToWorker) => void): void;
  postMessage(message: FromWorker, transfer?: ArrayBuffer[]): void;
}
declare const self: {
  onmessage: ((event: { data: WorkerStart | ToWorker }) => void) | null;
  postMessage(message: FromWorker, transfer?: ArrayBuffer[]): void;
};

// Read from globalThis, not as a bare `require`: the bundler replaces a bare one with a shim that is
// a function everywhere, which sent browsers' module workers down the Node path, where they threw.
const nodeRequire = (globalThis as { require?: (id: string) => unknown }).require;
if (typeof nodeRequire === 'function') {
  // Node: an eval'd worker_threads worker, started with its WorkerStart as workerData.
  const { workerData, parentPort } = nodeRequire('node:worker_threads') as { workerData: WorkerStart; parentPort: NodeParentPort };
  parentPort.on(
    'message',
    serve(workerData, (message, transfer) => parentPort.postMessage(message, transfer)),
  );
} else {
  self.onmessage = (event) => {
    const receive = serve(event.data as WorkerStart, (message, transfer) => self.postMessage(message, transfer));
    self.onmessage = (next) => receive(next.data as ToWorker);
  };
}
