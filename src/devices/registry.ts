import type { Device } from './device.js';

const devices = new Map<string, Device>();
let defaultDeviceName = 'cpu';

/** Makes a device reachable by name ('cpu', 'webgpu:1', ...); replaces one of the same name. */
export function registerDevice(device: Device): void {
  devices.set(device.name, device);
}

export function unregisterDevice(name: string): void {
  devices.delete(name);
}

/** Resolves a device name, accepting PyTorch's spellings ('cpu:0' and 'webgpu:0' are the first). */
export function getDevice(name: string = defaultDeviceName): Device {
  const canonical = name.replace(/:0$/, '');
  const device = devices.get(canonical);
  if (!device) {
    const known = [...devices.keys()].join(', ');
    const hint = canonical.startsWith('webgpu') ? ' (call `await torch.webgpu.init()` first)' : '';
    throw new Error(`device '${name}' is not available${hint}; available devices: ${known}`);
  }
  return device;
}

export function allDevices(): Device[] {
  return [...devices.values()];
}

export function setDefaultDevice(name: string): void {
  getDevice(name);
  defaultDeviceName = name.replace(/:0$/, '');
}

export function defaultDevice(): Device {
  return getDevice(defaultDeviceName);
}
