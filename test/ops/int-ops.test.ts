import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices, expectRaises } from '../helpers/devices.js';

// int32 kernels against plain JS integer arithmetic, over lengths that exercise the SIMD body,
// the scalar tail and broadcast (splatted) operands. Python's floor semantics for % and //.
const a = Array.from({ length: 11 }, (_, i) => ((i * 7919) % 23) - 11);
const b = Array.from({ length: 11 }, (_, i) => ((i * 104729) % 13) - 6 || 3);
const floorDiv = (x: number, y: number) => Math.floor(x / y);
const cases: [string, (x: torch.Tensor, y: torch.Tensor | number) => torch.Tensor, (x: number, y: number) => number | boolean][] = [
  ['add', (x, y) => x.add(y), (x, y) => x + y],
  ['sub', (x, y) => x.sub(y), (x, y) => x - y],
  ['mul', (x, y) => x.mul(y), (x, y) => x * y],
  ['maximum', (x, y) => x.maximum(y as torch.Tensor), Math.max],
  ['minimum', (x, y) => x.minimum(y as torch.Tensor), Math.min],
  ['remainder', (x, y) => x.remainder(y), (x, y) => x - floorDiv(x, y) * y],
  ['floorDivide', (x, y) => x.floorDivide(y), floorDiv],
  ['eq', (x, y) => x.eq(y), (x, y) => x === y],
  ['ne', (x, y) => x.ne(y), (x, y) => x !== y],
  ['lt', (x, y) => x.lt(y), (x, y) => x < y],
  ['le', (x, y) => x.le(y), (x, y) => x <= y],
  ['gt', (x, y) => x.gt(y), (x, y) => x > y],
  ['ge', (x, y) => x.ge(y), (x, y) => x >= y],
];

describe('int32 elementwise kernels', () => {
  const x = torch.tensor(a, { dtype: 'int32' });
  const y = torch.tensor(b, { dtype: 'int32' });
  for (const [name, op, reference] of cases) {
    it(name, () => {
      expect(op(x, y).tolistSync()).toEqual(a.map((v, i) => reference(v, b[i])));
      const scalarOther = name === 'maximum' || name === 'minimum' ? torch.tensor([b[2]], { dtype: 'int32' }) : b[2];
      expect(op(x, scalarOther).tolistSync()).toEqual(a.map((v) => reference(v, b[2])));
    });
  }
  it('unary ops and logical ops', () => {
    expect(x.neg().tolistSync()).toEqual(a.map((v) => -v));
    expect(x.abs().tolistSync()).toEqual(a.map(Math.abs));
    expect(x.sign().tolistSync()).toEqual(a.map(Math.sign));
    expect(x.square().tolistSync()).toEqual(a.map((v) => v * v));
    const p = x.gt(0),
      q = y.gt(0);
    expect(p.logicalNot().tolistSync()).toEqual(a.map((v) => !(v > 0)));
    expect(p.logicalAnd(q).tolistSync()).toEqual(a.map((v, i) => v > 0 && b[i] > 0));
    expect(p.logicalOr(q).tolistSync()).toEqual(a.map((v, i) => v > 0 || b[i] > 0));
    expect(x.dtype).toBe('int32');
    expect(x.add(y).dtype).toBe('int32');
  });
});

describe('integer division by zero', () => {
  it('is refused with a clear error instead of trapping in wasm', () => {
    const x = torch.tensor([1, 2, 3], { dtype: 'int32' });
    expect(() => x.remainder(0)).toThrow(/remainder: integer division by zero/);
    expect(() => x.floorDivide(torch.tensor([1, 0, 2], { dtype: 'int32' }))).toThrow(/floorDivide: integer division by zero/);
    expect(x.float().floorDivide(0).tolistSync()).toEqual([Infinity, Infinity, Infinity]);
  });
});

interface IntFixtures {
  powScalar: { exponent: number; expected: number[] }[];
  powTensor: { base: number[]; exponent: number[]; expected: number[] };
  scalarPow: { base: number; exponent: number[]; expected: number[] }[];
  division: { input: number[]; other: number[]; floorDivide: number[]; remainder: number[] };
  wrapped: { input: number; other: number; floorDivide: number; remainder: number };
  sums: { values: number[]; overflows: boolean; expected: number }[];
}

const fixtures: IntFixtures = JSON.parse(readFileSync(new URL('../fixtures/int_ops.json', import.meta.url), 'utf8'));
const EDGES = [0, 1, -1, 2, -2, 3, -7, 12, 4097, 46340, 46341, 65536, 123456789, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) + 1];
const SUM_OVERFLOW =
  "sum: the sum of int32 values leaves int32's range [-2147483648, 2147483647] (PyTorch would return int64, which webtorch does not have); convert the input with .float() first";

describe.each(devices)('int32 as PyTorch computes it (%s)', (device) => {
  const int32 = (values: number[]) => torch.tensor(values, { dtype: 'int32', device });

  it('pow with a scalar exponent wraps on overflow, as PyTorch int32 does', async () => {
    expect(await int32([4097]).pow(2).tolist()).toEqual([16785409]);
    expect(await int32([4097]).pow(3).tolist()).toEqual([50343937]);
    for (const { exponent, expected } of fixtures.powScalar) {
      const out = int32(EDGES).pow(exponent);
      expect(out.dtype).toBe('int32');
      expect(await out.tolist(), `exponent ${exponent}`).toEqual(expected);
    }
  });

  it('pow with a tensor exponent, negative exponents included', async () => {
    const { base, exponent, expected } = fixtures.powTensor;
    // 250+ elements: the SIMD body and the scalar tail of the CPU kernel both run.
    expect(await int32(base).pow(int32(exponent)).tolist()).toEqual(expected);
    expect(await torch.pow(int32(base), int32(exponent)).tolist()).toEqual(expected);
    for (const { base: scalar, exponent: powers, expected: values } of fixtures.scalarPow) {
      const out = torch.pow(scalar, int32(powers));
      expect(out.dtype).toBe('int32');
      expect(await out.tolist(), `base ${scalar}`).toEqual(values);
    }
  });

  it('pow refuses what PyTorch refuses', () => {
    expect(() => int32([2]).pow(-1)).toThrow('pow: Integers to negative integer powers are not allowed (input dtype int32, exponent -1)');
    expect(() => int32([2]).pow(2 ** 31)).toThrow('pow: exponent 2147483648 cannot be converted to int32 without overflow');
    const flags = torch.tensor([true, false], { device });
    expect(() => flags.pow(true)).toThrow('pow: not implemented for a bool input with a bool exponent');
    expect(() => flags.pow(flags)).toThrow('pow: not implemented for a bool input with a bool exponent');
  });

  it('pow keeps PyTorch result dtypes', async () => {
    expect(await int32([2, 3]).pow(0.5).tolist()).toEqual([Math.fround(Math.SQRT2), Math.fround(Math.sqrt(3))]);
    const flags = torch.tensor([true, false], { device });
    expect(await flags.pow(2).tolist()).toEqual([1, 0]);
    expect(flags.pow(2).dtype).toBe('int32');
    expect(await flags.pow(int32([2, 3])).tolist()).toEqual([1, 0]);
    expect(await torch.pow(2.5, int32([2])).tolist()).toEqual([6.25]);
  });

  it('floorDivide and remainder over edge values', async () => {
    const { input, other, floorDivide, remainder } = fixtures.division;
    expect(await int32(input).floorDivide(int32(other)).tolist()).toEqual(floorDivide);
    expect(await int32(input).remainder(int32(other)).tolist()).toEqual(remainder);
  });

  it('INT_MIN // -1 and INT_MIN % -1 wrap instead of trapping (PyTorch dies of SIGFPE)', async () => {
    const { input, other, floorDivide, remainder } = fixtures.wrapped;
    // Tensor and scalar divisors, in the SIMD body (8 lanes) and in the scalar tail (1).
    for (const length of [1, 8]) {
      const x = int32(Array(length).fill(input));
      expect(await x.floorDivide(int32(Array(length).fill(other))).tolist()).toEqual(Array(length).fill(floorDivide));
      expect(await x.floorDivide(other).tolist()).toEqual(Array(length).fill(floorDivide));
      expect(await x.remainder(int32(Array(length).fill(other))).tolist()).toEqual(Array(length).fill(remainder));
      expect(await x.remainder(other).tolist()).toEqual(Array(length).fill(remainder));
    }
  });

  it('integer division by zero raises', async () => {
    await expectRaises(
      device,
      () => int32([1, 2, 3]).floorDivide(int32([1, 0, 2])),
      "floorDivide: integer division by zero (argument 'other' contains 0)",
    );
    await expectRaises(
      device,
      () => int32([1, 2, 3]).remainder(int32([1, 0, 2])),
      "remainder: integer division by zero (argument 'other' contains 0)",
    );
  });

  it('a sum that leaves int32 raises instead of wrapping (PyTorch widens to int64)', async () => {
    for (const { values, overflows, expected } of fixtures.sums) {
      if (overflows) await expectRaises(device, () => int32(values).sum(), SUM_OVERFLOW);
      else expect(await int32(values).sum().item(), `sum of ${values.length} values`).toBe(expected);
    }
    // Long runs take the webgpu kernel's cooperative path; per-row sums name no row in particular.
    const long = Array(300).fill(2 ** 24);
    await expectRaises(device, () => int32(long).sum(), SUM_OVERFLOW);
    await expectRaises(
      device,
      () =>
        int32([...long, ...long.map(() => 1)])
          .reshape([2, 300])
          .sum(1),
      SUM_OVERFLOW,
    );
    expect(
      await int32([...long.map(() => 1), ...long.map(() => -1)])
        .reshape([2, 300])
        .sum(1)
        .tolist(),
    ).toEqual([300, -300]);
  });
});

describe('creating int32 tensors', () => {
  it('refuses values PyTorch cannot convert to int32, and truncates fractions as it does', () => {
    for (const value of [2 ** 31, -(2 ** 31) - 1, NaN, Infinity, -Infinity]) {
      expect(() => torch.tensor([1, value], { dtype: 'int32' })).toThrow(
        `tensor: value ${value} (element 1 of the flattened data) cannot be converted to int32 without overflow`,
      );
    }
    for (const value of [2 ** 31, -(2 ** 32), NaN, Infinity]) {
      expect(() => torch.tensor(Float32Array.of(0, value), { dtype: 'int32' })).toThrow(
        `tensor: value ${value} (element 1 of the flattened data) cannot be converted to int32 without overflow`,
      );
    }
    expect(torch.tensor([2 ** 31 - 1, -(2 ** 31), 1.5, -1.5], { dtype: 'int32' }).tolistSync()).toEqual([2 ** 31 - 1, -(2 ** 31), 1, -1]);
  });

  it('full refuses a fill value outside int32, as PyTorch does', () => {
    expect(() => torch.full([2], 2 ** 31, { dtype: 'int32' })).toThrow(
      'full: value 2147483648 (the fill value) cannot be converted to int32 without overflow',
    );
    expect(() => torch.full([2], NaN, { dtype: 'int32' })).toThrow(
      'full: value NaN (the fill value) cannot be converted to int32 without overflow',
    );
    expect(torch.full([2], -(2 ** 31), { dtype: 'int32' }).tolistSync()).toEqual([-(2 ** 31), -(2 ** 31)]);
  });
});
