// Max, average and adaptive average pooling, 1-D and 2-D: PyTorch 1.13 parity
// (test/fixtures/nn_conv.json), gradient checks, module printing and the error messages.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { applyTransform } from '../helpers/fixtures.js';
import {
  buildFunctionalInputs,
  callFunctional,
  checkFunctionalCase,
  checkModuleCase,
  functionalCases,
  moduleCases,
} from '../helpers/nn-conv-fixtures.js';

const { nn } = torch;
const F = nn.functional;

describe('pooling parity with PyTorch 1.13', () => {
  for (const c of functionalCases('maxPool', 'avgPool', 'adaptiveAvgPool')) it(c.name, () => checkFunctionalCase(c));
  for (const c of moduleCases('MaxPool', 'AvgPool', 'AdaptiveAvgPool')) it(`nn.${c.name}`, () => checkModuleCase(c));
});

describe('pooling gradcheck', () => {
  // Max pooling is checked on the fixtures' distinct values (ties have no derivative).
  for (const c of functionalCases('maxPool', 'avgPool', 'adaptiveAvgPool').filter((c) => c.gradcheck !== false)) {
    it(c.name, async () => {
      const { leaves } = buildFunctionalInputs(c);
      // Views are taken inside fn, so the perturbations gradcheck writes into the leaves reach them.
      const fn = (...bases: torch.Tensor[]) =>
        callFunctional(
          c,
          bases.map((base, i) => applyTransform(base, c.inputs[i].transform)),
        ).filter((out) => out.dtype === 'float32');
      expect(await torch.autograd.gradcheck(fn, leaves)).toBe(true);
    });
  }
});

describe('max pooling ties and NaN', () => {
  it('sends the gradient of a tie to the first maximum, as PyTorch', () => {
    const x = torch
      .tensor([
        [
          [
            [1, 1],
            [1, 1],
          ],
        ],
      ])
      .requiresGrad_();
    const [out, indices] = F.maxPool2d(x, 2, { returnIndices: true });
    expect(indices.tolistSync()).toEqual([[[[0]]]]);
    out.sum().backward();
    expect(x.grad!.tolistSync()).toEqual([
      [
        [
          [1, 0],
          [0, 0],
        ],
      ],
    ]);
  });

  it('2x2 windows two apart (four at a time, the row ends overlapping) pick what one window at a time picks', () => {
    const [height, width] = [6, 22];
    const choices = [0, 1, 2, NaN, -Infinity];
    const values = Array.from({ length: 3 * height * width }, (_, i) => choices[(i * 7 + ((i * i) % 11)) % choices.length]);
    const [out, indices] = F.maxPool2d(torch.tensor(values).reshape(3, 1, height, width), 2, { returnIndices: true });
    const expectedOut: number[] = [];
    const expectedIndices: number[] = [];
    for (let plane = 0; plane < 3; plane++) {
      for (let i = 0; i < height / 2; i++) {
        for (let j = 0; j < width / 2; j++) {
          let [best, bestIndex] = [-Infinity, 2 * i * width + 2 * j];
          for (const [h, w] of [
            [2 * i, 2 * j],
            [2 * i, 2 * j + 1],
            [2 * i + 1, 2 * j],
            [2 * i + 1, 2 * j + 1],
          ]) {
            const value = Math.fround(values[plane * height * width + h * width + w]);
            if (value > best || Number.isNaN(value)) [best, bestIndex] = [value, h * width + w];
          }
          expectedOut.push(best);
          expectedIndices.push(bestIndex);
        }
      }
    }
    expect(out.flatten().tolistSync()).toEqual(expectedOut);
    expect(indices.flatten().tolistSync()).toEqual(expectedIndices);
  });

  it('lets NaN win', () => {
    const [out, indices] = F.maxPool1d(torch.tensor([[[1, NaN, 3, 2, 5, 4, 0, 9, 8]]]), 3, { returnIndices: true });
    expect(out.tolistSync()).toEqual([[[NaN, 5, 9]]]);
    expect(indices.tolistSync()).toEqual([[[1, 4, 7]]]);
  });
});

describe('pooling arguments', () => {
  it('takes PyTorch positional arguments', () => {
    const x = torch.arange(25).reshape(1, 1, 5, 5);
    expect(F.maxPool2d(x, 2, 1).shape).toEqual([1, 1, 4, 4]);
    expect(F.maxPool2d(x, 3, 2, 1, 1, true).shape).toEqual([1, 1, 3, 3]);
    expect(F.avgPool2d(x, 2, null, 0, true).shape).toEqual([1, 1, 3, 3]);
    expect(F.avgPool1d(x.reshape(1, 1, 25), 4, 3, 1, false, false).shape).toEqual([1, 1, 8]);
    expect(() => F.avgPool1d(x.reshape(1, 1, 25), 2, { divisorOverride: 2 } as never)).toThrow(
      "avgPool1d: unknown option 'divisorOverride'",
    );
  });
});

describe('pooling modules', () => {
  it('print like PyTorch', () => {
    expect(String(new nn.MaxPool2d(2))).toBe('MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)');
    expect(String(new nn.MaxPool2d([2, 3], { stride: [1, 2], padding: 1, dilation: [1, 2], ceilMode: true }))).toBe(
      'MaxPool2d(kernel_size=(2, 3), stride=(1, 2), padding=1, dilation=(1, 2), ceil_mode=True)',
    );
    expect(String(new nn.MaxPool1d(3, 2, 1))).toBe('MaxPool1d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)');
    expect(String(new nn.AvgPool2d(2))).toBe('AvgPool2d(kernel_size=2, stride=2, padding=0)');
    expect(String(new nn.AvgPool1d(3))).toBe('AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))');
    expect(String(new nn.AdaptiveAvgPool2d([5, null]))).toBe('AdaptiveAvgPool2d(output_size=(5, None))');
    expect(String(new nn.AdaptiveAvgPool1d(4))).toBe('AdaptiveAvgPool1d(output_size=4)');
  });

  it('MaxPool2d with returnIndices returns [output, indices]', () => {
    const [out, indices] = new nn.MaxPool2d(2, { returnIndices: true }).forward(torch.arange(16).reshape(1, 1, 4, 4)) as torch.Tensor[];
    expect(out.tolistSync()).toEqual([
      [
        [
          [5, 7],
          [13, 15],
        ],
      ],
    ]);
    expect(indices.dtype).toBe('int32');
    expect(indices.tolistSync()).toEqual([
      [
        [
          [5, 7],
          [13, 15],
        ],
      ],
    ]);
  });
});

describe('pooling errors', () => {
  it('names the accepted layouts', () => {
    expect(() => F.maxPool2d(torch.zeros(4, 4), 2)).toThrow('maxPool2d: input must be 3-D [C, H, W] or 4-D [N, C, H, W], got [4, 4]');
    expect(() => F.avgPool1d(torch.zeros(1, 2, 3, 4), 2)).toThrow('avgPool1d: input must be 2-D [C, L] or 3-D [N, C, L], got [1, 2, 3, 4]');
    expect(() => F.adaptiveAvgPool2d(torch.zeros(1, 2, 0, 4), 2)).toThrow('with dimension 2 being empty');
  });

  it('refuses padding over half the kernel and windows past the input', () => {
    expect(() => F.maxPool2d(torch.zeros(1, 1, 5, 5), 2, { padding: 2 })).toThrow(
      'maxPool2d: pad should be at most half of effective kernel size',
    );
    expect(() => F.avgPool2d(torch.zeros(1, 1, 2, 2), 3)).toThrow(
      'avgPool2d: given input size [1, 1, 2, 2], the calculated output size [1, 1, 0, 0] is too small',
    );
    expect(() => F.maxPool2d(torch.zeros(1, 1, 4, 4), 0)).toThrow('maxPool2d: kernelSize must be positive integers, got 0');
    expect(() => F.avgPool2d(torch.zeros(1, 1, 4, 4), 2, { divisorOverride: 0 })).toThrow(
      'avgPool2d: divisorOverride must be a non-zero integer, got 0',
    );
    expect(() => F.adaptiveAvgPool2d(torch.zeros(1, 1, 4, 4), [2, 2, 2])).toThrow(
      'adaptiveAvgPool2d: outputSize must be a number or an array of 2',
    );
  });
});
