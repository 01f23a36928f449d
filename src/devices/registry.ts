// The device registry: device kinds, the devices by name, and the default device.
import type { Device, DeviceType } from './device.js';

/** What the registry knows of a device kind before a device of it exists. */
export interface DeviceKindInfo {
  /** How to make a device of this kind available, added to the error for a name not registered. */
  readonly howToInit?: string;
}

const devices = new Map<string, Device>();
const kinds = new Map<DeviceType, DeviceKindInfo>();
let defaultDeviceName = 'cpu';

/**
 * Announces a device kind before any device of it exists (when the kind's namespace is imported),
 * so `torch.memory()` reports its bytes as 0 and `getDevice` says how to create one.
 */
export function registerDeviceKind(kind: DeviceType, info: DeviceKindInfo = {}): void {
  kinds.set(kind, info);
}

/** The kinds announced or with a device registered, in order of first appearance. */
export function deviceKinds(): DeviceType[] {
  return [...kinds.keys()];
}

/** Makes a device reachable by name ('cpu', 'webgpu:1', ...); replaces one of the same name. */
export function registerDevice(device: Device): void {
  if (!kinds.has(device.type)) kinds.set(device.type, {});
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
    const howToInit = kinds.get(canonical.replace(/:.*$/, '') as DeviceType)?.howToInit;
    const hint = howToInit ? ` (${howToInit})` : '';
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
