// The WebGPU matmul kernel (shaders/matmul.wgsl) against the CPU's, case by case over the ways it
// can run: every tile (rows per workgroup 1 to 16, one or two quads of columns per thread), b read
// as vec4 quads or strided, the problem turned round (out^T = b^T a^T) when out is tall and
// narrow, and the edges between them: sizes that are not multiples of 4 or of the tile, K below
// the tile depth of other kernels, transposed, sliced and broadcast operands, M = 1, N = 1, and
// more batches than one launch holds. Each case also checks that it takes the path it is named for.
import { describe, expect, it } from 'vitest';
import { getDevice } from '../../src/devices/registry.js';
import type { WebGpuDevice } from '../../src/devices/webgpu/device.js';
import { matmulPlan } from '../../src/devices/webgpu/kernels/matmul.js';
import * as torch from '../../src/index.js';
import { accumulated, EXACT, expectAgree } from './compare.js';
import { webgpuReady } from './gpu.js';

type Tensor = torch.Tensor;

const ready = await webgpuReady();

/** A view of fresh values made on the CPU, the same view on both devices. */
interface Operand {
  readonly base: number[];
  readonly view?: (base: Tensor) => Tensor;
}

interface Expected {
  readonly rows: number;
  readonly quads: number;
  /** b read as vec4 quads. */
  readonly vec4: boolean;
  readonly transposed: boolean;
}

interface Case {
  readonly name: string;
  readonly a: Operand;
  readonly b: Operand;
  readonly expected: Expected;
}

const transposed = (x: Tensor) => x.transpose(-1, -2);

const cases: Case[] = [
  { name: 'M = 1, vec4 b', a: { base: [1, 9] }, b: { base: [9, 200] }, expected: { rows: 1, quads: 2, vec4: true, transposed: false } },
  {
    name: 'M = 2, N not a multiple of 4',
    a: { base: [2, 5] },
    b: { base: [5, 130] },
    expected: { rows: 2, quads: 2, vec4: false, transposed: false },
  },
  {
    name: 'M = 3 in a 4-row tile, one quad',
    a: { base: [3, 16] },
    b: { base: [16, 64] },
    expected: { rows: 4, quads: 1, vec4: true, transposed: false },
  },
  {
    name: 'K = 3, 8-row tile, edges everywhere',
    a: { base: [7, 3] },
    b: { base: [3, 33] },
    expected: { rows: 8, quads: 1, vec4: false, transposed: false },
  },
  {
    name: 'whole tiles, no edge',
    a: { base: [32, 40] },
    b: { base: [40, 256] },
    expected: { rows: 16, quads: 2, vec4: true, transposed: false },
  },
  {
    name: 'row and column edges, 16-row tile',
    a: { base: [37, 19] },
    b: { base: [19, 45] },
    expected: { rows: 16, quads: 1, vec4: false, transposed: false },
  },
  {
    name: 'two column blocks, vec4 b, long K',
    a: { base: [50, 300] },
    b: { base: [300, 260] },
    expected: { rows: 16, quads: 2, vec4: true, transposed: false },
  },
  {
    name: 'a recurrent step: M 32, K 256, N 1024',
    a: { base: [32, 256] },
    b: { base: [256, 1024] },
    expected: { rows: 16, quads: 2, vec4: true, transposed: false },
  },
  {
    name: 'transposed a',
    a: { base: [24, 20], view: transposed },
    b: { base: [24, 132] },
    expected: { rows: 16, quads: 2, vec4: true, transposed: false },
  },
  {
    name: 'transposed b is read strided',
    a: { base: [20, 12] },
    b: { base: [128, 12], view: transposed },
    expected: { rows: 16, quads: 1, vec4: false, transposed: false },
  },
  {
    name: 'every other column of b',
    a: { base: [9, 10] },
    b: { base: [10, 32], view: (x) => x.index(':', '::2') },
    expected: { rows: 16, quads: 1, vec4: false, transposed: false },
  },
  {
    name: 'b starting off a multiple of 4',
    a: { base: [6, 8] },
    b: { base: [8, 17], view: (x) => x.index(':', '1:') },
    expected: { rows: 8, quads: 1, vec4: false, transposed: false },
  },
  {
    name: 'rows of b off multiples of 4',
    a: { base: [6, 8] },
    b: { base: [8, 18], view: (x) => x.index(':', ':16') },
    expected: { rows: 8, quads: 1, vec4: false, transposed: false },
  },
  {
    name: 'tall and narrow turns round',
    a: { base: [300, 8] },
    b: { base: [8, 3] },
    expected: { rows: 4, quads: 2, vec4: false, transposed: true },
  },
  {
    name: 'turned round, vec4 from a transposed a',
    a: { base: [8, 300], view: transposed },
    b: { base: [8, 8] },
    expected: { rows: 8, quads: 2, vec4: true, transposed: true },
  },
  { name: 'N = 1', a: { base: [70, 33] }, b: { base: [33, 1] }, expected: { rows: 1, quads: 1, vec4: false, transposed: true } },
  {
    name: 'M = 1 and N = 1',
    a: { base: [1, 100] },
    b: { base: [100, 1] },
    expected: { rows: 1, quads: 1, vec4: false, transposed: false },
  },
  {
    name: 'batched, vec4 b',
    a: { base: [3, 7, 5] },
    b: { base: [3, 5, 8] },
    expected: { rows: 8, quads: 1, vec4: true, transposed: false },
  },
  {
    name: 'batch strides off multiples of 4 read strided',
    a: { base: [3, 7, 5] },
    b: { base: [3, 42], view: (x) => x.index(':', ':40').unflatten(1, [5, 8]) },
    expected: { rows: 8, quads: 1, vec4: false, transposed: false },
  },
  {
    name: 'broadcast batches',
    a: { base: [4, 1, 5, 6] },
    b: { base: [3, 6, 7] },
    expected: { rows: 8, quads: 1, vec4: false, transposed: false },
  },
  {
    name: 'an expanded b (batch stride 0), vec4',
    a: { base: [5, 6, 9] },
    b: { base: [1, 9, 12], view: (x) => x.expand(5, 9, 12) },
    expected: { rows: 8, quads: 1, vec4: true, transposed: false },
  },
];

/** The views of `a` and `b` the kernel gets: batch dims broadcast to out's. */
function kernelViews(a: Tensor, b: Tensor, out: Tensor): [Tensor, Tensor] {
  const batch = out.shape.slice(0, -2);
  return [a.expand([...batch, ...a.shape.slice(-2)]), b.expand([...batch, ...b.shape.slice(-2)])];
}

function onBoth(operand: Operand): [Tensor, Tensor] {
  const values = torch.randn(operand.base);
  const view = operand.view ?? ((x: Tensor) => x);
  return [view(values), view(values.to('webgpu'))];
}

describe.runIf(ready)('webgpu matmul kernel', () => {
  for (const { name, a, b, expected } of cases) {
    it(name, async () => {
      torch.manualSeed(name.length);
      const [aCpu, aGpu] = onBoth(a);
      const [bCpu, bGpu] = onBoth(b);
      const out = aGpu.matmul(bGpu);
      const plan = matmulPlan(out, ...kernelViews(aGpu, bGpu, out));
      expect({ ...plan.tile, vec4: plan.quads, transposed: plan.problem.transposed }, 'the path taken').toEqual(expected);
      await expectAgree(name, out, aCpu.matmul(bCpu), accumulated(aCpu.abs().matmul(bCpu.abs())));
    });
  }

  it('more batches than one launch holds (65535)', async () => {
    const a = torch.randn(65537, 2, 3);
    const b = torch.randn(65537, 3, 2);
    await expectAgree('65537 batches', a.to('webgpu').matmul(b.to('webgpu')), a.matmul(b), accumulated(a.abs().matmul(b.abs())));
  });

  it('inf and NaN in the rows and columns the edges clamp to reach only their own outputs', async () => {
    // 3 rows in a 4-row tile and 5 columns in a quad-strided row: the missing row and columns read
    // the last ones, which hold inf and NaN. Integers keep every sum exact.
    const a = torch.tensor([
      [1, 2, 0],
      [0, -1, 3],
      [Infinity, 1, 2],
    ]);
    const b = torch.tensor([
      [1, 0, 2, 1, NaN],
      [2, 1, 0, -1, 1],
      [0, 3, 1, 2, Infinity],
    ]);
    await expectAgree('edges with inf and NaN', a.to('webgpu').matmul(b.to('webgpu')), a.matmul(b), EXACT);
    const b4 = torch.tensor([
      [1, 0, 2, Infinity],
      [2, 1, 0, -1],
      [0, 3, 1, NaN],
    ]);
    await expectAgree('vec4 edges with inf and NaN', a.to('webgpu').matmul(b4.to('webgpu')), a.matmul(b4), EXACT);
  });

  it('sums in order of k: the same bits as a sequential float32 sum', async () => {
    // Terms that cancel catastrophically: any other order of summation gives other bits.
    const K = 64;
    const a = torch.tensor([Array.from({ length: K }, (_, k) => (k % 2 === 0 ? 1e8 : 1) * (k % 4 < 2 ? 1 : -1) + k / 7)]);
    const b = torch.ones(K, 4);
    const got = await a.to('webgpu').matmul(b.to('webgpu')).data();
    let sum = Math.fround(0);
    for (const value of a.dataSync()) sum = Math.fround(sum + value);
    expect([...got]).toEqual([sum, sum, sum, sum]);
  });

  it('one pipeline per tile serves every shape, stride and batch count', async () => {
    const device = getDevice('webgpu') as WebGpuDevice;
    const run = async (M: number, K: number, N: number, batch: number[] = []) => {
      const out = torch
        .randn([...batch, M, K])
        .to('webgpu')
        .matmul(torch.randn([...batch, K, N]).to('webgpu'));
      await out.data();
    };
    await run(20, 7, 200);
    const pipelines = device.stats.pipelines;
    await run(17, 30, 252, [2]);
    await run(31, 1, 132, [3, 2]);
    expect(device.stats.pipelines).toBe(pipelines);
  });
});
