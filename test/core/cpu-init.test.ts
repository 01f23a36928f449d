// initCpu's precompiled-module path: edge runtimes forbid compiling wasm from bytes, so they import
// the .wasm as a WebAssembly.Module and hand it over. Its own file: it replaces the CPU device.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { initCpu } from '../../src/devices/cpu/init.js';
import { getDevice } from '../../src/devices/registry.js';
import * as torch from '../../src/index.js';

it('initCpu takes an already compiled WebAssembly.Module, and the CPU device then runs on it', async () => {
  const embedded = getDevice('cpu');
  const module = new WebAssembly.Module(readFileSync(new URL('../../build/kernels.wasm', import.meta.url)));
  await initCpu(module);
  expect(getDevice('cpu')).not.toBe(embedded);
  const a = torch.tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { requiresGrad: true },
  );
  const loss = a.matmul(a).relu().sum();
  loss.backward();
  expect(loss.itemSync()).toBe(54);
  expect(a.grad!.tolistSync()).toEqual([
    [7, 11],
    [9, 13],
  ]);
});
