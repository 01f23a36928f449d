// Worker CPU devices cpu:1 ... cpu:N: creation and names, copies between devices, the CPU's bits for
// a spread of ops and a training step, asynchronous reads and faults, mixed-device errors, memory
// accounting and growth, and a process that exits while its workers are idle.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDevice } from '../../src/devices/registry.js';
import { WorkerCpuDevice } from '../../src/devices/worker/device.js';
import * as torch from '../../src/index.js';

const bits = (values: Float32Array | Int32Array) => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

/** Runs `compute` on 'cpu' and on each worker device from the same seed; every output has the CPU's bits. */
async function sameBitsAsCpu(compute: (device: string) => torch.Tensor[], devices = ['cpu:1', 'cpu:2']): Promise<void> {
  const run = async (device: string) => {
    torch.manualSeed(11);
    const outputs = torch.scope(() => compute(device));
    for (const out of outputs) expect(out.device).toBe(device);
    const values = await Promise.all(outputs.map((out) => out.data()));
    for (const out of outputs) out.dispose();
    return values.map(bits);
  };
  const expected = await run('cpu');
  for (const device of devices) expect(await run(device)).toEqual(expected);
}

describe('worker CPU devices', () => {
  beforeAll(async () => {
    await torch.cpu.init({ devices: 2 });
  });

  describe('creation', () => {
    it('init creates cpu:1 ... cpu:N, each a queueing device of kind cpu, and is idempotent', async () => {
      const first = getDevice('cpu:1');
      expect(first).toBeInstanceOf(WorkerCpuDevice);
      expect(first.name).toBe('cpu:1');
      expect(getDevice('cpu:2').name).toBe('cpu:2');
      expect(first.type).toBe('cpu');
      expect(first.synchronous).toBe(false);
      await torch.cpu.init({ devices: 2 });
      expect(getDevice('cpu:1')).toBe(first);
      expect(torch.cpu.deviceCount()).toBe(2);
      expect(torch.zeros(2, { device: 'cpu:2' }).device).toBe('cpu:2');
    });

    it('refuses bad options, and names the call that creates a device not yet there', async () => {
      await expect(torch.cpu.init({ devices: 0 })).rejects.toThrow('cpu.init: devices must be a positive integer, got number 0');
      await expect(torch.cpu.init({ devices: 1.5 })).rejects.toThrow('cpu.init: devices must be a positive integer, got number 1.5');
      await expect(torch.cpu.init({ count: 2 } as never)).rejects.toThrow(/cpu\.init.*count/);
      expect(() => torch.zeros(1, { device: 'cpu:7' })).toThrow(
        "device 'cpu:7' is not available (worker CPU devices cpu:1 ... cpu:N are created by `await torch.cpu.init({ devices: N })`)",
      );
    });
  });

  describe('copies', () => {
    it('to() moves float32 and int32 values to a worker device, between two, and back', async () => {
      const x = torch.tensor([
        [1.5, -2, 3],
        [4, 5, -0],
      ]);
      const onFirst = x.to('cpu:1');
      const onSecond = onFirst.to('cpu:2');
      const back = onSecond.to('cpu');
      expect([onFirst.device, onSecond.device, back.device]).toEqual(['cpu:1', 'cpu:2', 'cpu']);
      expect(await onSecond.tolist()).toEqual(x.tolistSync());
      expect(bits((await back.data()) as Float32Array)).toEqual(bits(x.dataSync()));
      const labels = torch.tensor([3, -1, 7], { dtype: 'int32' }).to('cpu:2');
      expect(labels.dtype).toBe('int32');
      expect(await labels.to('cpu:1').tolist()).toEqual([3, -1, 7]);
      const transposed = x.t().to('cpu:1');
      expect(await transposed.tolist()).toEqual(x.t().tolistSync());
      expect(await (await torch.tensor([9], { device: 'cpu:1' }).toAsync('cpu')).tolistSync()).toEqual([9]);
    });

    it('a write keeps the values given at the call, whatever the caller does with its array afterwards', async () => {
      const values = new Float32Array([1, 2, 3]);
      const t = torch.tensor(values, { device: 'cpu:1' });
      values.fill(0);
      expect(await t.tolist()).toEqual([1, 2, 3]);
    });
  });

  describe('the CPU device bits', () => {
    it('elementwise ops, broadcasting, where and casts', () =>
      sameBitsAsCpu((device) => {
        const a = torch.randn([5, 1, 33], { device });
        const b = torch.randn([4, 33], { device });
        const sum = a.add(b);
        return [sum, sum.exp().mul(a.sigmoid()), torch.where(sum.gt(0), a.tanh(), b.abs().sqrt()), sum.gt(0.5).int().float()];
      }));

    it('reductions, scans and sort', () =>
      sameBitsAsCpu((device) => {
        const x = torch.randn([6, 37], { device });
        const { values, indices } = x.sort(1, true);
        return [x.sum(), x.mean(1), x.amax(0), x.std(1), x.cumsum(1), values, indices.float(), x.argmax(1).float()];
      }));

    it('matmul, a batched matmul with a transposed operand, and softmax', () =>
      sameBitsAsCpu((device) => {
        const a = torch.randn([70, 130], { device });
        const b = torch.randn([130, 90], { device });
        const batch = torch.randn([3, 20, 30], { device });
        return [a.matmul(b), batch.matmul(batch.transpose(1, 2)), a.softmax(1), a.logSoftmax(0)];
      }));

    it('conv2d, pooling and their gradients', () =>
      sameBitsAsCpu((device) => {
        const input = torch.randn([2, 3, 12, 12], { device, requiresGrad: true });
        const weight = torch.randn([4, 3, 3, 3], { device, requiresGrad: true });
        const out = torch.nn.functional.maxPool2d(torch.nn.functional.conv2d(input, weight, null, { padding: 1 }), 2);
        out.square().sum().backward();
        // The grads go with their tensors when the scope ends; the clones are returned.
        return [out, input.grad!.clone(), weight.grad!.clone()];
      }));

    it('indexing: gather, indexSelect, subscripts and scatterAdd', () =>
      sameBitsAsCpu((device) => {
        const x = torch.randn([5, 8], { device });
        const index = torch.tensor(
          [
            [0, 7, 3],
            [1, 1, 2],
            [4, 0, 6],
            [5, 5, 5],
            [2, 3, 4],
          ],
          { dtype: 'int32', device },
        );
        const rows = torch.tensor([4, 0, 2], { dtype: 'int32', device });
        return [
          x.gather(1, index),
          x.indexSelect(0, rows),
          x.index(rows),
          torch.zeros([5, 8], { device }).scatterAdd(1, index, x.gather(1, index)),
        ];
      }));

    it('an LSTM forward and backward, and an Adam step', () =>
      sameBitsAsCpu((device) => {
        const lstm = new torch.nn.LSTM(6, 10, { numLayers: 2, device });
        const optimizer = new torch.optim.Adam(lstm.parameters(), { lr: 0.01 });
        const input = torch.randn([7, 3, 6], { device });
        const [output, [hN, cN]] = lstm.forward(input);
        output.sum().add(hN.square().sum()).add(cN.mean()).backward();
        const grads = lstm.parameters().map((p) => p.grad!.clone());
        optimizer.step();
        return [output, hN, cN, ...grads, ...lstm.parameters().map((p) => p.detach().clone())];
      }));

    it('random numbers from one seed', () =>
      sameBitsAsCpu((device) => [
        torch.rand([100], { device }),
        torch.randn([101], { device }),
        torch.randint(0, 10, [50], { device }).float(),
        torch.multinomial(torch.tensor([0.2, 0.5, 0.3], { device }), 20, { replacement: true }).float(),
      ]));
  });

  it('runs backward on a worker device, its gradients there', async () => {
    const x = torch.tensor([1, 2, 3], { device: 'cpu:1', requiresGrad: true });
    x.mul(x).sum().backward();
    expect(x.grad!.device).toBe('cpu:1');
    expect(await x.grad!.tolist()).toEqual([2, 4, 6]);
  });

  describe('asynchrony', () => {
    it('synchronous reads refuse, naming the device and the awaited form', () => {
      const t = torch.ones(2, { device: 'cpu:1' });
      const message = /tensor is on cpu:1, a worker CPU device .*use await t\.data\(\)/;
      expect(() => t.dataSync()).toThrow(message);
      expect(() => t.tolistSync()).toThrow(message);
      expect(() => t.sum().itemSync()).toThrow(message);
      expect(() => torch.nonzero(t)).toThrow(/nonzero.*cpu:1.*await torch\.nonzeroAsync/);
    });

    it('the async forms of ops whose shape depends on values work there', async () => {
      const t = torch.tensor([0, 3, 0, 5], { device: 'cpu:1' });
      const found = await torch.nonzeroAsync(t);
      expect(found.device).toBe('cpu:1');
      expect(await found.tolist()).toEqual([[1], [3]]);
    });

    it('a bad index found by a kernel raises at the next read, once', async () => {
      const x = torch.ones([2, 3], { device: 'cpu:1' });
      const gathered = x.gather(1, torch.tensor([[0, 5]], { dtype: 'int32', device: 'cpu:1' }));
      await expect(gathered.data()).rejects.toThrow(
        'gather: index 5 is out of bounds for dimension 1 with size 3; found by a kernel on cpu:1, which reports such errors at the next read',
      );
      expect(await x.sum().item()).toBe(6);
    });

    it('to("cpu") waits for the worker (Node may block), so the CPU tensor is ready at once, and a backward through it runs', () => {
      const x = torch.tensor([1, 2, 3], { device: 'cpu:1', requiresGrad: true });
      const onCpu = x.mul(2).to('cpu');
      expect(onCpu.tolistSync()).toEqual([2, 4, 6]);
      expect(torch.tensor([5], { device: 'cpu:2', dtype: 'int32' }).to('cpu').tolistSync()).toEqual([5]);
      onCpu.sum().backward();
      expect(x.grad!.device).toBe('cpu:1');
    });

    it('a fault found by a kernel raises at the copy to cpu, the copy that blocks for it', () => {
      const x = torch.ones([2, 3], { device: 'cpu:1' });
      const gathered = x.gather(1, torch.tensor([[0, 5]], { dtype: 'int32', device: 'cpu:1' }));
      expect(() => gathered.to('cpu')).toThrow(
        'gather: index 5 is out of bounds for dimension 1 with size 3; found by a kernel on cpu:1, which reports such errors at the next read',
      );
      expect(x.sum().to('cpu').itemSync()).toBe(6);
    });

    it('with values still arriving through this thread, to("cpu") returns at once and the values land later', async () => {
      // Blocking here would deadlock: cpu:1 waits for values that reach it through this thread's
      // event loop, as a copy from webgpu does.
      const device = getDevice('cpu:1') as WorkerCpuDevice;
      const arriving = torch.zeros(2, { device: 'cpu:1' });
      device.writeLater(arriving.storage.buffer, 0, Promise.resolve(new Float32Array([7, 8])));
      const onCpu = arriving.to('cpu');
      expect(() => onCpu.add(1)).toThrow(/still being copied to cpu/);
      expect(await onCpu.tolist()).toEqual([7, 8]);
    });

    it('a copy between two worker devices goes from worker to worker, so to("cpu") right after it can block for the values', () => {
      const fromSecond = torch.tensor([7, 8], { device: 'cpu:2' }).mul(2).to('cpu:1');
      expect(fromSecond.to('cpu').add(1).tolistSync()).toEqual([15, 17]);
    });

    it('a fault on the source of a copy between worker devices reaches the target', async () => {
      const x = torch.ones(2, 3, { device: 'cpu:2' });
      const gathered = torch.gather(x, 1, torch.tensor([[0, 5, 1]], { dtype: 'int32', device: 'cpu:2' }).expand(2, 3));
      const moved = gathered.to('cpu:1');
      await expect(moved.tolist()).rejects.toThrow(/cpu:1: a copy from another device failed: gather: index 5 is out of bounds/);
      await expect(gathered.tolist()).rejects.toThrow(/gather: index 5 is out of bounds/);
    });

    it('work that names no memory a copy still arriving runs ahead of it; work that does waits, in issue order', async () => {
      const device = getDevice('cpu:1') as WorkerCpuDevice;
      let land: (values: Float32Array) => void = () => {};
      const arriving = torch.zeros(3, { device: 'cpu:1' });
      device.writeLater(arriving.storage.buffer, 0, new Promise<Float32Array>((resolve) => (land = resolve)));
      const other = torch.tensor([1, 2, 3], { device: 'cpu:1' });
      const sum = arriving.add(other);
      // Held behind `sum`, which reads `other`: running ahead would change what `sum` sees.
      other.mul_(10);
      const freed = torch.ones(3, { device: 'cpu:1' });
      const independent = freed.mul(2);
      freed.dispose();
      expect(await independent.tolist()).toEqual([2, 2, 2]);
      const pending = Promise.all([sum.tolist(), other.tolist()]);
      land(new Float32Array([5, 6, 7]));
      expect(await pending).toEqual([
        [6, 8, 10],
        [10, 20, 30],
      ]);
      for (const tensor of [arriving, other, sum, independent]) tensor.dispose();
    });

    it('an op mixing devices names both', () => {
      const onCpu = torch.ones(2);
      const onFirst = torch.ones(2, { device: 'cpu:1' });
      const onSecond = torch.ones(2, { device: 'cpu:2' });
      expect(() => onCpu.add(onFirst)).toThrow(
        "expected all tensors to be on the same device, but 'input' is on cpu and 'other' is on cpu:1",
      );
      expect(() => onFirst.matmul(onSecond)).toThrow(/same device.* cpu:1 .* cpu:2/);
    });
  });

  describe('memory', () => {
    it('torch.memory() counts a worker device under cpu and under its own name, and dispose gives the bytes back', () => {
      const device = getDevice('cpu:1');
      const before = { device: device.bytesInUse(), total: torch.memory().bytes.cpu, tensors: torch.memory().tensors };
      const others = { cpu: torch.memory().devices.cpu, second: torch.memory().devices['cpu:2'] };
      const t = torch.zeros([1000], { device: 'cpu:1' });
      expect(device.bytesInUse()).toBe(before.device + 4000);
      expect(torch.memory().devices['cpu:1']).toBe(before.device + 4000);
      expect({ cpu: torch.memory().devices.cpu, second: torch.memory().devices['cpu:2'] }).toEqual(others);
      expect(torch.memory().bytes.cpu).toBe(before.total + 4000);
      expect(torch.memory().tensors).toBe(before.tensors + 1);
      t.dispose();
      expect(device.bytesInUse()).toBe(before.device);
      expect(torch.memory().devices['cpu:1']).toBe(before.device);
      expect(torch.memory().tensors).toBe(before.tensors);
    });

    it('keeps a loop flat, and reuses freed memory only after the work that read it', async () => {
      const device = getDevice('cpu:2');
      const x = torch.randn([64, 64], { device: 'cpu:2' });
      const before = device.bytesInUse();
      let y = x.clone();
      for (let step = 0; step < 200; step++) {
        const next = torch.scope(() => y.matmul(x).mul(0.01).add(1));
        y.dispose();
        y = next;
      }
      expect(device.bytesInUse()).toBe(before + 64 * 64 * 4);
      const cx = await x.toAsync('cpu');
      const expected = torch.scope(() => {
        let cy = cx.clone();
        for (let step = 0; step < 200; step++) cy = cy.matmul(cx).mul(0.01).add(1);
        return cy;
      });
      expect(bits((await y.data()) as Float32Array)).toEqual(bits(expected.dataSync()));
    });

    it('grows the worker memory while earlier work is still queued, without changing its values', async () => {
      const x = torch.arange(1000, { device: 'cpu:1' }).float();
      const doubled = x.mul(2);
      // 96 MiB more than the worker had: its memory grows while the ops above may still be queued.
      const big = torch.full([24 * 1024 * 1024], 1.5, { device: 'cpu:1' });
      const total = big.sum();
      const after = doubled.add(x);
      expect(await total.item()).toBe(1.5 * 24 * 1024 * 1024);
      expect(await after.tolist()).toEqual(Array.from({ length: 1000 }, (_, i) => 3 * i));
      big.dispose();
    });
  });

  it('a copy from a worker device whose worker stops fails at the target, naming the stop', () => {
    const output = execFileSync(process.execPath, [fileURLToPath(new URL('../runtimes/dead-peer-run.js', import.meta.url))], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(JSON.parse(output)).toEqual({
      outcome: expect.stringMatching(/^cpu:1: a copy from another device failed: cpu:2: its worker stopped \(exit code 1\)/),
    });
  });

  it('a process that used worker devices exits once its work is done, and waits for its reads', () => {
    const bundle = new URL('../../dist/node.js', import.meta.url).href;
    const output = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const torch = await import(${JSON.stringify(bundle)}); await torch.cpu.init({ devices: 2 }); const y = torch.ones(4, { device: 'cpu:2' }).mul(3); console.log(JSON.stringify(await y.sum().item()));`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(JSON.parse(output)).toBe(12);
  });
});
