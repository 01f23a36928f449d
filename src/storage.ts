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
 * Growth of live storage bytes (all devices) past which the garbage collector is told of it. The
 * collector sees a tensor as a small object, not as the wasm or GPU memory behind it, so in a loop
 * that drops tensors without disposing them (an eval loop without noGrad, say) it may not run
 * until that memory is hundreds of MB. A short-lived ArrayBuffer is external memory it does count:
 * allocating one sized to the growth (lazily mapped zeros, freed at the next collection) makes it
 * collect soon, and the finalizers then free the dropped tensors. A loop that frees what it
 * allocates never grows, so it never pays for this.
 */
const PRESSURE_STEP_BYTES = 16 * 1024 * 1024;
/** The ArrayBuffer is this many times the growth (capped): enough for V8 to collect at the next step or two. */
const PRESSURE_FACTOR = 8;
const PRESSURE_MAX_BYTES = 64 * 1024 * 1024;
let liveBytes = 0;
let pressureMark = 0;

function notePressure(): void {
  const growth = liveBytes - pressureMark;
  if (growth < PRESSURE_STEP_BYTES) return;
  pressureMark = liveBytes;
  try {
    void new ArrayBuffer(Math.min(growth * PRESSURE_FACTOR, PRESSURE_MAX_BYTES));
  } catch {
    // A runtime that refuses the buffer (a small memory cap) collects on its own schedule.
  }
}

export function allocateStorage(device: Device, elements: number): Storage {
  const bytes = Math.max(elements, 1) * BYTES_PER_ELEMENT;
  const storage = new DeviceStorage(device, device.malloc(bytes), bytes);
  liveBytes += bytes;
  notePressure();
  return storage;
}

export function retainStorage(storage: Storage): void {
  storage.refs++;
}

export function releaseStorage(storage: Storage): void {
  if (--storage.refs > 0) return;
  storage.device.free(storage.buffer, storage.bytes);
  liveBytes -= storage.bytes;
  if (liveBytes < pressureMark) pressureMark = liveBytes;
}
