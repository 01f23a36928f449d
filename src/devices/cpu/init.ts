// Instantiates the wasm kernels (from embedded bytes or a precompiled module) and registers the CPU device.
import kernelsBase64 from '../../../build/kernels-wasm.js';
import { registerDevice } from '../registry.js';
import { createCpuDevice } from './device.js';

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Creates the main-thread CPU device from the embedded kernels, or from a module the caller
 * compiled (edge platforms that forbid compiling wasm from bytes import the .wasm as a module).
 */
export async function initCpu(source: Uint8Array | WebAssembly.Module = decodeBase64(kernelsBase64)): Promise<void> {
  registerDevice(await createCpuDevice('cpu', source));
}
