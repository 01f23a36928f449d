/**
 * Finding WebGPU: `navigator.gpu` in browsers and Deno; in Node, Dawn's bindings from the npm
 * package `webgpu`, imported only when needed so other bundles never load it. On Linux without a
 * GPU, Dawn needs a Vulkan driver: scripts/setup-webgpu.sh installs a software one.
 */
import { dawnFindsAdapter } from './dawn-probe.js';

let entry: Promise<GPU | null> | null = null;
let unavailableReason = '';

/** The runtime's GPU object, or null (then `whyUnavailable()` says why). */
function gpuEntry(): Promise<GPU | null> {
  return (entry ??= locate());
}

async function locate(): Promise<GPU | null> {
  const navigatorGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (navigatorGpu) return navigatorGpu;
  if (typeof process === 'undefined' || !process.versions?.node) {
    unavailableReason = 'this runtime has no navigator.gpu';
    return null;
  }
  // A computed specifier, so bundlers for browsers leave Node's native addon alone.
  const nodeBindings = 'webgpu';
  let create: typeof import('webgpu').create;
  try {
    ({ create } = (await import(/* @vite-ignore */ nodeBindings)) as typeof import('webgpu'));
  } catch (error) {
    unavailableReason = `the npm package 'webgpu' (Dawn's Node bindings) could not be loaded: ${(error as Error).message}`;
    return null;
  }
  // Node before 20.6 has no import.meta.resolve; there Dawn is asked in this process, warnings and all.
  const bindingsUrl = typeof import.meta.resolve === 'function' ? import.meta.resolve(nodeBindings) : undefined;
  if (bindingsUrl && (await dawnFindsAdapter(bindingsUrl)) === false) {
    unavailableReason = NO_DAWN_ADAPTER;
    return null;
  }
  return create([]);
}

const NO_DAWN_ADAPTER =
  'requestAdapter() found no adapter (Dawn needs a Vulkan driver; on a machine without a GPU, `source scripts/setup-webgpu.sh` sets up a software one)';

/** An adapter, or null when the runtime has none (no WebGPU, or no driver: Dawn then returns null). */
export async function requestAdapter(options: GPURequestAdapterOptions = {}): Promise<GPUAdapter | null> {
  const gpu = await gpuEntry();
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter(options);
  if (!adapter) {
    unavailableReason = typeof process !== 'undefined' && process.versions?.node ? NO_DAWN_ADAPTER : 'requestAdapter() found no adapter';
  }
  return adapter;
}

export function whyUnavailable(): string {
  return unavailableReason;
}
