/**
 * `torch.webgpu`: the WebGPU devices. `await torch.webgpu.init()` creates the device 'webgpu'
 * (and 'webgpu:1', ... with `{ deviceCount }`, each its own GPUDevice); tensors then go there with
 * `{ device: 'webgpu' }`, `t.to('webgpu')` or `torch.setDefaultDevice('webgpu')`.
 *
 *   if (await torch.webgpu.isAvailable()) {
 *     await torch.webgpu.init();
 *     const y = torch.ones(3, { device: 'webgpu' }).mul(2);
 *     await y.tolist();   // [2, 2, 2]
 *   }
 */
import { checkOptions, optionKeys } from '../../options.js';
import { allDevices, getDevice, registerDevice, registerDeviceKind } from '../registry.js';
import { WebGpuDevice } from './device.js';
import { requestAdapter, whyUnavailable } from './gpu.js';
import type { GpuAdapter, GpuDevice, GpuPowerPreference } from './webgpu-types.js';

// The kind is declared here, in the namespace src/index.ts exports, so the bundle's declarations
// carry it (they reach no module the namespace does not).
declare module '../device.js' {
  interface DeviceKinds {
    webgpu: WebGpuDevice;
  }
}

registerDeviceKind('webgpu', { howToInit: 'call `await torch.webgpu.init()` first' });

export interface WebGpuInitOptions {
  /** Create the device from this adapter instead of requesting one. */
  adapter?: GpuAdapter;
  /** Use this GPUDevice as 'webgpu' (replacing the current one, whose tensors stay on it). */
  device?: GpuDevice;
  /** How many devices to have ready: 'webgpu', 'webgpu:1', ... (default 1). */
  deviceCount?: number;
  powerPreference?: GpuPowerPreference;
}

const WEBGPU_INIT_OPTIONS = optionKeys<WebGpuInitOptions>({ adapter: true, device: true, deviceCount: true, powerPreference: true });

/** Whether a WebGPU adapter is there to use (in Node, with the npm package `webgpu` and a driver). */
export async function isAvailable(): Promise<boolean> {
  if (webGpuDevices().length > 0) return true;
  return (await requestAdapter()) !== null;
}

/**
 * Creates the WebGPU devices that do not exist yet, or that were lost or failed: 'webgpu', and
 * with `deviceCount` n also 'webgpu:1' ... 'webgpu:{n-1}'. Idempotent otherwise.
 */
export async function init(options: WebGpuInitOptions = {}): Promise<void> {
  checkOptions('webgpu.init', options, WEBGPU_INIT_OPTIONS);
  if (options.device) {
    registerDevice(new WebGpuDevice('webgpu', options.device));
    return;
  }
  const count = options.deviceCount ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`webgpu.init: deviceCount must be a positive integer, got ${count}`);
  for (let index = 0; index < count; index++) {
    const name = index === 0 ? 'webgpu' : `webgpu:${index}`;
    if (registered(name)?.usable) continue;
    // An adapter gives one device; every further device needs a fresh adapter.
    const adapter = (index === 0 ? options.adapter : undefined) ?? (await requestAdapter({ powerPreference: options.powerPreference }));
    if (!adapter) throw new Error(`webgpu.init: no WebGPU adapter is available: ${whyUnavailable()}`);
    const limits = adapter.limits;
    const device = await adapter.requestDevice({
      label: name,
      requiredLimits: { maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize, maxBufferSize: limits.maxBufferSize },
    });
    registerDevice(new WebGpuDevice(name, device));
  }
}

/** The number of WebGPU devices ready for use ('webgpu', 'webgpu:1', ...). */
export function deviceCount(): number {
  return webGpuDevices().length;
}

/**
 * Bind groups the device ('webgpu' unless named) has made: `created` so far, and `alive` (not yet
 * garbage-collected). WebGPU cannot destroy a bind group and drivers hold resources for each while
 * it lives, so a training loop should create none once warm; `alive` stays under a limit past
 * which the device refuses to make more, with an error, rather than let the driver crash.
 *
 *   const before = torch.webgpu.bindGroups().created;
 *   await trainStep();
 *   torch.webgpu.bindGroups().created - before;   // 0 once the loop is warm
 */
export function bindGroups(device = 'webgpu'): { created: number; alive: number } {
  const { stats } = webGpuDevice('webgpu.bindGroups', device);
  return { created: stats.bindGroupsCreated, alive: stats.bindGroupsAlive };
}

/** Waits until everything issued on the device ('webgpu' unless named) has run. */
export async function synchronize(device = 'webgpu'): Promise<void> {
  await webGpuDevice('webgpu.synchronize', device).synchronize();
}

function webGpuDevice(caller: string, name: string): WebGpuDevice {
  const target = getDevice(name);
  if (!(target instanceof WebGpuDevice)) throw new TypeError(`${caller}: '${name}' is not a WebGPU device`);
  return target;
}

function webGpuDevices(): WebGpuDevice[] {
  return allDevices().filter((device): device is WebGpuDevice => device instanceof WebGpuDevice && device.usable);
}

function registered(name: string): WebGpuDevice | null {
  const device = allDevices().find((d) => d.name === name);
  return device instanceof WebGpuDevice ? device : null;
}
