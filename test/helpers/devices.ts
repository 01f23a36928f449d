// The devices the nn, optim, io and data suites run their PyTorch fixtures on: 'cpu', and 'webgpu'
// when an adapter is there. Without one, webgpuReady() warns and the webgpu runs are left out,
// unless WEBTORCH_REQUIRE_WEBGPU=1 (CI), where importing this module fails instead.
import { expect } from 'vitest';
import * as torch from '../../src/index.js';
import { webgpuReady } from '../webgpu/gpu.js';

export const devices: readonly string[] = (await webgpuReady()) ? ['cpu', 'webgpu'] : ['cpu'];

/**
 * Expects `make` to fail with `message` on `device`: at once on the CPU; on webgpu, whose kernels
 * find bad values while running and report them at the next read, when the result is read.
 */
export async function expectRaises(device: string, make: () => torch.Tensor, message: string): Promise<void> {
  if (device === 'cpu') {
    expect(make).toThrow(message);
    return;
  }
  const result = make();
  await expect(result.data()).rejects.toThrow(`${message}; found by a kernel on ${device}, which reports such errors at the next read`);
  result.dispose();
}

/**
 * No more live tensors and no more bytes in use on `device` than `before`. Only growth is a leak:
 * the garbage collector may free tensors earlier tests left behind at any moment (the registry
 * backstop), so the counts may also fall.
 */
export function expectNoGrowth(device: string, before: ReturnType<typeof torch.memory>, after = torch.memory()): void {
  expect(after.tensors, 'live tensors').toBeLessThanOrEqual(before.tensors);
  const kind = device.startsWith('webgpu') ? 'webgpu' : 'cpu';
  expect(after.bytes[kind], `${kind} bytes in use`).toBeLessThanOrEqual(before.bytes[kind]);
}
