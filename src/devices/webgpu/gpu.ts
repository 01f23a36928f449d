/**
 * Finding WebGPU: `navigator.gpu` in browsers and Deno; in Node, Dawn's bindings from the npm
 * package `webgpu`, imported only when needed so other bundles never load it. On Linux without a
 * GPU, Dawn needs a Vulkan driver: scripts/setup-webgpu.sh installs a software one.
 */
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
  try {
    // A computed specifier, so bundlers for browsers leave Node's native addon alone.
    const nodeBindings = 'webgpu';
    const { create } = (await import(/* @vite-ignore */ nodeBindings)) as typeof import('webgpu');
    return create([]);
  } catch (error) {
    unavailableReason = `the npm package 'webgpu' (Dawn's Node bindings) could not be loaded: ${(error as Error).message}`;
    return null;
  }
}

/** An adapter, or null when the runtime has none (no WebGPU, or no driver: Dawn then returns null). */
export async function requestAdapter(options: GPURequestAdapterOptions = {}): Promise<GPUAdapter | null> {
  const gpu = await gpuEntry();
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter(options);
  if (!adapter) {
    unavailableReason =
      typeof process !== 'undefined' && process.versions?.node
        ? 'requestAdapter() found no adapter (Dawn needs a Vulkan driver; on a machine without a GPU, `source scripts/setup-webgpu.sh` sets up a software one)'
        : 'requestAdapter() found no adapter';
  }
  return adapter;
}

export function whyUnavailable(): string {
  return unavailableReason;
}
