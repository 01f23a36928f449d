// Every basic layer against PyTorch 1.13 (test/fixtures/nn_layers.json, written by
// test/fixtures/nn_layers.py): the layer is built with the fixture's arguments, its parameters are
// loaded from the fixture's state (the same values PyTorch used), and the output, the input's
// gradient and every parameter's gradient of sum(output * gradOutput) must match, on the CPU and
// on webgpu (the layer moved there after loading) with the same bounds.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';
import { type Check, check, expectChecks, type TensorData, tensorFrom, tensorOn } from '../helpers/fixtures.js';

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
const TOLERANCE = { rtol: 1e-5, atol: 1e-6 };

function build(c: LayerCase): torch.nn.Module {
  if (c.layer === 'Sequential:mlp') return new nn.Sequential(new nn.Linear(5, 6), new nn.GELU(), new nn.LayerNorm(6), new nn.Linear(6, 2));
  const Layer = (nn as unknown as Record<string, new (...args: unknown[]) => torch.nn.Module>)[c.layer];
  const args = Object.keys(c.options).length > 0 ? [...c.args, c.options] : c.args;
  return new Layer(...args);
}

/** Loads the case's state on the CPU, moves the layer to `device`, and checks it there against PyTorch. */
async function checkLayerCase(c: LayerCase, device: string): Promise<void> {
  const checks = torch.scope(() => {
    const found: Check[] = [];
    const layer = build(c).train(c.training);
    layer.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([name, spec]) => [name, tensorFrom(spec)])));
    layer.to(device);
    const input = tensorOn(c.input, device, c.inputGrad !== null);
    const output = layer.forward(c.transform === 't' ? input.t() : input);
    expect(output.device, 'output device').toBe(device);
    found.push(check('output', output, c.output, TOLERANCE));
    output.backward(tensorOn(c.gradOutput, device));
    if (c.inputGrad) found.push(check('input gradient', input.grad!, c.inputGrad, TOLERANCE));
    const grads = Object.fromEntries(
      layer
        .namedParameters()
        .filter(([, p]) => p.grad)
        .map(([name, p]) => [name, p.grad!]),
    );
    expect(Object.keys(grads).sort(), 'parameters with gradients').toEqual(Object.keys(c.paramGrads).sort());
    for (const [name, grad] of Object.entries(grads)) found.push(check(`gradient of ${name}`, grad, c.paramGrads[name], TOLERANCE));
    const after = layer.stateDict();
    for (const [name, spec] of Object.entries(c.stateAfter)) found.push(check(`${name} after forward`, after[name], spec, TOLERANCE));
    for (const param of layer.parameters()) param.dispose();
    return found;
  });
  await expectChecks(checks);
}

for (const device of devices) {
  describe(`layers match PyTorch 1.13: output, input gradient, parameter gradients (${device})`, () => {
    for (const c of fixture.layers) it(c.name, () => checkLayerCase(c, device));
  });
}
