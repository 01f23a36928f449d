// Shared by the WebGPU suites: finds the adapter (on a machine without a GPU, the software Vulkan
// driver that scripts/setup-webgpu.sh caches in .cache/vulkan) and initialises the device. Without
// an adapter the suites skip with a notice, unless WEBTORCH_REQUIRE_WEBGPU=1 (CI), where it fails.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as torch from '../../src/index.js';

const cache = fileURLToPath(new URL('../../.cache/vulkan/', import.meta.url));

/** Points Vulkan at the cached software driver unless the environment already names a driver; child processes inherit it. */
export function useCachedVulkanDriver(): void {
  if (!process.env.VK_ICD_FILENAMES && existsSync(`${cache}lvp_icd.json`)) {
    process.env.VK_ICD_FILENAMES = `${cache}lvp_icd.json`;
    mkdirSync(`${cache}runtime`, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR ??= `${cache}runtime`;
  }
}

/** What to do when a runtime found no adapter: skip with a notice, or throw under WEBTORCH_REQUIRE_WEBGPU=1 (CI). */
export function noAdapter(where: string): false {
  const why = `no WebGPU adapter ${where} (run \`source scripts/setup-webgpu.sh\` on a machine without a GPU)`;
  if (process.env.WEBTORCH_REQUIRE_WEBGPU === '1') throw new Error(`WEBTORCH_REQUIRE_WEBGPU=1 but there is ${why}`);
  console.warn(`Skipping the WebGPU tests: ${why}.`);
  return false;
}

/** True when 'webgpu' is ready; false (tests skip) or a thrown error (CI) when there is no adapter. */
export async function webgpuReady(): Promise<boolean> {
  useCachedVulkanDriver();
  if (await torch.webgpu.isAvailable()) {
    await torch.webgpu.init();
    return true;
  }
  return noAdapter('in Node');
}
