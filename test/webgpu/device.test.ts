// The WebGPU device itself: naming and initialisation, command batching, the pipeline cache, the
// buffer pool, copies between devices (with autograd across them), and faults: mixed devices,
// kernels that do not exist yet, allocation failure, a kernel-reported fault and a lost device.
import { afterAll, describe, expect, it } from 'vitest';
import { allDevices, getDevice } from '../../src/devices/registry.js';
import { DISPATCHES_PER_SUBMIT, WebGpuDevice } from '../../src/devices/webgpu/device.js';
import { requestAdapter } from '../../src/devices/webgpu/gpu.js';
import { defineShader, stridedWalk } from '../../src/devices/webgpu/launch.js';
import * as torch from '../../src/index.js';
import { webgpuReady } from './gpu.js';

const ready = await webgpuReady();
const gpu = (name = 'webgpu') => getDevice(name) as WebGpuDevice;

describe.skipIf(!ready)('webgpu device', () => {
  afterAll(() => torch.setDefaultDevice('cpu'));

  describe('names and initialisation', () => {
    it('init is idempotent and the device answers to webgpu and webgpu:0', async () => {
      const device = gpu();
      await torch.webgpu.init();
      expect(gpu()).toBe(device);
      expect(getDevice('webgpu:0')).toBe(device);
      expect(await torch.webgpu.isAvailable()).toBe(true);
      expect(torch.webgpu.deviceCount()).toBeGreaterThanOrEqual(1);
      expect(device.type).toBe('webgpu');
    });

    it('creation functions take { device }, and setDefaultDevice makes webgpu the default', async () => {
      const made = [
        torch.tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { device: 'webgpu' },
        ),
        torch.zeros(2, 3, { device: 'webgpu' }),
        torch.ones([2], { device: 'webgpu', dtype: 'int32' }),
        torch.full([2], true, { device: 'webgpu' }),
        torch.arange(4, { device: 'webgpu' }),
        torch.eye(2, { device: 'webgpu' }),
        torch.empty(3, { device: 'webgpu' }),
      ];
      for (const t of made) expect(t.device).toBe('webgpu');
      expect(await made[0].tolist()).toEqual([
        [1, 2],
        [3, 4],
      ]);
      expect(await made[2].tolist()).toEqual([1, 1]);
      expect(await made[3].tolist()).toEqual([true, true]);
      torch.setDefaultDevice('webgpu');
      try {
        const x = torch.ones(3).mul(2);
        expect(x.device).toBe('webgpu');
        expect(await x.tolist()).toEqual([2, 2, 2]);
      } finally {
        torch.setDefaultDevice('cpu');
      }
      expect(torch.ones(1).device).toBe('cpu');
    });

    it('reading synchronously says to use the async form', async () => {
      const x = torch.ones(2, { device: 'webgpu' });
      const message =
        'tensor is on webgpu: reading values synchronously is only possible on the CPU device; use await t.data() / await t.tolist() / await t.item()';
      expect(() => x.dataSync()).toThrow(message);
      expect(() => x.tolistSync()).toThrow(message);
      expect(() => x.sum().itemSync()).toThrow(message);
      expect(await x.sum().item()).toBe(2);
      expect(String(x)).toBe("tensor(..., device='webgpu:0', size=(2,))");
      expect(await x.toStringAsync()).toBe("tensor([1., 1.], device='webgpu:0')");
    });

    it("'webgpu:1' is a separate GPUDevice", async () => {
      await torch.webgpu.init({ deviceCount: 2 });
      expect(torch.webgpu.deviceCount()).toBe(2);
      expect(gpu('webgpu:1').gpu).not.toBe(gpu().gpu);
      const y = torch.arange(3, { device: 'webgpu:1' }).mul(3);
      expect(y.device).toBe('webgpu:1');
      expect(await y.tolist()).toEqual([0, 3, 6]);
    });
  });

  describe('batching, pipelines and memory', () => {
    it('launches more than 65535 workgroups as a 2-D grid', async () => {
      const n = 65535 * 64 + 1000;
      const x = torch.ones(n, { device: 'webgpu' }).mul(2);
      expect(await x.sum().item()).toBe(2 * n);
      expect(await x.narrow(0, n - 3, 3).tolist()).toEqual([2, 2, 2]);
    });

    it(`encodes dispatches into shared command buffers, submitted every ${DISPATCHES_PER_SUBMIT} dispatches or at a read`, async () => {
      const device = gpu();
      let x = torch.ones(64, { device: 'webgpu' });
      const other = torch.ones(64, { device: 'webgpu' });
      await x.data();
      const before = { ...device.stats };
      for (let i = 0; i < 300; i++) {
        const next = x.add(other);
        x.dispose();
        x = next;
      }
      expect(device.stats.dispatches - before.dispatches).toBe(300);
      expect(device.stats.submits - before.submits).toBe(Math.floor(300 / DISPATCHES_PER_SUBMIT));
      expect(await x.tolist()).toEqual(new Array(64).fill(301));
      expect(device.stats.submits - before.submits).toBe(Math.ceil(300 / DISPATCHES_PER_SUBMIT));
    });

    it('one pipeline serves every shape and layout of a kernel', async () => {
      const device = gpu();
      await torch.ones(2, { device: 'webgpu' }).sin().data();
      const pipelines = device.stats.pipelines;
      for (const shape of [[1], [7, 3], [2, 3, 4, 5], [1000]]) {
        const x = torch.ones(shape, { device: 'webgpu' });
        await x.sin().data();
        await x.transpose(0, -1).sin().data();
      }
      expect(device.stats.pipelines).toBe(pipelines);
    });

    it('reuses freed buffers, so a training-style loop keeps GPU memory flat', async () => {
      const device = gpu();
      const w = torch.ones(32, 8, { device: 'webgpu' }).requiresGrad_();
      const x = torch.ones(16, 32, { device: 'webgpu' });
      const step = () =>
        torch.scope(() => {
          const loss = x.matmul(w).tanh().square().mean();
          loss.backward();
          torch.noGrad(() => {
            w.sub_(w.grad!.mul(0.01));
            w.grad!.zero_();
          });
        });
      for (let i = 0; i < 5; i++) step();
      await w.data();
      const [bytes, created] = [device.bytesInUse(), device.stats.buffersCreated];
      for (let i = 0; i < 50; i++) step();
      await w.data();
      expect(device.bytesInUse()).toBe(bytes);
      expect(device.stats.buffersCreated).toBe(created);
      expect(torch.memory().bytes.webgpu).toBeGreaterThan(0);
    });
  });

  describe('copies between devices', () => {
    it('round-trips values and dtypes; to() from webgpu to cpu returns before the values land', async () => {
      const cpu = torch.tensor([
        [1.5, -2],
        [NaN, Infinity],
      ]);
      const g = cpu.to('webgpu');
      expect(g.device).toBe('webgpu');
      const back = g.t().to('cpu');
      expect(back.device).toBe('cpu');
      // The copy is still on its way: synchronous use would read memory the GPU has not filled.
      expect(() => back.tolistSync()).toThrow(/still being copied to cpu/);
      expect(() => back.add(1)).toThrow(/add: argument 'input' is still being copied/);
      expect(String(back)).toBe('tensor(..., size=(2, 2))');
      expect(await back.tolist()).toEqual([
        [1.5, NaN],
        [-2, Infinity],
      ]);
      expect(back.add(1).tolistSync()).toEqual([
        [2.5, NaN],
        [-1, Infinity],
      ]);
      const ints = await torch.tensor([1.7, -2.2, 3]).to({ device: 'webgpu', dtype: 'int32' }).toAsync('cpu');
      expect(ints.dtype).toBe('int32');
      expect(ints.tolistSync()).toEqual([1, -2, 3]);
    });

    it('copies the values of the moment: later writes on the source do not reach the copy', async () => {
      const g = torch.zeros(3, { device: 'webgpu' });
      const snapshot = g.to('cpu');
      g.add_(5);
      const again = g.to('cpu');
      g.dispose();
      expect(await snapshot.tolist()).toEqual([0, 0, 0]);
      expect(await again.tolist()).toEqual([5, 5, 5]);
    });

    it('a tensor disposed before its copy lands frees its memory once it lands', async () => {
      const before = torch.memory().bytes.cpu;
      const h = torch.ones(1000, { device: 'webgpu' }).to('cpu');
      h.dispose();
      await torch.webgpu.synchronize();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(torch.memory().bytes.cpu).toBe(before);
    });

    it('webgpu -> webgpu:1: work on the target waits for the values', async () => {
      const a = torch.arange(6, { device: 'webgpu' }).reshape(2, 3);
      const b = a.to('webgpu:1').mul(2).sum(1);
      expect(b.device).toBe('webgpu:1');
      expect(await b.tolist()).toEqual([6, 24]);
      // A cpu tensor still arriving from webgpu can go on to another device too.
      expect(await a.to('cpu').to('webgpu:1').tolist()).toEqual([
        [0, 1, 2],
        [3, 4, 5],
      ]);
    });

    it('the API.md Devices example runs as written (randn made on the cpu until webgpu has a random kernel)', async () => {
      const g = torch.randn(256, 256).to('webgpu');
      const h = g.matmul(g).to('cpu');
      const expected = (await g.toAsync('cpu')).matmul(await g.toAsync('cpu'));
      const [got, want] = [await h.data(), expected.dataSync()];
      const scale = (await g.abs().toAsync('cpu')).matmul(await g.abs().toAsync('cpu')).dataSync();
      want.forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThanOrEqual(1e-5 * scale[i]));
    });

    it('gradients flow back across copies in both directions', async () => {
      const values = [
        [0.5, -1, 2],
        [1.5, 0.25, -0.75],
      ];
      const reference = torch.tensor(values, { requiresGrad: true });
      reference.exp().mul(reference).sum().backward();

      // a cpu leaf used on webgpu: its gradient comes back to the cpu (asynchronously)
      const x = torch.tensor(values, { requiresGrad: true });
      const onGpu = x.to('webgpu');
      onGpu.exp().mul(onGpu).sum().backward();
      expect(x.grad!.device).toBe('cpu');
      expect(await x.grad!.tolist()).toEqual(reference.grad!.tolistSync());

      // a webgpu leaf used on the cpu
      const w = torch.tensor(values, { device: 'webgpu', requiresGrad: true });
      const onCpu = await w.toAsync('cpu');
      onCpu.exp().mul(onCpu).sum().backward();
      expect(w.grad!.device).toBe('webgpu');
      expect(await w.grad!.tolist()).toEqual(reference.grad!.tolistSync());

      // a cpu graph continuing on webgpu would need the gradient back on the cpu synchronously
      const leaf = torch.tensor(values, { requiresGrad: true });
      const moved = leaf.mul(2).to('webgpu');
      expect(() => moved.sum().backward()).toThrow(
        /^backward: the gradient of MulBackward0 is still being copied to cpu by the backward of to\(\)/,
      );

      // across two GPUDevices
      const v = torch.tensor(values, { device: 'webgpu', requiresGrad: true });
      const onOther = v.to('webgpu:1');
      onOther.exp().mul(onOther).sum().backward();
      expect(v.grad!.device).toBe('webgpu');
      const got = (await v.grad!.tolist()) as number[][];
      got.flat().forEach((g, i) => expect(g).toBeCloseTo((reference.grad!.tolistSync() as number[][]).flat()[i], 6));
    });
  });

  describe('faults', () => {
    it('an op mixing devices names both', () => {
      const a = torch.ones(2);
      const b = torch.ones(2, { device: 'webgpu' });
      expect(() => a.add(b)).toThrow("add: expected all tensors to be on the same device, but 'input' is on cpu and 'other' is on webgpu");
      expect(() => b.matmul(a)).toThrow(
        "matmul: expected all tensors to be on the same device, but 'input' is on webgpu and 'other' is on cpu",
      );
      expect(() => b.add(torch.ones(2, { device: 'webgpu:1' }))).toThrow(/'input' is on webgpu and 'other' is on webgpu:1/);
    });

    it('every kernel the cpu has also has a WGSL implementation (the kernel table throws, naming the kernel, for any that does not)', () => {
      const cpuKernels = Object.keys((torch.ones(1) as unknown as { deviceObject: { kernels: object } }).deviceObject.kernels);
      const missing = cpuKernels.filter((name) => !(name in gpu().kernels));
      expect(cpuKernels.length).toBeGreaterThan(20);
      expect(missing).toEqual([]);
    });

    it('an allocation beyond what the device can hold is a clear out-of-memory error', () => {
      const limit = gpu().gpu.limits.maxStorageBufferBindingSize;
      expect(() => torch.empty(limit / 4 + 1, { device: 'webgpu' })).toThrow(
        /webgpu: out of memory: cannot allocate .* MiB for one tensor; the largest buffer this device can bind is .* MiB/,
      );
      expect(torch.ones(2, { device: 'webgpu' }).device).toBe('webgpu');
    });

    it('a layout of more than 16 dims that cannot merge is refused with a clear error', () => {
      const x = torch.ones(new Array(17).fill(2), { device: 'webgpu' });
      const reversed = x.permute(x.shape.map((_, d) => 16 - d));
      expect(() => reversed.contiguous()).toThrow(/^copy: webgpu kernels walk at most 16 dims, but this layout needs 17/);
    });

    it('integer division by zero is reported at the next read, as PyTorch raises it', async () => {
      const a = torch.tensor(Int32Array.from([7, -7, 3]), { device: 'webgpu' });
      const b = torch.tensor(Int32Array.from([2, 0, 1]), { device: 'webgpu' });
      const r = a.remainder(b);
      await expect(r.data()).rejects.toThrow(
        /^remainder: integer division by zero \(argument 'other' contains 0\); found by a kernel on webgpu, which reports such errors at the next read/,
      );
      expect(await a.floorDivide(torch.tensor(Int32Array.from([2, -2, 3]), { device: 'webgpu' })).tolist()).toEqual([3, 3, 1]);
      expect(() => a.remainder(0)).toThrow('remainder: integer division by zero');
    });

    it('a lost device gives a clear error on the next op, and init() creates a new one', async () => {
      const lost = gpu('webgpu:1');
      const x = torch.ones(3, { device: 'webgpu:1' });
      lost.gpu.destroy();
      await expect(x.data()).rejects.toThrow(
        /webgpu:1: the WebGPU device was lost \(destroyed.*call await torch.webgpu.init\(\) to create a new device/i,
      );
      expect(() => x.add(1)).toThrow(/webgpu:1: the WebGPU device was lost/);
      expect(torch.webgpu.deviceCount()).toBe(1);
      await torch.webgpu.init({ deviceCount: 2 });
      expect(gpu('webgpu:1')).not.toBe(lost);
      expect(await torch.ones(3, { device: 'webgpu:1' }).add(1).tolist()).toEqual([2, 2, 2]);
    });

    it('torch.memory() stops counting a lost device', async () => {
      await torch.webgpu.init({ deviceCount: 2 });
      const doomed = gpu('webgpu:1');
      // Earlier tests' copies may still land on 'webgpu', so count the others at each check.
      const others = () =>
        allDevices()
          .filter((d) => d.type === 'webgpu' && d !== doomed)
          .reduce((sum, d) => sum + d.bytesInUse(), 0);
      const x = torch.ones(1024, { device: 'webgpu:1' });
      expect(doomed.bytesInUse()).toBeGreaterThanOrEqual(4096);
      expect(torch.memory().bytes.webgpu).toBe(others() + doomed.bytesInUse());
      doomed.gpu.destroy();
      await doomed.gpu.lost;
      expect(torch.memory().bytes.webgpu).toBe(others());
      x.dispose();
      expect(torch.memory().bytes.webgpu).toBe(others());
      await torch.webgpu.init({ deviceCount: 2 });
      expect(gpu('webgpu:1')).not.toBe(doomed);
    });

    it("a WGSL kernel that fails to build is reported with the compiler's messages, not as the invalid pipeline its dispatches then hit", async () => {
      const broken = new WebGpuDevice('webgpu:broken', await (await requestAdapter())!.requestDevice());
      const out = torch.empty(4, { device: 'webgpu' });
      const dst = { ...out, storage: { ...out.storage, buffer: broken.malloc(16) } };
      // fill's own launch, but a table entry whose name is not an identifier breaks the source.
      const shader = defineShader('fill', { tables: [{ '9lives': 1 }] });
      broken.run({ shader, outputs: { dst }, walk: stridedWalk('fill', dst.shape, [dst]), uniforms: { bits: ['u32', 0] } });
      await expect(broken.synchronize()).rejects.toThrow(/webgpu:broken: building the WGSL kernel fill\|.* failed: [\s\S]*\d+:\d+ /);
      broken.gpu.destroy();
    });

    it("init({ device }) adopts a caller's GPUDevice as webgpu", async () => {
      const adapter = await requestAdapter();
      const own = await adapter!.requestDevice();
      await torch.webgpu.init({ device: own });
      expect(gpu().gpu).toBe(own);
      expect(await torch.tensor([1, 2], { device: 'webgpu' }).mul(3).tolist()).toEqual([3, 6]);
    });
  });
});
