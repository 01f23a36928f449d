// nn.RNN / LSTM / GRU and the cells against PyTorch 1.13 (test/fixtures/nn_rnn.py): outputs, final
// states, and the gradients of every parameter, of the input and of the initial states, for padded
// and packed (unsorted) batches. The parameters are loaded with loadStateDict({ strict }), so the
// names are PyTorch's too.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

const { nn } = torch;
type Tensor = torch.Tensor;

interface TensorData {
  shape: number[];
  data: number[];
}

interface Case {
  name: string;
  module: 'RNN' | 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';
  args: [number, number];
  options: Record<string, unknown>;
  params: Record<string, TensorData>;
  input: TensorData;
  hx: TensorData[] | null;
  packed: { lengths: number[] } | null;
  expectedPacking?: { batchSizes: number[]; sortedIndices: number[]; unsortedIndices: number[]; inputData: TensorData; padded: TensorData; lengths: number[] };
  gradOutput: TensorData | null;
  gradStates: TensorData[];
  expected: { output: TensorData | null; states: TensorData[]; grads: Record<string, TensorData> };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/nn_rnn.json', import.meta.url), 'utf8')) as { cases: Case[] };

const make = (data: TensorData, requiresGrad = false) => torch.tensor(Float32Array.from(data.data)).reshape(data.shape).requiresGrad_(requiresGrad);

/**
 * Relative error 1e-5 elementwise where float32 allows it. Entries that are sums of cancelling
 * terms (a weight gradient summed over steps that nearly cancels) carry rounding error of the
 * terms' size, not their own: they are held to 2e-6 of the tensor's largest magnitude.
 */
function expectClose(actual: Tensor, expected: TensorData, label: string): void {
  expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  const values = actual.dataSync();
  const largest = Math.max(...expected.data.map(Math.abs));
  expected.data.forEach((e, i) => {
    if (!(Math.abs(values[i] - e) <= 1e-5 * Math.abs(e) + 2e-6 * largest)) {
      throw new Error(`${label}[${i}]: got ${values[i]}, expected ${e} (difference ${Math.abs(values[i] - e)}, largest ${largest})`);
    }
  });
}

function build(c: Case): torch.nn.Module {
  const Layer = nn[c.module] as unknown as new (a: number, b: number, options: Record<string, unknown>) => torch.nn.Module;
  const module = new Layer(c.args[0], c.args[1], c.options);
  module.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([name, data]) => [name, make(data)])), { strict: true });
  return module;
}

describe('recurrent modules match PyTorch 1.13', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      torch.scope(() => {
        const module = build(c);
        const x = make(c.input, true);
        const hx = c.hx?.map((h) => make(h, true)) ?? null;
        const isCell = c.module.endsWith('Cell');
        const isLstm = c.module.startsWith('LSTM');
        const state = hx ? (isLstm ? hx : hx[0]) : undefined;
        let output: Tensor | null = null;
        let states: Tensor[];
        if (isCell) {
          const result = module.forward(x, state) as Tensor | Tensor[];
          states = Array.isArray(result) ? result : [result];
        } else {
          let input: Tensor | torch.nn.utils.rnn.PackedSequence = x;
          if (c.packed) {
            const packed = nn.utils.rnn.packPaddedSequence(x, c.packed.lengths, { batchFirst: c.options.batchFirst === true, enforceSorted: false });
            const expected = c.expectedPacking!;
            expect(packed.batchSizes.tolistSync()).toEqual(expected.batchSizes);
            expect(packed.sortedIndices!.tolistSync()).toEqual(expected.sortedIndices);
            expect(packed.unsortedIndices!.tolistSync()).toEqual(expected.unsortedIndices);
            expect(Array.from(packed.data.dataSync())).toEqual(expected.inputData.data.map(Math.fround));
            input = packed;
          }
          const [out, finals] = module.forward(input, state) as [Tensor | torch.nn.utils.rnn.PackedSequence, Tensor | Tensor[]];
          states = Array.isArray(finals) ? finals : [finals];
          if (out instanceof nn.utils.rnn.PackedSequence) {
            const expected = c.expectedPacking!;
            expect(out.batchSizes.tolistSync()).toEqual(expected.batchSizes);
            const [padded, lengths] = nn.utils.rnn.padPackedSequence(out, { batchFirst: c.options.batchFirst === true });
            expectClose(padded, expected.padded, 'padded output');
            expect(lengths.tolistSync()).toEqual(expected.lengths);
            output = out.data;
          } else {
            output = out;
          }
          expectClose(output, c.expected.output!, 'output');
        }
        c.expected.states.forEach((s, i) => expectClose(states[i], s, `state ${i}`));

        let loss = output ? output.mul(make(c.gradOutput!)).sum() : torch.zeros([]);
        states.forEach((s, i) => (loss = loss.add(s.mul(make(c.gradStates[i])).sum())));
        loss.backward();
        for (const [name, expected] of Object.entries(c.expected.grads)) {
          const grad = name === 'input' ? x.grad : name.startsWith('hx') ? hx![Number(name.slice(2))].grad : (module as unknown as Record<string, Tensor>)[name].grad;
          expect(grad, `grad of ${name}`).not.toBeNull();
          expectClose(grad!, expected, `grad of ${name}`);
        }
      });
    });
  }
});
