// Runs the PyTorch 1.13 references of test/fixtures/nn_conv.json (written by nn_conv.py, whose
// docstring gives the format; nn_conv_transpose.json has the same) through webtorch's public API
// and compares.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import * as torch from '../../src/index.js';
import {
  type Arg,
  applyTransform,
  type Check,
  callArguments,
  check as checkAgainst,
  EXACT,
  expectChecks,
  largestMagnitude,
  type TensorData,
  tensorFrom,
  tensorOn,
} from './fixtures.js';

type Tensor = torch.Tensor;
const { nn } = torch;

export interface FunctionalCase {
  name: string;
  fn: string;
  args: Arg[];
  options?: Record<string, unknown>;
  inputs: (TensorData & { transform?: string[]; requiresGrad: boolean })[];
  gradOutputs: (TensorData | null)[];
  expected: { outputs: TensorData[]; grads: (TensorData | null)[] };
  after?: TensorData[];
  gradcheck?: boolean;
}

interface ModuleStep {
  train: boolean;
  input: TensorData;
  gradOutput: TensorData;
  output: TensorData;
  indices?: TensorData;
  /** The forward's second argument (a transposed convolution's outputSize). */
  outputSize?: number[];
  inputGrad: TensorData;
  paramGrads: Record<string, TensorData>;
  buffers: Record<string, TensorData>;
}

export interface ModuleCase {
  name: string;
  module: string;
  args: unknown[];
  options: Record<string, unknown>;
  repr: string;
  state: Record<string, TensorData>;
  stateKeys: string[];
  steps: ModuleStep[];
}

export interface ConvFixtures {
  functional: FunctionalCase[];
  modules: ModuleCase[];
}

/** A fixture file of test/fixtures in nn_conv.py's format. */
export function readConvFixtures(name: string): ConvFixtures {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as ConvFixtures;
}

const fixtures = readConvFixtures('nn_conv.json');

/** The functional cases whose `fn` starts with one of `prefixes`. */
export function functionalCases(...prefixes: string[]): FunctionalCase[] {
  return fixtures.functional.filter((c) => prefixes.some((p) => c.fn.startsWith(p)));
}

export function moduleCases(...prefixes: string[]): ModuleCase[] {
  return fixtures.modules.filter((c) => prefixes.some((p) => c.module.startsWith(p)));
}

/**
 * rtol 1e-5, plus an absolute floor of 1e-6 times the largest magnitude in the reference: a
 * convolution or pooling sum accumulated in another order differs by a few ulp of its largest
 * terms, which is far more than 1e-5 relative where the sum nearly cancels. `exact` results
 * (selections, padding) and int32 ones must match bit for bit.
 */
function check(what: string, actual: Tensor, expected: TensorData, exact = false): Check {
  const tolerance =
    exact || (expected.dtype ?? 'float32') !== 'float32' ? EXACT : { rtol: 1e-5, atol: 1e-6 * Math.max(1, largestMagnitude(expected)) };
  return checkAgainst(what, actual, expected, tolerance);
}

/** The case's base tensors (leaves) and the views the call receives. */
export function buildFunctionalInputs(c: FunctionalCase, device = 'cpu'): { leaves: Tensor[]; operands: Tensor[] } {
  const leaves = c.inputs.map((spec) => tensorOn(spec, device, spec.requiresGrad));
  return { leaves, operands: leaves.map((leaf, i) => applyTransform(leaf, c.inputs[i].transform)) };
}

/** `F[fn](...args, options?)` with `{tensor: k}` replaced by operands[k]; outputs as a list. */
export function callFunctional(c: FunctionalCase, operands: readonly Tensor[]): Tensor[] {
  const args = callArguments(c.args, c.options, operands);
  const fn = (nn.functional as unknown as Record<string, (...a: unknown[]) => Tensor | Tensor[]>)[c.fn];
  if (typeof fn !== 'function') throw new Error(`nn.functional.${c.fn} is not a function`);
  const result = fn(...args);
  return Array.isArray(result) ? result : [result];
}

/** Forward outputs, input gradients and in-place updates against the reference, computed on `device`. */
export async function checkFunctionalCase(c: FunctionalCase, device = 'cpu'): Promise<void> {
  const checks = torch.scope(() => {
    const found: Check[] = [];
    const { leaves, operands } = buildFunctionalInputs(c, device);
    const outputs = callFunctional(c, operands);
    expect(outputs.length, 'number of outputs').toBe(c.expected.outputs.length);
    outputs.forEach((out, k) => {
      expect(out.device, `output ${k}: device`).toBe(device);
      found.push(check(`output ${k}`, out, c.expected.outputs[k], c.fn.startsWith('maxPool') || c.fn === 'pad'));
    });
    c.after?.forEach((spec, k) => found.push(check(`input ${k} after the call`, leaves[k], spec)));
    const differentiable = outputs.filter((_, k) => c.gradOutputs[k]);
    if (differentiable.length === 0) return found;
    const upstream = c.gradOutputs.filter((g): g is TensorData => g !== null).map((g) => tensorOn(g, device));
    const withGrad = leaves.filter((leaf) => leaf.requiresGrad);
    const grads = torch.autograd.grad(differentiable, withGrad, { gradOutputs: upstream, allowUnused: true });
    withGrad.forEach((leaf, k) => {
      const expected = c.expected.grads[leaves.indexOf(leaf)];
      if (expected) found.push(check(`gradient of input ${leaves.indexOf(leaf)}`, grads[k] ?? torch.zerosLike(leaf), expected));
    });
    return found;
  });
  await expectChecks(checks);
}

/** nn[module](...args, options) with the fixture's state, stepped as in PyTorch on `device`. */
export async function checkModuleCase(c: ModuleCase, device = 'cpu'): Promise<void> {
  const checks = torch.scope(() => {
    const found: Check[] = [];
    const Layer = (nn as unknown as Record<string, new (...a: unknown[]) => torch.nn.Module>)[c.module];
    // Built and loaded on the CPU (initialisation draws random numbers there), then moved.
    const module = Object.keys(c.options).length > 0 ? new Layer(...c.args, c.options) : new Layer(...c.args);
    expect(String(module)).toBe(c.repr);
    expect(Object.keys(module.stateDict())).toEqual(c.stateKeys);
    module.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([key, spec]) => [key, tensorFrom(spec)])));
    module.to(device);
    for (const [i, step] of c.steps.entries()) {
      module.train(step.train);
      module.zeroGrad();
      const input = tensorOn(step.input, device, true);
      const result = (step.outputSize ? module.forward(input, step.outputSize) : module.forward(input)) as Tensor | [Tensor, Tensor];
      const output = Array.isArray(result) ? result[0] : result;
      expect(output.device, `step ${i}: output device`).toBe(device);
      found.push(check(`step ${i}: output`, output, step.output));
      if (step.indices) found.push(check(`step ${i}: indices`, (result as [Tensor, Tensor])[1], step.indices));
      output.backward(tensorOn(step.gradOutput, device));
      found.push(check(`step ${i}: input gradient`, input.grad!, step.inputGrad));
      const params = Object.fromEntries(module.namedParameters());
      for (const [name, spec] of Object.entries(step.paramGrads))
        found.push(check(`step ${i}: gradient of ${name}`, params[name].grad!, spec));
      const buffers = Object.fromEntries(module.namedBuffers());
      for (const [name, spec] of Object.entries(step.buffers)) found.push(check(`step ${i}: buffer ${name}`, buffers[name], spec));
    }
    for (const p of module.parameters()) p.dispose();
    for (const b of module.buffers()) b.dispose();
    return found;
  });
  await expectChecks(checks);
}
