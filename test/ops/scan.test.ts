// cumsum and cumprod beyond test/fixtures/ops/scan.json (whose cases test/ops/parity.test.ts and
// test/webgpu/parity.test.ts check against PyTorch 1.13, and test/ops/gradcheck.test.ts
// finite-differences on the CPU): the same gradchecks on WebGPU, cumprod's gradient on lines with
// zeros in every position, int32 results outside int32's range refused on every device, the calling
// forms, and the errors.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices, expectRaises } from '../helpers/devices.js';
import { applyTransform, buildInputs, loadCases, runOp } from '../helpers/fixtures.js';

type Tensor = torch.Tensor;

const gpuDevices = devices.filter((device) => device !== 'cpu');

for (const device of gpuDevices) {
  describe(`gradcheck of the scan fixtures on ${device}`, () => {
    for (const c of loadCases('scan').filter((c) => c.expected.grads && c.gradcheck !== false)) {
      it(c.name, async () => {
        const { leaves } = buildInputs(c);
        const onDevice = leaves.map((leaf) => leaf.detach().to(device).requiresGrad_(leaf.requiresGrad));
        const fn = (...bases: Tensor[]) =>
          runOp(
            c,
            bases.map((base, i) => applyTransform(base, c.inputs[i].transform)),
          );
        expect(await torch.autograd.gradcheck(fn, onDevice)).toBe(true);
      });
    }
  });
}

for (const device of devices) {
  describe(`cumprod's gradient where the input holds zeros (${device})`, () => {
    // cumprod is linear in each element, so finite differences are exact up to rounding even at 0.
    it('one zero and two zeros at every position of a line, along each dim and transposed', async () => {
      const values: number[] = [];
      for (let first = 0; first < 5; first++) {
        for (let second = first; second < 5; second++) {
          values.push(...[1.3, -0.7, 1.1, 0.9, -1.2].map((v, i) => (i === first || i === second ? 0 : v)));
        }
      }
      const base = torch.tensor(values, { device }).reshape([15, 5]).requiresGrad_();
      expect(await torch.autograd.gradcheck((x) => x.cumprod(1), [base])).toBe(true);
      expect(await torch.autograd.gradcheck((x) => x.t().cumprod(0), [base])).toBe(true);
      expect(await torch.autograd.gradcheck((x) => x.reshape([5, 3, 5]).cumprod(-1), [base])).toBe(true);
    });

    it('a line of zeros, and a zero in a line of one', async () => {
      const zeros = torch.zeros([2, 4], { device }).requiresGrad_();
      expect(await torch.autograd.gradcheck((x) => x.cumprod(1), [zeros])).toBe(true);
      const single = torch.tensor([[0], [2]], { device }).requiresGrad_();
      single.cumprod(1).sum().backward();
      expect(await single.grad!.tolist()).toEqual([[1], [1]]);
    });
  });

  describe(`int32 results outside int32's range are refused (${device})`, () => {
    // As int32 sums and products refuse theirs (src/ops/reduce.ts); the CPU appends the first such value.
    const remedy =
      " leaves int32's range [-2147483648, 2147483647] (PyTorch would return int64, which webtorch does not have); convert the input with .float() first";
    const sumOverflow = `cumsum: the sum of int32 values${remedy}`;
    const productOverflow = `cumprod: the product of int32 values${remedy}`;
    const int = (values: number[] | number[][]) => torch.tensor(values, { dtype: 'int32', device });

    it('sums above and below, along rows and along columns', async () => {
      await expectRaises(device, () => int([5, 2 ** 31 - 6, 1]).cumsum(0), sumOverflow);
      if (device === 'cpu') expect(() => int([5, 2 ** 31 - 6, 1]).cumsum(0)).toThrow(`${sumOverflow}; the first such sum is 2147483648`);
      await expectRaises(device, () => int([-(2 ** 31), -1]).cumsum(0), sumOverflow);
      await expectRaises(device, () => int([Array(6).fill(2 ** 30), Array(6).fill(2 ** 30)]).cumsum(0), sumOverflow);
    });

    it('products, even when a later zero would bring the product back', async () => {
      await expectRaises(device, () => int([65536, 65536, 0]).cumprod(0), productOverflow);
      await expectRaises(device, () => int([[-65536], [32769], [1]]).cumprod(0), productOverflow);
      await expectRaises(device, () => int([-1, -(2 ** 31)]).cumprod(0), productOverflow);
    });

    it('results at the edges of the range are kept, and float32 sums do not overflow', async () => {
      expect(
        await int([2 ** 31 - 2, 1])
          .cumsum(0)
          .tolist(),
      ).toEqual([2 ** 31 - 2, 2 ** 31 - 1]);
      expect(await int([-65536, 32768]).cumprod(0).tolist()).toEqual([-65536, -(2 ** 31)]);
      expect(
        await int([2 ** 31 - 1, 1])
          .cumsum(0, { dtype: 'float32' })
          .tolist(),
      ).toEqual([2 ** 31, 2 ** 31]);
    });
  });
}

describe('cumsum and cumprod: calling forms', () => {
  const x = () =>
    torch.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);

  it('dim positionally or in options, as a function or a method', () => {
    const rows = [
      [1, 3, 6],
      [4, 9, 15],
    ];
    expect(torch.cumsum(x(), 1).tolistSync()).toEqual(rows);
    expect(torch.cumsum(x(), { dim: -1 }).tolistSync()).toEqual(rows);
    expect(x().cumsum({ dim: 1 }).tolistSync()).toEqual(rows);
    expect(x().cumprod(0, {}).tolistSync()).toEqual([
      [1, 2, 3],
      [4, 10, 18],
    ]);
  });

  it("dtype converts first; 'int64' means int32; bool gives int32", () => {
    const truncated = torch.tensor([1.5, -2.5, 3.7]).cumsum(0, { dtype: 'int64' as torch.DType });
    expect(truncated.dtype).toBe('int32');
    expect(truncated.tolistSync()).toEqual([1, -1, 2]);
    const mask = torch.tensor([true, false, true]);
    expect(mask.cumsum(0).dtype).toBe('int32');
    expect(mask.cumprod(0).tolistSync()).toEqual([1, 0, 0]);
    expect(torch.cumprod(torch.tensor([2, 3], { dtype: 'int32' }), 0, { dtype: 'float32' }).dtype).toBe('float32');
  });

  it("records PyTorch's node names, and nothing for int32 results", () => {
    const leaf = torch.tensor([1, 2, 3]).requiresGrad_();
    expect(leaf.cumsum(0).gradFn?.name).toBe('CumsumBackward0');
    expect(leaf.cumprod(0).gradFn?.name).toBe('CumprodBackward0');
    expect(leaf.cumsum(0, { dtype: 'int32' }).requiresGrad).toBe(false);
  });

  it('0-d and empty inputs keep their shapes', () => {
    expect(torch.tensor(4).cumprod(-1).tolistSync()).toBe(4);
    expect(torch.ones(0, 3).cumsum(1).shape).toEqual([0, 3]);
    expect(torch.ones(2, 0).cumprod(1).shape).toEqual([2, 0]);
  });
});

describe('cumsum and cumprod: errors name the op, the argument and the values', () => {
  const x = () => torch.ones(2, 3);

  it('dim', () => {
    expect(() => x().cumsum(2)).toThrow('cumsum: dim 2 is out of range for a tensor of 2 dimensions (expected to be in range of [-2, 1])');
    expect(() => torch.cumprod(torch.tensor(1), 1)).toThrow(
      'cumprod: dim 1 is out of range for a tensor of 0 dimensions (expected to be in range of [-1, 0])',
    );
    expect(() => (x().cumsum as () => Tensor)()).toThrow("cumsum: missing the argument 'dim'");
    expect(() => x().cumprod(0.5)).toThrow('cumprod: dim must be an integer, got number 0.5');
    expect(() => x().cumsum(0, { dim: 1 })).toThrow("cumsum: got two values for 'dim', one positional and one in the options");
  });

  it('options and dtype', () => {
    expect(() => x().cumsum(0, { axis: 1 } as never)).toThrow("cumsum: unknown option 'axis' (accepted: input, dim, dtype)");
    expect(() => x().cumsum(0, { dtype: 'bool' })).toThrow("cumsum: dtype must be float32 or int32 ('int64' means int32), got bool");
    expect(() => x().cumprod(0, { dtype: 'float64' as torch.DType })).toThrow(/^cumprod: unsupported dtype 'float64'/);
    expect(() => torch.cumsum([1, 2] as never, 0)).toThrow(/^cumsum: input must be a Tensor, got/);
  });
});
