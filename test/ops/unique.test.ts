// torch.nonzero and torch.unique against PyTorch 1.13 (test/fixtures/einsum_unique_fixtures.py) on
// every device: the synchronous forms on the CPU, the async forms everywhere, and webgpu's refusal
// of the synchronous ones; then the choices PyTorch leaves open (NaN, sorted: false) and the errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';
import { applyTransform, decode, type TensorData } from '../helpers/fixtures.js';

interface NonzeroCase {
  name: string;
  input: TensorData & { transform: string[] };
  asTuple: boolean;
  outputs: TensorData[];
}

interface UniqueCase {
  name: string;
  input: TensorData;
  options: torch.UniqueOptions;
  outputs: TensorData[];
}

const fixtures: { nonzero: NonzeroCase[]; unique: UniqueCase[] } = JSON.parse(
  readFileSync(new URL('../fixtures/einsum_unique.json', import.meta.url), 'utf8'),
);

function on(device: string, data: TensorData): torch.Tensor {
  const dtype = data.dtype ?? 'float32';
  const values = decode(data.data);
  return torch.tensor(dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values), { dtype, device }).reshape(data.shape);
}

async function expectOutputs(actual: torch.Tensor | torch.Tensor[], expected: TensorData[]): Promise<void> {
  const outputs = Array.isArray(actual) ? actual : [actual];
  expect(outputs.length, 'number of outputs').toBe(expected.length);
  for (const [k, out] of outputs.entries()) {
    expect([out.shape, out.dtype], `output ${k}: shape and dtype`).toEqual([expected[k].shape, expected[k].dtype]);
    expect(Array.from(await out.data()), `output ${k}`).toEqual(decode(expected[k].data));
  }
}

describe.each(devices)('nonzero and unique against PyTorch 1.13 (%s)', (device) => {
  const sync = device === 'cpu';

  for (const c of fixtures.nonzero) {
    it(`nonzero: ${c.name}`, async () => {
      const x = applyTransform(on(device, c.input), c.input.transform);
      const options = { asTuple: c.asTuple };
      await expectOutputs(await torch.nonzeroAsync(x, options), c.outputs);
      await expectOutputs(await x.nonzeroAsync(options), c.outputs);
      if (sync) {
        await expectOutputs(torch.nonzero(x, options), c.outputs);
        await expectOutputs(x.nonzero(options), c.outputs);
      }
    });
  }

  for (const c of fixtures.unique) {
    it(`unique: ${c.name}`, async () => {
      const x = on(device, c.input);
      await expectOutputs(await torch.uniqueAsync(x, c.options), c.outputs);
      await expectOutputs(await x.uniqueAsync(c.options), c.outputs);
      if (sync) {
        await expectOutputs(torch.unique(x, c.options), c.outputs);
        await expectOutputs(x.unique(c.options), c.outputs);
      }
    });
  }

  it('keeps every NaN apart and puts them last, with their own inverse and a count of 1', async () => {
    // PyTorch 1.13 also keeps NaNs apart, but where std::sort leaves them is arbitrary, and its hash
    // map gives each NaN inverse 0 and count 0: webtorch gives an answer that indexes back.
    const x = torch.tensor([2, NaN, 1, NaN, 2], { device });
    const [values, inverse, counts] = await torch.uniqueAsync(x, { returnInverse: true, returnCounts: true });
    expect(await values.tolist()).toEqual([1, 2, NaN, NaN]);
    expect(await inverse.tolist()).toEqual([1, 2, 0, 3, 1]);
    expect(await counts.tolist()).toEqual([1, 2, 1, 1]);
  });

  it('sorts with sorted: false too, an order PyTorch allows', async () => {
    const x = torch.tensor([3, 1, 3, 2], { dtype: 'int32', device });
    expect(await (await x.uniqueAsync({ sorted: false })).tolist()).toEqual([1, 2, 3]);
  });

  it('keeps the first of -0 and 0, as PyTorch does', async () => {
    const [first] = (await (await torch.uniqueAsync(torch.tensor([-0, 0, 1], { device }))).data()) as Float32Array;
    expect(Object.is(first, -0)).toBe(true);
  });

  it('records no graph: the outputs are values and indices', async () => {
    const x = torch.tensor([1, 0, 1], { device, requiresGrad: true });
    expect((await torch.uniqueAsync(x)).requiresGrad).toBe(false);
    expect((await torch.nonzeroAsync(x)).requiresGrad).toBe(false);
  });

  if (!sync) {
    it('refuses the synchronous forms, pointing to the async ones', () => {
      const x = torch.tensor([1, 0, 2], { device });
      const message = (op: string) =>
        `${op}: the shape of the result depends on the values of input, which a tensor on ${x.device} cannot give without an asynchronous read; use await torch.${op}Async(...) or await x.${op}Async(...)`;
      expect(() => torch.nonzero(x)).toThrow(message('nonzero'));
      expect(() => x.nonzero({ asTuple: true })).toThrow(message('nonzero'));
      expect(() => torch.unique(x)).toThrow(message('unique'));
      expect(() => x.unique({ returnCounts: true })).toThrow(message('unique'));
    });
  }
});

describe('nonzero and unique arguments', () => {
  const x = () =>
    torch.tensor([
      [1, 2],
      [1, 2],
    ]);

  it('check options and dim', () => {
    expect(() => torch.nonzero(x(), { as_tuple: true } as never)).toThrow("nonzero: unknown option 'as_tuple'; did you mean 'asTuple'?");
    expect(() => torch.unique(x(), { return_counts: true } as never)).toThrow(
      "unique: unknown option 'return_counts'; did you mean 'returnCounts'?",
    );
    expect(() => torch.unique(x(), { dim: 2 })).toThrow(/^unique: dim 2 is out of range for a tensor of 2 dimensions/);
    expect(() => torch.unique(torch.tensor(3), { dim: 0 })).toThrow('unique: dim 0 given but the input is 0-d, which has no dims');
    expect(() => torch.unique(torch.zeros(3, 0), { dim: 0 })).toThrow(
      'unique: input of shape [3, 0] has a dim of size 0 other than dim 0, so it has no slices along dim 0 to compare',
    );
    expect(() => torch.nonzero([1, 0] as never)).toThrow("nonzero: argument 'input' must be a Tensor, got an array");
  });

  it('return a tensor alone, or an array in PyTorch order', () => {
    const values = torch.unique(x());
    expect(values).toBeInstanceOf(torch.Tensor);
    const [same, counts] = torch.unique(x(), { returnCounts: true });
    expect([same.tolistSync(), counts.tolistSync()]).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(torch.unique(x(), { dim: 0, returnInverse: true }).map((t) => t.tolistSync())).toEqual([[[1, 2]], [0, 0]]);
  });

  it('handle many elements', () => {
    torch.manualSeed(2);
    const ints = torch.randint(0, 1000, [20000], { dtype: 'int32' });
    const [values, inverse, counts] = torch.unique(ints, { returnInverse: true, returnCounts: true });
    const data = ints.dataSync();
    const expected = [...new Set(data)].sort((a, b) => a - b);
    expect(Array.from(values.dataSync())).toEqual(expected);
    expect(Array.from(inverse.dataSync(), (k) => expected[k])).toEqual(Array.from(data));
    expect(counts.sum().itemSync()).toBe(20000);
    expect(torch.nonzero(ints.lt(500)).shape).toEqual([data.filter((v) => v < 500).length, 1]);
  });
});
