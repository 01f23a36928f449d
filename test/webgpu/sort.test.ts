// sort, argsort and topk on WebGPU (shaders/sort.wgsl) against the CPU kernel and PyTorch. Sorting
// moves values, so values (bit for bit: -0 stays -0, NaN payloads stay) and indices must equal the
// CPU's exactly: over random shapes, dims and layouts (transposed, strided, broadcast), many ties,
// special values, rows of one element, rows whose length is not a power of two, and rows longer
// than a workgroup's memory holds (the multi-pass sort through global memory).
import { beforeEach, describe, expect, it } from 'vitest';
import { getDevice, registerDevice, unregisterDevice } from '../../src/devices/registry.js';
import { WebGpuDevice } from '../../src/devices/webgpu/device.js';
import * as torch from '../../src/index.js';
import { type CaseResult, expectCaseMatches, runCase } from '../helpers/fixtures.js';
import { loadSoftmaxSortCases } from '../helpers/softmax-sort-fixtures.js';
import { Choices, LAYOUTS, type Layout, type Pair, pair } from './compare.js';
import { webgpuReady } from './gpu.js';

type Tensor = torch.Tensor;
type Sorted = { values: Tensor; indices: Tensor };

const ready = await webgpuReady();

/** Every float32 class the comparison must order: NaN, infinities, signed zeros, tiny and huge values. */
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 1e-30, -1e-30, 1e-45, -1e-45, 3e38, -3e38, 2.5, -2.5];

const normal = (shape: number[]) => torch.randn(shape);
/** Few distinct values: long runs of ties, whose order only a stable sort gets right. */
const ties = (shape: number[]) => torch.randint(-3, 4, shape).float();
const special = (shape: number[]) => torch.tensor(SPECIAL).index(torch.randint(0, SPECIAL.length, shape, { dtype: 'int32' }));
const integers = (shape: number[]) => torch.randint(-5, 6, shape, { dtype: 'int32' });

/** Shape, dtype and every element's bits equal. */
async function expectSameBits(what: string, gpu: Tensor, cpu: Tensor): Promise<void> {
  expect(gpu.device, `${what}: device`).toBe('webgpu');
  expect(gpu.shape, `${what}: shape`).toEqual(cpu.shape);
  expect(gpu.dtype, `${what}: dtype`).toBe(cpu.dtype);
  const got = new Int32Array((await gpu.data()).buffer);
  const want = new Int32Array(cpu.dataSync().slice().buffer);
  const failures: string[] = [];
  want.forEach((w, i) => {
    if (got[i] !== w && failures.length < 8)
      failures.push(`[${i}] webgpu ${(gpu.dtype === 'float32' ? new Float32Array(got.buffer) : got)[i]}, cpu ${cpu.dataSync()[i]}`);
  });
  expect(failures, `${what}: elements differ`).toEqual([]);
}

/**
 * Runs `fn` on both devices and compares values and indices exactly; for a differentiable input,
 * also backpropagates one upstream gradient through the values and compares the gradients w.r.t.
 * the input views (a scatter, so exact too; the leaves of broadcast views would add them up).
 */
async function agree(what: string, fn: (x: Tensor) => Sorted, x: Pair): Promise<void> {
  const differentiable = x.cpuLeaf.requiresGrad;
  for (const view of [x.cpu, x.gpu]) {
    if (differentiable) view.retainGrad();
    view.grad = null;
  }
  const cpu = fn(x.cpu);
  const gpu = fn(x.gpu);
  await expectSameBits(`${what}: values`, gpu.values, cpu.values);
  await expectSameBits(`${what}: indices`, gpu.indices, cpu.indices);
  if (!differentiable) return;
  const upstream = torch.randn(cpu.values.shape as number[]);
  // The views of x are shared by every call on this pair: keep their part of the graph.
  cpu.values.backward(upstream, { retainGraph: true });
  gpu.values.backward(upstream.to('webgpu'), { retainGraph: true });
  await expectSameBits(`${what}: gradient`, x.gpu.grad!, x.cpu.grad!);
}

/** The ops under test, each as a function of (x, dim, k): sort both ways, argsort, topk largest and smallest. */
const OPS: [string, (x: Tensor, dim: number, k: number) => Sorted][] = [
  ['sort', (x, dim) => torch.sort(x, dim)],
  ['sort descending', (x, dim) => torch.sort(x, dim, { descending: true })],
  [
    'argsort descending',
    (x, dim) => ({ values: x.sort(dim, { descending: true }).values, indices: torch.argsort(x, dim, { descending: true }) }),
  ],
  ['topk largest', (x, dim, k) => torch.topk(x, k, dim)],
  ['topk smallest', (x, dim, k) => torch.topk(x, k, dim, { largest: false, sorted: true })],
];

describe.skipIf(!ready)('sort, argsort and topk on webgpu', () => {
  beforeEach(() => torch.manualSeed(5));

  describe('against PyTorch 1.13 (the fixtures of test/ops/sort.test.ts) and bit for bit against the cpu', () => {
    for (const c of loadSoftmaxSortCases(['sort', 'argsort', 'topk'])) {
      it(c.name, async () => {
        torch.setDefaultDevice('webgpu');
        let result: CaseResult;
        try {
          result = runCase(c);
        } finally {
          torch.setDefaultDevice('cpu');
        }
        const tensors = [...result.outputs, ...(result.grads ?? [])].filter((t): t is Tensor => t !== null);
        const values = new Map(await Promise.all(tensors.map(async (t) => [t, await t.data()] as const)));
        expectCaseMatches(c, result, (t) => values.get(t)!);
        const cpu = runCase(c);
        for (const [k, out] of result.outputs.entries()) await expectSameBits(`output ${k}`, out, cpu.outputs[k]);
        for (const [k, grad] of (result.grads ?? []).entries()) if (grad) await expectSameBits(`gradient ${k}`, grad, cpu.grads![k]!);
      });
    }
  });

  describe('random shapes, dims and layouts', () => {
    const makers: [string, (shape: number[]) => Tensor][] = [
      ['normal', normal],
      ['ties', ties],
      ['special values', special],
      ['int32', integers],
    ];
    for (const [name, fn] of OPS) {
      for (const [values, make] of makers) {
        it(`${name}: ${values}`, async () => {
          const choices = new Choices(name.length * 131 + values.length);
          for (let round = 0; round < 6; round++) {
            const shape = choices.shape(1, 4, 7);
            const dim = choices.int(-shape.length, shape.length - 1);
            const k = choices.int(1, shape.at(dim)!);
            const layout = choices.pick(LAYOUTS);
            const x = pair(shape, layout, make, { requiresGrad: make !== integers, choices });
            await agree(`${name} k ${k} dim ${dim} of [${shape}] ${layout} strides [${x.cpu.strides}]`, (t) => fn(t, dim, k), x);
          }
        });
      }
    }
  });

  describe('row lengths', () => {
    const cases: [string, number[], number, Layout, (shape: number[]) => Tensor][] = [
      ['rows of one element', [300, 1], 1, 'contiguous', normal],
      ['0-d', [], 0, 'contiguous', normal],
      ['many short rows, several to a workgroup', [3000, 3], 1, 'contiguous', ties],
      ['rows of 33 (padded to 64), transposed', [33, 70], 0, 'permuted', special],
      ['rows of 2048 (one full tile)', [2, 2048], 1, 'contiguous', ties],
      ['rows of 2049 (just over a tile)', [2, 2049], 1, 'strided', ties],
      ['rows of 5000, strided', [2, 5000], 1, 'strided', special],
      ['rows of 4100 along dim 0 (elements apart)', [4100, 2], 0, 'contiguous', ties],
      ['a row of 20000 (four merge stages)', [20000], 0, 'contiguous', normal],
      ['a broadcast row of 3000 (all ties)', [3, 3000], 1, 'broadcast', normal],
    ];
    for (const [name, shape, dim, layout, make] of cases) {
      it(name, async () => {
        const choices = new Choices(shape.length + 1);
        const x = pair(shape, layout, make, { requiresGrad: true, choices });
        const size = shape[dim] ?? 1;
        for (const [op, fn] of OPS) {
          for (const k of new Set([1, Math.min(size, 7), Math.ceil(size / 2), size])) {
            await agree(`${name}: ${op} k ${k}`, (t) => fn(t, dim, k), x);
          }
        }
      });
    }

    it('int32 extremes on long rows', async () => {
      const base = torch.randint(-4, 5, [3, 3000], { dtype: 'int32' });
      const extremes = torch.tensor([-2147483648, 2147483647, 0, -1], { dtype: 'int32' });
      const x = pair([3, 3000], 'contiguous', () =>
        torch.where(torch.rand(3, 3000).lt(0.3), extremes.index(torch.randint(0, 4, [3, 3000], { dtype: 'int32' })), base),
      );
      for (const [op, fn] of OPS) await agree(`int32 ${op}`, (t) => fn(t, 1, 100), x);
    });

    it('bool', async () => {
      const x = pair([4, 2100], 'contiguous', (shape) => torch.rand(shape).lt(0.5));
      for (const [op, fn] of OPS) await agree(`bool ${op}`, (t) => fn(t, 1, 5), x);
    });

    it('empty tensors and k = 0', async () => {
      const empty = torch.zeros(0, 3).to('webgpu');
      expect(torch.sort(empty, 1).values.shape).toEqual([0, 3]);
      const top = torch.topk(torch.ones(2, 3).to('webgpu'), 0);
      expect([top.values.shape, top.indices.shape, top.values.device]).toEqual([[2, 0], [2, 0], 'webgpu']);
    });
  });

  it('refuses rows whose scratch buffer the device cannot bind, naming the sizes', async () => {
    // The 'webgpu' GPUDevice seen with a 64 KiB binding limit: a row of 10000 pads to 16384 pairs (128 KiB).
    const real = (getDevice('webgpu') as WebGpuDevice).gpu;
    const limits = new Proxy(real.limits, {
      get: (target, name) => (name === 'maxStorageBufferBindingSize' ? 65536 : Reflect.get(target, name, target)),
    });
    const small = new Proxy(real, {
      get: (target, name) => {
        if (name === 'limits') return limits;
        const value = Reflect.get(target, name, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    registerDevice(new WebGpuDevice('webgpu:small', small));
    try {
      const x = torch.randn(10000).to('webgpu:small');
      expect(() => torch.sort(x)).toThrow(
        /^sort: sorting 1 row\(s\) of 10000 elements on webgpu:small needs 131072 bytes of scratch \(rows padded to 16384\), more than the largest buffer the device can bind \(65536 bytes/,
      );
      const fits = torch.randn(2, 2000);
      expect(await torch.sort(fits.to('webgpu:small'), 1).indices.data()).toEqual(torch.sort(fits, 1).indices.dataSync());
    } finally {
      unregisterDevice('webgpu:small');
    }
  });

  it('frees its scratch memory', async () => {
    const x = torch.randn(3, 5000).to('webgpu');
    await torch.webgpu.synchronize();
    const before = torch.memory();
    torch.scope(() => {
      torch.sort(x, 1);
      torch.topk(x, 3, 0);
      torch.argsort(x.t(), 0, { descending: true });
    });
    await torch.webgpu.synchronize();
    // Only growth is a leak: while this awaited, the collector may have freed what earlier tests dropped.
    const after = torch.memory();
    expect(after.tensors).toBeLessThanOrEqual(before.tensors);
    expect(after.bytes.webgpu).toBeLessThanOrEqual(before.bytes.webgpu);
    expect(after.bytes.cpu).toBeLessThanOrEqual(before.bytes.cpu);
  });
});
