import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices, expectRaises } from '../helpers/devices.js';

// fmod and prod against PyTorch 1.13 (test/fixtures/fmod_prod_fixtures.py), on every device.
type Value = number | string;
interface Fixtures {
  floatFmod: { input: Value[]; other: Value[]; expected: Value[]; signbit: boolean[]; gradInput: Value[]; gradOther: Value[] };
  scalarFmod: { input: number[]; other: number; expected: number[]; gradInput: number[] };
  intFmod: { input: number[]; other: number[]; expected: number[] };
  wrapped: { input: number; other: number; expected: number };
  floatProds: {
    values: number[];
    shape: number[];
    dim: number | null;
    keepdim: boolean;
    expected: number[];
    outShape: number[];
    grad: number[];
  }[];
  intProds: { values: number[]; overflows: boolean; expected: number }[];
  intProdDim: { values: number[]; shape: number[]; dim0: number[]; dim1: number[] };
  boolProd: { values: boolean[]; shape: number[]; all: number; dim1: number[] };
}

const fixtures: Fixtures = JSON.parse(readFileSync(new URL('../fixtures/fmod_prod.json', import.meta.url), 'utf8'));
/** JSON has no NaN or infinity: the fixtures write them as Python's names. */
const numbers = (values: Value[]) => values.map((v) => (typeof v === 'number' ? v : Number(v.replace('inf', 'Infinity'))));
const PROD_OVERFLOW =
  "prod: the product of int32 values leaves int32's range [-2147483648, 2147483647] (PyTorch would return int64, which webtorch does not have); convert the input with .float() first";

function expectClose(actual: number[], expected: number[], label: string): void {
  expect(actual.length, label).toBe(expected.length);
  actual.forEach((v, i) => {
    if (Number.isNaN(expected[i]) || !Number.isFinite(expected[i])) expect(v, `${label} [${i}]`).toBe(expected[i]);
    else expect(v, `${label} [${i}]`).toBeCloseTo(expected[i], 5);
  });
}

describe.each(devices)('fmod as PyTorch computes it (%s)', (device) => {
  const int32 = (values: number[]) => torch.tensor(values, { dtype: 'int32', device });

  it("float32: the dividend's sign, infinite and zero divisors, and FmodBackward0", async () => {
    const { input, other, expected, signbit, gradInput, gradOther } = fixtures.floatFmod;
    const a = torch.tensor(numbers(input), { device, requiresGrad: true });
    const b = torch.tensor(numbers(other), { device, requiresGrad: true });
    const out = torch.fmod(a, b);
    const values = (await out.tolist()) as number[];
    expectClose(values, numbers(expected), 'fmod');
    values.forEach((v, i) => {
      if (!Number.isNaN(v)) expect(Object.is(v, -0) || v < 0, `sign of element ${i}`).toBe(signbit[i]);
    });
    out.sum().backward();
    expectClose((await a.grad!.tolist()) as number[], numbers(gradInput), 'grad input');
    expectClose((await b.grad!.tolist()) as number[], numbers(gradOther), 'grad other');
  });

  it('float32 with a scalar divisor', async () => {
    const { input, other, expected, gradInput } = fixtures.scalarFmod;
    const a = torch.tensor(input, { device, requiresGrad: true });
    const out = a.fmod(other);
    expectClose((await out.tolist()) as number[], expected, 'fmod');
    out.sum().backward();
    expect(await a.grad!.tolist()).toEqual(gradInput);
  });

  it('int32: truncating remainder over edge values, tensor and scalar divisors', async () => {
    const { input, other, expected } = fixtures.intFmod;
    const out = int32(input).fmod(int32(other));
    expect(out.dtype).toBe('int32');
    expect(await out.tolist()).toEqual(expected);
    expect(await int32([-7, 7, -8, 0, 5]).fmod(-3).tolist()).toEqual([-1, 1, -2, 0, 2]);
  });

  it('INT_MIN fmod -1 is 0 without trapping (PyTorch dies of SIGFPE)', async () => {
    const { input, other, expected } = fixtures.wrapped;
    // The SIMD body (8 lanes) and the scalar tail (1).
    for (const length of [1, 8]) {
      const x = int32(Array(length).fill(input));
      expect(await x.fmod(int32(Array(length).fill(other))).tolist()).toEqual(Array(length).fill(expected));
      expect(await x.fmod(other).tolist()).toEqual(Array(length).fill(expected));
    }
  });

  it('integer division by zero raises', async () => {
    await expectRaises(
      device,
      () => int32([1, 2, 3]).fmod(int32([1, 0, 2])),
      "fmod: integer division by zero (argument 'other' contains 0)",
    );
    expect(() => int32([1, 2, 3]).fmod(0)).toThrow("fmod: integer division by zero (argument 'other' contains 0)");
    expect(await torch.tensor([1, -1], { device }).fmod(0).tolist()).toEqual([NaN, NaN]);
  });
});

describe.each(devices)('prod as PyTorch computes it (%s)', (device) => {
  const int32 = (values: number[]) => torch.tensor(values, { dtype: 'int32', device });

  it('float32 over everything and along a dim, with and without zeros, and ProdBackward', async () => {
    for (const { values, shape, dim, keepdim, expected, outShape, grad } of fixtures.floatProds) {
      const label = `prod of ${JSON.stringify(values)} over dim ${dim}`;
      const leaf = torch.tensor(values, { device, requiresGrad: true });
      const x = leaf.reshape(shape);
      const out = dim === null ? x.prod() : x.prod(dim, { keepdim });
      expect(out.shape, label).toEqual(outShape);
      expectClose((await out.flatten().tolist()) as number[], expected, label);
      // A gradient that is not all ones, as the fixtures use, so the backward's use of g shows.
      out.backward(torch.arange(1, out.numel() + 1, { device, dtype: 'float32' }).reshape(outShape));
      expectClose((await leaf.grad!.tolist()) as number[], grad, `${label}: gradient`);
    }
  });

  it('int32 in range, and refused outside it as int32 sums are', async () => {
    for (const { values, overflows, expected } of fixtures.intProds) {
      if (overflows) await expectRaises(device, () => int32(values).prod(), PROD_OVERFLOW);
      else expect(await int32(values).prod().item(), `prod of ${values}`).toBe(expected);
    }
    const { values, shape, dim0, dim1 } = fixtures.intProdDim;
    expect(await int32(values).reshape(shape).prod(0).tolist()).toEqual(dim0);
    expect(await torch.prod(int32(values).reshape(shape), 1, true).tolist()).toEqual(dim1.map((v) => [v]));
    // Long runs take the webgpu kernel's cooperative path.
    const long = Array(300).fill(1);
    long[7] = 65536;
    long[250] = -65536;
    await expectRaises(device, () => int32(long).prod(), PROD_OVERFLOW);
    expect(
      await int32([...long, 0])
        .prod()
        .item(),
    ).toBe(0);
    expect(
      await int32([...long.map(() => -1), ...long.map(() => 3).fill(1, 19)])
        .reshape([2, 300])
        .prod(1)
        .tolist(),
    ).toEqual([1, 3 ** 19]);
  });

  it('bool gives int32 (PyTorch: int64)', async () => {
    const { values, shape, all, dim1 } = fixtures.boolProd;
    const flags = torch.tensor(values, { device }).reshape(shape);
    expect(flags.prod().dtype).toBe('int32');
    expect(await flags.prod().item()).toBe(all);
    expect(await flags.prod(1).tolist()).toEqual(dim1);
  });

  it("float32 products overflow where PyTorch's do", async () => {
    // torch.tensor([1e30, 1e30, 1e-30]).prod() is inf in PyTorch 1.13: it multiplies in float32.
    expect(await torch.tensor([1e30, 1e30, 1e-30], { device }).prod().item()).toBe(Infinity);
  });

  it('an empty product is 1', async () => {
    expect(await torch.zeros([2, 0], { device }).prod(1).tolist()).toEqual([1, 1]);
    expect(await torch.zeros([0], { device, dtype: 'int32' }).prod().item()).toBe(1);
  });
});

describe('prod arguments', () => {
  it('takes one dim, as PyTorch does', () => {
    expect(() => torch.ones([2, 3]).prod([0, 1] as never)).toThrow('prod: dim must be an integer or null, got an array [0, 1]');
    expect(() => torch.ones([2, 3]).prod(2)).toThrow(
      'prod: dim 2 is out of range for a tensor of 2 dimensions (expected to be in range of [-2, 1])',
    );
  });
});
