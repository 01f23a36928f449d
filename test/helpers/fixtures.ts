// Reads the PyTorch op fixtures written by test/fixtures/generate_ops.py and runs a case through
// webtorch's public API by the same rules the generator used to run it through PyTorch (see the
// format in the generator's docstring).
import { readFileSync } from 'node:fs';
import * as torch from '../../src/index.js';

type Tensor = torch.Tensor;

/** A float written as a string is non-finite: JSON has no literal for NaN or infinity. */
export type Value = number | 'nan' | 'inf' | '-inf';

export interface TensorData {
  shape: number[];
  dtype?: torch.DType;
  data: Value[];
}

export interface InputSpec extends TensorData {
  dtype: torch.DType;
  /** Methods applied to the base tensor in order, `name:int,int,...`, to make a view of it. */
  transform?: string[];
  requiresGrad: boolean;
}

type Arg = number | null | { tensor: number } | Arg[];

export interface OpCase {
  name: string;
  op: string;
  call: 'function' | 'method';
  args: Arg[];
  options?: Record<string, unknown>;
  inputs: InputSpec[];
  /** Upstream gradient per output; null for outputs that are not differentiable. */
  gradOutputs?: (TensorData | null)[];
  expected: { outputs: TensorData[]; grads?: (TensorData | null)[] };
  /** False for cases placed at a kink or tie on purpose: finite differences do not apply there. */
  gradcheck?: boolean;
}

export const FAMILIES = ['elementwise', 'comparison', 'reduction', 'views', 'matmul'] as const;
export type Family = (typeof FAMILIES)[number];

export function loadCases(family: Family): OpCase[] {
  const url = new URL(`../fixtures/ops/${family}.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: OpCase[] }).cases;
}

export function decode(values: readonly Value[]): number[] {
  return values.map((v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v));
}

export function tensorFrom(spec: TensorData, options: { requiresGrad?: boolean } = {}): Tensor {
  const dtype = spec.dtype ?? 'float32';
  const values = decode(spec.data);
  const flat = dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values);
  return torch.tensor(flat, { dtype }).reshape(spec.shape).requiresGrad_(options.requiresGrad ?? false);
}

/** Applies `transform` steps such as 't', 'permute:2,0,1', 'expand:3,4' by calling the tensor's methods. */
export function applyTransform(base: Tensor, steps: readonly string[] = []): Tensor {
  return steps.reduce((x, step) => {
    const [name, params = ''] = step.split(':');
    const ints = params === '' ? [] : params.split(',').map(Number);
    const method = (x as unknown as Record<string, (...args: number[]) => Tensor>)[name];
    if (typeof method !== 'function') throw new Error(`fixture transform: Tensor has no method '${name}'`);
    return method.apply(x, ints);
  }, base);
}

/** The case's inputs: `leaves` are the base tensors (gradients are taken w.r.t. them), `operands` their views. */
export function buildInputs(c: OpCase, requiresGrad = true): { leaves: Tensor[]; operands: Tensor[] } {
  const leaves = c.inputs.map((spec) => tensorFrom(spec, { requiresGrad: requiresGrad && spec.requiresGrad }));
  const operands = leaves.map((leaf, i) => applyTransform(leaf, c.inputs[i].transform));
  return { leaves, operands };
}

type Result = Tensor | readonly Tensor[] | { values: Tensor; indices: Tensor };

/** Calls `torch.<op>(...args, options?)` or `args[0].<op>(...rest, options?)`; the outputs as a list. */
export function runOp(c: OpCase, operands: readonly Tensor[]): Tensor[] {
  const resolve = (arg: Arg): unknown => {
    if (Array.isArray(arg)) return arg.map(resolve);
    if (arg !== null && typeof arg === 'object') return operands[arg.tensor];
    return arg;
  };
  const args = c.args.map(resolve);
  if (c.options) args.push(c.options);
  let result: Result;
  if (c.call === 'method') {
    const receiver = args.shift() as Record<string, (...a: unknown[]) => Result>;
    if (typeof receiver[c.op] !== 'function') throw new Error(`Tensor.${c.op} is not a method`);
    result = receiver[c.op](...args);
  } else {
    const fn = (torch as unknown as Record<string, (...a: unknown[]) => Result>)[c.op];
    if (typeof fn !== 'function') throw new Error(`torch.${c.op} is not a function`);
    result = fn(...args);
  }
  if (result instanceof torch.Tensor) return [result];
  if (Array.isArray(result)) return [...result];
  const { values, indices } = result as { values: Tensor; indices: Tensor };
  return [values, indices];
}
