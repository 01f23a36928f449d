// A device kind the library does not know: a stand-in 'sim' device (a second wasm instance behind
// the Device interface), declared and registered from this file alone, as a new device folder
// would. The registry, torch.memory(), tensor creation and .to() must take it with no edits.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type CpuDevice, createCpuDevice } from '../../src/devices/cpu/device.js';
import type { Device, DeviceBuffer, Kernels } from '../../src/devices/device.js';
import { deviceKinds, getDevice, registerDevice, unregisterDevice } from '../../src/devices/registry.js';
import type { DType } from '../../src/dtype.js';
import * as torch from '../../src/index.js';

declare module '../../src/devices/device.js' {
  interface DeviceKinds {
    sim: SimDevice;
  }
}

class SimDevice implements Device {
  readonly type = 'sim';
  readonly synchronous = true;
  readonly kernels: Kernels;

  constructor(
    readonly name: string,
    private readonly inner: CpuDevice,
  ) {
    this.kernels = inner.kernels;
  }

  malloc(bytes: number): DeviceBuffer {
    return this.inner.malloc(bytes);
  }

  free(buffer: DeviceBuffer): void {
    this.inner.free(buffer);
  }

  write(buffer: DeviceBuffer, offset: number, values: Float32Array | Int32Array): void {
    this.inner.write(buffer, offset, values);
  }

  writeLater(buffer: DeviceBuffer, offset: number, values: Promise<Float32Array | Int32Array>): Promise<void> {
    return this.inner.writeLater(buffer, offset, values);
  }

  read(buffer: DeviceBuffer, offset: number, count: number, dtype: DType): Promise<Float32Array | Int32Array> {
    return this.inner.read(buffer, offset, count, dtype);
  }

  readSync(buffer: DeviceBuffer, offset: number, count: number, dtype: DType): Float32Array | Int32Array {
    return this.inner.readSync(buffer, offset, count, dtype);
  }

  bytesInUse(): number {
    return this.inner.bytesInUse();
  }
}

const wasm = readFileSync(new URL('../../build/kernels.wasm', import.meta.url));
const sim = new SimDevice('sim', await createCpuDevice('sim', wasm));
registerDevice(sim);
afterAll(() => unregisterDevice('sim'));

describe('a device kind added without editing the library', () => {
  it("is resolved by name, with PyTorch's :0 spelling, and listed among the kinds", () => {
    expect(getDevice('sim')).toBe(sim);
    expect(getDevice('sim:0')).toBe(sim);
    expect(deviceKinds()).toEqual(expect.arrayContaining(['cpu', 'webgpu', 'sim']));
    expect(() => getDevice('sim:1')).toThrow("device 'sim:1' is not available; available devices:");
  });

  it('holds tensors created on it, and runs ops and autograd there', () => {
    const x = torch.tensor([1, 2, 3], { device: 'sim', requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward();
    expect(y.device).toBe('sim');
    expect(y.itemSync()).toBe(14);
    expect(x.grad!.device).toBe('sim');
    expect(x.grad!.tolistSync()).toEqual([2, 4, 6]);
  });

  it('copies to and from the CPU with .to(), and gradients flow back across', () => {
    const a = torch.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const onSim = a.to('sim');
    expect(onSim.device).toBe('sim');
    const back = onSim.relu().mul(3).to('cpu');
    expect(back.tolistSync()).toEqual([
      [3, 6],
      [9, 12],
    ]);
    back.sum().backward();
    expect(a.grad!.tolistSync()).toEqual([
      [3, 3],
      [3, 3],
    ]);
  });

  it("has its bytes reported by torch.memory() under its kind, apart from the CPU's", () => {
    const before = torch.memory();
    expect(before.bytes.sim).toBe(sim.bytesInUse());
    const t = torch.zeros(1024, { device: 'sim' });
    const during = torch.memory();
    expect(during.bytes.sim).toBe(before.bytes.sim + 4096);
    expect(during.bytes.cpu).toBe(before.bytes.cpu);
    t.dispose();
    expect(torch.memory().bytes.sim).toBe(before.bytes.sim);
  });

  it('can be the default device', () => {
    torch.setDefaultDevice('sim');
    try {
      expect(torch.ones(2).device).toBe('sim');
    } finally {
      torch.setDefaultDevice('cpu');
    }
  });
});

it('a kind announced before its devices exist is reported as 0 bytes, and its error says how to create one', () => {
  expect(torch.memory().bytes.webgpu).toBeGreaterThanOrEqual(0);
  expect(() => getDevice('webgpu:7')).toThrow("device 'webgpu:7' is not available (call `await torch.webgpu.init()` first)");
});
