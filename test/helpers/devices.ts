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
