// Reference counting of device storages shared by tensor views.
import type { Device, DeviceBuffer, Storage } from './devices/device.js';
import { BYTES_PER_ELEMENT } from './dtype.js';

class DeviceStorage implements Storage {
  refs = 0;
  version = 0;
  pending: Promise<void> | null = null;
  constructor(
    readonly device: Device,
    readonly buffer: DeviceBuffer,
    readonly bytes: number,
  ) {}
}

/**
 * The garbage collector sees a tensor as a small object, not as the wasm or GPU memory behind it,
 * so in a loop that drops tensors without disposing them (an eval loop without noGrad, a training
 * loop without scope) it may not run until that memory is hundreds of MB, or until thousands of GPU
 * buffers are alive. A short-lived ArrayBuffer is external memory it does count: allocating one
 * (lazily mapped zeros, freed at the next collection) makes it collect soon, and the finalizers then
 * free the dropped tensors. It is allocated when live storage grows by PRESSURE_STEP_BYTES, or by
 * half again as many storages as were alive at the last mark (at least PRESSURE_STEP_STORAGES). A
 * loop that frees what it allocates grows past its first step's peak never, so it pays for this in
 * its first step only (see releaseStorage); a program that keeps tensors on purpose pays a
 * collection each time their number grows by half.
 */
const PRESSURE_STEP_BYTES = 16 * 1024 * 1024;
const PRESSURE_STEP_STORAGES = 512;
/** The ArrayBuffer is this many times the growth in bytes (capped): enough for V8 to collect at the next step or two. */
const PRESSURE_FACTOR = 8;
const PRESSURE_MAX_BYTES = 128 * 1024 * 1024;
let liveBytes = 0;
let liveStorages = 0;
let bytesMark = 0;
let storagesMark = 0;

function notePressure(): void {
  const growth = liveBytes - bytesMark;
  const grewInBytes = growth >= PRESSURE_STEP_BYTES;
  const grewInCount = liveStorages - storagesMark >= Math.max(PRESSURE_STEP_STORAGES, storagesMark >> 1);
  if (!grewInBytes && !grewInCount) return;
  bytesMark = liveBytes;
  storagesMark = liveStorages;
  const pressure = grewInBytes ? Math.min(growth * PRESSURE_FACTOR, PRESSURE_MAX_BYTES) : PRESSURE_MAX_BYTES;
  try {
    void new ArrayBuffer(pressure);
  } catch {
    // A runtime that refuses the buffer (a small memory cap) collects on its own schedule.
  }
}

export function allocateStorage(device: Device, elements: number): Storage {
  const bytes = Math.max(elements, 1) * BYTES_PER_ELEMENT;
  const storage = new DeviceStorage(device, device.malloc(bytes), bytes);
  liveBytes += bytes;
  liveStorages++;
  notePressure();
  return storage;
}

export function retainStorage(storage: Storage): void {
  storage.refs++;
}

/**
 * Drops one reference. `collected` says the garbage collector freed the last holder (a finalizer):
 * only then do the pressure marks follow live memory down, so that a loop leaving its tensors to
 * the collector keeps being collected. A loop that disposes what it allocates (a step in
 * torch.scope) leaves the marks at its peak and, from its second step on, never applies pressure.
 */
export function releaseStorage(storage: Storage, collected = false): void {
  if (--storage.refs > 0) return;
  storage.device.free(storage.buffer, storage.bytes);
  liveBytes -= storage.bytes;
  liveStorages--;
  if (!collected) return;
  if (liveBytes < bytesMark) bytesMark = liveBytes;
  if (liveStorages < storagesMark) storagesMark = liveStorages;
}
