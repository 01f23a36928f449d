// `torch.cpu.init({ devices })`: starts the worker CPU devices 'cpu:1' ... 'cpu:N', each a worker running the CPU kernels.
import workerSource from '../../../build/cpu-worker.js';
import { checkOptions, describeValue, optionKeys } from '../../options.js';
import { workerKernels } from '../cpu/init.js';
import { allDevices, registerDevice } from '../registry.js';
import { type WorkerChannel, WorkerCpuDevice } from './device.js';
import type { FromWorker, Ready, ToWorker, WorkerStart } from './protocol.js';

export interface CpuInitOptions {
  /** How many worker CPU devices to have: 'cpu:1' ... 'cpu:{devices}' (default 1; those that exist are kept). */
  devices?: number;
}

const CPU_INIT_OPTIONS = optionKeys<CpuInitOptions>({ devices: true });

interface NodeWorker {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  ref(): void;
  unref(): void;
  on(event: 'message', listener: (message: FromWorker) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'exit', listener: (code: number) => void): void;
}
type NodeWorkerConstructor = new (source: string, options: { eval: true; workerData: WorkerStart; execArgv: string[] }) => NodeWorker;
interface WebWorker {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: { data: FromWorker }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
}
type WebWorkerConstructor = new (url: string, options: { type: 'module' }) => WebWorker;

const nodeWorkerThreads = () =>
  (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process?.getBuiltinModule?.('node:worker_threads') as
    | { Worker: NodeWorkerConstructor }
    | undefined;

/** Why this runtime cannot host worker CPU devices, or null when it can. */
export function workersUnavailableReason(): string | null {
  if (nodeWorkerThreads() || typeof (globalThis as { Worker?: unknown }).Worker === 'function') return null;
  return 'this runtime has no Worker (edge runtimes such as Cloudflare Workers and Deno Deploy have none)';
}

let module: Promise<WebAssembly.Module> | null = null;
let workerUrl: string | null = null;

/**
 * Creates the worker CPU devices 'cpu:1' ... 'cpu:N' that do not exist yet, each running the CPU
 * kernels (the single-thread build) in a worker of its own, and resolves once their workers are
 * ready. Tensors go there with `{ device: 'cpu:1' }` or `t.to('cpu:1')`; their ops return at once
 * and reads are asynchronous, as on webgpu.
 */
export async function init(options: CpuInitOptions = {}): Promise<void> {
  checkOptions('cpu.init', options, CPU_INIT_OPTIONS);
  const count = options.devices ?? 1;
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`cpu.init: devices must be a positive integer, got ${describeValue(count)}`);
  const unavailable = workersUnavailableReason();
  if (unavailable !== null) throw new Error(`cpu.init: worker CPU devices cannot start because ${unavailable}`);
  const existing = new Set(allDevices().map((device) => device.name));
  const starting: Promise<WorkerCpuDevice>[] = [];
  for (let index = 1; index <= count; index++) {
    const name = `cpu:${index}`;
    if (!existing.has(name)) starting.push(startDevice(name));
  }
  const others = allDevices().filter((device) => device instanceof WorkerCpuDevice);
  for (const device of await Promise.all(starting)) {
    // Every pair of worker devices gets a channel: copies between them (DataParallel's parameters
    // and gradients) then go from worker to worker without waiting for this thread's event loop.
    for (const other of others) device.link(other);
    others.push(device);
    registerDevice(device);
  }
}

/** The number of worker CPU devices ('cpu:1', ...). */
export function deviceCount(): number {
  return allDevices().filter((device) => device instanceof WorkerCpuDevice).length;
}

async function startDevice(name: string): Promise<WorkerCpuDevice> {
  module ??= WebAssembly.compile(workerKernels() as BufferSource);
  const start: WorkerStart = { module: await module, name };
  let device: WorkerCpuDevice | null = null;
  return new Promise((resolve, reject) => {
    const receive = (message: FromWorker) => {
      if (device) device.receive(message);
      else if ('ready' in message) {
        device = new WorkerCpuDevice(name, channel, (message as Ready).ready);
        channel.keepAlive(false);
        resolve(device);
      }
    };
    const failed = (why: string) => {
      const error = new Error(`${name}: its worker stopped (${why}); its tensors are gone`);
      if (!device) return reject(error);
      device.fail(error);
      for (const other of allDevices()) if (other instanceof WorkerCpuDevice) other.peerStopped(name, error);
    };
    const channel = connect(start, receive, failed);
  });
}

function connect(start: WorkerStart, receive: (message: FromWorker) => void, failed: (why: string) => void): WorkerChannel {
  const NodeWorker = nodeWorkerThreads()?.Worker;
  if (NodeWorker) {
    // execArgv would otherwise be the parent's, and with --input-type=module the eval'd source would
    // run as a module, without the require() it reaches worker_threads by.
    const worker = new NodeWorker(workerSource, { eval: true, workerData: start, execArgv: [] });
    worker.on('message', receive);
    worker.on('error', (error) => failed(error.message));
    worker.on('exit', (code) => failed(`exit code ${code}`));
    return {
      post: (message: ToWorker, transfer?: Transferable[]) => worker.postMessage(message, transfer),
      keepAlive: (alive) => (alive ? worker.ref() : worker.unref()),
    };
  }
  workerUrl ??= URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  const worker = new (globalThis as unknown as { Worker: WebWorkerConstructor }).Worker(workerUrl, { type: 'module' });
  worker.addEventListener('message', (event) => receive(event.data));
  worker.addEventListener('error', (event) => failed(event.message ?? 'an error in the worker'));
  worker.postMessage(start);
  return { post: (message: ToWorker, transfer?: Transferable[]) => worker.postMessage(message, transfer), keepAlive: () => {} };
}
