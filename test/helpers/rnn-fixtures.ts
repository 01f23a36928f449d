// nn.RNN / LSTM / GRU and the cells against PyTorch 1.13 (test/fixtures/nn_rnn.py) on any device:
// outputs, final states, and the gradients of every parameter, of the input and of the initial
// states, for padded and packed (unsorted) batches. The parameters are loaded on the CPU with
// loadStateDict({ strict }), so the names are PyTorch's too, then the module moves to the device,
// where everything else runs, packing included.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import * as torch from '../../src/index.js';
import { expectTensorClose, largestMagnitude } from './fixtures.js';

const { nn } = torch;
type Tensor = torch.Tensor;
type PackedSequence = torch.nn.utils.rnn.PackedSequence;

/** nn_rnn.json's tensors: finite float values only. */
interface TensorData {
  shape: number[];
  data: number[];
}

export interface RnnFixtureCase {
  name: string;
  module: 'RNN' | 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';
  args: [number, number];
  options: Record<string, unknown>;
  params: Record<string, TensorData>;
  input: TensorData;
  hx: TensorData[] | null;
  packed: { lengths: number[] } | null;
  expectedPacking?: {
    batchSizes: number[];
    sortedIndices: number[];
    unsortedIndices: number[];
    inputData: TensorData;
    padded: TensorData;
    lengths: number[];
  };
  gradOutput: TensorData | null;
  gradStates: TensorData[];
  expected: { output: TensorData | null; states: TensorData[]; grads: Record<string, TensorData> };
}

export const rnnFixtureCases = (
  JSON.parse(readFileSync(new URL('../fixtures/nn_rnn.json', import.meta.url), 'utf8')) as { cases: RnnFixtureCase[] }
).cases;

const make = (data: TensorData) => torch.tensor(Float32Array.from(data.data)).reshape(data.shape);

/**
 * Relative error 1e-5 elementwise where float32 allows it. Entries that are sums of cancelling
 * terms (a weight gradient summed over steps that nearly cancels) carry rounding error of the
 * terms' size, not their own: they are held to 2e-6 of the tensor's largest magnitude.
 */
async function expectClose(actual: Tensor, expected: TensorData, label: string): Promise<void> {
  await expectTensorClose(label, actual, expected, { rtol: 1e-5, atol: 2e-6 * largestMagnitude(expected) });
}

function build(c: RnnFixtureCase, device: string): torch.nn.Module {
  const Layer = nn[c.module] as unknown as new (a: number, b: number, options: Record<string, unknown>) => torch.nn.Module;
  const module = new Layer(c.args[0], c.args[1], c.options);
  module.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([name, data]) => [name, make(data)])), { strict: true });
  return module.to(device);
}

/** Packs the padded input as PyTorch did; the packing's values go to `exact` to be compared with PyTorch's. */
function packed(c: RnnFixtureCase, x: Tensor, exact: [string, Tensor, number[]][]): PackedSequence {
  const result = nn.utils.rnn.packPaddedSequence(x, c.packed!.lengths, { batchFirst: c.options.batchFirst === true, enforceSorted: false });
  const expected = c.expectedPacking!;
  expect(result.batchSizes.tolistSync()).toEqual(expected.batchSizes);
  exact.push(
    ['sortedIndices', result.sortedIndices!, expected.sortedIndices],
    ['unsortedIndices', result.unsortedIndices!, expected.unsortedIndices],
    ['packed data', result.data, expected.inputData.data.map(Math.fround)],
  );
  return result;
}

/** Runs one fixture case forward and backward on `device` and compares everything with PyTorch's values. */
export async function checkRnnFixtureCase(c: RnnFixtureCase, device: string): Promise<void> {
  const { compared, exact } = torch.scope(() => {
    const compared: [string, Tensor, TensorData][] = [];
    const exact: [string, Tensor, number[]][] = [];
    const module = build(c, device);
    const x = make(c.input).to(device).requiresGrad_();
    const hx = c.hx?.map((h) => make(h).to(device).requiresGrad_()) ?? null;
    const isCell = c.module.endsWith('Cell');
    const isLstm = c.module.startsWith('LSTM');
    const state = hx ? (isLstm ? hx : hx[0]) : undefined;
    let output: Tensor | null = null;
    let states: Tensor[];
    if (isCell) {
      const result = module.forward(x, state) as Tensor | Tensor[];
      states = Array.isArray(result) ? result : [result];
    } else {
      const input = c.packed ? packed(c, x, exact) : x;
      const [out, finals] = module.forward(input, state) as [Tensor | PackedSequence, Tensor | Tensor[]];
      states = Array.isArray(finals) ? finals : [finals];
      if (out instanceof nn.utils.rnn.PackedSequence) {
        const expected = c.expectedPacking!;
        expect(out.batchSizes.tolistSync()).toEqual(expected.batchSizes);
        const [padded, lengths] = nn.utils.rnn.padPackedSequence(out, { batchFirst: c.options.batchFirst === true });
        compared.push(['padded output', padded, expected.padded]);
        expect(lengths.tolistSync()).toEqual(expected.lengths);
        output = out.data;
      } else {
        output = out;
      }
      compared.push(['output', output, c.expected.output!]);
    }
    c.expected.states.forEach((s, i) => compared.push([`state ${i}`, states[i], s]));

    const upstream = (data: TensorData) => make(data).to(device);
    let loss = output ? output.mul(upstream(c.gradOutput!)).sum() : torch.zeros([], { device });
    states.forEach((s, i) => (loss = loss.add(s.mul(upstream(c.gradStates[i])).sum())));
    loss.backward();
    for (const [name, expected] of Object.entries(c.expected.grads)) {
      const grad =
        name === 'input'
          ? x.grad
          : name.startsWith('hx')
            ? hx![Number(name.slice(2))].grad
            : (module as unknown as Record<string, Tensor>)[name].grad;
      expect(grad, `grad of ${name}`).not.toBeNull();
      // A view of its own: the scope disposes the leaves, and their gradients with them.
      compared.push([`grad of ${name}`, grad!.detach(), expected]);
    }
    return { compared, exact };
  });
  for (const [label, actual, expected] of exact) expect(Array.from(await actual.data()), label).toEqual(expected);
  for (const [label, actual, expected] of compared) await expectClose(actual, expected, label);
  for (const [, actual] of [...exact, ...compared]) actual.dispose();
}
