// Max, average and adaptive average pooling, 1-D and 2-D, on WebGPU (shaders/pool.wgsl) against
// the CPU kernels: every option, batched and unbatched, contiguous and strided inputs, forward and
// backward. Max pooling selects, so its values and indices agree exactly; sums (average pooling,
// gradients where windows overlap) within the accumulated-magnitude bound. Then ties, NaN and
// -inf, the window-table cache under many shapes, and the PyTorch 1.13 fixtures of
// test/nn/pooling.test.ts on webgpu.
import { describe, it } from 'vitest';
import * as torch from '../../src/index.js';
import { checkFunctionalCase, checkModuleCase, functionalCases, moduleCases } from '../helpers/nn-conv-fixtures.js';
import { agreeAccumulated, Choices, EXACT, expectAgree, expectNoGrowth, LAYOUTS, pair } from './compare.js';
import { webgpuReady } from './gpu.js';

type Tensor = torch.Tensor;
const F = torch.nn.functional;

const ready = await webgpuReady();

const normal = (shape: number[]) => torch.randn(shape);

interface PoolCase {
  name: string;
  input: number[];
  fn: (x: Tensor) => Tensor;
}

const MAX_POOL: PoolCase[] = [
  { name: 'maxPool2d k2', input: [2, 3, 6, 6], fn: (x) => F.maxPool2d(x, 2) },
  { name: 'maxPool2d k3 s2 p1', input: [2, 2, 7, 7], fn: (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 }) },
  { name: 'maxPool2d overlapping windows', input: [1, 2, 6, 7], fn: (x) => F.maxPool2d(x, 3, { stride: 1 }) },
  {
    name: 'maxPool2d ceil mode with padding',
    input: [1, 2, 6, 8],
    fn: (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }),
  },
  { name: 'maxPool2d dilation', input: [1, 2, 7, 6], fn: (x) => F.maxPool2d(x, 2, { stride: 1, dilation: 2, padding: 1 }) },
  {
    name: 'maxPool2d tuples',
    input: [2, 2, 6, 9],
    fn: (x) => F.maxPool2d(x, [2, 3], { stride: [1, 2], padding: [1, 1], dilation: [1, 2] }),
  },
  { name: 'maxPool2d unbatched', input: [2, 5, 5], fn: (x) => F.maxPool2d(x, 3, { stride: 1 }) },
  { name: 'maxPool1d k3 s2 p1', input: [2, 3, 9], fn: (x) => F.maxPool1d(x, 3, { stride: 2, padding: 1 }) },
  { name: 'maxPool1d ceil mode', input: [2, 2, 8], fn: (x) => F.maxPool1d(x, 3, { stride: 2, ceilMode: true }) },
  { name: 'maxPool1d dilation, unbatched', input: [3, 10], fn: (x) => F.maxPool1d(x, 3, { dilation: 2, stride: 1 }) },
];

const AVG_POOL: PoolCase[] = [
  { name: 'avgPool2d k2', input: [2, 3, 6, 6], fn: (x) => F.avgPool2d(x, 2) },
  { name: 'avgPool2d k3 s2 p1', input: [2, 2, 7, 7], fn: (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1 }) },
  {
    name: 'avgPool2d padding excluded',
    input: [2, 2, 7, 7],
    fn: (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }),
  },
  {
    name: 'avgPool2d ceil mode, padding excluded',
    input: [1, 2, 6, 7],
    fn: (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
  },
  {
    name: 'avgPool2d divisor override',
    input: [1, 2, 6, 6],
    fn: (x) => F.avgPool2d(x, [3, 2], { stride: [2, 1], padding: [1, 0], divisorOverride: 5 }),
  },
  { name: 'avgPool2d overlapping, unbatched', input: [3, 5, 6], fn: (x) => F.avgPool2d(x, 2, { stride: 1 }) },
  { name: 'avgPool1d k3 s2 p1', input: [2, 3, 9], fn: (x) => F.avgPool1d(x, 3, { stride: 2, padding: 1 }) },
  {
    name: 'avgPool1d ceil mode, padding excluded',
    input: [2, 2, 8],
    fn: (x) => F.avgPool1d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
  },
  { name: 'adaptiveAvgPool2d 3x2', input: [2, 3, 7, 5], fn: (x) => F.adaptiveAvgPool2d(x, [3, 2]) },
  { name: 'adaptiveAvgPool2d keeping the height', input: [1, 2, 4, 9], fn: (x) => F.adaptiveAvgPool2d(x, [null, 4]) },
  { name: 'adaptiveAvgPool2d global', input: [2, 3, 5, 6], fn: (x) => F.adaptiveAvgPool2d(x, 1) },
  { name: 'adaptiveAvgPool2d larger than the input', input: [1, 2, 3, 4], fn: (x) => F.adaptiveAvgPool2d(x, [5, 7]) },
  { name: 'adaptiveAvgPool1d', input: [2, 3, 10], fn: (x) => F.adaptiveAvgPool1d(x, 4) },
  { name: 'adaptiveAvgPool1d unbatched', input: [3, 7], fn: (x) => F.adaptiveAvgPool1d(x, 3) },
];

/** The layout of case `index`'s input: contiguous, transposed, strided and broadcast in turn. */
const layoutOf = (index: number) => LAYOUTS[index % LAYOUTS.length];

describe.skipIf(!ready)('pooling on webgpu agrees with the cpu', () => {
  MAX_POOL.forEach((c, index) => {
    it(`${c.name} (${layoutOf(index)} input)`, async () => {
      torch.manualSeed(index);
      const x = pair(c.input, layoutOf(index), normal, { requiresGrad: true, choices: new Choices(index) });
      await agreeAccumulated(c.name, c.fn, [x], { bound: 'values', exactForward: true });
    });
  });

  AVG_POOL.forEach((c, index) => {
    it(`${c.name} (${layoutOf(index)} input)`, async () => {
      torch.manualSeed(100 + index);
      const x = pair(c.input, layoutOf(index), normal, { requiresGrad: true, choices: new Choices(100 + index) });
      await agreeAccumulated(c.name, c.fn, [x]);
    });
  });

  it('max pooling returns the same indices', async () => {
    torch.manualSeed(7);
    for (const [shape, layout] of [
      [[2, 3, 7, 6], 'permuted'],
      [[1, 2, 9, 9], 'strided'],
    ] as const) {
      const x = pair([...shape], layout, normal);
      const options = { stride: 2, padding: 1, dilation: [1, 2], ceilMode: true, returnIndices: true } as const;
      const [cpuOut, cpuIndices] = F.maxPool2d(x.cpu, [3, 2], options);
      const [gpuOut, gpuIndices] = F.maxPool2d(x.gpu, [3, 2], options);
      await expectAgree(`maxPool2d ${layout} values`, gpuOut, cpuOut, EXACT);
      await expectAgree(`maxPool2d ${layout} indices`, gpuIndices, cpuIndices, EXACT);
    }
    const line = pair([2, 3, 11], 'contiguous', normal);
    const [cpuOut, cpuIndices] = F.maxPool1d(line.cpu, 4, { stride: 3, padding: 2, returnIndices: true });
    const [gpuOut, gpuIndices] = F.maxPool1d(line.gpu, 4, { stride: 3, padding: 2, returnIndices: true });
    await expectAgree('maxPool1d values', gpuOut, cpuOut, EXACT);
    await expectAgree('maxPool1d indices', gpuIndices, cpuIndices, EXACT);
  });

  it('ties keep the first maximum, NaN wins (the last NaN), -inf windows point at their first tap', async () => {
    const cases: [string, number[], number[], (x: Tensor) => [Tensor, Tensor]][] = [
      [
        'ties',
        [1, 1, 4, 4],
        [2, 2, 2, 2, 2, 3, 3, 2, 2, 3, 3, 2, 2, 2, 2, 2],
        (x) => F.maxPool2d(x, 2, { stride: 1, returnIndices: true }),
      ],
      ['NaN', [1, 1, 9], [1, NaN, 3, 2, 5, 4, NaN, 0, NaN], (x) => F.maxPool1d(x, 3, { returnIndices: true })],
      [
        '-inf',
        [1, 1, 6],
        [-Infinity, -Infinity, -Infinity, 1, -Infinity, -Infinity],
        (x) => F.maxPool1d(x, 2, { stride: 2, returnIndices: true }),
      ],
    ];
    for (const [name, shape, values, fn] of cases) {
      const cpuInput = torch.tensor(values).reshape(shape).requiresGrad_();
      const gpuInput = torch.tensor(values).reshape(shape).to('webgpu').requiresGrad_();
      const [cpuOut, cpuIndices] = fn(cpuInput);
      const [gpuOut, gpuIndices] = fn(gpuInput);
      await expectAgree(`${name}: values`, gpuOut, cpuOut, EXACT);
      await expectAgree(`${name}: indices`, gpuIndices, cpuIndices, EXACT);
      const upstream = torch
        .arange(cpuOut.numel())
        .add(1)
        .reshape(cpuOut.shape as number[]);
      cpuOut.backward(upstream);
      gpuOut.backward(upstream.to('webgpu'));
      await expectAgree(`${name}: gradient`, gpuInput.grad!, cpuInput.grad!, EXACT);
    }
  });

  it('stays right past the window-table cache: many shapes in turn, then the first again', async () => {
    torch.manualSeed(8);
    const widths = Array.from({ length: 40 }, (_, i) => 3 + i);
    for (const width of [...widths, widths[0]]) {
      const x = pair([1, 1, 2, width], 'contiguous', normal, { requiresGrad: true });
      await agreeAccumulated(`avgPool2d width ${width}`, (input) => F.avgPool2d(input, [1, 3], { stride: [1, 2], padding: [0, 1] }), [x]);
    }
  });
});

describe.skipIf(!ready)('pooling parity with PyTorch 1.13 on webgpu', () => {
  for (const c of functionalCases('maxPool', 'avgPool', 'adaptiveAvgPool')) it(c.name, () => checkFunctionalCase(c, 'webgpu'));
  for (const c of moduleCases('MaxPool', 'AvgPool', 'AdaptiveAvgPool')) it(`nn.${c.name}`, () => checkModuleCase(c, 'webgpu'));
});

describe.skipIf(!ready)('pooling memory on webgpu', () => {
  it('repeated pooling with the same windows allocates nothing new', async () => {
    const x = torch.randn(2, 3, 8, 8).to('webgpu').requiresGrad_();
    const step = async () => {
      const out = torch.scope(() => {
        const y = F.maxPool2d(x, 3, { stride: 2, padding: 1 }).add(F.avgPool2d(x, 3, { stride: 2, padding: 1 }));
        y.sum().backward();
        return y.detach();
      });
      await out.data();
      out.dispose();
    };
    await step();
    const before = torch.memory();
    for (let i = 0; i < 3; i++) await step();
    expectNoGrowth(before, torch.memory());
  });
});
