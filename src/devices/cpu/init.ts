// Instantiates the wasm kernels (the threaded build where the runtime allows threads, else the single-thread one, or a precompiled module) and registers the CPU device.
import kernelsThreadsBase64 from '../../../build/kernels-threads-wasm.js';
import kernelsBase64 from '../../../build/kernels-wasm.js';
import { registerDevice } from '../registry.js';
import { createCpuDevice, createThreadedCpuDevice } from './device.js';
import { coreCount, threadsUnavailableReason } from './thread-pool.js';
import { recordThreading } from './threading.js';

/** The embedded kernels' bytes (the worker CPU devices compile them too). */
export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Creates the main-thread CPU device from the embedded kernels (threaded where the runtime has
 * SharedArrayBuffer and workers, with one thread per core), or from a module the caller compiled
 * (edge platforms that forbid compiling wasm from bytes import the .wasm as a module; that is the
 * single-thread build).
 */
export async function initCpu(source?: Uint8Array | WebAssembly.Module): Promise<void> {
  const unavailable =
    source === undefined ? threadsUnavailableReason() : 'the CPU kernels were given to initCpu, which takes the single-thread build';
  if (unavailable !== null) {
    registerDevice(await createCpuDevice('cpu', source ?? decodeBase64(kernelsBase64)));
    recordThreading(1, unavailable);
    return;
  }
  const device = await createThreadedCpuDevice('cpu', decodeBase64(kernelsThreadsBase64));
  device.setThreads(coreCount());
  registerDevice(device);
  recordThreading(device.threads, null);
}
