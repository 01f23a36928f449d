// Runs fuzzer programs (test/fuzz/program.ts) with webtorch on any device, and compares the values
// and gradients of two runs: webtorch against PyTorch's recorded results, or webgpu against cpu.
//
// Comparison rules:
//   - float32 values agree within rtol 1e-4 and an absolute allowance that starts at 1e-5 and
//     grows with the rounding a value inherits: an op that accumulates K terms (sums, means,
//     variances, matmuls, softmax, losses, scatterAdd) adds 2e-6 * K * the magnitude of its terms,
//     and every op carries its operands' allowances forward;
//   - int32 and bool values agree exactly, except where they come from float results through a
//     boundary (comparisons, floor/ceil/round/trunc, sign, conversions to int or bool, remainder
//     and floorDivide): there a mismatch is accepted where the operands lie within their float
//     tolerance of the boundary, and from then on the values that depend on it are not compared;
//   - gradients agree within rtol 1e-4 and 1e-5 plus 1e-4 of the gradient's largest magnitude
//     (a gradient is a sum over every path through the program, each rounded in its own order).
//     They are not compared when a boundary mismatch was accepted, or when a kink (relu, abs,
//     leakyRelu, clamp, maximum/minimum, l1Loss) or a tie (max()/min()) sees computed operands
//     within float tolerance of it, where either side of the kink is a right answer. Exact inputs
//     at a kink or tie are compared: there PyTorch's convention is the contract.
import * as torch from '../../src/index.js';
import { decode, type TensorData } from '../helpers/fixtures.js';
import type { Arg, InputSpec, Program, Ref, Step } from './program.js';

type Tensor = torch.Tensor;

/** Every value of a run and the gradient of each input that requires grad, in program order. */
export interface Results {
  values: TensorData[];
  grads?: (TensorData | null)[];
  /** Set instead of the rest when the library refused the program. */
  error?: string;
}

export const isRef = (arg: Arg): arg is Ref => arg !== null && typeof arg === 'object' && !Array.isArray(arg) && 'ref' in arg;

function makeInput(spec: InputSpec, device: string): Tensor {
  const values = decode(spec.data);
  const flat = spec.dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values);
  const made = torch.tensor(flat, { dtype: spec.dtype, device }).reshape(spec.shape);
  return made.requiresGrad_(spec.requiresGrad ?? false);
}

type Reduction = 'mean' | 'sum' | 'none';

/** One step's outputs; `value(arg)` resolves `{ ref }` arguments. */
function runStep(step: Step, value: (arg: Arg) => Tensor): Tensor[] {
  const a = step.args;
  const x = () => value(a[0]);
  const arg = (k: number) => (isRef(a[k]) ? value(a[k]) : (a[k] as number));
  const F = torch.nn.functional;
  switch (step.op) {
    case 'neg':
    case 'abs':
    case 'exp':
    case 'log':
    case 'sqrt':
    case 'rsqrt':
    case 'sin':
    case 'cos':
    case 'tanh':
    case 'sigmoid':
    case 'relu':
    case 'reciprocal':
    case 'square':
    case 'erf':
    case 'log1p':
    case 'expm1':
    case 'sign':
    case 'floor':
    case 'ceil':
    case 'round':
    case 'trunc':
    case 'logicalNot':
    case 'float':
    case 'int':
    case 'bool':
    case 'contiguous':
    case 't':
      return [(x() as unknown as Record<string, () => Tensor>)[step.op]()];
    case 'maxAll':
      return [x().max()];
    case 'minAll':
      return [x().min()];
    case 'mul':
    case 'div':
    case 'pow':
    case 'maximum':
    case 'minimum':
    case 'remainder':
    case 'floorDivide':
    case 'eq':
    case 'ne':
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge':
    case 'logicalAnd':
    case 'logicalOr':
    case 'matmul':
    case 'mm':
    case 'bmm':
      return [(x() as unknown as Record<string, (other: Tensor | number) => Tensor>)[step.op](arg(1))];
    case 'add':
      return [x().add(arg(1), { alpha: a[2] as number })];
    case 'sub':
      return [x().sub(arg(1), { alpha: a[2] as number })];
    case 'clamp':
      return [x().clamp(a[1] as number | null, a[2] as number | null)];
    case 'leakyRelu':
      return [torch.leakyRelu(x(), a[1] as number)];
    case 'where':
      return [torch.where(x(), arg(1), arg(2))];
    case 'sum':
    case 'mean':
      return [a[1] === null ? x()[step.op]() : x()[step.op](a[1] as number[], a[2] as boolean)];
    case 'var':
    case 'std':
      return [x()[step.op](a[1] as number[], { unbiased: a[2] as boolean, keepdim: a[3] as boolean })];
    case 'logsumexp':
      return [x().logsumexp(a[1] as number[], a[2] as boolean)];
    case 'maxDim':
    case 'minDim': {
      const { values, indices } =
        step.op === 'maxDim' ? x().max(a[1] as number, a[2] as boolean) : x().min(a[1] as number, a[2] as boolean);
      return [values, indices];
    }
    case 'argmax':
    case 'argmin':
      return [x()[step.op](a[1] as number | null, a[2] as boolean)];
    case 'softmax':
      return [x().softmax(a[1] as number)];
    case 'logSoftmax':
      return [x().logSoftmax(a[1] as number)];
    case 'sort': {
      const { values, indices } = x().sort(a[1] as number, { descending: a[2] as boolean });
      return [values, indices];
    }
    case 'argsort':
      return [x().argsort(a[1] as number, { descending: a[2] as boolean })];
    case 'topk': {
      const { values, indices } = x().topk(a[1] as number, a[2] as number, { largest: a[3] as boolean });
      return [values, indices];
    }
    case 'gather':
      return [x().gather(a[1] as number, value(a[2]))];
    case 'indexSelect':
      return [x().indexSelect(a[1] as number, value(a[2]))];
    case 'scatterAdd':
      return [x().scatterAdd(a[1] as number, value(a[2]), value(a[3]))];
    case 'indexAdd':
      return [x().indexAdd(a[1] as number, value(a[2]), value(a[3]))];
    case 'maskedFill':
      return [x().maskedFill(value(a[1]), a[2] as number)];
    case 'index':
      return [x().index(...(a[1] as Arg[]).map((entry) => (isRef(entry) ? value(entry) : (entry as number | string | null))))];
    case 'reshape':
      return [x().reshape(a[1] as number[])];
    case 'permute':
      return [x().permute(a[1] as number[])];
    case 'expand':
      return [x().expand(a[1] as number[])];
    case 'transpose':
      return [x().transpose(a[1] as number, a[2] as number)];
    case 'squeeze':
      return [a[1] === null ? x().squeeze() : x().squeeze(a[1] as number)];
    case 'unsqueeze':
      return [x().unsqueeze(a[1] as number)];
    case 'flatten':
      return [x().flatten(a[1] as number, a[2] as number)];
    case 'narrow':
      return [x().narrow(a[1] as number, a[2] as number, a[3] as number)];
    case 'select':
      return [x().select(a[1] as number, a[2] as number)];
    case 'cat':
      return [torch.cat((a[0] as Arg[]).map(value), a[1] as number)];
    case 'stack':
      return [torch.stack((a[0] as Arg[]).map(value), a[1] as number)];
    case 'split':
      return x().split(a[1] as number, a[2] as number);
    case 'chunk':
      return x().chunk(a[1] as number, a[2] as number);
    case 'crossEntropy':
      return [F.crossEntropy(x(), value(a[1]), { reduction: a[2] as Reduction, labelSmoothing: a[3] as number })];
    case 'nllLoss':
      return [F.nllLoss(x(), value(a[1]), { reduction: a[2] as Reduction })];
    case 'mseLoss':
    case 'l1Loss':
    case 'binaryCrossEntropy':
    case 'binaryCrossEntropyWithLogits':
      return [F[step.op](x(), value(a[1]), { reduction: a[2] as Reduction })];
    default:
      throw new Error(`fuzz interpreter: unknown op '${step.op}'`);
  }
}

/** A program's values and input gradients on `device`; the caller reads them, then disposes them. */
interface Run {
  values: Tensor[];
  grads: (Tensor | null)[] | null;
}

function runProgram(program: Program, device: string): Run {
  return torch.scope(() => {
    const values: Tensor[] = [];
    const leaves: Tensor[] = [];
    const value = (arg: Arg) => values[(arg as Ref).ref];
    for (const step of program.steps) {
      if (step.op === 'input') {
        const leaf = makeInput(step.args[0] as InputSpec, device);
        if (leaf.requiresGrad) leaves.push(leaf);
        values.push(leaf);
      } else values.push(...runStep(step, value));
    }
    if (!program.backward || leaves.length === 0) return { values, grads: null };
    const outputs = program.backward.outputs.map((k) => values[k]);
    const upstream = program.backward.upstream.map((g) => makeInput({ ...g, dtype: 'float32' }, device));
    const grads = torch.autograd.grad(outputs, leaves, { gradOutputs: upstream, allowUnused: true });
    return { values, grads };
  });
}

async function read(t: Tensor): Promise<TensorData> {
  return { shape: [...t.shape], dtype: t.dtype, data: Array.from(await t.data()) };
}

/** Runs and reads a program on `device`; a refusal comes back as `error`. Frees what it made. */
export async function resultsOn(program: Program, device: string): Promise<Results> {
  let run: Run;
  try {
    run = runProgram(program, device);
  } catch (error) {
    return { values: [], error: String((error as Error).message ?? error) };
  }
  try {
    const values: TensorData[] = [];
    for (const v of run.values) values.push(await read(v));
    const grads = run.grads === null ? undefined : await Promise.all(run.grads.map((g) => (g ? read(g) : null)));
    return { values, grads };
  } catch (error) {
    return { values: [], error: String((error as Error).message ?? error) };
  } finally {
    for (const v of run.values) v.dispose();
    for (const g of run.grads ?? []) g?.dispose();
  }
}

// ---- comparison ---------------------------------------------------------------------------------

const RTOL = 1e-4;
const ATOL = 1e-5;

/** Ops whose float results are sums of many terms, rounded in an order each library chooses. */
const ACCUMULATING = new Set([
  'sum',
  'mean',
  'var',
  'std',
  'logsumexp',
  'softmax',
  'logSoftmax',
  'matmul',
  'mm',
  'bmm',
  'scatterAdd',
  'indexAdd',
  'crossEntropy',
  'nllLoss',
  'mseLoss',
  'l1Loss',
  'binaryCrossEntropy',
  'binaryCrossEntropyWithLogits',
]);

/** Ops whose results only move, select or negate their operands' values, or are inputs: exact when their operands are. */
const EXACT_OPS = new Set([
  'input',
  'neg',
  'abs',
  'relu',
  'sign',
  'clamp',
  'maximum',
  'minimum',
  'where',
  'maskedFill',
  'float',
  'int',
  'bool',
  'contiguous',
  't',
  'maxAll',
  'minAll',
  'maxDim',
  'minDim',
  'argmax',
  'argmin',
  'sort',
  'argsort',
  'topk',
  'gather',
  'indexSelect',
  'index',
  'reshape',
  'permute',
  'expand',
  'transpose',
  'squeeze',
  'unsqueeze',
  'flatten',
  'narrow',
  'select',
  'cat',
  'stack',
  'split',
  'chunk',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalNot',
  'floor',
  'ceil',
  'round',
  'trunc',
]);

/** Ops with a jump in their result: a mismatch there is accepted only near the jump. */
const BOUNDARY = new Set([
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'floor',
  'ceil',
  'round',
  'trunc',
  'sign',
  'int',
  'bool',
  'remainder',
  'floorDivide',
]);

/**
 * Boundary ops checked even on exact operands: remainder and floorDivide jump where a quotient they
 * compute crosses an integer, and the quotient is a rounded float (PyTorch's cpu remainder is an
 * exact fmod; webtorch's, on both devices, is a - floor(a / b) * b, which jumps by b where a / b
 * rounds up to an integer); int() of a value outside int32 is undefined.
 */
const ALWAYS_BOUNDARY = new Set(['remainder', 'floorDivide', 'int']);

/** Ops with a kink in their gradient (or a tie that splits it). */
const KINKS = new Set(['relu', 'abs', 'leakyRelu', 'clamp', 'maximum', 'minimum', 'l1Loss', 'maxAll', 'minAll']);

export interface Mismatch {
  step: number;
  op: string;
  what: string;
  details: string[];
}

export interface Comparison {
  mismatches: Mismatch[];
  /** Values compared (and found equal or not). */
  compared: number;
  /** Values not compared because they depend on an accepted boundary mismatch. */
  uncompared: number;
  /** Why gradients were not compared, or null when they were (or the program has none). */
  gradientsSkipped: string | null;
}

const numbers = (d: TensorData) => decode(d.data).map((v) => (d.dtype === 'float32' || d.dtype === undefined ? Math.fround(v) : v));
const maxAbs = (values: readonly number[]) => values.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0);

/** The refs a step reads (in `args`, nested lists included). */
export function refsOf(args: readonly Arg[]): number[] {
  return args.flatMap((arg) => (Array.isArray(arg) ? refsOf(arg) : isRef(arg) ? [arg.ref] : []));
}

/**
 * The distance of each element of a boundary op's result from its jump, and the size its float
 * tolerance is relative to; computed on the cpu from `operands` (the checked run's values).
 */
function boundaryMargins(
  step: Step,
  operands: TensorData[],
  exactOperands: boolean,
  outShape: number[],
): { margin: Float32Array; scale: Float32Array } {
  return torch.scope(() => {
    const t = operands.map((d) =>
      torch
        .tensor(Float32Array.from(numbers(d)))
        .reshape(d.shape)
        .float(),
    );
    const scalar = typeof step.args[1] === 'number' ? torch.tensor([step.args[1]]).reshape([]) : null;
    const [x, y] = [t[0], t[1] ?? scalar];
    let margin: Tensor;
    let scale: Tensor;
    switch (step.op) {
      case 'floor':
      case 'ceil':
      case 'trunc':
        margin = x.sub(x.round()).abs();
        scale = x.abs();
        break;
      case 'int':
        // Converting NaN, infinities or values beyond int32 is undefined in C++: PyTorch's result
        // is whatever the CPU's instruction gives, so any result there is accepted (margin 0),
        // exact operands included; elsewhere an exact operand has no tolerance (margin infinite).
        margin = torch.where(x.abs().lt(2 ** 31), exactOperands ? Infinity : x.sub(x.round()).abs(), 0);
        scale = x.abs();
        break;
      case 'round':
        margin = x.sub(x.floor().add(0.5)).abs();
        scale = x.abs();
        break;
      case 'sign':
      case 'bool':
        margin = x.abs();
        scale = torch.zerosLike(x);
        break;
      case 'remainder':
      case 'floorDivide': {
        // Only finite operands have a quotient near an integer; infinities are never a boundary.
        const q = x.div(y!);
        const finite = x.abs().lt(Infinity).logicalAnd(y!.abs().lt(Infinity));
        margin = torch.where(finite, q.sub(q.round()).abs(), Infinity);
        scale = q.abs();
        break;
      }
      default:
        margin = x.sub(y!).abs();
        scale = x.abs().maximum(y!.abs());
    }
    const shaped = (v: Tensor) => v.expand(outShape).contiguous().dataSync() as Float32Array;
    return { margin: shaped(margin), scale: shaped(scale) };
  });
}

/** Whether a kink op's computed operands lie within `atol` (plus rtol) of its kink anywhere. */
function nearKink(step: Step, operands: TensorData[], atol: number): boolean {
  return torch.scope(() => {
    const t = operands.map((d) => torch.tensor(Float32Array.from(numbers(d))).reshape(d.shape));
    const x = t[0];
    const within = (margin: Tensor, scale: Tensor) =>
      Number(
        margin
          .le(scale.mul(RTOL * 2).add(atol * 2))
          .sum()
          .itemSync(),
      ) > 0;
    switch (step.op) {
      case 'relu':
      case 'abs':
      case 'leakyRelu':
        return within(x.abs(), torch.zerosLike(x));
      case 'clamp': {
        const bounds = [step.args[1], step.args[2]].filter((b): b is number => typeof b === 'number');
        return bounds.some((b) => within(x.sub(b).abs(), torch.full([], Math.abs(b))));
      }
      case 'maxAll':
      case 'minAll': {
        const flat = numbers(operands[0])
          .filter(Number.isFinite)
          .sort((p, q) => p - q);
        if (flat.length < 2) return false;
        const [first, second] = step.op === 'maxAll' ? [flat[flat.length - 1], flat[flat.length - 2]] : [flat[0], flat[1]];
        return Math.abs(first - second) <= 2 * (RTOL * Math.abs(first) + atol);
      }
      default:
        return within(x.sub(t[1]).abs(), x.abs().maximum(t[1].abs()));
    }
  });
}

/**
 * Compares a run (`actual`) with a reference run (`expected`) of the same program, by the rules at
 * the top of this file.
 */
export function compareResults(program: Program, actual: Results, expected: Results): Comparison {
  const mismatches: Mismatch[] = [];
  if (actual.error || expected.error) {
    if (actual.error && expected.error) return { mismatches, compared: 0, uncompared: 0, gradientsSkipped: 'both refused the program' };
    mismatches.push({
      step: -1,
      op: 'program',
      what: 'outcome',
      details: [`refused: ${actual.error ?? ''}${expected.error ? `reference refused: ${expected.error}` : ''}`],
    });
    return { mismatches, compared: 0, uncompared: 0, gradientsSkipped: 'refused' };
  }
  const count = expected.values.length;
  const atols = new Float64Array(count);
  const exact = new Array<boolean>(count).fill(false);
  const diverged = new Array<boolean>(count).fill(false);
  let uncompared = 0;
  let compared = 0;
  let gradientsSkipped: string | null = null;
  let value = 0;
  program.steps.forEach((step, stepIndex) => {
    const refs = refsOf(step.args);
    const operands = refs.map((r) => actual.values[r]);
    const outputs = step.op === 'input' ? 1 : countOutputs(step, expected.values);
    if (outputs !== (step.op === 'input' ? 1 : countOutputs(step, actual.values)) || value + outputs > actual.values.length) {
      if (mismatches.every((m) => m.what !== 'number of outputs'))
        mismatches.push({
          step: stepIndex,
          op: step.op,
          what: 'number of outputs',
          details: [`the runs made ${actual.values.length} and ${expected.values.length} values in all`],
        });
      value += outputs;
      return;
    }
    for (let out = 0; out < outputs; out++, value++) {
      const got = actual.values[value];
      const want = expected.values[value];
      exact[value] = EXACT_OPS.has(step.op) && refs.every((r) => exact[r]);
      const inherited = refs.reduce((s, r) => s + atols[r], 0);
      const floatOperands = operands.filter((d) => d.dtype === 'float32');
      const terms = Math.max(1, ...refs.map((r) => expected.values[r].data.length)) / Math.max(1, want.data.length);
      const magnitude =
        step.op === 'matmul' || step.op === 'mm' || step.op === 'bmm'
          ? floatOperands.map((d) => maxAbs(numbers(d))).reduce((p, q) => p * q, 1)
          : 1 + maxAbs(floatOperands.flatMap(numbers));
      const own = ACCUMULATING.has(step.op)
        ? 2e-6 *
          Math.max(terms, step.op.startsWith('m') || step.op === 'bmm' ? innerSize(operands) : 1) *
          magnitude *
          (step.op === 'var' || step.op === 'mseLoss' ? magnitude : 1)
        : 0;
      atols[value] = ATOL + own + inherited;
      if (refs.some((r) => diverged[r])) {
        diverged[value] = true;
        uncompared++;
        continue;
      }
      compared++;
      const failures = differences(got, want, atols[value]);
      if (failures.length === 0) continue;
      const exactOperands = refs.every((r) => exact[r]);
      if (BOUNDARY.has(step.op) && (ALWAYS_BOUNDARY.has(step.op) || !exactOperands) && got.shape.join() === want.shape.join()) {
        const { margin, scale } = boundaryMargins(step, operands, exactOperands, got.shape);
        const allowance = 2 * Math.max(...refs.map((r) => atols[r]), ATOL);
        const unexplained = failures.filter((i) => !(margin[i] <= 2 * RTOL * (Number.isNaN(scale[i]) ? 0 : scale[i]) + allowance));
        if (unexplained.length === 0) {
          diverged[value] = true;
          continue;
        }
        failures.splice(0, failures.length, ...unexplained);
      }
      mismatches.push({
        step: stepIndex,
        op: step.op,
        what: `value ${value}${outputs > 1 ? ` (output ${out})` : ''}`,
        details: describe(got, want, failures),
      });
      diverged[value] = true;
    }
    if (
      gradientsSkipped === null &&
      KINKS.has(step.op) &&
      !refs.every((r) => exact[r]) &&
      nearKink(step, operands, Math.max(...refs.map((r) => atols[r]), ATOL))
    ) {
      gradientsSkipped = `${step.op} at step ${stepIndex} has computed operands at its kink`;
    }
  });
  if (diverged.some(Boolean)) gradientsSkipped ??= 'values diverged at a boundary';
  if (expected.grads && gradientsSkipped === null) {
    const got = actual.grads ?? [];
    expected.grads.forEach((want, k) => {
      const have = got[k] ?? null;
      if (!want && !have) return;
      const [g, e] = [have ?? zerosLikeData(want!), want ?? zerosLikeData(have!)];
      const failures = differences(g, e, ATOL + RTOL * maxAbs(numbers(e)));
      if (failures.length > 0)
        mismatches.push({ step: -1, op: 'backward', what: `gradient of input ${k}`, details: describe(g, e, failures) });
    });
  }
  return { mismatches, compared, uncompared, gradientsSkipped };
}

/** The step that made each value of a run. */
export function valueSteps(program: Program, results: Results): number[] {
  return program.steps.flatMap((step, k) => Array.from({ length: step.op === 'input' ? 1 : countOutputs(step, results.values) }, () => k));
}

/** How many values a step makes. */
function countOutputs(step: Step, values: readonly TensorData[]): number {
  if (step.op === 'split' || step.op === 'chunk') return splitPieces(step, values[refsOf(step.args)[0]]);
  return step.op === 'maxDim' || step.op === 'minDim' || step.op === 'sort' || step.op === 'topk' ? 2 : 1;
}

/** The number of pieces split or chunk makes of `input`, by PyTorch's rules. */
function splitPieces(step: Step, input: TensorData): number {
  const ndim = input.shape.length;
  const dim = (step.args[2] as number) < 0 ? (step.args[2] as number) + ndim : (step.args[2] as number);
  const size = input.shape[dim];
  const n = step.args[1] as number;
  if (step.op === 'split') return Math.max(1, Math.ceil(size / n));
  if (size === 0) return n;
  return Math.ceil(size / Math.ceil(size / n));
}

function innerSize(operands: TensorData[]): number {
  const a = operands[0];
  return a.shape[a.shape.length - 1] ?? 1;
}

function zerosLikeData(d: TensorData): TensorData {
  return { shape: d.shape, dtype: d.dtype, data: d.data.map(() => 0) };
}

/** Indices where `got` is outside tolerance of `want` (all of them if shapes or dtypes differ). */
function differences(got: TensorData, want: TensorData, atol: number): number[] {
  if (got.shape.join() !== want.shape.join() || (got.dtype ?? 'float32') !== (want.dtype ?? 'float32')) return [-1];
  const [g, w] = [numbers(got), numbers(want)];
  const float = (want.dtype ?? 'float32') === 'float32';
  const failures: number[] = [];
  w.forEach((b, i) => {
    const a = g[i];
    const ok = Number.isNaN(b)
      ? Number.isNaN(a)
      : !Number.isFinite(b)
        ? a === b
        : float
          ? Math.abs(a - b) <= RTOL * Math.abs(b) + atol
          : a === b;
    if (!ok) failures.push(i);
  });
  return failures;
}

function describe(got: TensorData, want: TensorData, failures: number[]): string[] {
  if (failures[0] === -1) return [`shape ${JSON.stringify(got.shape)} ${got.dtype}, reference ${JSON.stringify(want.shape)} ${want.dtype}`];
  const [g, w] = [numbers(got), numbers(want)];
  return [`${failures.length} of ${w.length} elements differ`, ...failures.slice(0, 6).map((i) => `[${i}] got ${g[i]}, reference ${w[i]}`)];
}
