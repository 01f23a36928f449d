// convTranspose1d/2d and nn.ConvTranspose1d/2d: PyTorch 1.13 parity (test/fixtures/nn_conv_transpose.json)
// and finite-difference gradient checks on every device, WebGPU against the CPU on random shapes,
// the modules' initialisation, repr and outputSize, and the error messages.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';
import { checkFunctionalCase, checkModuleCase, readConvFixtures } from '../helpers/nn-conv-fixtures.js';
import { agreeAccumulated, Choices, LAYOUTS, pair } from '../webgpu/compare.js';

type Tensor = torch.Tensor;
const { nn } = torch;
const F = nn.functional;

const fixtures = readConvFixtures('nn_conv_transpose.json');

for (const device of devices) {
  describe(`convTranspose parity with PyTorch 1.13 on ${device}`, () => {
    for (const c of fixtures.functional) it(c.name, () => checkFunctionalCase(c, device));
    for (const c of fixtures.modules) it(`nn.${c.name}`, () => checkModuleCase(c, device));
  });
}

/** Deterministic values in [-1, 1). */
function uniform(shape: number[], seed: number): Tensor {
  const choices = new Choices(seed);
  const count = shape.reduce((a, b) => a * b, 1);
  return torch.tensor(Float32Array.from({ length: count }, () => 2 * choices.next() - 1)).reshape(shape);
}

describe('convTranspose gradcheck', () => {
  const cases: [string, number[], number[], Record<string, unknown>][] = [
    ['2-D stride, padding, outputPadding', [1, 2, 3, 4], [2, 3, 3, 2], { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2] }],
    ['2-D groups and dilation', [2, 4, 3, 3], [4, 1, 2, 2], { groups: 2, dilation: 2, outputPadding: 1 }],
    ['1-D unbatched', [3, 5], [3, 2, 3], { stride: 2, padding: 1 }],
  ];
  for (const device of devices) {
    for (const [name, xs, ws, options] of cases) {
      it(`${name} on ${device}`, async () => {
        const groups = (options.groups as number | undefined) ?? 1;
        const x = uniform(xs, 4).to(device).requiresGrad_();
        const w = uniform(ws, 5).to(device).requiresGrad_();
        const b = uniform([ws[1] * groups], 6)
          .to(device)
          .requiresGrad_();
        const convTranspose = ws.length === 4 ? F.convTranspose2d : F.convTranspose1d;
        const check = (input: Tensor, weight: Tensor, bias: Tensor) => convTranspose(input, weight, bias, options);
        expect(await torch.autograd.gradcheck(check, [x, w, b], { eps: 1e-2 })).toBe(true);
      });
    }
  }
});

describe.skipIf(!devices.includes('webgpu'))('convTranspose on webgpu agrees with the cpu on random shapes', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const choices = new Choices(seed);
    const dims = choices.pick([1, 2]);
    const groups = choices.pick([1, 1, 2, 3]);
    const inChannels = groups * choices.int(1, 3);
    const outChannels = groups * choices.int(1, 3);
    const kernel = Array.from({ length: dims }, () => choices.int(1, 4));
    const stride = Array.from({ length: dims }, () => choices.int(1, 3));
    const dilation = Array.from({ length: dims }, () => choices.int(1, 2));
    const padding = kernel.map((k, d) => choices.int(0, Math.floor((dilation[d] * (k - 1)) / 2)));
    const outputPadding = stride.map((s, d) => choices.int(0, Math.max(s, dilation[d]) - 1));
    const size = Array.from({ length: dims }, () => choices.int(1, 6));
    const batched = choices.chance(0.8);
    const input = [...(batched ? [choices.int(1, 3)] : []), inChannels, ...size];
    const weight = [inChannels, outChannels / groups, ...kernel];
    const bias = choices.chance(0.7);
    const options = { stride, padding, outputPadding, groups, dilation };
    const [inputLayout, weightLayout] = [choices.pick(LAYOUTS), choices.pick(LAYOUTS)];
    it(`seed ${seed}: input ${JSON.stringify(input)} (${inputLayout}), weight ${JSON.stringify(weight)} (${weightLayout}), ${JSON.stringify(options)}${bias ? ', bias' : ''}`, async () => {
      torch.manualSeed(seed);
      const normal = (shape: number[]) => torch.randn(shape);
      const operands = [
        pair(input, inputLayout, normal, { requiresGrad: true, choices }),
        pair(weight, weightLayout, normal, { requiresGrad: true, choices }),
      ];
      if (bias) operands.push(pair([outChannels], 'contiguous', normal, { requiresGrad: true }));
      const convTranspose = dims === 2 ? F.convTranspose2d : F.convTranspose1d;
      await agreeAccumulated(`seed ${seed}`, (x, w, b) => convTranspose(x, w, b ?? null, options), operands);
    });
  }
});

describe('nn.ConvTranspose2d and nn.ConvTranspose1d', () => {
  it('prints like PyTorch', () => {
    expect(String(new nn.ConvTranspose2d(16, 33, [3, 5], { stride: [2, 1], padding: [4, 2] }))).toBe(
      'ConvTranspose2d(16, 33, kernel_size=(3, 5), stride=(2, 1), padding=(4, 2))',
    );
    expect(String(new nn.ConvTranspose1d(4, 8, 3, 2, 1, 1, 2, false, 2))).toBe(
      'ConvTranspose1d(4, 8, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,), output_padding=(1,), groups=2, bias=False)',
    );
  });

  it('initialises as PyTorch: bounds from the fan in of weight dim 1 (outChannels/groups) times the kernel', () => {
    torch.manualSeed(0);
    const layer = new nn.ConvTranspose2d(4, 16, 3, { groups: 2 });
    expect(layer.weight.shape).toEqual([4, 8, 3, 3]);
    expect(layer.bias!.shape).toEqual([16]);
    const bound = 1 / Math.sqrt(8 * 9);
    for (const param of [layer.weight, layer.bias!]) {
      const values = Array.from(param.dataSync());
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.7 * bound);
    }
    expect(Object.keys(layer.stateDict())).toEqual(['weight', 'bias']);
    expect(Object.keys(new nn.ConvTranspose1d(2, 2, 3, { bias: false }).stateDict())).toEqual(['weight']);
  });

  it('picks the output padding from outputSize', () => {
    const layer = new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1 });
    const x = torch.randn(1, 2, 4, 4);
    expect(layer.forward(x).shape).toEqual([1, 3, 7, 7]);
    expect(layer.forward(x, [8, 7]).shape).toEqual([1, 3, 8, 7]);
    expect(layer.forward(x, [1, 3, 8, 8]).shape).toEqual([1, 3, 8, 8]);
    const padded = F.convTranspose2d(x, layer.weight, layer.bias, { stride: 2, padding: 1, outputPadding: [1, 0] });
    expect(Array.from(layer.forward(x, [8, 7]).dataSync())).toEqual(Array.from(padded.dataSync()));
    expect(() => layer.forward(x, [9, 7])).toThrow(
      'ConvTranspose2d.forward: requested an output size of [9, 7], but valid sizes range from [7, 7] to [8, 8] (for an input of [4, 4])',
    );
    expect(() => layer.forward(x, [1, 8, 7])).toThrow(
      'ConvTranspose2d.forward: for 4-D input, outputSize must have 2 or 4 elements, got 3',
    );
  });

  it('runs on the device it was made on', () => {
    for (const device of devices) {
      const layer = new nn.ConvTranspose1d(2, 3, 2, { device });
      expect(layer.weight.device).toBe(device);
      expect(layer.forward(torch.randn(2, 4).to(device)).shape).toEqual([3, 5]);
    }
  });
});

describe('convTranspose errors', () => {
  const x = torch.zeros(1, 4, 5, 5);
  const w = torch.zeros(4, 3, 3, 3);
  it('refuses outputPadding as large as both stride and dilation', () => {
    expect(() => F.convTranspose2d(x, w, null, { stride: 2, outputPadding: [2, 0] })).toThrow(
      'convTranspose2d: outputPadding must be smaller than either stride or dilation, got outputPadding (2, 0) with stride (2, 2) and dilation (1, 1)',
    );
    expect(() => new nn.ConvTranspose1d(2, 2, 3, { outputPadding: 1 }).forward(torch.zeros(1, 2, 4))).toThrow(
      'convTranspose1d: outputPadding must be smaller than either stride or dilation',
    );
  });

  it('checks channels against the weight and the groups', () => {
    expect(() => F.convTranspose2d(torch.zeros(1, 5, 5, 5), w)).toThrow(
      'convTranspose2d: weight of size [4, 3, 3, 3] expects input [1, 5, 5, 5] to have 4 channels, but got 5 channels',
    );
    expect(() => F.convTranspose2d(torch.zeros(1, 3, 5, 5), torch.zeros(3, 3, 3, 3), null, 1, 0, 0, 2)).toThrow(
      'convTranspose2d: given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [3, 3, 3, 3]',
    );
    expect(() => F.convTranspose2d(x, w, torch.zeros(4))).toThrow('expected bias to be 1-D with 3 elements, but got bias of size [4]');
    expect(() => new nn.ConvTranspose2d(3, 4, 3, { groups: 2 })).toThrow('ConvTranspose2d: inChannels (3) must be divisible by groups (2)');
    expect(() => new nn.ConvTranspose2d(4, 3, 3, { groups: 2 })).toThrow(
      'ConvTranspose2d: outChannels (3) must be divisible by groups (2)',
    );
  });

  it('names the expected layouts of the input and the weight', () => {
    expect(() => F.convTranspose2d(torch.zeros(4, 5), w)).toThrow(
      'convTranspose2d: input must be 3-D [C, H, W] (unbatched) or 4-D [N, C, H, W], got [4, 5]',
    );
    expect(() => F.convTranspose1d(torch.zeros(1, 1, 2, 4), torch.zeros(2, 3, 3))).toThrow(
      'convTranspose1d: input must be 2-D [C, L] (unbatched) or 3-D [N, C, L], got [1, 1, 2, 4]',
    );
    expect(() => F.convTranspose2d(x, torch.zeros(4, 3, 3))).toThrow(
      'convTranspose2d: weight must be 4-D [in_channels, out_channels/groups, kH, kW], got [4, 3, 3]',
    );
    expect(() => F.convTranspose2d(torch.zeros(1, 4, 0, 5), w)).toThrow('only inputs with zero batch or zero channels may be empty');
  });

  it('refuses an output smaller than one element', () => {
    expect(() => F.convTranspose2d(torch.zeros(1, 4, 2, 2), w, null, { padding: 2 })).toThrow(
      'convTranspose2d: given input size per channel (2, 2), the output size per channel (0, 0) is too small',
    );
  });

  it('checks the options as PyTorch checks its keywords', () => {
    expect(() => F.convTranspose2d(x, w, null, { output_padding: 1 } as never)).toThrow(
      "convTranspose2d: unknown option 'output_padding'; did you mean 'outputPadding'?",
    );
    expect(() => F.convTranspose2d(x, w, null, 2, { stride: 2 })).toThrow("convTranspose2d: got two values for 'stride'");
    expect(() => F.convTranspose2d(x, w, null, { stride: 0 })).toThrow('convTranspose2d: stride must be positive integers, got 0');
    expect(() => F.convTranspose2d(x, w, null, { padding: 'same' } as never)).toThrow(
      "convTranspose2d: padding must be an integer or an array of integers, got string 'same'",
    );
    expect(() => new nn.ConvTranspose2d(2, 2, 3, { paddingMode: 'reflect' } as never)).toThrow(
      "ConvTranspose2d: only paddingMode 'zeros' is supported, as in PyTorch, got 'reflect'",
    );
    expect(() => new nn.ConvTranspose2d(2, 2, 3, { output_padding: 1 } as never)).toThrow("did you mean 'outputPadding'?");
  });
});

it('an upsampling training step keeps memory flat and handles empty batches', () => {
  const layer = new nn.ConvTranspose2d(3, 2, 4, { stride: 2, padding: 1 });
  const x = uniform([2, 3, 5, 5], 7);
  const step = () => torch.scope(() => layer.forward(x).square().sum().backward());
  step();
  const before = torch.memory();
  for (let i = 0; i < 3; i++) step();
  expect(torch.memory()).toEqual(before);
  expect(layer.forward(torch.zeros(0, 3, 5, 5)).shape).toEqual([0, 2, 10, 10]);
  const noChannels = F.convTranspose1d(torch.zeros(2, 0, 3), torch.zeros(0, 2, 2), torch.tensor([1, 2]));
  expect(Array.from(noChannels.dataSync())).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2]);
});

it('records its backward, so a Hessian-vector product runs through it (gradgradcheck in test/autograd/second-order.test.ts)', () => {
  const x = torch.randn([1, 2, 4, 4], { requiresGrad: true });
  const w = torch.randn([2, 3, 3, 3], { requiresGrad: true });
  const y = F.convTranspose2d(x, w);
  expect(y.gradFn?.name).toBe('ConvolutionBackward0');
  const [gradX] = torch.autograd.grad(y.square().sum(), [x], { createGraph: true });
  const v = torch.randn([1, 2, 4, 4]);
  const [hessianV] = torch.autograd.grad(gradX!.mul(v).sum(), [x]);
  // The loss is quadratic in x: H = 2 J^T J with J the transposed convolution, so Hv = 2 J^T (J v).
  const expected = F.conv2d(F.convTranspose2d(v, w.detach()), w.detach()).mul(2);
  const [actual, wanted] = [hessianV!.dataSync(), expected.dataSync()];
  actual.forEach((value, i) => expect(value).toBeCloseTo(wanted[i], 3));
});
