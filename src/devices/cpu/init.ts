// Instantiates the wasm kernels (the threaded build where the runtime allows threads, else the single-thread one with relaxed SIMD where it validates, or a precompiled module) and registers the CPU device.
import kernelsRelaxedBase64 from '../../../build/kernels-relaxed-wasm.js';
import kernelsThreadsBase64 from '../../../build/kernels-threads-wasm.js';
import kernelsBase64 from '../../../build/kernels-wasm.js';
import { registerDevice } from '../registry.js';
import { createCpuDevice, createThreadedCpuDevice } from './device.js';
import { coreCount, threadsUnavailableReason } from './thread-pool.js';
import { recordThreading } from './threading.js';

/** The embedded kernels' bytes. */
function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Which SIMD the main CPU device's kernels use: 'relaxed' (the GEMM's multiply-add fused, where
 * the runtime validates relaxed SIMD and the single-thread build runs) or 'plain'.
 */
export let simd: 'relaxed' | 'plain' = 'plain';

/**
 * The single-thread kernels the worker CPU devices run: those of the main CPU device's SIMD, so a
 * worker device gives the main device's bits.
 */
export function workerKernels(): Uint8Array {
  return decodeBase64(simd === 'relaxed' ? kernelsRelaxedBase64 : kernelsBase64);
}

/** The single-thread kernels: the relaxed-SIMD build where this runtime validates it, else the plain one. */
function singleThreadKernels(): Uint8Array {
  const relaxed = decodeBase64(kernelsRelaxedBase64);
  if (WebAssembly.validate(relaxed as BufferSource)) {
    simd = 'relaxed';
    return relaxed;
  }
  return decodeBase64(kernelsBase64);
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
    registerDevice(await createCpuDevice('cpu', source ?? singleThreadKernels()));
    recordThreading(1, unavailable);
    return;
  }
  const device = await createThreadedCpuDevice('cpu', decodeBase64(kernelsThreadsBase64));
  device.setThreads(coreCount());
  registerDevice(device);
  recordThreading(device.threads, null);
}
