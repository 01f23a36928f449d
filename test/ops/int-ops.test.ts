import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

// int32 kernels against plain JS integer arithmetic, over lengths that exercise the SIMD body,
// the scalar tail and broadcast (splatted) operands. Python's floor semantics for % and //.
const a = Array.from({ length: 11 }, (_, i) => (i * 7919) % 23 - 11);
const b = Array.from({ length: 11 }, (_, i) => ((i * 104729) % 13 - 6) || 3);
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
    const p = x.gt(0), q = y.gt(0);
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
