/**
 * `torch.cpu`: the main-thread CPU device ('cpu'), where kernels run synchronously on the calling
 * thread as AssemblyScript SIMD code.
 *
 *   torch.cpu.threads;   // 1
 */
import { registerDeviceKind } from '../registry.js';
import type { CpuDevice } from './device.js';

// The kind is declared here, in the namespace src/index.ts exports, so the bundle's declarations
// carry it (they reach no module the namespace does not).
declare module '../device.js' {
  interface DeviceKinds {
    cpu: CpuDevice;
  }
}

registerDeviceKind('cpu');

/**
 * Intra-op threads of the CPU device. Kernels run on the calling thread: edge runtimes have no
 * threads, so the single-thread SIMD path is the one every runtime gets.
 */
export const threads = 1;
