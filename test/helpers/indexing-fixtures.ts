// The cases of test/fixtures/indexing.json (written by indexing_fixtures.py), shared by the CPU
// suite (test/ops/indexing.test.ts) and the WebGPU one (test/webgpu/indexing.test.ts): the same
// functions under the same names as in the Python script, and the checks of their values and
// gradients against PyTorch's.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import * as torch from '../../src/index.js';

type Tensor = torch.Tensor;

export interface IndexingCase {
  name: string;
  inputs: number[][];
  outputs: { shape: number[]; data: number[] }[];
  grads: (number[] | null)[];
}

export type SpelledEntry = number | string | null | number[] | { int: number[][] } | { bool: boolean[] };

export interface RandomCase {
  entries: SpelledEntry[];
  error?: string;
  shape?: number[];
  data?: number[];
  put?: number[];
}

export const fixtures: { cases: IndexingCase[]; random: RandomCase[] } = JSON.parse(
  readFileSync(new URL('../fixtures/indexing.json', import.meta.url), 'utf8'),
);

export const L = (values: torch.NestedArray) => torch.tensor(values, { dtype: 'int32' });
export const B = (values: torch.NestedArray) => torch.tensor(values, { dtype: 'bool' });
export const MASK = () =>
  B([
    [true, false, false, true],
    [false, false, false, false],
    [true, true, false, true],
  ]);
export const put = (x: Tensor, index: torch.IndexEntry[], values: Tensor | number) => x.mul(1).indexPut_(index, values);
export const accumulate = (x: Tensor, index: torch.IndexEntry[], values: Tensor) => x.mul(1).indexPut_(index, values, { accumulate: true });

/** The functions test/fixtures/indexing_fixtures.py runs through PyTorch, under the same names. */
export type IndexingFunction = (...inputs: Tensor[]) => Tensor[] | Promise<Tensor[]>;

export const cases: Record<string, IndexingFunction> = {
  'gather dim 1': (a) => [
    a.gather(
      1,
      L([
        [0, 3, 3],
        [1, 0, 2],
        [2, 2, 2],
      ]),
    ),
  ],
  'gather dim 0 of a transposed input': (a) => [
    torch.gather(
      a.t(),
      0,
      L([
        [0, 1, 2, 0],
        [2, 2, 0, 1],
      ]),
    ),
  ],
  'gather last dim 3-D': (a) => [
    a.gather(
      -1,
      L([
        [[3], [0], [1]],
        [[2], [2], [0]],
      ]),
    ),
  ],
  'gather a 0-d input': (a) => [a.gather(0, L(0))],
  'scatter src dim 1': (x, s) => [
    x.scatter(
      1,
      L([
        [0, 4, 2],
        [1, 3, 0],
      ]),
      s,
    ),
  ],
  'scatter a value dim 0': (x) => [torch.scatter(x, 0, L([[2, 0, 1, 2]]), 7.5)],
  'scatter_ into a transposed view': (x, s) => [
    x
      .mul(1)
      .t()
      .scatter_(
        1,
        L([
          [4, 0],
          [1, 2],
        ]),
        s,
      ),
  ],
  'scatterAdd duplicates dim 0': (x, s) => [
    x.scatterAdd(
      0,
      L([
        [0, 1, 2, 0],
        [0, 0, 0, 0],
        [2, 1, 2, 1],
        [1, 1, 1, 1],
      ]),
      s,
    ),
  ],
  'scatterAdd_ on a transposed view': (x, s) => [
    x
      .mul(1)
      .t()
      .scatterAdd_(
        1,
        L([
          [3, 3, 0],
          [1, 1, 1],
        ]),
        s,
      ),
  ],
  'indexSelect rows with duplicates': (a) => [a.indexSelect(0, L([3, 0, 3, 1]))],
  'indexSelect dim 1 of a transposed input': (a) => [a.t().indexSelect(1, L([4, 4, 0]))],
  'indexSelect middle dim 3-D': (a) => [torch.indexSelect(a, 1, L([2, 0]))],
  'indexAdd duplicates': (a, s) => [a.indexAdd(1, L([3, 3]), s)],
  'maskedFill broadcast mask': (a) => [a.maskedFill(B([[[true, false, false, true]], [[false, true, false, false]]]), -2.5)],
  'maskedFill 0-d tensor value': (a, v) => [
    a.maskedFill(
      B([
        [true, false, true],
        [false, false, true],
      ]),
      v,
    ),
  ],
  'maskedFill_ on a transposed view': (a) => [
    a
      .mul(1)
      .t()
      .maskedFill_(B([[true, false, true]]), 4.0),
  ],
  oneHot: () => [
    torch.oneHot(
      L([
        [0, 2],
        [1, 1],
      ]),
    ),
    torch.oneHot(L([3, 0]), 5),
  ],
  'index basic views': (x) => [
    x.index('1:', -1),
    x.index('...', '::2'),
    x.index(null, 0, ':', '1:-1'),
    x.index(':', '2:1'),
    x.index('-1:', '0::3', ':3'),
  ],
  'index int tensor with duplicates': (x) => [x.index(L([2, 0, 2]))],
  'index list keeps the dim': (x) => [x.index(':', [-1]), x.index([0, 2], 1)],
  'index adjacent advanced broadcast': (x) => [
    x.index(
      ':',
      L([
        [0, 1],
        [2, 0],
      ]),
      L([1, 3]),
    ),
  ],
  'index separated advanced go first': (x) => [x.index(L([0, 2]), ':', L([4, 0]))],
  'index advanced with slice and select': (x) => [x.index('1:', L([3, 1]), 2)],
  'index new axis between advanced': (x) => [x.index(L([0, 1]), null, L([2, 3]))],
  'index bool mask': (x) => [x.index(MASK()), x.index(':', [true, false, true, true])],
  'index negative indices and ellipsis': (x) => [x.index('...', L([-1, 0, -5]))],
  'index a transposed input': (x) => [x.transpose(0, 2).index(L([1, 1]), '1:3')],
  'index True and a 0-d tensor': (x) => [x.index(true), x.index(L(1), 2)],
  'indexPut slice with a tensor': (x, v) => [put(x, [':', ':', '0::2'], v)],
  'indexPut a number through select': (x) => [put(x, [1], 9.0)],
  'indexPut advanced with broadcast values': (x, v) => [put(x, [':', L([0, 2])], v)],
  'indexPut bool mask': (x, v) => [put(x, [MASK()], v)],
  'indexPut separated advanced': (x, v) => [put(x, [L([0, 2]), ':', L([4, 0])], v)],
  'indexPut values with leading ones': (x, v) => [put(x, [':', L([0, 1])], v)],
  'indexPut accumulate duplicates': (x, v) => [accumulate(x, [L([0, 4, 0, -1])], v)],
  'indexPut accumulate two index tensors': (x, v) => [accumulate(x, [L([0, 0, 2]), L([1, 1, 3])], v)],
};

export function makeInput(shape: number[], k: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => (i + 1) * 0.5 + 100 * k);
  return torch.tensor(values).reshape(shape).detach().requiresGrad_(true);
}

function weights(out: Tensor, j: number): Tensor {
  return torch.tensor(Array.from({ length: out.numel() }, (_, i) => ((i + 1) * (j + 1)) / 8)).reshape(out.shape);
}

export async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/**
 * Runs one fixture case through `fn` (with `device` the default device, where inputs and outputs
 * must be) and checks its outputs and the gradients of its inputs.
 */
export async function expectCaseMatches(fixture: IndexingCase, fn: IndexingFunction, device = 'cpu'): Promise<void> {
  const inputs = fixture.inputs.map(makeInput);
  const outputs = await fn(...inputs);
  for (const t of [...inputs, ...outputs]) expect(t.device).toBe(device);
  expect(outputs.map((o) => o.shape)).toEqual(fixture.outputs.map((o) => o.shape));
  for (const [j, out] of outputs.entries()) expect(await values(out)).toEqual(fixture.outputs[j].data);
  const floats = outputs.map((out, j) => [out, j] as const).filter(([out]) => out.dtype === 'float32');
  if (floats.length === 0) return;
  floats
    .map(([out, j]) => out.mul(weights(out, j)).sum())
    .reduce((a, b) => a.add(b))
    .backward();
  for (const [k, x] of inputs.entries()) {
    expect(x.grad === null ? null : await values(x.grad)).toEqual(fixture.grads[k]);
  }
}

/** A random case's entry as an index entry: int and bool lists spelled as objects become tensors. */
export function entryOf(entry: SpelledEntry): torch.IndexEntry {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return entry;
  return 'int' in entry ? L(entry.int) : B(entry.bool);
}
