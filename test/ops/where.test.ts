// `where` with the operand layouts its four-lane CPU loop takes (a contiguous mask; each operand
// contiguous or one broadcast value) and those it leaves to the scalar loop, at lengths that leave
// a tail, against an element-by-element reference, on every device; and ReLU's backward, which is
// such a `where`.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';

/** Deterministic values with exact zeros among them, so the mask has both outcomes. */
function values(count: number, seed: number): number[] {
  return Array.from({ length: count }, (_, i) => (((i * 7919 + seed * 104729) % 23) - 11) / 4);
}

describe.each(devices)('where on %s', (device) => {
  for (const length of [1, 3, 4, 5, 17, 1027]) {
    it(`length ${length}: tensor/tensor, scalar/tensor, tensor/scalar and scalar/scalar operands`, async () => {
      const c = values(length, 1).map((v) => v > 0);
      const a = values(length, 2);
      const b = values(length, 3);
      const cond = torch.tensor(c, { dtype: 'bool', device });
      const ta = torch.tensor(a, { device });
      const tb = torch.tensor(b, { device });
      const cases: [torch.Tensor | number, torch.Tensor | number, (i: number) => number][] = [
        [ta, tb, (i) => (c[i] ? a[i] : b[i])],
        [0, tb, (i) => (c[i] ? 0 : b[i])],
        [ta, -1.5, (i) => (c[i] ? a[i] : -1.5)],
        [2, 3, (i) => (c[i] ? 2 : 3)],
      ];
      for (const [x, y, reference] of cases) {
        const out = torch.where(cond, x, y);
        expect(await out.tolist()).toEqual(c.map((_, i) => reference(i)));
      }
    });
  }

  it('a row-broadcast mask with a strided operand (the scalar loop), and narrowed views (rows starting mid-buffer)', async () => {
    const rows = 3;
    const cols = 9;
    const mask = values(cols, 4).map((v) => v >= 0);
    const a = values(rows * cols * 2, 5);
    const b = values(rows * cols, 6);
    const cond = torch.tensor(mask, { dtype: 'bool', device }).expand(rows, cols);
    const wide = torch.tensor(a, { device }).reshape(rows, cols, 2).select(2, 1);
    const tb = torch.tensor(b, { device }).reshape(rows, cols);
    const out = torch.where(cond, wide, tb);
    const expected = Array.from({ length: rows }, (_, r) =>
      Array.from({ length: cols }, (_, k) => (mask[k] ? a[(r * cols + k) * 2 + 1] : b[r * cols + k])),
    );
    expect(await out.tolist()).toEqual(expected);
    const tail = torch.where(cond.narrow(1, 2, cols - 2), tb.narrow(1, 2, cols - 2), 0);
    expect(await tail.tolist()).toEqual(
      expected.map((_, r) => Array.from({ length: cols - 2 }, (_, k) => (mask[k + 2] ? b[r * cols + k + 2] : 0))),
    );
  });

  it("ReLU's gradient passes the upstream gradient where the output is positive, zero elsewhere", async () => {
    const x = torch.tensor(values(1031, 7), { device, requiresGrad: true });
    const upstream = torch.tensor(values(1031, 8), { device });
    x.relu().backward(upstream);
    const xs = values(1031, 7);
    const gs = values(1031, 8);
    expect(await x.grad!.tolist()).toEqual(xs.map((v, i) => (v > 0 ? gs[i] : 0)));
  });
});
