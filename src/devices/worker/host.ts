// The body of a worker CPU device's worker: a CPU device of its own, running the commands the calling thread queues.
//
// scripts/build.mjs bundles this file on its own into a string (build/cpu-worker.js) that the
// calling thread starts as a worker's source, as the thread pool does with thread-worker.ts. The
// kernels are the CPU device's own glue and wasm, so a worker device gives the CPU's bits.

import { CpuDevice, type WasmExports } from '../cpu/device.js';
import type { Kernels, Storage, TensorView } from '../device.js';
import { COMMAND, type Command, type FromWorker, type Landed, type ToWorker, type ViewMessage, type WorkerStart } from './protocol.js';

type Kernel = (...args: unknown[]) => unknown;

function serve(start: WorkerStart, post: (message: FromWorker, transfer?: ArrayBuffer[]) => void): (message: ToWorker) => void {
  const instance = new WebAssembly.Instance(start.module, {});
  const cpu = new CpuDevice(start.name, instance.exports as unknown as WasmExports);
  const kernels = cpu.kernels as unknown as Record<string, Kernel>;
  const addresses = new Map<number, number>();
  const queue: Command[] = [];
  let head = 0;
  const landed = new Map<number, Landed>();
  /** The first error since the last read, raised there (kernels run asynchronously). */
  let fault: string | null = null;

  const address = (handle: number): number => {
    const found = addresses.get(handle);
    if (found === undefined) throw new Error(`${start.name}: a tensor's memory was never allocated (an earlier error)`);
    return found;
  };

  const storages = new Map<number, Storage>();
  const storageOf = (handle: number): Storage => {
    let storage = storages.get(handle);
    if (!storage) {
      storage = { device: cpu, buffer: address(handle), bytes: 0, refs: 1, version: 0, pending: null };
      storages.set(handle, storage);
    }
    return storage;
  };

  /** Views arrive as ViewMessage, as arguments or as fields of an argument (RnnLayer, RnnGradients). */
  const decode = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) return value;
    if ('view' in value) {
      const { view, offset, shape, strides, dtype } = value as ViewMessage;
      return { storage: storageOf(view), offset, shape, strides, dtype } satisfies TensorView;
    }
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, decode(field)]));
  };

  const raise = (message: string) => {
    fault ??= message;
  };

  const runKernel = (name: string, args: readonly unknown[]) => {
    const decoded = args.map(decode);
    const result = kernels[name](...decoded);
    // Kernels that find a bad value return it on a synchronous device; here it becomes the fault
    // message the op passed (see Kernels and FaultMessage).
    if (name === ('multinomial' satisfies keyof Kernels)) {
      if (result !== 'ok') raise((decoded[4] as Record<string, string>)[result as string]);
    } else if (typeof result === 'number') {
      const message = decoded[decoded.length - 1];
      if (typeof message === 'string')
        raise(
          `${message.replace('{value}', String(result))}; found by a kernel on ${start.name}, which reports such errors at the next read (its kernels run asynchronously)`,
        );
    }
  };

  /** Runs one command; false when it must wait for values still arriving. */
  const run = (command: Command): boolean => {
    switch (command[0]) {
      case COMMAND.MALLOC:
        addresses.set(command[1], cpu.malloc(command[2]) as number);
        return true;
      case COMMAND.FREE: {
        const found = addresses.get(command[1]);
        addresses.delete(command[1]);
        storages.delete(command[1]);
        if (found !== undefined) cpu.free(found);
        return true;
      }
      case COMMAND.WRITE:
        cpu.write(address(command[1]), command[2], command[3]);
        return true;
      case COMMAND.WRITE_LATER: {
        const arrived = landed.get(command[1]);
        if (!arrived) return false;
        landed.delete(command[1]);
        if (arrived.values) cpu.write(address(command[2]), command[3], arrived.values);
        else raise(`${start.name}: a copy from another device failed: ${arrived.error}`);
        return true;
      }
      case COMMAND.KERNEL:
        runKernel(command[1], command[2]);
        return true;
      case COMMAND.READ: {
        const [, id, handle, offset, count, dtype] = command;
        if (fault !== null) {
          post({ id, error: fault });
          fault = null;
          return true;
        }
        const values = cpu.readSync(address(handle), offset, count, dtype);
        post({ id, values }, [values.buffer as ArrayBuffer]);
        return true;
      }
    }
  };

  const drain = () => {
    while (head < queue.length) {
      const command = queue[head];
      try {
        if (!run(command)) return;
      } catch (error) {
        raise(error instanceof Error ? error.message : String(error));
        // A read must still be answered, with the error.
        if (command[0] === COMMAND.READ) {
          post({ id: command[1], error: fault as string });
          fault = null;
        }
      }
      head++;
    }
    queue.length = 0;
    head = 0;
  };

  post({ ready: Object.keys(kernels) });
  return (message) => {
    if ('landed' in message) landed.set(message.landed, message);
    else for (const command of message.commands) queue.push(command);
    drain();
  };
}

interface NodeParentPort {
  on(event: 'message', listener: (message: ToWorker) => void): void;
  postMessage(message: FromWorker, transfer?: ArrayBuffer[]): void;
}
declare const require: ((id: string) => unknown) | undefined;
declare const self: {
  onmessage: ((event: { data: WorkerStart | ToWorker }) => void) | null;
  postMessage(message: FromWorker, transfer?: ArrayBuffer[]): void;
};

if (typeof require === 'function') {
  // Node: an eval'd worker_threads worker, started with its WorkerStart as workerData.
  const { workerData, parentPort } = require('node:worker_threads') as { workerData: WorkerStart; parentPort: NodeParentPort };
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
