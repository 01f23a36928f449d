// Every basic layer against PyTorch 1.13 (test/fixtures/nn_layers.json, written by
// test/fixtures/nn_layers.py): the layer is built with the fixture's arguments, its parameters are
// loaded from the fixture's state (the same values PyTorch used), and the output, the input's
// gradient and every parameter's gradient of sum(output * gradOutput) must match.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { type TensorData, decode, tensorFrom } from '../helpers/fixtures.js';

const { nn } = torch;

interface LayerCase {
  name: string;
  layer: string;
  args: unknown[];
  options: Record<string, unknown>;
  training: boolean;
  transform: 't' | null;
  state: Record<string, TensorData>;
  input: TensorData;
  gradOutput: TensorData;
  output: TensorData;
  inputGrad: TensorData | null;
  paramGrads: Record<string, TensorData>;
  stateAfter: Record<string, TensorData>;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/nn_layers.json', import.meta.url), 'utf8')) as { layers: LayerCase[] };

/** Float32 results computed in another order than PyTorch's: relative 1e-5 plus a small absolute floor for values near 0. */
function expectClose(what: string, actual: torch.Tensor, expected: TensorData, atol = 1e-6): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const got = actual.dataSync();
  const failures = decode(expected.data).map(Math.fround).flatMap((want, i) => (Math.abs(got[i] - want) <= 1e-5 * Math.abs(want) + atol ? [] : [`[${i}] got ${got[i]}, PyTorch ${want}`]));
  expect(failures, `${what}: elements outside tolerance`).toEqual([]);
}

function build(c: LayerCase): torch.nn.Module {
  if (c.layer === 'Sequential:mlp') return new nn.Sequential(new nn.Linear(5, 6), new nn.GELU(), new nn.LayerNorm(6), new nn.Linear(6, 2));
  const Layer = (nn as unknown as Record<string, new (...args: unknown[]) => torch.nn.Module>)[c.layer];
  const args = Object.keys(c.options).length > 0 ? [...c.args, c.options] : c.args;
  return new Layer(...args);
}

describe('layers match PyTorch 1.13: output, input gradient, parameter gradients', () => {
  for (const c of fixture.layers) {
    it(c.name, () => {
      torch.scope(() => {
        const layer = build(c).train(c.training);
        layer.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([name, spec]) => [name, tensorFrom(spec)])));
        const input = tensorFrom(c.input, { requiresGrad: c.inputGrad !== null });
        const output = layer.forward(c.transform === 't' ? input.t() : input);
        expectClose('output', output, c.output);
        output.backward(tensorFrom(c.gradOutput));
        if (c.inputGrad) expectClose('input gradient', input.grad!, c.inputGrad);
        const grads = Object.fromEntries(layer.namedParameters().filter(([, p]) => p.grad).map(([name, p]) => [name, p.grad!]));
        expect(Object.keys(grads).sort(), 'parameters with gradients').toEqual(Object.keys(c.paramGrads).sort());
        for (const [name, grad] of Object.entries(grads)) expectClose(`gradient of ${name}`, grad, c.paramGrads[name]);
        const after = layer.stateDict();
        for (const [name, spec] of Object.entries(c.stateAfter)) expectClose(`${name} after forward`, after[name], spec);
        for (const param of layer.parameters()) param.dispose();
      });
    });
  }
});
