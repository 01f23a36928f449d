// Reductions over dims that interleave with kept ones (BatchNorm's statistics: dims 0, 2 and 3 of
// [N, C, H, W]), which the CPU computes in two passes for sum, max and min and by gathering the
// reduced dims for the rest: each against an element-by-element reference, on every device.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';

/** Reference reduction of a row-major array of `shape` over `dims`, keeping the others in order. */
function reference(values: number[], shape: number[], dims: number[], combine: (a: number, b: number) => number): number[] {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const keptDims = shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const keptShape = keptDims.map((d) => shape[d]);
  const out: (number | undefined)[] = new Array(keptShape.reduce((a, b) => a * b, 1)).fill(undefined);
  values.forEach((value, flat) => {
    const index = shape.map((_, d) => Math.floor(flat / strides[d]) % shape[d]);
    const at = keptDims.reduce((acc, d, k) => acc * keptShape[k] + index[d], 0);
    out[at] = out[at] === undefined ? value : combine(out[at]!, value);
  });
  return out as number[];
}

const cases: [string, number[], number[]][] = [
  ['BatchNorm2d statistics: [N, C, H, W] over 0, 2, 3', [3, 4, 5, 6], [0, 2, 3]],
  ['BatchNorm1d over a sequence: [N, C, L] over 0, 2', [5, 3, 7], [0, 2]],
  ['kept dims on both sides: [A, B, C, D] over 1, 3', [2, 3, 4, 5], [1, 3]],
];

describe.each(devices)('reductions over interleaved dims on %s', (device) => {
  for (const [name, shape, dims] of cases) {
    it(name, async () => {
      const count = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: count }, (_, i) => ((i * 37) % 101) / 8 - 6);
      const x = torch.tensor(values, { device }).reshape(shape);
      const close = (actual: number[], expected: number[]) => actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 3));
      close(
        (await x.sum(dims).flatten().tolist()) as number[],
        reference(values, shape, dims, (a, b) => a + b),
      );
      expect(await x.amax(dims).flatten().tolist()).toEqual(reference(values, shape, dims, Math.max));
      expect(await x.amin(dims).flatten().tolist()).toEqual(reference(values, shape, dims, Math.min));
      const reducedCount = dims.reduce((a, d) => a * shape[d], 1);
      close(
        (await x.mean(dims).flatten().tolist()) as number[],
        reference(values, shape, dims, (a, b) => a + b).map((v) => v / reducedCount),
      );
      // A transposed input: the trailing reduced dims are no longer one run, so the CPU gathers them.
      const transposed = x.transpose(-1, -2);
      const tShape = [...shape.slice(0, -2), shape.at(-1)!, shape.at(-2)!];
      const tValues = (await transposed.contiguous().flatten().tolist()) as number[];
      close(
        (await transposed.sum(dims).flatten().tolist()) as number[],
        reference(tValues, tShape, dims, (a, b) => a + b),
      );
    });
  }
});
