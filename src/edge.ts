/**
 * webtorch/edge: inference on edge runtimes (Cloudflare Workers, Deno Deploy, Vercel Edge), on the
 * single-thread CPU kernels the caller hands to `init`. Nothing runs at import beyond defining
 * classes and tables: no wasm is compiled, no random value drawn, no Worker started.
 *
 * ```ts
 * import { init, nn, noGrad, tensor } from 'webtorch/edge';
 * import kernels from 'webtorch/kernels.wasm'; // a WebAssembly.Module on workerd
 * await init(kernels);
 * ```
 *
 * It holds tensors, ops, `nn`, grad mode and `load`/`loadFile`; training (the backward engine,
 * `optim`, `autograd`), WebGPU and threads are left out to keep the bundle small.
 */
export * from './api.js';

import { createCpuDevice } from './devices/cpu/device.js';
import { registerDevice, registerDeviceKind } from './devices/registry.js';
import { describeValue } from './options.js';
import { Tensor } from './tensor.js';

registerDeviceKind('cpu', { howToInit: "call `await init(kernels)` from 'webtorch/edge' first, with the module of webtorch/kernels.wasm" });

/** What `init` compiles the kernels from: the compiled module, or its bytes where the runtime compiles wasm. */
export type KernelsSource = WebAssembly.Module | ArrayBuffer | ArrayBufferView | Response;

let initialising: Promise<void> | null = null;

async function kernelsModule(source: KernelsSource): Promise<WebAssembly.Module | Uint8Array> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof Response !== 'undefined' && source instanceof Response) {
    if (!source.ok) throw new Error(`init: the kernels' response answered ${source.status} ${source.statusText}`.trimEnd());
    return new Uint8Array(await source.arrayBuffer());
  }
  throw new TypeError(
    `init: expected the kernels as a WebAssembly.Module (import kernels from 'webtorch/kernels.wasm'), an ArrayBuffer, a typed array or a Response, got ${describeValue(source)}`,
  );
}

/**
 * Creates the CPU device from webtorch's single-thread kernels (`webtorch/kernels.wasm`). Where the
 * runtime forbids compiling wasm at run time (workerd), import the file so that it arrives as a
 * `WebAssembly.Module`; elsewhere its bytes or a fetched Response do too. Later calls return the
 * first call's promise, so every request handler may `await init(kernels)`.
 */
export function init(kernels: KernelsSource): Promise<void> {
  initialising ??= (async () => {
    const device = await createCpuDevice('cpu', await kernelsModule(kernels));
    registerDevice(device);
  })().catch((error) => {
    initialising = null;
    throw error;
  });
  return initialising;
}

// The backward engine stays out of this bundle: say so, rather than "backward is not a function".
Object.defineProperty(Tensor.prototype, 'backward', {
  configurable: true,
  writable: true,
  value() {
    throw new Error("backward: webtorch/edge runs inference only; train with 'webtorch' and load the weights with load or loadFile");
  },
});
