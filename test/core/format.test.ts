import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Device, DeviceBuffer, Kernels } from '../../src/devices/device.js';
import { registerDevice, unregisterDevice } from '../../src/devices/registry.js';
import * as torch from '../../src/index.js';

interface FormatCase {
  name: string;
  shape: number[];
  dtype: torch.DType;
  requiresGrad: boolean;
  values?: (number | 'nan' | 'inf' | '-inf')[];
  formula?: { mult: number; mod: number; offset: number; scale: number };
  op?: keyof typeof ops;
  expected: string;
}

const fixtures: { cases: FormatCase[] } = JSON.parse(readFileSync(new URL('../fixtures/format.json', import.meta.url), 'utf8'));

/** The ops test/fixtures/format_fixtures.py applies, with the same grad_fn names in both libraries. */
const ops = {
  mul2: (x: torch.Tensor) => x.mul(2),
  add1: (x: torch.Tensor) => x.add(1),
  div4: (x: torch.Tensor) => x.div(4),
  neg: (x: torch.Tensor) => x.neg(),
  relu: (x: torch.Tensor) => x.relu(),
  square: (x: torch.Tensor) => x.pow(2),
  sumDim1: (x: torch.Tensor) => x.sum(1),
  flattenView: (x: torch.Tensor) => x.view(-1),
  transposed: (x: torch.Tensor) => x.t(),
};

const special = { nan: NaN, inf: Infinity, '-inf': -Infinity } as const;

function valuesOf(c: FormatCase): number[] {
  if (c.formula) {
    const { mult, mod, offset, scale } = c.formula;
    const count = c.shape.reduce((a, b) => a * b, 1);
    return Array.from({ length: count }, (_, i) => (((i * mult) % mod) + offset) * scale);
  }
  return (c.values ?? []).map((v) => (typeof v === 'string' ? special[v] : v));
}

function build(c: FormatCase): torch.Tensor {
  const x = torch.tensor(valuesOf(c), { dtype: c.dtype }).reshape(c.shape);
  if (c.requiresGrad) x.requiresGrad_(true);
  return c.op ? ops[c.op](x) : x;
}

describe('printing matches PyTorch 1.13 repr()', () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    torch.scope(() => {
      expect(String(build(c))).toBe(c.expected);
    });
  });
});

describe('printing', () => {
  it('formats the README example and dtype is a string', () => {
    const a = torch.tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(String(a)).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(`${a}`).toBe(a.toString());
    expect(a.dtype).toBe('float32');
  });

  it('prints non-contiguous views by their logical order', () => {
    const x = torch.arange(6).reshape(2, 3);
    expect(String(x.t())).toBe('tensor([[0., 3.],\n        [1., 4.],\n        [2., 5.]])');
    expect(String(x.select(1, 2))).toBe('tensor([2., 5.])');
    expect(String(torch.tensor([7]).expand(3))).toBe('tensor([7., 7., 7.])');
  });

  it('frees what it reads to print, also inside a scope and for summarised tensors', async () => {
    const big = torch.arange(3000).reshape(10, 300);
    const small = torch.ones(2, 2, { requiresGrad: true });
    const transposed = big.t();
    const before = torch.memory();
    for (const t of [big, small, transposed]) {
      String(t);
      await t.toStringAsync();
      torch.scope(() => String(t));
    }
    // Only growth is a leak: while this awaits, the collector may free what earlier tests dropped.
    const after = torch.memory();
    expect(after.tensors).toBeLessThanOrEqual(before.tensors);
    expect(after.bytes.cpu).toBeLessThanOrEqual(before.bytes.cpu);
    expect(small.isDisposed).toBe(false);
    expect(small.gradFn).toBeNull();
  });

  it('prints a disposed tensor without throwing', () => {
    const x = torch.ones(2, 3);
    x.dispose();
    expect(String(x)).toBe('tensor(<disposed>, size=(2, 3))');
  });

  it('is what console.log shows in Node', async () => {
    const { inspect } = await import('node:util');
    expect(inspect(torch.tensor([true, false]))).toBe('tensor([ True, False])');
  });

  it('toStringAsync gives the same text on the CPU', async () => {
    const x = torch.tensor([1e-5, 1e5], { requiresGrad: true });
    expect(await x.toStringAsync()).toBe('tensor([1.0000e-05, 1.0000e+05], requires_grad=True)');
  });
});

/** A device whose values can only be read asynchronously, as on WebGPU. */
function asyncDevice(name: string): Device {
  const buffers = new Map<DeviceBuffer, Float32Array>();
  return {
    name,
    type: 'webgpu',
    synchronous: false,
    kernels: {} as Kernels,
    malloc(bytes) {
      const buffer = {};
      buffers.set(buffer, new Float32Array(bytes / 4));
      return buffer;
    },
    free(buffer) {
      buffers.delete(buffer);
    },
    write(buffer, offset, values) {
      buffers.get(buffer)!.set(values, offset);
    },
    writeLater(buffer, offset, values) {
      return values.then((landed) => this.write(buffer, offset, landed));
    },
    async read(buffer, offset, count, dtype) {
      const floats = buffers.get(buffer)!.slice(offset, offset + count);
      return dtype === 'float32' ? floats : Int32Array.from(floats);
    },
    readSync() {
      throw new Error(`${name}: values can only be read asynchronously`);
    },
    bytesInUse() {
      return 0;
    },
  };
}

describe('printing tensors on other devices', () => {
  it('String() does not wait for the device; toStringAsync() reads the values', async () => {
    const device = asyncDevice('webgpu');
    registerDevice(device);
    try {
      const x = torch.Tensor.empty([2, 3], 'float32', device);
      device.write(x.storage.buffer, 0, Float32Array.from([1, 2, 3, 4, 5, 6]));
      expect(String(x)).toBe("tensor(..., device='webgpu:0', size=(2, 3))");
      expect(String(x.requiresGrad_(true))).toBe("tensor(..., device='webgpu:0', size=(2, 3), requires_grad=True)");
      expect(await x.toStringAsync()).toBe("tensor([[1., 2., 3.],\n        [4., 5., 6.]], device='webgpu:0', requires_grad=True)");
      const labels = torch.Tensor.empty([3], 'int32', device);
      device.write(labels.storage.buffer, 0, Float32Array.from([0, 2, 1]));
      expect(String(labels)).toBe("tensor(..., device='webgpu:0', size=(3,), dtype=torch.int32)");
      expect(await labels.toStringAsync()).toBe("tensor([0, 2, 1], device='webgpu:0', dtype=torch.int32)");
    } finally {
      unregisterDevice('webgpu');
    }
  });

  it('keeps a device index other than 0', () => {
    const device = asyncDevice('webgpu:1');
    registerDevice(device);
    try {
      expect(String(torch.Tensor.empty([], 'float32', device))).toBe("tensor(..., device='webgpu:1', size=())");
    } finally {
      unregisterDevice('webgpu:1');
    }
  });
});
