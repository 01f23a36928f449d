import { BYTES_PER_ELEMENT } from './dtype.js';
import type { Device, DeviceBuffer, Storage } from './devices/device.js';

class DeviceStorage implements Storage {
  refs = 0;
  version = 0;
  pending: Promise<void> | null = null;
  constructor(readonly device: Device, readonly buffer: DeviceBuffer, readonly bytes: number) {}
}

export function allocateStorage(device: Device, elements: number): Storage {
  const bytes = Math.max(elements, 1) * BYTES_PER_ELEMENT;
  return new DeviceStorage(device, device.malloc(bytes), bytes);
}

export function retainStorage(storage: Storage): void {
  storage.refs++;
}

export function releaseStorage(storage: Storage): void {
  if (--storage.refs === 0) storage.device.free(storage.buffer, storage.bytes);
}
