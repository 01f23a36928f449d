// conv1d/conv2d and nn.Conv1d/Conv2d: PyTorch 1.13 parity (test/fixtures/nn_conv.json), a direct
// float64 reference on shapes large enough to take the kernels' chunked and 1x1 paths,
// finite-difference gradient checks, initialisation and the error messages.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { checkFunctionalCase, checkModuleCase, functionalCases, moduleCases } from '../helpers/nn-conv-fixtures.js';

type Tensor = torch.Tensor;
const { nn } = torch;
const F = nn.functional;

describe('conv parity with PyTorch 1.13', () => {
  for (const c of functionalCases('conv')) it(c.name, () => checkFunctionalCase(c));
  for (const c of moduleCases('Conv')) it(`nn.${c.name}`, () => checkModuleCase(c));
});

/** Deterministic values in [-1, 1). */
function uniform(shape: number[], seed: number): Tensor {
  let state = seed >>> 0;
  const count = shape.reduce((a, b) => a * b, 1);
  return torch
    .tensor(
      Float32Array.from({ length: count }, () => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return state / 2 ** 31 - 1;
      }),
    )
    .reshape(shape);
}

interface Geometry {
  stride: number[];
  padding: number[];
  dilation: number[];
  groups: number;
}

/** conv2d, its input gradient and its weight gradient by the definition, in float64. */
function referenceConv2d(
  x: Float32Array,
  xs: number[],
  w: Float32Array,
  ws: number[],
  g: Float32Array,
  { stride, padding, dilation, groups }: Geometry,
) {
  const [N, C, H, W] = xs;
  const [O, Cg, KH, KW] = ws;
  const OH = Math.floor((H + 2 * padding[0] - dilation[0] * (KH - 1) - 1) / stride[0]) + 1;
  const OW = Math.floor((W + 2 * padding[1] - dilation[1] * (KW - 1) - 1) / stride[1]) + 1;
  const out = new Float64Array(N * O * OH * OW);
  const gradInput = new Float64Array(x.length);
  const gradWeight = new Float64Array(w.length);
  const Og = O / groups;
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          const at = ((n * O + o) * OH + i) * OW + j;
          let sum = 0;
          for (let c = 0; c < Cg; c++)
            for (let ki = 0; ki < KH; ki++)
              for (let kj = 0; kj < KW; kj++) {
                const h = i * stride[0] - padding[0] + ki * dilation[0];
                const v = j * stride[1] - padding[1] + kj * dilation[1];
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                const xi = ((n * C + Math.floor(o / Og) * Cg + c) * H + h) * W + v;
                const wi = ((o * Cg + c) * KH + ki) * KW + kj;
                sum += x[xi] * w[wi];
                gradInput[xi] += g[at] * w[wi];
                gradWeight[wi] += g[at] * x[xi];
              }
          out[at] = sum;
        }
  return { out, outShape: [N, O, OH, OW], gradInput, gradWeight };
}

function expectNear(what: string, actual: Tensor, expected: Float64Array): void {
  const got = actual.dataSync();
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  let worst = 0;
  expected.forEach((v, i) => (worst = Math.max(worst, Math.abs(got[i] - v))));
  expect(worst, what).toBeLessThan(2e-5 * scale);
}

describe('conv2d against a float64 reference', () => {
  const shapes: [string, number[], number[], Geometry][] = [
    // 64 channels x 3x3 makes 576 column rows: the kernels then take output pixels in chunks.
    ['many column chunks', [2, 64, 20, 19], [8, 64, 3, 3], { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 }],
    [
      'chunks with stride, dilation and groups',
      [1, 48, 23, 21],
      [6, 24, 3, 3],
      { stride: [2, 1], padding: [2, 0], dilation: [2, 1], groups: 2 },
    ],
    ['1x1 over many pixels', [2, 5, 30, 31], [7, 5, 1, 1], { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 }],
    [
      'shallow receptive field, many output channels',
      [3, 1, 28, 28],
      [32, 1, 3, 3],
      { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 },
    ],
    // One input channel per group runs direct kernels instead of im2col and GEMM.
    ['depthwise with a channel multiplier', [2, 8, 17, 9], [16, 1, 5, 3], { stride: [1, 2], padding: [2, 1], dilation: [1, 1], groups: 8 }],
    ['depthwise, stride 1, dilated', [2, 6, 13, 11], [6, 1, 3, 3], { stride: [1, 1], padding: [2, 2], dilation: [2, 2], groups: 6 }],
  ];
  for (const [name, xs, ws, geometry] of shapes) {
    it(name, () => {
      torch.scope(() => {
        const x = uniform(xs, 1).requiresGrad_();
        const w = uniform(ws, 2).requiresGrad_();
        const out = F.conv2d(x, w, null, geometry);
        const g = uniform(out.shape as number[], 3);
        const reference = referenceConv2d(
          x.dataSync() as Float32Array,
          xs,
          w.dataSync() as Float32Array,
          ws,
          g.dataSync() as Float32Array,
          geometry,
        );
        expect(out.shape).toEqual(reference.outShape);
        expectNear('output', out, reference.out);
        const [gradInput, gradWeight] = torch.autograd.grad(out, [x, w], { gradOutputs: [g] });
        expectNear('input gradient', gradInput!, reference.gradInput);
        expectNear('weight gradient', gradWeight!, reference.gradWeight);
      });
    });
  }
});

describe('conv gradcheck', () => {
  const cases: [string, number[], number[], Record<string, unknown>][] = [
    ['conv2d stride, padding and dilation', [1, 2, 5, 6], [3, 2, 2, 3], { stride: [2, 1], padding: [1, 2], dilation: [2, 1] }],
    ['conv2d groups, same padding', [2, 4, 4, 4], [4, 2, 3, 2], { padding: 'same', groups: 2 }],
    ['conv1d', [2, 3, 7], [2, 3, 3], { stride: 2, padding: 1 }],
  ];
  for (const [name, xs, ws, options] of cases) {
    it(name, async () => {
      const x = uniform(xs, 4).requiresGrad_();
      const w = uniform(ws, 5).requiresGrad_();
      const b = uniform([ws[0]], 6).requiresGrad_();
      const conv = xs.length === 4 ? F.conv2d : F.conv1d;
      expect(await torch.autograd.gradcheck((input, weight, bias) => conv(input, weight, bias, options), [x, w, b])).toBe(true);
    });
  }
});

describe('nn.Conv2d and nn.Conv1d', () => {
  it('prints like PyTorch', () => {
    expect(String(new nn.Conv2d(3, 6, 3, { padding: 'same' }))).toBe('Conv2d(3, 6, kernel_size=(3, 3), stride=(1, 1), padding=same)');
    expect(String(new nn.Conv2d(4, 8, [3, 1], { stride: 2, padding: [1, 0], groups: 2, bias: false, paddingMode: 'reflect' }))).toBe(
      'Conv2d(4, 8, kernel_size=(3, 1), stride=(2, 2), padding=(1, 0), groups=2, bias=False, padding_mode=reflect)',
    );
    expect(String(new nn.Conv1d(4, 8, 5, 1, 0, 2))).toBe('Conv1d(4, 8, kernel_size=(5,), stride=(1,), dilation=(2,))');
  });

  it('initialises as PyTorch: weight and bias within 1/sqrt(fan in)', () => {
    torch.manualSeed(0);
    const conv = new nn.Conv2d(4, 16, 3);
    const bound = 1 / Math.sqrt(4 * 9);
    for (const param of [conv.weight, conv.bias!]) {
      const values = Array.from(param.dataSync());
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    }
    expect(conv.weight.shape).toEqual([16, 4, 3, 3]);
    expect(Object.keys(conv.stateDict())).toEqual(['weight', 'bias']);
  });

  it('takes PyTorch positional arguments', () => {
    const conv = new nn.Conv2d(2, 3, 3, 2, 1, 1, 1, false);
    expect(conv.stride).toEqual([2, 2]);
    expect(conv.padding).toEqual([1, 1]);
    expect(conv.bias).toBeNull();
    expect(conv.forward(torch.zeros(1, 2, 6, 6)).shape).toEqual([1, 3, 3, 3]);
  });
});

describe('conv errors', () => {
  const w = torch.zeros(6, 3, 3, 3);
  it('names the expected layout of the input', () => {
    expect(() => F.conv2d(torch.zeros(3, 32, 32), w)).toThrow('conv2d: input must be 4-D [N, C, H, W], got [3, 32, 32]');
    expect(() => F.conv1d(torch.zeros(3, 32), torch.zeros(2, 3, 3))).toThrow('conv1d: input must be 3-D [N, C, L], got [3, 32]');
    expect(() => F.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(6, 3, 3))).toThrow('conv2d: weight must be 4-D');
  });

  it('names the expected and actual channel counts', () => {
    expect(() => F.conv2d(torch.zeros(1, 4, 8, 8), w)).toThrow('expects input [1, 4, 8, 8] to have 3 channels, but got 4 channels');
    expect(() => F.conv2d(torch.zeros(1, 6, 8, 8), w, null, { groups: 4 })).toThrow('expected weight to be divisible by 4 at dimension 0');
    expect(() => new nn.Conv2d(3, 6, 3).forward(torch.zeros(2, 5, 8, 8))).toThrow('to have 3 channels, but got 5 channels');
  });

  it('refuses a kernel larger than the padded input', () => {
    expect(() => F.conv2d(torch.zeros(1, 3, 2, 8), w)).toThrow(
      "conv2d: kernel size (3 x 3) can't be greater than the padded input size (2 x 8)",
    );
    expect(() => F.conv2d(torch.zeros(1, 3, 4, 4), w, null, { dilation: 2 })).toThrow('with dilation (2 x 2)');
  });

  it("refuses padding 'same' with a stride, as PyTorch", () => {
    expect(() => F.conv2d(torch.zeros(1, 3, 8, 8), w, null, { padding: 'same', stride: 2 })).toThrow(
      "conv2d: padding='same' is not supported for strided convolutions",
    );
    expect(() => new nn.Conv2d(3, 6, 3, { padding: 'same', stride: 2 })).toThrow(
      "Conv2d: padding='same' is not supported for strided convolutions",
    );
    expect(() => F.conv2d(torch.zeros(1, 3, 8, 8), w, null, { padding: 'full' as 'same' })).toThrow("invalid padding string 'full'");
  });

  it('checks the bias, the options and the module arguments', () => {
    expect(() => F.conv2d(torch.zeros(1, 3, 8, 8), w, torch.zeros(5))).toThrow(
      'expected bias to be 1-D with 6 elements, but got bias of size [5]',
    );
    expect(() => F.conv2d(torch.zeros(1, 3, 8, 8), w, null, { stride: 0 })).toThrow('conv2d: stride must be positive integers, got 0');
    expect(() => F.conv2d(torch.zeros(1, 3, 8, 8), w, null, { padding: [1, 2, 3] })).toThrow(
      'conv2d: padding must be a number or an array of 2 numbers',
    );
    expect(() => F.conv2d(torch.zeros(1, 3, 8, 8), w, null, { strides: 1 } as never)).toThrow("conv2d: unknown option 'strides'");
    expect(() => new nn.Conv2d(3, 6, 3, { groups: 2 })).toThrow('Conv2d: inChannels (3) must be divisible by groups (2)');
    expect(() => new nn.Conv2d(3, 6, 3, { paddingMode: 'mirror' as 'reflect' })).toThrow(
      "paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', but got 'mirror'",
    );
  });
});

it('a CNN training step keeps memory flat (conv, batch norm, pooling, padding)', () => {
  const x = uniform([2, 3, 9, 9], 7);
  const conv = new nn.Conv2d(3, 4, 3, { padding: 1, paddingMode: 'reflect' });
  const norm = new nn.BatchNorm2d(4);
  const depthwise = new nn.Conv1d(4, 4, 3, { groups: 4 });
  const step = () =>
    torch.scope(() => {
      const hidden = F.maxPool2d(norm.forward(conv.forward(x)).relu(), 2, { ceilMode: true });
      const pooled = F.adaptiveAvgPool1d(depthwise.forward(hidden.flatten(2)), 3);
      F.avgPool1d(pooled, 2).sum().backward();
    });
  step();
  const before = torch.memory();
  for (let i = 0; i < 3; i++) step();
  expect(torch.memory()).toEqual(before);
});
