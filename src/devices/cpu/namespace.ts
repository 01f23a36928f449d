/**
 * `torch.cpu`: the main-thread CPU device ('cpu'), where kernels run on the calling thread as
 * AssemblyScript SIMD code, split over a pool of workers where the runtime allows threads; and the
 * worker CPU devices 'cpu:1' ... 'cpu:N', each running the same kernels in a worker of its own.
 *
 *   torch.cpu.threads;              // 2 on a 2-core machine in Node; 1 on an edge runtime
 *   torch.cpu.threadsUnavailable;   // null, or why this runtime runs one thread
 *   torch.cpu.simd;                 // 'relaxed' where relaxed SIMD validates (single-thread build), else 'plain'
 *   await torch.cpu.init({ devices: 2 });   // 'cpu:1' and 'cpu:2'
 */
import { registerDeviceKind } from '../registry.js';
import type { WorkerCpuDevice } from '../worker/device.js';
import type { CpuDevice } from './device.js';

// The kind is declared here, in the namespace src/index.ts exports, so the bundle's declarations
// carry it (they reach no module the namespace does not).
declare module '../device.js' {
  interface DeviceKinds {
    cpu: CpuDevice | WorkerCpuDevice;
  }
}

registerDeviceKind('cpu', { howToInit: 'worker CPU devices cpu:1 ... cpu:N are created by `await torch.cpu.init({ devices: N })`' });

export { type CpuInitOptions, deviceCount, init } from '../worker/index.js';
export { simd } from './init.js';
export { type ParallelInfo, parallelInfo, threads, threadsUnavailable } from './threading.js';
