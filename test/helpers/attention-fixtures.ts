// Reads the PyTorch 1.13 references of test/fixtures/nn_attention.json (written by
// nn_attention.py, whose docstring gives the format) for test/nn/attention.test.ts and
// test/nn/transformer.test.ts, and compares on any device (values are read with await data()).
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type * as torch from '../../src/index.js';
import { expectTensorClose, largestMagnitude, type TensorData, tensorFrom } from './fixtures.js';

type Tensor = torch.Tensor;

export interface SdpaCase {
  name: string;
  inputs: { query: TensorData; key: TensorData; value: TensorData; attnMask?: TensorData };
  options: { isCausal?: boolean; scale?: number };
  gradOutput: TensorData;
  expected: { output: TensorData; grads: Record<'query' | 'key' | 'value', TensorData> };
}

export interface MhaCase {
  name: string;
  args: [number, number];
  options: Record<string, unknown>;
  repr: string;
  stateDictKeys: string[];
  state: Record<string, TensorData>;
  inputs: { query: TensorData; key: TensorData | 'query'; value: TensorData | 'query' | 'key' };
  forward: { keyPaddingMask?: TensorData; attnMask?: TensorData; needWeights?: boolean; averageAttnWeights?: boolean };
  gradOutput: TensorData;
  gradWeights: TensorData | null;
  expected: { output: TensorData; weights: TensorData | null; grads: Record<string, TensorData> };
}

export interface EncoderCase {
  name: string;
  module: 'TransformerEncoderLayer' | 'TransformerEncoder';
  layer: { args: [number, number]; options: Record<string, unknown> };
  encoder: { numLayers: number; norm: boolean } | null;
  repr: string;
  stateDictKeys: string[];
  state: Record<string, TensorData>;
  src: TensorData;
  forward: { srcMask?: TensorData; mask?: TensorData; srcKeyPaddingMask?: TensorData };
  causal: boolean;
  gradOutput: TensorData;
  expected: { output: TensorData; grads: Record<string, TensorData> };
}

/** nn.TransformerEncoder in eval mode under no_grad with a padding mask: PyTorch 1.13's fast path, or its general path where its conditions fail. */
export interface FastPathCase {
  name: string;
  layer: { args: [number, number]; options: Record<string, unknown> };
  encoder: { numLayers: number; norm: boolean };
  state: Record<string, TensorData>;
  src: TensorData;
  forward: { srcKeyPaddingMask: TensorData };
  /** The fast path ran: padded outputs are zeros before the norm (and 1.13 may have dropped padding columns every sequence shares). */
  zeroed: boolean;
  expected: { output: TensorData };
}

export const fixture = JSON.parse(readFileSync(new URL('../fixtures/nn_attention.json', import.meta.url), 'utf8')) as {
  sdpa: SdpaCase[];
  mha: MhaCase[];
  encoder: EncoderCase[];
  reprs: Record<string, string>;
  fastPath: FastPathCase[];
};

/** Loads the fixture's state (PyTorch's keys, strict) into `module` and moves it to `device`. */
export function loadState(module: torch.nn.Module, state: Record<string, TensorData>, device: string): void {
  module.loadStateDict(Object.fromEntries(Object.entries(state).map(([key, spec]) => [key, tensorFrom(spec)])), { strict: true });
  module.to(device);
}

/**
 * rtol 1e-5 plus an absolute floor of 1e-6 times the tensor's largest magnitude: attention sums
 * products over keys, features and batch positions in another order than PyTorch, which moves
 * entries that nearly cancel by a few ulp of the largest terms rather than of their own size. The
 * key part of in_proj_bias's gradient is one: it is 0 in exact arithmetic (softmax ignores a shift
 * shared by a row), and both sides give rounding noise of 1e-8 of the largest entry.
 */
export async function expectClose(what: string, actual: Tensor | null, expected: TensorData): Promise<void> {
  expect(actual, `${what}: missing`).not.toBeNull();
  await expectTensorClose(what, actual!, expected, { rtol: 1e-5, atol: 1e-6 * largestMagnitude(expected) });
}

/** sum(output * gradOutput) over pairs whose output is not null: the scalar the fixture differentiated. */
export function projectedLoss(pairs: readonly (readonly [Tensor | null, Tensor | null])[]): Tensor {
  const terms = pairs
    .filter((pair): pair is readonly [Tensor, Tensor] => pair[0] !== null && pair[1] !== null)
    .map(([out, grad]) => out.mul(grad).sum());
  return terms.reduce((total, term) => total.add(term));
}
