// The CPU thread pool: PyTorch's thread API, the same bits at 1, 2 and 3 threads for every threaded
// kernel, workers that keep working after wasm memory grows, and the single-thread fallback.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { cpu, sameBitsAtAnyThreadCount, useThreads } from '../helpers/threads.js';

const defaultThreads = torch.getNumThreads();

describe('CPU threads', () => {
  afterAll(() => torch.setNumThreads(defaultThreads));

  it('defaults to one thread per core in Node, as PyTorch counts them (the calling thread included)', () => {
    expect(defaultThreads).toBe(availableParallelism());
    expect(torch.cpu.threads).toBe(defaultThreads);
    expect(torch.cpu.threadsUnavailable).toBeNull();
  });

  it('setNumThreads changes getNumThreads and torch.cpu.threads', async () => {
    await useThreads(3);
    expect(torch.getNumThreads()).toBe(3);
    expect(torch.cpu.threads).toBe(3);
    torch.setNumThreads(1);
    expect(torch.cpu.threads).toBe(1);
  });

  it('refuses a thread count that is not a positive integer', () => {
    expect(() => torch.setNumThreads(0)).toThrow('setNumThreads: n must be a positive integer, got number 0');
    expect(() => torch.setNumThreads(1.5)).toThrow('setNumThreads: n must be a positive integer, got number 1.5');
    expect(() => torch.setNumThreads('2' as unknown as number)).toThrow("setNumThreads: n must be a positive integer, got string '2'");
  });

  describe('gives the same bits at 1, 2 and 3 threads', () => {
    beforeAll(() => torch.manualSeed(0));

    it('matmul over shapes around the tile width, transposed and batched operands', async () => {
      await sameBitsAtAnyThreadCount(() =>
        [
          [1, 1, 1],
          [7, 9, 13],
          [64, 64, 64],
          [128, 300, 77],
          [33, 1000, 17],
          [300, 200, 500],
          [256, 256, 1000],
        ].flatMap(([m, k, n]) => {
          const a = torch.randn([m, k]);
          const b = torch.randn([k, n]);
          return [a.matmul(b), a.matmul(torch.randn([n, k]).t()), torch.randn([k, m]).t().matmul(b)];
        }),
      );
      await sameBitsAtAnyThreadCount(() => [
        torch.randn([4, 96, 80]).matmul(torch.randn([4, 80, 130])),
        torch.randn([3, 1, 200, 64]).matmul(torch.randn([2, 64, 72])),
      ]);
    });

    it('Linear forward and backward', async () => {
      await sameBitsAtAnyThreadCount(() => {
        const linear = new torch.nn.Linear(300, 400);
        const x = torch.randn([128, 300], { requiresGrad: true });
        const y = linear.forward(x);
        y.mul(torch.randn(y.shape)).sum().backward();
        return [y, x.grad!, linear.weight.grad!, linear.bias!.grad!];
      });
    });

    it('a bidirectional 2-layer LSTM forward and backward over packed sequences', async () => {
      await sameBitsAtAnyThreadCount(() => {
        const lstm = new torch.nn.LSTM(96, 128, { numLayers: 2, bidirectional: true });
        const x = torch.randn([20, 48, 96], { requiresGrad: true });
        const packed = torch.nn.utils.rnn.packPaddedSequence(
          x,
          Array.from({ length: 48 }, (_, i) => 20 - Math.floor(i / 3)),
        );
        const [output, [h, c]] = lstm.forward(packed);
        const [padded] = torch.nn.utils.rnn.padPackedSequence(output);
        padded.sum().add(h.mul(2).sum()).add(c.sum()).backward();
        return [padded, h, c, x.grad!, ...lstm.parameters().map((p) => p.grad!)];
      });
    });
  });

  it('workers keep computing after wasm memory grows between jobs', async () => {
    await useThreads(2);
    const before = cpu.wasm.memory.buffer.byteLength;
    const a = torch.randn([200, 300]);
    const b = torch.randn([300, 256]);
    const first = a.matmul(b);
    // Enough live data to make the allocator grow the shared memory, then operands placed above the old end.
    const filler = torch.zeros([Math.ceil(before / 4) + (1 << 20)]);
    expect(cpu.wasm.memory.buffer.byteLength).toBeGreaterThan(before);
    const aHigh = a.clone();
    const bHigh = b.clone();
    const second = aHigh.matmul(bHigh);
    torch.setNumThreads(1);
    const reference = a.matmul(b);
    expect(Array.from(first.dataSync())).toEqual(Array.from(reference.dataSync()));
    expect(Array.from(second.dataSync())).toEqual(Array.from(reference.dataSync()));
    for (const t of [a, b, first, filler, aHigh, bHigh, second, reference]) t.dispose();
  });

  it('loads the single-thread build, and says why, where the runtime has no SharedArrayBuffer or no Worker', () => {
    const bundle = new URL('../../dist/node.js', import.meta.url).href;
    // A fresh process whose globals look like an edge runtime's before webtorch loads.
    const run = (hide: string) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `${hide}; const torch = await import(${JSON.stringify(bundle)}); const x = torch.randn([64, 300]); const y = x.matmul(x.t()); console.log(JSON.stringify({ info: torch.cpu.parallelInfo(), threads: torch.getNumThreads(), diagonal: y.index(0, 0).itemSync() > 0 }));`,
          ],
          { encoding: 'utf8' },
        ),
      );
    const withoutShared = run('delete globalThis.SharedArrayBuffer');
    expect(withoutShared.info.build).toBe('single-thread');
    expect(withoutShared.threads).toBe(1);
    expect(withoutShared.info.threadsUnavailable).toBe('this runtime has no SharedArrayBuffer');
    expect(withoutShared.diagonal).toBe(true);
    const withoutWorker = run('process.getBuiltinModule = () => undefined; delete globalThis.Worker');
    expect(withoutWorker.info.build).toBe('single-thread');
    expect(withoutWorker.info.threadsUnavailable).toMatch(/^this runtime has no Worker/);
    expect(withoutWorker.diagonal).toBe(true);
  });
});
