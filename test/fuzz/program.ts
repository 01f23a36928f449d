// The differential fuzzer's programs and the seeded generator that writes them.
//
// A program is language-neutral JSON, run by test/fuzz/interpreter.ts (webtorch, any device) and by
// test/fixtures/fuzz_pytorch.py (PyTorch 1.13) by the same rules:
//
//   { "steps": [
//       { "op": "input", "args": [{ "shape": [2, 3], "dtype": "float32", "data": [...], "requiresGrad": true }] },
//       { "op": "transpose", "args": [{ "ref": 0 }, 0, 1] },
//       { "op": "sum", "args": [{ "ref": 1 }, [1], false] },
//       ...],
//     "backward": { "outputs": [2], "upstream": [{ "shape": [3], "data": [...] }] } }
//
// Every step appends its outputs to one list of values (most ops one; sort, topk and max/min over a
// dim two; split and chunk one per piece); `{ "ref": k }` names value k. Arguments are positional in
// the order the interpreters' op tables give. backward asks for the gradients of
// sum(output * upstream) over the listed outputs w.r.t. every input that requires grad.
//
// The generator keeps every program inside the domain where both libraries are defined and the
// result is a property of the math, not of rounding: operands of log, sqrt, division and pow are
// made positive first; values stay below ~1e4 in magnitude; sort, topk, max/min over a dim and
// argmax/argmin only see tie-free values (inputs drawn apart, or a view or a monotonic scalar
// affine map of such), because which of two tied elements wins is unspecified. Ties are generated
// on purpose elsewhere (inputs drawn from a few halves), where PyTorch's gradients at ties are the
// contract: max()/min() split evenly among tied elements, maximum/minimum half to each side.
import type { DType } from '../../src/index.js';
import { Choices } from '../helpers/choices.js';
import { decode, type TensorData, type Value } from '../helpers/fixtures.js';

export interface Ref {
  ref: number;
}

export interface InputSpec extends TensorData {
  dtype: DType;
  requiresGrad?: boolean;
}

export type Arg = number | string | boolean | null | Ref | InputSpec | Arg[];

export interface Step {
  op: string;
  args: Arg[];
}

export interface Program {
  steps: Step[];
  backward?: { outputs: number[]; upstream: TensorData[] };
}

/** What the generator knows about a value: enough to pick valid arguments for the next op. */
interface Meta {
  shape: number[];
  dtype: DType;
  /** Largest magnitude the value can reach (an estimate that errs high). */
  bound: number;
  /** No two elements are within a rounding error of each other. */
  tieFree: boolean;
  /** Depends on an input that requires grad (and is float32). */
  grad: boolean;
}

const numel = (shape: readonly number[]) => shape.reduce((n, s) => n * s, 1);
// Most values are small (the corpus stays small, and every size-0/1 edge is near); one input in 40
// is large, so GPU kernels run over several workgroups and tiles.
const MAX_NUMEL = 4096;
const SMALL_NUMEL = 96;
const LARGE_NUMEL = 1536;
const MAX_BOUND = 1e4;
const REDUCTIONS = ['mean', 'sum', 'none'] as const;

/** Three significant decimals: the same float32 when either language parses the JSON. */
const round3 = (v: number) => Number(v.toPrecision(3));

/**
 * The float classes a kernel must get right beyond ordinary numbers: NaN, infinities, zero, tiny
 * and huge values (JSON has no -0). Huge stops at 1e15: webtorch's var and std sum squares in
 * float32, which overflow beyond ~1e19 where PyTorch's cpu kernels accumulate in double (left
 * unfixed: see README.md).
 */
const SPECIAL: Value[] = ['nan', 'inf', '-inf', 0, 1e-30, -1e-30, 1e15, -1e15];

/** Writes one program; `new ProgramWriter(seed).write()`. */
class ProgramWriter {
  private readonly rng: Choices;
  private readonly steps: Step[] = [];
  private readonly metas: Meta[] = [];

  constructor(seed: number) {
    this.rng = new Choices(seed);
  }

  write(): Program {
    const rng = this.rng;
    this.floatInput(this.shape(), rng.pick(['normal', 'normal', 'normal', 'apart', 'ties', 'ties', 'special']));
    if (rng.chance(0.3)) this.input(this.shape(), rng.pick(['int32', 'bool']));
    const length = rng.int(2, 8);
    for (let attempts = 0; attempts < 200 && this.opsWritten() < length; attempts++) {
      const builder = rng.pick(BUILDERS);
      const mark = this.steps.length;
      const metaMark = this.metas.length;
      if (!builder(this)) {
        this.steps.length = mark;
        this.metas.length = metaMark;
      }
    }
    return { steps: this.steps, backward: this.backward() };
  }

  private opsWritten(): number {
    return this.steps.filter((s) => s.op !== 'input').length;
  }

  private backward(): Program['backward'] {
    const candidates = this.metas.map((m, k) => [m, k] as const).filter(([m]) => m.grad && m.dtype === 'float32');
    if (candidates.length === 0) return undefined;
    const last = candidates[candidates.length - 1];
    const chosen = [last];
    const other = this.rng.pick(candidates);
    if (other !== last && this.rng.chance(0.4)) chosen.unshift(other);
    return {
      outputs: chosen.map(([, k]) => k),
      upstream: chosen.map(([m]) => ({
        shape: m.shape,
        dtype: 'float32',
        data: this.values(numel(m.shape), () => round3(this.rng.normal())),
      })),
    };
  }

  // ---- values ----------------------------------------------------------------------------------

  get rand(): Choices {
    return this.rng;
  }

  meta(k: number): Meta {
    return this.metas[k];
  }

  /** A shape of 0-4 dims, sizes mostly 1-5, sometimes 0; now and then a large one of 1-3 dims up to 70. */
  shape(minDims = 0, maxDims = 4): number[] {
    const large = this.rng.chance(1 / 40);
    for (;;) {
      const dims = large ? this.rng.int(Math.max(1, minDims), Math.min(3, maxDims)) : this.rng.int(minDims, maxDims);
      const shape = Array.from({ length: dims }, () =>
        large ? this.rng.int(1, 70) : this.rng.chance(0.04) ? 0 : this.rng.chance(0.25) ? 1 : this.rng.int(2, 5),
      );
      if (numel(shape) <= (large ? LARGE_NUMEL : SMALL_NUMEL)) return shape;
    }
  }

  private values(n: number, draw: (i: number) => number): number[] {
    return Array.from({ length: n }, (_, i) => draw(i));
  }

  /** Appends a step and the metadata of its outputs; returns the first output's index. */
  emit(op: string, args: Arg[], outputs: Meta[]): number {
    if (outputs.some((m) => numel(m.shape) > MAX_NUMEL || !(m.bound <= MAX_BOUND))) throw new Rejected();
    this.steps.push({ op, args });
    const first = this.metas.length;
    this.metas.push(...outputs);
    return first;
  }

  /**
   * A float input: `normal` (3 significant digits), `apart` (a shuffled ramp 0.25 apart plus jitter,
   * to 3 decimals: tie-free at any size), `ties` (halves in [-1.5, 1.5], many equal), `positive` ([0.2, 2.2]), `probability`
   * ((0, 1)), `small` (|x| < 1.5, for exponents), `special` (normal, three in ten NaN, infinite, 0 or extreme).
   */
  floatInput(
    shape: number[],
    kind: 'normal' | 'apart' | 'ties' | 'positive' | 'probability' | 'small' | 'special',
    requiresGrad = this.rng.chance(0.85),
  ): number {
    const n = numel(shape);
    const rng = this.rng;
    const ramp = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    const draw: Record<typeof kind, (i: number) => Value> = {
      normal: () => round3(rng.normal() * 1.5),
      special: () => (rng.chance(0.3) ? rng.pick(SPECIAL) : round3(rng.normal() * 1.5)),
      apart: (i) => Math.round(((ramp[i] - n / 2) * 0.25 + (rng.next() - 0.5) * 0.1) * 1000) / 1000,
      ties: () => rng.int(-3, 3) / 2,
      positive: () => round3(0.2 + rng.next() * 2),
      probability: () => round3(0.02 + rng.next() * 0.96),
      small: () => round3((rng.next() - 0.5) * 3),
    };
    const data = Array.from({ length: n }, (_, i) => draw[kind](i));
    // Special values count as 4: NaN and infinities stay what they are through any op, and bounds
    // exist to keep finite values finite.
    const bound = Math.max(
      0,
      ...decode(data)
        .map((v) => (kind === 'special' ? Math.min(Math.abs(v), 4) : Math.abs(v)))
        .filter((v) => !Number.isNaN(v)),
    );
    return this.emit(
      'input',
      [{ shape, dtype: 'float32', data, requiresGrad }],
      [{ shape, dtype: 'float32', bound, tieFree: kind === 'apart' || n <= 1, grad: requiresGrad }],
    );
  }

  /** An int32 input in [low, high] or a bool input. */
  input(shape: number[], dtype: 'int32' | 'bool', low = -5, high = 5): number {
    const data = this.values(numel(shape), () => (dtype === 'bool' ? this.rng.int(0, 1) : this.rng.int(low, high)));
    return this.emit(
      'input',
      [{ shape, dtype, data }],
      [{ shape, dtype, bound: Math.max(Math.abs(low), Math.abs(high)), tieFree: false, grad: false }],
    );
  }

  /** A value satisfying `accept`, preferring the latest ones (so ops chain), or -1. */
  operand(accept: (m: Meta) => boolean): number {
    const found = this.metas
      .map((m, k) => [m, k] as const)
      .filter(([m]) => accept(m))
      .map(([, k]) => k);
    if (found.length === 0) return -1;
    return this.rng.chance(0.6) ? found[found.length - 1] : this.rng.pick(found);
  }

  /** A shape that broadcasts with `shape` (the result has at most one more leading dim). */
  broadcastPartner(shape: readonly number[]): number[] {
    const rng = this.rng;
    const partner = shape.slice(rng.int(0, shape.length)).map((s) => (rng.chance(0.3) ? 1 : s));
    if (rng.chance(0.15) && partner.length === shape.length) partner.unshift(rng.int(1, 3));
    return partner;
  }

  /**
   * A positive version of float value `k`: |x| + 0.5, or sigmoid(x) + 0.1, or exp(x) for bounded x.
   */
  positive(k: number): number {
    const m = this.metas[k];
    const how = this.rng.int(0, m.bound <= 4 ? 2 : 1);
    if (how === 0) {
      const absolute = this.emit('abs', [{ ref: k }], [{ ...m, tieFree: false }]);
      return this.emit('add', [{ ref: absolute }, 0.5, 1], [{ ...m, bound: m.bound + 0.5, tieFree: false }]);
    }
    if (how === 1) {
      const squashed = this.emit('sigmoid', [{ ref: k }], [{ ...m, bound: 1, tieFree: false }]);
      return this.emit('add', [{ ref: squashed }, 0.1, 1], [{ ...m, bound: 1.1, tieFree: false }]);
    }
    return this.emit('exp', [{ ref: k }], [{ ...m, bound: Math.exp(m.bound), tieFree: false }]);
  }
}

/** Thrown by `emit` when a candidate op would leave the generator's bounds; the builder is undone. */
class Rejected extends Error {}

type Builder = (w: ProgramWriter) => boolean;

const isFloat = (m: Meta) => m.dtype === 'float32';
const isInt = (m: Meta) => m.dtype === 'int32';
const isBool = (m: Meta) => m.dtype === 'bool';
const broadcast = (a: readonly number[], b: readonly number[]): number[] => {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    return x === 1 ? y : x;
  });
};
const wrapDim = (w: ProgramWriter, ndim: number) => w.rand.int(0, ndim - 1) - (w.rand.chance(0.3) ? ndim : 0);
const positiveDim = (d: number, ndim: number) => (d < 0 ? d + ndim : d);

/** Runs `body` and reports whether it emitted (a Rejected candidate counts as not emitted). */
function attempt(body: Builder): Builder {
  return (w) => {
    try {
      return body(w);
    } catch (error) {
      if (error instanceof Rejected) return false;
      throw error;
    }
  };
}

/** A second operand for a binary op on `a`: another value, a new input or a scalar (-1). */
function partner(w: ProgramWriter, a: number, kind: 'normal' | 'ties' | 'positive' | 'small' = 'normal'): number {
  const m = w.meta(a);
  const rng = w.rand;
  if (rng.chance(0.25)) return -1;
  if (kind === 'normal' && rng.chance(0.4)) {
    const found = w.operand(
      (o) => o !== m && o.dtype === m.dtype && broadcast(o.shape, m.shape).length <= 4 && compatible(o.shape, m.shape),
    );
    if (found >= 0 && found !== a) return found;
  }
  const shape = w.broadcastPartner(m.shape);
  return isFloat(m) ? w.floatInput(shape, kind) : w.input(shape, 'int32', kind === 'positive' ? 1 : -5, 5);
}

function compatible(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const [x, y] = [a[a.length - i], b[b.length - i]];
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

const UNARY: [string, (bound: number) => number, 'any' | 'positive', boolean][] = [
  ['neg', (b) => b, 'any', true],
  ['abs', (b) => b, 'any', true],
  ['sin', () => 1, 'any', false],
  ['cos', () => 1, 'any', false],
  ['tanh', () => 1, 'any', false],
  ['sigmoid', () => 1, 'any', false],
  ['relu', (b) => b, 'any', false],
  ['square', (b) => b * b, 'any', true],
  ['erf', () => 1, 'any', false],
  ['exp', (b) => Math.exp(b), 'any', false],
  ['expm1', (b) => Math.exp(b), 'any', false],
  ['sign', () => 1, 'any', true],
  ['floor', (b) => b + 1, 'any', false],
  ['ceil', (b) => b + 1, 'any', false],
  ['round', (b) => b + 1, 'any', false],
  ['trunc', (b) => b, 'any', false],
  ['log', (b) => Math.max(3, Math.log(b)), 'positive', false],
  ['sqrt', (b) => Math.sqrt(b), 'positive', false],
  ['rsqrt', () => 1.5, 'positive', false],
  ['reciprocal', () => 2, 'positive', false],
  ['log1p', (b) => Math.log1p(b), 'positive', false],
];

const BUILDERS: Builder[] = [
  // Elementwise functions of one operand (int32 too for the ones PyTorch keeps integral).
  attempt((w) => {
    const [op, boundOf, domain, integral] = w.rand.pick(UNARY);
    let x = w.operand((m) => isFloat(m) || (integral && isInt(m)));
    if (x < 0) return false;
    if (domain === 'positive' && isFloat(w.meta(x))) x = w.positive(x);
    const m = w.meta(x);
    const monotonic = op === 'neg' || op === 'exp' || op === 'tanh' || op === 'sigmoid';
    w.emit(
      op,
      [{ ref: x }],
      [{ ...m, bound: boundOf(m.bound), tieFree: monotonic && m.tieFree && m.bound < 3, grad: m.grad && isFloat(m) }],
    );
    return true;
  }),
  attempt((w) => {
    const x = w.operand(isFloat);
    if (x < 0) return false;
    const m = w.meta(x);
    if (w.rand.chance(0.3)) {
      w.emit('leakyRelu', [{ ref: x }, w.rand.pick([0.01, 0.2])], [{ ...m, tieFree: false }]);
      return true;
    }
    const [low, high] = w.rand.pick([
      [-0.5, 0.8],
      [null, 0.5],
      [-1, null],
      [0, 1],
    ] as [number | null, number | null][]);
    w.emit('clamp', [{ ref: x }, low, high], [{ ...m, tieFree: false }]);
    return true;
  }),
  // Arithmetic on two operands, broadcasting, with scalars and int32 promotion.
  attempt((w) => {
    const rng = w.rand;
    const op = rng.pick(['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'remainder', 'floorDivide']);
    // PyTorch 1.13 has no derivative for floor_divide (autograd raises), so it only sees values without grad.
    const a = w.operand((m) => (isFloat(m) || (isInt(m) && op !== 'pow')) && !(op === 'floorDivide' && m.grad));
    if (a < 0) return false;
    const ma = w.meta(a);
    if (op === 'add' || op === 'sub' || op === 'mul') {
      const b = partner(w, a);
      const alpha = op === 'mul' ? [] : [isInt(ma) ? rng.pick([1, -2]) : rng.pick([1, -2, 0.5])];
      if (b < 0) {
        const scalar = isInt(ma) ? rng.int(-3, 3) : rng.pick([1.5, -0.25, 2, 3]);
        const affine = op !== 'mul' || scalar !== 0;
        w.emit(
          op,
          [{ ref: a }, scalar, ...alpha],
          [
            {
              ...ma,
              bound: op === 'mul' ? ma.bound * Math.abs(scalar) : ma.bound + Math.abs(scalar * (alpha[0] ?? 1)),
              tieFree: ma.tieFree && affine && isFloat(ma),
            },
          ],
        );
        return true;
      }
      const mb = w.meta(b);
      const bound = op === 'mul' ? ma.bound * mb.bound : ma.bound + mb.bound * Math.abs(alpha[0] ?? 1);
      w.emit(
        op,
        [{ ref: a }, { ref: b }, ...alpha],
        [{ shape: broadcast(ma.shape, mb.shape), dtype: ma.dtype, bound, tieFree: false, grad: ma.grad || mb.grad }],
      );
      return true;
    }
    if (op === 'maximum' || op === 'minimum') {
      const b = partner(w, a, isFloat(ma) ? 'ties' : 'normal');
      if (b < 0) return false;
      const mb = w.meta(b);
      w.emit(
        op,
        [{ ref: a }, { ref: b }],
        [
          {
            shape: broadcast(ma.shape, mb.shape),
            dtype: ma.dtype,
            bound: Math.max(ma.bound, mb.bound),
            tieFree: false,
            grad: ma.grad || mb.grad,
          },
        ],
      );
      return true;
    }
    if (op === 'pow') {
      const base = w.positive(a);
      const mbase = w.meta(base);
      if (rng.chance(0.5)) {
        const exponent = rng.pick([2, 3, 0.5, -1, 1.5, -0.5]);
        w.emit(
          'pow',
          [{ ref: base }, exponent],
          [{ ...mbase, bound: Math.max(mbase.bound, 1 / 0.1) ** Math.abs(exponent), tieFree: false }],
        );
        return true;
      }
      const exponent = w.floatInput(w.broadcastPartner(mbase.shape), 'small');
      const me = w.meta(exponent);
      w.emit(
        'pow',
        [{ ref: base }, { ref: exponent }],
        [
          {
            shape: broadcast(mbase.shape, me.shape),
            dtype: 'float32',
            bound: Math.max(mbase.bound, 10) ** 1.5,
            tieFree: false,
            grad: mbase.grad || me.grad,
          },
        ],
      );
      return true;
    }
    // div, remainder, floorDivide: a float divisor away from 0 keeps the quotient bounded; an int32
    // one is nonzero (PyTorch raises on 0) and of either sign (the remainder takes the divisor's).
    let b = op === 'floorDivide' ? -1 : partner(w, a, 'positive');
    if (b >= 0 && isFloat(w.meta(b)) && w.meta(b).bound > 2.2) b = w.positive(b);
    if (b >= 0 && isInt(w.meta(b)) && rng.chance(0.5)) b = w.emit('neg', [{ ref: b }], [w.meta(b)]);
    const divisor = b < 0 ? (isInt(ma) ? rng.pick([-3, -2, -1, 1, 2, 4]) : rng.pick([0.75, 2, 1.5, -1.5])) : { ref: b };
    const mb = b < 0 ? null : w.meta(b);
    const dtype = op === 'div' ? 'float32' : ma.dtype;
    const bound = op === 'remainder' ? (mb?.bound ?? 4) : ma.bound * 10;
    const differentiable = op !== 'floorDivide';
    w.emit(
      op,
      [{ ref: a }, divisor],
      [
        {
          shape: mb ? broadcast(ma.shape, mb.shape) : ma.shape,
          dtype,
          bound,
          tieFree: false,
          grad: differentiable && dtype === 'float32' && (ma.grad || (mb?.grad ?? false)),
        },
      ],
    );
    return true;
  }),
  // Comparisons and logic.
  attempt((w) => {
    const op = w.rand.pick(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
    const a = w.operand((m) => !isBool(m));
    if (a < 0) return false;
    const ma = w.meta(a);
    const b = partner(w, a, 'ties');
    const other = b < 0 ? (isInt(ma) ? w.rand.int(-2, 2) : w.rand.pick([0, 0.5, -1])) : { ref: b };
    const shape = b < 0 ? ma.shape : broadcast(ma.shape, w.meta(b).shape);
    w.emit(op, [{ ref: a }, other], [{ shape, dtype: 'bool', bound: 1, tieFree: false, grad: false }]);
    return true;
  }),
  attempt((w) => {
    const a = w.operand(isBool);
    if (a < 0) return false;
    const ma = w.meta(a);
    const op = w.rand.pick(['logicalAnd', 'logicalOr', 'logicalNot']);
    if (op === 'logicalNot') {
      w.emit(op, [{ ref: a }], [ma]);
      return true;
    }
    const b = w.input(w.broadcastPartner(ma.shape), 'bool');
    w.emit(op, [{ ref: a }, { ref: b }], [{ ...ma, shape: broadcast(ma.shape, w.meta(b).shape) }]);
    return true;
  }),
  // where and maskedFill with a bool condition from the program or a new one.
  attempt((w) => {
    const x = w.operand(isFloat);
    if (x < 0) return false;
    const mx = w.meta(x);
    let cond = w.operand((m) => isBool(m) && compatible(m.shape, mx.shape));
    if (cond < 0 || w.rand.chance(0.3)) cond = w.input(w.broadcastPartner(mx.shape), 'bool');
    const mc = w.meta(cond);
    if (w.rand.chance(0.5)) {
      const value = w.rand.pick([0, -1.5, 2.25]);
      if (mc.shape.length > mx.shape.length || broadcast(mx.shape, mc.shape).some((s, i) => s !== mx.shape[i])) return false;
      w.emit('maskedFill', [{ ref: x }, { ref: cond }, value], [{ ...mx, bound: Math.max(mx.bound, 2.25), tieFree: false }]);
      return true;
    }
    const y = partner(w, x);
    if (y < 0) return false;
    const my = w.meta(y);
    if (!compatible(my.shape, broadcast(mc.shape, mx.shape))) return false;
    const shape = broadcast(broadcast(mc.shape, mx.shape), my.shape);
    w.emit(
      'where',
      [{ ref: cond }, { ref: x }, { ref: y }],
      [{ shape, dtype: 'float32', bound: Math.max(mx.bound, my.bound), tieFree: false, grad: mx.grad || my.grad }],
    );
    return true;
  }),
  // Conversions.
  attempt((w) => {
    const x = w.operand(() => true);
    if (x < 0) return false;
    const m = w.meta(x);
    const to = w.rand.pick((['float32', 'int32', 'bool'] as const).filter((d) => d !== m.dtype));
    w.emit(
      { float32: 'float', int32: 'int', bool: 'bool' }[to],
      [{ ref: x }],
      [{ ...m, dtype: to, bound: to === 'bool' ? 1 : m.bound, tieFree: false, grad: false }],
    );
    return true;
  }),
  // Reductions over some dims or all of them.
  attempt((w) => {
    const rng = w.rand;
    const op = rng.pick(['sum', 'sum', 'mean', 'var', 'std', 'logsumexp', 'maxAll', 'minAll']);
    const x = w.operand((m) => isFloat(m) || (op === 'sum' && !isFloat(m)) || ((op === 'maxAll' || op === 'minAll') && isInt(m)));
    if (x < 0) return false;
    const m = w.meta(x);
    const ndim = m.shape.length;
    const dtype = op === 'sum' && !isFloat(m) ? 'int32' : m.dtype;
    if (op === 'maxAll' || op === 'minAll') {
      if (numel(m.shape) === 0) return false;
      w.emit(op, [{ ref: x }], [{ shape: [], dtype, bound: m.bound, tieFree: true, grad: m.grad }]);
      return true;
    }
    if (ndim === 0 && op !== 'sum' && op !== 'mean') return false;
    const all = ndim === 0 || ((op === 'sum' || op === 'mean') && rng.chance(0.25));
    const dims = all
      ? null
      : rng
          .shuffle(Array.from({ length: ndim }, (_, d) => d))
          .slice(0, rng.int(1, ndim))
          .map((d) => (rng.chance(0.3) ? d - ndim : d));
    const keepdim = rng.chance(0.4);
    const reducedDims = dims === null ? m.shape.map((_, d) => d) : dims.map((d) => positiveDim(d, ndim));
    const count = numel(reducedDims.map((d) => m.shape[d]));
    const shape = keepdim ? m.shape.map((s, d) => (reducedDims.includes(d) ? 1 : s)) : m.shape.filter((_, d) => !reducedDims.includes(d));
    const bound =
      op === 'sum'
        ? m.bound * Math.max(1, count)
        : op === 'logsumexp'
          ? m.bound + Math.log(Math.max(1, count))
          : op === 'mean'
            ? m.bound
            : m.bound * m.bound * 2;
    if (op === 'var' || op === 'std') {
      w.emit(op, [{ ref: x }, dims ?? [], rng.chance(0.7), keepdim], [{ shape, dtype, bound, tieFree: false, grad: m.grad }]);
      return true;
    }
    if (op === 'logsumexp' && m.bound > 60) return false;
    // A full reduction is written sum(x) (null dims), which has no keepdim in PyTorch 1.13.
    w.emit(op, dims === null ? [{ ref: x }, null, false] : [{ ref: x }, dims, keepdim], [
      { shape: dims === null ? [] : shape, dtype, bound, tieFree: false, grad: m.grad },
    ]);
    return true;
  }),
  // max/min over a dim and argmax/argmin: tie-free operands only.
  attempt((w) => {
    const rng = w.rand;
    const op = rng.pick(['maxDim', 'minDim', 'argmax', 'argmin']);
    const x = w.operand((m) => isFloat(m) && m.tieFree && numel(m.shape) > 0);
    if (x < 0) return false;
    const m = w.meta(x);
    const ndim = m.shape.length;
    const keepdim = rng.chance(0.4);
    if (op.startsWith('arg') && (ndim === 0 || rng.chance(0.2))) {
      w.emit(op, [{ ref: x }, null, false], [{ shape: [], dtype: 'int32', bound: numel(m.shape), tieFree: false, grad: false }]);
      return true;
    }
    if (ndim === 0) return false;
    const dim = wrapDim(w, ndim);
    const d = positiveDim(dim, ndim);
    const shape = keepdim ? m.shape.map((s, e) => (e === d ? 1 : s)) : m.shape.filter((_, e) => e !== d);
    const indices: Meta = { shape, dtype: 'int32', bound: m.shape[d], tieFree: false, grad: false };
    if (op.startsWith('arg')) w.emit(op, [{ ref: x }, dim, keepdim], [indices]);
    else w.emit(op, [{ ref: x }, dim, keepdim], [{ ...m, shape, tieFree: true }, indices]);
    return true;
  }),
  attempt((w) => {
    const x = w.operand((m) => isFloat(m) && m.shape.length > 0);
    if (x < 0) return false;
    const m = w.meta(x);
    const op = w.rand.pick(['softmax', 'logSoftmax']);
    const bound = op === 'softmax' ? 1 : 2 * m.bound + Math.log(Math.max(2, numel(m.shape)));
    if (m.bound > 60) return false;
    w.emit(op, [{ ref: x }, wrapDim(w, m.shape.length)], [{ ...m, bound, tieFree: false }]);
    return true;
  }),
  // matmul in every rank combination, mm and bmm.
  attempt((w) => {
    const rng = w.rand;
    const a = w.operand((m) => isFloat(m) && m.shape.length >= 1 && m.shape.length <= 4);
    if (a < 0) return false;
    const ma = w.meta(a);
    const n = ma.shape[ma.shape.length - 1];
    const rank = ma.shape.length;
    let op = 'matmul';
    let shapeB: number[];
    if (rank === 1) shapeB = rng.chance(0.4) ? [n] : [n, rng.int(1, 4)];
    else if (rng.chance(0.25)) shapeB = [n];
    else {
      const batch = ma.shape.slice(0, -2).map((s) => (rng.chance(0.3) ? 1 : s));
      shapeB = [...(rng.chance(0.3) ? batch.slice(1) : batch), n, rng.int(0, 4) || 1];
      if (rank === 2 && shapeB.length === 2 && rng.chance(0.4)) op = 'mm';
      if (rank === 3 && shapeB.length === 3 && batch[0] === ma.shape[0] && rng.chance(0.4)) op = 'bmm';
    }
    const b = w.floatInput(shapeB, 'normal');
    const mb = w.meta(b);
    const left = rank === 1 ? [] : ma.shape.slice(0, -1);
    const right = shapeB.length === 1 ? [] : shapeB.slice(-1);
    const batch = broadcast(left.slice(0, -1), shapeB.slice(0, -2));
    const rows = rank === 1 ? [] : left.slice(-1);
    const shape = [...(rank >= 2 || shapeB.length >= 2 ? batch : []), ...rows, ...right];
    w.emit(
      op,
      [{ ref: a }, { ref: b }],
      [{ shape, dtype: 'float32', bound: ma.bound * mb.bound * Math.max(1, n), tieFree: false, grad: ma.grad || mb.grad }],
    );
    return true;
  }),
  // sort, argsort, topk on tie-free values.
  attempt((w) => {
    const rng = w.rand;
    const x = w.operand((m) => isFloat(m) && m.tieFree && m.shape.length > 0);
    if (x < 0) return false;
    const m = w.meta(x);
    const dim = wrapDim(w, m.shape.length);
    const size = m.shape[positiveDim(dim, m.shape.length)];
    const op = rng.pick(['sort', 'argsort', 'topk']);
    const indices: Meta = { ...m, dtype: 'int32', bound: size, tieFree: false, grad: false };
    if (op === 'sort') w.emit(op, [{ ref: x }, dim, rng.chance(0.5)], [{ ...m, tieFree: false }, indices]);
    else if (op === 'argsort') w.emit(op, [{ ref: x }, dim, rng.chance(0.5)], [indices]);
    else {
      const k = rng.int(0, size);
      const shape = m.shape.map((s, e) => (e === positiveDim(dim, m.shape.length) ? k : s));
      w.emit(
        op,
        [{ ref: x }, k, dim, rng.chance(0.7)],
        [
          { ...m, shape, tieFree: false },
          { ...indices, shape },
        ],
      );
    }
    return true;
  }),
  // gather, indexSelect, scatterAdd, indexAdd with in-range int32 indices.
  attempt((w) => {
    const rng = w.rand;
    const x = w.operand((m) => isFloat(m) && m.shape.length > 0);
    if (x < 0) return false;
    const m = w.meta(x);
    const ndim = m.shape.length;
    const dim = wrapDim(w, ndim);
    const d = positiveDim(dim, ndim);
    const size = m.shape[d];
    const op = rng.pick(['gather', 'indexSelect', 'scatterAdd', 'indexAdd']);
    const count = size === 0 ? 0 : rng.int(0, 5);
    if (op === 'indexSelect' || op === 'indexAdd') {
      const index = w.input([count], 'int32', 0, size - 1);
      const shape = m.shape.map((s, e) => (e === d ? count : s));
      if (op === 'indexSelect') {
        w.emit(op, [{ ref: x }, dim, { ref: index }], [{ ...m, shape, tieFree: false }]);
        return true;
      }
      const source = w.floatInput(shape, 'normal');
      w.emit(
        op,
        [{ ref: x }, dim, { ref: index }, { ref: source }],
        [{ ...m, bound: m.bound + count * w.meta(source).bound, tieFree: false, grad: m.grad || w.meta(source).grad }],
      );
      return true;
    }
    const indexShape = m.shape.map((s, e) => (e === d ? count : rng.int(Math.min(1, s), s)));
    const index = w.input(indexShape, 'int32', 0, size - 1);
    if (op === 'gather') {
      w.emit(op, [{ ref: x }, dim, { ref: index }], [{ ...m, shape: indexShape, tieFree: false }]);
      return true;
    }
    const source = w.floatInput(indexShape, 'normal');
    w.emit(
      op,
      [{ ref: x }, dim, { ref: index }, { ref: source }],
      [{ ...m, bound: m.bound + count * w.meta(source).bound, tieFree: false, grad: m.grad || w.meta(source).grad }],
    );
    return true;
  }),
  // x.index(...) with numbers, slices (steps and negative bounds), None, '...' or one int32 tensor.
  attempt((w) => {
    const rng = w.rand;
    const x = w.operand((m) => m.shape.length > 0);
    if (x < 0) return false;
    const m = w.meta(x);
    const withTensor = rng.chance(0.3);
    const tensorAt = rng.int(0, m.shape.length - 1);
    const entries: Arg[] = [];
    const shape: number[] = [];
    for (let d = 0; d < m.shape.length; d++) {
      const size = m.shape[d];
      if (rng.chance(0.15)) {
        entries.push(null);
        shape.push(1);
      }
      if (withTensor && d === tensorAt) {
        const indexShape = size === 0 ? [0] : w.shape(1, 2).map((s) => Math.min(s, 3));
        entries.push({ ref: w.input(indexShape, 'int32', -size, size - 1) });
        shape.push(...indexShape);
      } else if (!withTensor && size > 0 && rng.chance(0.25)) {
        entries.push(rng.int(-size, size - 1));
      } else {
        const step = rng.pick([1, 1, 2, 3]);
        const start = rng.chance(0.5) ? '' : String(rng.int(-size - 1, size));
        const stop = rng.chance(0.5) ? '' : String(rng.int(-size - 1, size + 1));
        entries.push(`${start}:${stop}${step === 1 ? '' : `:${step}`}`);
        shape.push(sliceLength(size, start, stop, step));
      }
    }
    if (!withTensor && rng.chance(0.2)) entries.splice(rng.int(0, entries.length), 0, '...');
    w.emit('index', [{ ref: x }, entries], [{ ...m, shape, tieFree: m.tieFree && !withTensor }]);
    return true;
  }),
  // Views: reshape, permute, transpose, t, squeeze, unsqueeze, expand, flatten, narrow, select, contiguous.
  attempt((w) => {
    const rng = w.rand;
    const x = w.operand(() => true);
    if (x < 0) return false;
    const m = w.meta(x);
    const ndim = m.shape.length;
    const view = (op: string, args: Arg[], shape: number[], keepsTies = true) =>
      w.emit(op, [{ ref: x }, ...args], [{ ...m, shape, tieFree: m.tieFree && keepsTies }]);
    const op = rng.pick([
      'reshape',
      'permute',
      'transpose',
      't',
      'squeeze',
      'unsqueeze',
      'expand',
      'flatten',
      'narrow',
      'select',
      'contiguous',
    ]);
    if (op === 'reshape') {
      const shape = factor(rng, numel(m.shape));
      const args = shape.length > 0 && rng.chance(0.3) && !shape.includes(0) ? shape.map((s, i) => (i === 0 ? -1 : s)) : shape;
      view(op, [args], shape);
    } else if (op === 'contiguous') view(op, [], m.shape);
    else if (op === 'unsqueeze') {
      const d = rng.int(-ndim - 1, ndim);
      const at = d < 0 ? d + ndim + 1 : d;
      view(op, [d], [...m.shape.slice(0, at), 1, ...m.shape.slice(at)]);
    } else if (op === 'squeeze') {
      if (ndim === 0 || rng.chance(0.3))
        view(
          op,
          [null],
          m.shape.filter((s) => s !== 1),
        );
      else {
        const d = wrapDim(w, ndim);
        view(
          op,
          [d],
          m.shape.filter((s, e) => !(e === positiveDim(d, ndim) && s === 1)),
        );
      }
    } else if (op === 'expand') {
      const shape = m.shape.map((s) => (s === 1 ? rng.int(1, 3) : s));
      const lead = rng.chance(0.3) ? [rng.int(1, 3)] : [];
      view(op, [[...lead, ...shape.map((s, e) => (s === m.shape[e] && rng.chance(0.3) ? -1 : s))]], [...lead, ...shape], false);
    } else {
      if (ndim === 0) return false;
      if (op === 'permute') {
        const order = rng.shuffle(Array.from({ length: ndim }, (_, d) => d));
        view(
          op,
          [order],
          order.map((d) => m.shape[d]),
        );
      } else if (op === 'transpose') {
        const [d0, d1] = [wrapDim(w, ndim), wrapDim(w, ndim)];
        const shape = [...m.shape];
        [shape[positiveDim(d0, ndim)], shape[positiveDim(d1, ndim)]] = [shape[positiveDim(d1, ndim)], shape[positiveDim(d0, ndim)]];
        view(op, [d0, d1], shape);
      } else if (op === 't') {
        if (ndim > 2) return false;
        view(op, [], [...m.shape].reverse());
      } else if (op === 'flatten') {
        const start = rng.int(0, ndim - 1);
        const end = rng.int(start, ndim - 1);
        view(op, [start, end], [...m.shape.slice(0, start), numel(m.shape.slice(start, end + 1)), ...m.shape.slice(end + 1)]);
      } else {
        const dim = wrapDim(w, ndim);
        const d = positiveDim(dim, ndim);
        const size = m.shape[d];
        if (op === 'select') {
          if (size === 0) return false;
          view(
            op,
            [dim, rng.int(-size, size - 1)],
            m.shape.filter((_, e) => e !== d),
          );
        } else {
          const start = rng.int(0, size);
          const length = rng.int(0, size - start);
          view(
            op,
            [dim, start, length],
            m.shape.map((s, e) => (e === d ? length : s)),
          );
        }
      }
    }
    return true;
  }),
  // cat, stack, split, chunk.
  attempt((w) => {
    const rng = w.rand;
    const x = w.operand((m) => isFloat(m));
    if (x < 0) return false;
    const m = w.meta(x);
    const ndim = m.shape.length;
    const op = rng.pick(['cat', 'stack', 'split', 'chunk']);
    if (op === 'stack') {
      const other = w.floatInput(m.shape, 'normal');
      const dim = rng.int(-ndim - 1, ndim);
      const at = dim < 0 ? dim + ndim + 1 : dim;
      w.emit(
        op,
        [[{ ref: x }, { ref: other }], dim],
        [
          {
            ...m,
            shape: [...m.shape.slice(0, at), 2, ...m.shape.slice(at)],
            tieFree: false,
            bound: Math.max(m.bound, w.meta(other).bound),
            grad: m.grad || w.meta(other).grad,
          },
        ],
      );
      return true;
    }
    if (ndim === 0) return false;
    const dim = wrapDim(w, ndim);
    const d = positiveDim(dim, ndim);
    const size = m.shape[d];
    if (op === 'cat') {
      const otherShape = m.shape.map((s, e) => (e === d ? rng.int(0, 3) : s));
      const other = w.floatInput(otherShape, 'normal');
      w.emit(
        op,
        [[{ ref: x }, { ref: other }], dim],
        [
          {
            ...m,
            shape: m.shape.map((s, e) => (e === d ? s + otherShape[d] : s)),
            tieFree: false,
            bound: Math.max(m.bound, w.meta(other).bound),
            grad: m.grad || w.meta(other).grad,
          },
        ],
      );
      return true;
    }
    const pieces = op === 'split' ? rng.int(1, Math.max(1, size)) : rng.int(1, 4);
    const sizes: number[] = [];
    if (op === 'split')
      for (let at = 0; at < size || (size === 0 && sizes.length === 0); at += pieces) sizes.push(Math.min(pieces, size - at));
    else if (size === 0) sizes.push(...Array.from({ length: pieces }, () => 0));
    else {
      const each = Math.ceil(size / pieces);
      for (let at = 0; at < size; at += each) sizes.push(Math.min(each, size - at));
    }
    w.emit(
      op,
      [{ ref: x }, pieces, dim],
      sizes.map((s) => ({ ...m, shape: m.shape.map((t, e) => (e === d ? s : t)), tieFree: m.tieFree })),
    );
    return true;
  }),
  // Losses.
  attempt((w) => {
    const rng = w.rand;
    const op = rng.pick(['crossEntropy', 'nllLoss', 'mseLoss', 'l1Loss', 'binaryCrossEntropy', 'binaryCrossEntropyWithLogits']);
    const reduction = rng.pick(REDUCTIONS);
    if (op === 'crossEntropy' || op === 'nllLoss') {
      let x = w.operand((m) => isFloat(m) && (m.shape.length === 1 || m.shape.length === 2) && m.shape[m.shape.length - 1] > 0);
      if (x < 0) return false;
      const m = w.meta(x);
      const classes = m.shape[m.shape.length - 1];
      const batch = m.shape.length === 2 ? [m.shape[0]] : [];
      const target = w.input(batch, 'int32', 0, classes - 1);
      if (op === 'nllLoss') {
        if (m.bound > 60) return false;
        x = w.emit('logSoftmax', [{ ref: x }, -1], [{ ...m, bound: 2 * m.bound + Math.log(classes + 1), tieFree: false }]);
      }
      const args: Arg[] = [{ ref: x }, { ref: target }, reduction];
      if (op === 'crossEntropy') args.push(rng.pick([0, 0, 0.1]));
      w.emit(op, args, [
        { shape: reduction === 'none' ? batch : [], dtype: 'float32', bound: (m.bound + 10) * 3, tieFree: false, grad: m.grad },
      ]);
      return true;
    }
    let x = w.operand((m) => isFloat(m));
    if (x < 0) return false;
    if (op === 'binaryCrossEntropy') {
      const mx = w.meta(x);
      x = w.emit('sigmoid', [{ ref: x }], [{ ...mx, bound: 1, tieFree: false }]);
    }
    const m = w.meta(x);
    const target = w.floatInput(m.shape, op.startsWith('binary') ? 'probability' : 'normal');
    const bound = op === 'mseLoss' ? (m.bound + 5) ** 2 : m.bound + 100;
    w.emit(
      op,
      [{ ref: x }, { ref: target }, reduction],
      [{ shape: reduction === 'none' ? m.shape : [], dtype: 'float32', bound, tieFree: false, grad: m.grad || w.meta(target).grad }],
    );
    return true;
  }),
  // A fresh operand now and then, so programs combine more than one input.
  attempt((w) => {
    const rng = w.rand;
    if (rng.chance(0.5)) w.floatInput(w.shape(), rng.pick(['normal', 'apart', 'ties']));
    else w.input(w.shape(), rng.pick(['int32', 'bool']));
    return true;
  }),
];

/** Python's len(range(*slice(start, stop, step).indices(size))). */
function sliceLength(size: number, start: string, stop: string, step: number): number {
  const clampBound = (text: string, fallback: number) => {
    if (text === '') return fallback;
    const v = Number(text);
    return v < 0 ? Math.max(0, v + size) : Math.min(v, size);
  };
  const from = clampBound(start, 0);
  const to = clampBound(stop, size);
  return Math.max(0, Math.ceil((to - from) / step));
}

/** A random shape with `n` elements (for reshape). */
function factor(rng: Choices, n: number): number[] {
  if (n === 0) return rng.shuffle([0, rng.int(1, 3), ...(rng.chance(0.5) ? [2] : [])]);
  const shape: number[] = [];
  let left = n;
  for (let d = 2; d <= left; ) {
    if (left % d === 0 && rng.chance(0.6)) {
      shape.push(d);
      left /= d;
    } else d++;
    if (shape.length > 3) break;
  }
  if (left > 1) shape.push(left);
  if (rng.chance(0.3)) shape.splice(rng.int(0, shape.length), 0, 1);
  return rng.shuffle(shape);
}

/** The program of case `index` of a run seeded with `seed` (each case has its own generator). */
export function generateProgram(seed: number, index: number): Program {
  return new ProgramWriter(Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)).write();
}
