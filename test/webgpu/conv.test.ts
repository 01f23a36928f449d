// conv1d/conv2d on WebGPU (shaders/conv.wgsl) against the CPU kernels, forward and every gradient,
// over every option, operand layout (transposed, strided and broadcast inputs, weights and
// biases) and each of the kernel's tile shapes; the PyTorch 1.13 fixtures of test/nn/conv.test.ts
// run on webgpu; determinism; and a training loop that keeps GPU memory flat.
import { describe, expect, it } from 'vitest';
import { getDevice } from '../../src/devices/registry.js';
import type { WebGpuDevice } from '../../src/devices/webgpu/device.js';
import * as torch from '../../src/index.js';
import { checkFunctionalCase, checkModuleCase, functionalCases, moduleCases } from '../helpers/nn-conv-fixtures.js';
import { agreeAccumulated, Choices, expectNoGrowth, LAYOUTS, pair } from './compare.js';
import { webgpuReady } from './gpu.js';

const { nn } = torch;
const F = nn.functional;

const ready = await webgpuReady();

const normal = (shape: number[]) => torch.randn(shape);

interface ConvCase {
  name: string;
  input: number[];
  weight: number[];
  bias: boolean;
  options: { stride?: number | number[]; padding?: number | number[] | 'same' | 'valid'; dilation?: number | number[]; groups?: number };
}

// M is the GEMM's row count: Cout/groups forward and for the weight gradient, Cin/groups for the
// input gradient; the kernel tiles M > 16, 5..16 and 1..4 differently (kernels/conv.ts). Strides
// split the input gradient into phases, some of which no tap reaches (they are zeros).
const CONV2D: ConvCase[] = [
  { name: 'padding 1', input: [2, 3, 7, 6], weight: [5, 3, 3, 3], bias: true, options: { padding: 1 } },
  { name: 'tuple stride and padding', input: [2, 4, 9, 8], weight: [6, 4, 3, 2], bias: true, options: { stride: [2, 1], padding: [1, 2] } },
  { name: 'stride 3, no bias', input: [1, 3, 10, 11], weight: [4, 3, 3, 3], bias: false, options: { stride: 3, padding: 2 } },
  {
    name: 'stride and dilation sharing a factor (input pixels no tap reaches)',
    input: [1, 3, 11, 10],
    weight: [4, 3, 3, 2],
    bias: true,
    options: { stride: 2, dilation: 2, padding: [2, 1] },
  },
  {
    name: 'stride larger than the kernel',
    input: [2, 2, 13, 9],
    weight: [3, 2, 2, 3],
    bias: false,
    options: { stride: [4, 3], padding: [1, 0], dilation: [1, 2] },
  },
  { name: "'same', odd kernel", input: [2, 3, 6, 7], weight: [4, 3, 3, 5], bias: true, options: { padding: 'same' } },
  { name: "'same', even kernel (more padding after)", input: [2, 3, 6, 7], weight: [4, 3, 4, 2], bias: true, options: { padding: 'same' } },
  {
    name: "'same', even kernel, dilated",
    input: [1, 3, 8, 7],
    weight: [3, 3, 2, 4],
    bias: false,
    options: { padding: 'same', dilation: [2, 1] },
  },
  { name: "'valid'", input: [2, 2, 6, 5], weight: [3, 2, 2, 3], bias: true, options: { padding: 'valid' } },
  { name: 'dilation', input: [1, 3, 9, 10], weight: [4, 3, 3, 3], bias: true, options: { dilation: [2, 3], padding: [2, 1] } },
  { name: 'groups', input: [2, 6, 6, 6], weight: [9, 2, 3, 3], bias: true, options: { groups: 3, padding: 1 } },
  { name: 'depthwise, strided', input: [2, 5, 7, 7], weight: [5, 1, 3, 3], bias: true, options: { groups: 5, stride: 2, padding: 1 } },
  {
    name: 'depthwise with a channel multiplier',
    input: [2, 3, 6, 8],
    weight: [6, 1, 5, 3],
    bias: false,
    options: { groups: 3, padding: [2, 1] },
  },
  { name: '16 output channels', input: [1, 3, 5, 5], weight: [16, 3, 3, 3], bias: true, options: { padding: 1 } },
  { name: '17 output channels', input: [1, 3, 5, 5], weight: [17, 3, 3, 3], bias: true, options: { padding: 1 } },
  { name: '40 output channels', input: [1, 6, 6, 6], weight: [40, 6, 3, 3], bias: true, options: { padding: 1 } },
  {
    name: '70 output channels over 81 pixels (two tiles each way)',
    input: [1, 4, 9, 9],
    weight: [70, 4, 3, 3],
    bias: true,
    options: { padding: 1 },
  },
  { name: 'split weight gradient with many output channels', input: [3, 2, 12, 12], weight: [20, 2, 3, 3], bias: false, options: {} },
  { name: 'groups of 24 output and 4 input channels', input: [1, 8, 5, 5], weight: [48, 4, 3, 3], bias: true, options: { groups: 2 } },
  { name: 'many pixels and a deep receptive field', input: [2, 20, 12, 13], weight: [6, 20, 3, 3], bias: true, options: { padding: 1 } },
  { name: 'weight gradient over many pixels', input: [4, 2, 16, 16], weight: [3, 2, 3, 3], bias: true, options: {} },
  { name: 'a 32 -> 64 channel layer', input: [2, 32, 12, 12], weight: [64, 32, 3, 3], bias: true, options: { padding: 1 } },
  {
    name: 'a 32-channel depthwise layer, stride 2',
    input: [2, 32, 12, 12],
    weight: [32, 1, 3, 3],
    bias: true,
    options: { groups: 32, stride: 2, padding: 1 },
  },
  { name: '1x1', input: [2, 5, 4, 5], weight: [7, 5, 1, 1], bias: true, options: {} },
  { name: '1x1, stride 2', input: [2, 3, 5, 5], weight: [4, 3, 1, 1], bias: false, options: { stride: 2 } },
  { name: 'kernel as large as the padded input', input: [1, 2, 3, 4], weight: [2, 2, 5, 4], bias: true, options: { padding: 1 } },
];

const CONV1D: ConvCase[] = [
  { name: 'plain', input: [2, 3, 10], weight: [4, 3, 3], bias: true, options: {} },
  {
    name: 'stride, padding and dilation',
    input: [2, 3, 11],
    weight: [4, 3, 3],
    bias: true,
    options: { stride: 2, padding: 2, dilation: 2 },
  },
  { name: "'same', even kernel", input: [1, 2, 9], weight: [3, 2, 4], bias: true, options: { padding: 'same' } },
  { name: "'valid', no bias", input: [2, 3, 8], weight: [2, 3, 5], bias: false, options: { padding: 'valid' } },
  { name: 'stride 3, dilation 2', input: [2, 3, 17], weight: [5, 3, 4], bias: true, options: { stride: 3, dilation: 2, padding: 1 } },
  { name: 'padding as a tuple', input: [2, 2, 7], weight: [3, 2, 3], bias: true, options: { padding: [3], stride: [2] } },
  { name: 'depthwise', input: [2, 4, 12], weight: [8, 1, 5], bias: true, options: { groups: 4, padding: 2 } },
  { name: 'long signal', input: [1, 4, 300], weight: [20, 4, 5], bias: true, options: { padding: 2 } },
];

describe.skipIf(!ready)('conv on webgpu agrees with the cpu', () => {
  const run = (dims: 1 | 2, cases: ConvCase[]) => {
    const conv = dims === 2 ? F.conv2d : F.conv1d;
    cases.forEach((c, index) => {
      // Each case takes the next layouts in turn, so every layout meets every role.
      const [inputLayout, weightLayout] = [LAYOUTS[index % LAYOUTS.length], LAYOUTS[(index + 1) % LAYOUTS.length]];
      const biasLayout = index % 2 === 0 ? 'contiguous' : 'strided';
      it(`conv${dims}d ${c.name} (${inputLayout} input, ${weightLayout} weight${c.bias ? `, ${biasLayout} bias` : ''})`, async () => {
        torch.manualSeed(index + 10 * dims);
        const choices = new Choices(index + 1);
        const operands = [
          pair(c.input, inputLayout, normal, { requiresGrad: true, choices }),
          pair(c.weight, weightLayout, normal, { requiresGrad: true, choices }),
        ];
        if (c.bias) operands.push(pair([c.weight[0]], biasLayout, normal, { requiresGrad: true, choices }));
        await agreeAccumulated(c.name, (x, w, b) => conv(x, w, b ?? null, c.options), operands);
      });
    });
  };
  describe('conv2d', () => run(2, CONV2D));
  describe('conv1d', () => run(1, CONV1D));

  it('gradients of the input alone and of the weight alone', async () => {
    torch.manualSeed(3);
    const x = pair([2, 3, 6, 6], 'contiguous', normal, { requiresGrad: true });
    const w = pair([4, 3, 3, 3], 'permuted', normal);
    await agreeAccumulated('input only', (a, b) => F.conv2d(a, b, null, { padding: 1, stride: 2 }), [x, w]);
    const y = pair([2, 3, 6, 6], 'strided', normal);
    const v = pair([4, 3, 3, 3], 'contiguous', normal, { requiresGrad: true });
    await agreeAccumulated('weight only', (a, b) => F.conv2d(a, b, null, { padding: 1, dilation: 2 }), [y, v]);
  });

  it('one pipeline per kernel variant serves every shape and geometry', async () => {
    const device = getDevice('webgpu') as WebGpuDevice;
    const convolve = async (input: number[], weight: number[], options: ConvCase['options']) => {
      const x = torch.randn(input).to('webgpu').requiresGrad_();
      const w = torch.randn(weight).to('webgpu').requiresGrad_();
      const out = F.conv2d(x, w, null, options);
      const [dx, dw] = torch.autograd.grad(out, [x, w], { gradOutputs: [torch.onesLike(out)] });
      await Promise.all([out.data(), dx!.data(), dw!.data()]);
    };
    await convolve([1, 2, 5, 5], [3, 2, 3, 3], { padding: 1 });
    const pipelines = device.stats.pipelines;
    await convolve([2, 3, 9, 7], [4, 3, 2, 3], { stride: [2, 1], dilation: [1, 2] });
    await convolve([1, 4, 6, 11], [4, 1, 5, 1], { groups: 4, padding: [2, 0] });
    expect(device.stats.pipelines).toBe(pipelines);
  });

  it('gives the same bits on every run (fixed accumulation order, split weight gradient included)', async () => {
    torch.manualSeed(4);
    const x = torch.randn(4, 2, 16, 16).to('webgpu').requiresGrad_();
    const w = torch.randn(3, 2, 3, 3).to('webgpu').requiresGrad_();
    const b = torch.randn(3).to('webgpu').requiresGrad_();
    const g = torch.randn(4, 3, 14, 14).to('webgpu');
    const runOnce = async () => {
      const out = F.conv2d(x, w, b);
      const [dx, dw] = torch.autograd.grad(out, [x, w], { gradOutputs: [g] });
      return Promise.all([out.data(), dx!.data(), dw!.data()]);
    };
    const first = await runOnce();
    const second = await runOnce();
    for (let k = 0; k < first.length; k++) expect(Array.from(second[k])).toEqual(Array.from(first[k]));
  });
});

describe.skipIf(!ready)('conv parity with PyTorch 1.13 on webgpu', () => {
  for (const c of functionalCases('conv')) it(c.name, () => checkFunctionalCase(c, 'webgpu'));
  for (const c of moduleCases('Conv')) it(`nn.${c.name}`, () => checkModuleCase(c, 'webgpu'));
});

describe.skipIf(!ready)('conv modules on webgpu', () => {
  it('a CNN training step keeps GPU memory flat (conv, pooling, their gradients and an SGD update)', async () => {
    torch.manualSeed(5);
    const conv = new nn.Conv2d(3, 8, 3, { padding: 1 }).to('webgpu');
    const depthwise = new nn.Conv1d(8, 8, 3, { groups: 8, padding: 'same' }).to('webgpu');
    const head = new nn.Conv2d(8, 2, 1).to('webgpu');
    const params = [...conv.parameters(), ...depthwise.parameters(), ...head.parameters()];
    const optimizer = new torch.optim.SGD(params, { lr: 0.01 });
    const x = torch.randn(2, 3, 9, 9).to('webgpu');
    const step = () =>
      torch.scope(() => {
        optimizer.zeroGrad();
        const hidden = F.maxPool2d(conv.forward(x).relu(), 2, { ceilMode: true });
        const mixed = depthwise.forward(hidden.flatten(2)).reshape(hidden.shape as number[]);
        const pooled = F.adaptiveAvgPool2d(head.forward(F.avgPool2d(mixed, 2, { stride: 1 })), 1);
        const loss = pooled.square().sum();
        loss.backward();
        optimizer.step();
        return loss.detach();
      });
    const losses: number[] = [];
    const record = async () => {
      const loss = step();
      losses.push(Number(await loss.item()));
      loss.dispose();
    };
    await record();
    const before = torch.memory();
    for (let i = 0; i < 3; i++) await record();
    expectNoGrowth(before, torch.memory());
    expect(losses[3]).toBeLessThan(losses[0]);
    for (const p of conv.parameters()) expect(p.device).toBe('webgpu');
  });
});
