// Broadcasting binary ops (add, sub, mul, div, pow, maximum, remainder, fmod, ...) and their backward.
import type { BinaryOp, TensorView, UnaryOp } from '../devices/device.js';
import { type DType, promoteTypes } from '../dtype.js';
import { record } from '../graph/record.js';
import { checkOptions, describeValue, optionKeys } from '../options.js';
import { broadcastShapes, broadcastStrides, formatShape, type Shape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { param, signature } from './signature.js';
import { castTo } from './unrecorded.js';
import {
  checkDtype,
  checkInPlace,
  checkSameDevice,
  checkTensor,
  checkTensorOrScalar,
  markModified,
  type Scalar,
  scalarDtype,
  scalarTensor,
  type TensorOrScalar,
} from './util.js';

/** A view of `t` read as if it had shape `shape` (broadcast dims get stride 0). */
export function broadcastView(t: TensorView, shape: Shape): TensorView {
  return { storage: t.storage, offset: t.offset, shape, strides: broadcastStrides(t.shape, t.strides, shape), dtype: t.dtype };
}

type Kind = 'arithmetic' | 'division' | 'comparison' | 'logical';

/** Category rank: a scalar of a higher category than the tensor changes the result type. */
const rank: Record<DType, number> = { bool: 0, int32: 1, float32: 2 };

function resultDtype(a: TensorOrScalar, b: TensorOrScalar): DType {
  if (a instanceof Tensor && b instanceof Tensor) return promoteTypes(a.dtype, b.dtype);
  const [tensor, scalar] = a instanceof Tensor ? [a, b as Scalar] : [b as Tensor, a as Scalar];
  const fromScalar = scalarDtype(scalar);
  return rank[fromScalar] > rank[tensor.dtype] ? fromScalar : tensor.dtype;
}

function computeDtype(kind: Kind, promoted: DType): DType {
  if (kind === 'division') return 'float32';
  if (kind === 'logical') return 'bool';
  return promoted === 'bool' ? 'int32' : promoted;
}

/** Runs a binary kernel with PyTorch's type promotion and broadcasting; does not record. */
function binaryForward(op: string, kernelOp: BinaryOp, kind: Kind, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  checkTensorOrScalar(op, 'input', a);
  checkTensorOrScalar(op, 'other', b);
  if (!(a instanceof Tensor) && !(b instanceof Tensor))
    throw new TypeError(`${op}: expected at least one Tensor argument, got ${typeof a} and ${typeof b}`);
  const device =
    a instanceof Tensor && b instanceof Tensor
      ? checkSameDevice(op, { input: a, other: b })
      : (a instanceof Tensor ? a : (b as Tensor)).deviceObject;
  const dtype = computeDtype(kind, resultDtype(a, b));
  const kernelDtype = kind === 'logical' ? 'int32' : dtype;
  const temporaries: Tensor[] = [];
  const operand = (value: TensorOrScalar): Tensor => {
    const converted =
      value instanceof Tensor ? castTo(value, kind === 'logical' ? 'bool' : kernelDtype) : scalarTensor(value, kernelDtype, device);
    if (converted !== value) temporaries.push(converted);
    return converted;
  };
  // Shapes are checked before any operand is converted, so a failure leaves nothing to free.
  const shape = broadcastShapes(op, shapeOf(a), shapeOf(b));
  const x = operand(a);
  const y = operand(b);
  const outDtype = kind === 'comparison' || kind === 'logical' ? 'bool' : dtype;
  const out = Tensor.empty(shape, outDtype, device);
  if (out.numel() > 0) device.kernels.binary(kernelOp, out, broadcastView(x, shape), broadcastView(y, shape));
  for (const temporary of temporaries) temporary.dispose();
  return out;
}

/** A scalar operand broadcasts like a 0-d tensor. */
function shapeOf(value: TensorOrScalar): Shape {
  return value instanceof Tensor ? value.shape : [];
}

function requiresGrad(value: TensorOrScalar): boolean {
  return value instanceof Tensor && value.requiresGrad;
}

function tensors(...values: TensorOrScalar[]): (Tensor | null)[] {
  return values.map((v) => (v instanceof Tensor ? v : null));
}

/** Applies `fn` to other * alpha (PyTorch's `alpha` argument), freeing the scaled temporary. */
function withScaled(other: TensorOrScalar, alpha: number, fn: (scaled: TensorOrScalar) => Tensor): Tensor {
  if (!(other instanceof Tensor)) return fn(Number(other) * alpha);
  const scaled = mul(other, alpha);
  const out = fn(scaled);
  scaled.dispose();
  return out;
}

export interface AlphaOptions {
  /** The multiplier of other: `add(input, other, { alpha })` is input + alpha * other. */
  alpha?: number;
}

const ALPHA_OPTIONS = optionKeys<AlphaOptions>({ alpha: true });

/** Checks add's and sub's options and the operand that alpha scales, before alpha is applied. */
function alphaOf(op: string, other: TensorOrScalar, options: AlphaOptions | undefined): number | undefined {
  checkTensorOrScalar(op, 'other', other);
  const { alpha } = checkOptions(op, options, ALPHA_OPTIONS);
  if (alpha !== undefined && typeof alpha !== 'number') throw new TypeError(`${op}: alpha must be a number, got ${describeValue(alpha)}`);
  return alpha;
}

export function add(input: TensorOrScalar, other: TensorOrScalar, options?: AlphaOptions): Tensor {
  const alpha = alphaOf('add', other, options);
  if (alpha !== undefined && alpha !== 1) return withScaled(other, alpha, (scaled) => add(input, scaled));
  const out = binaryForward('add', 'add', 'arithmetic', input, other);
  return record('AddBackward0', out, tensors(input, other), () => (g) => [g, g]);
}

export function sub(input: TensorOrScalar, other: TensorOrScalar, options?: AlphaOptions): Tensor {
  const alpha = alphaOf('sub', other, options);
  if (alpha !== undefined && alpha !== 1) return withScaled(other, alpha, (scaled) => sub(input, scaled));
  const out = binaryForward('sub', 'sub', 'arithmetic', input, other);
  return record('SubBackward0', out, tensors(input, other), () => (g) => [g, negated(g)]);
}

export function mul(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  const out = binaryForward('mul', 'mul', 'arithmetic', input, other);
  // Each operand is saved only when the other's gradient needs it, as PyTorch does, so an
  // in-place write to an operand whose value no formula reads stays legal.
  return record('MulBackward0', out, tensors(input, other), (save) => {
    // Flags are read now: by backward time the operands may be disposed.
    const [inputNeedsGrad, otherNeedsGrad] = [requiresGrad(input), requiresGrad(other)];
    const a = input instanceof Tensor && otherNeedsGrad ? save(input) : input;
    const b = other instanceof Tensor && inputNeedsGrad ? save(other) : other;
    return (g) => [inputNeedsGrad ? mul(g, b) : null, otherNeedsGrad ? mul(g, a) : null];
  });
}

export function div(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  const out = binaryForward('div', 'div', 'division', input, other);
  return record('DivBackward0', out, tensors(input, other), (save) => {
    const otherNeedsGrad = requiresGrad(other);
    const a = input instanceof Tensor && otherNeedsGrad ? save(input) : input;
    const b = other instanceof Tensor ? save(other) : other;
    return (g) => [div(g, b), otherNeedsGrad ? negated(div(mul(g, a), mul(b, b))) : null];
  });
}

export function pow(input: TensorOrScalar, exponent: TensorOrScalar): Tensor {
  checkTensorOrScalar('pow', 'input', input);
  checkTensorOrScalar('pow', 'exponent', exponent);
  refuseBoolPow(input, exponent);
  if (input instanceof Tensor && !(exponent instanceof Tensor)) return powScalar(input, exponent);
  if (!(input instanceof Tensor) && exponent instanceof Tensor) return scalarPow(input, exponent);
  const out = binaryForward('pow', 'pow', 'arithmetic', input, exponent);
  return record('PowBackward1', out, tensors(input, exponent), (save) => {
    const a = save(input as Tensor);
    const b = save(exponent as Tensor);
    const result = save(out);
    return (g) => {
      // d/da a^b = b a^(b-1), defined as 0 where b == 0 (at a == 0 the formula gives 0 * inf), as in PyTorch.
      const gradInput = where(eq(b, 0), 0, mul(g, mul(b, pow(a, sub(b, 1)))));
      // d/db a^b = a^b log a, defined as 0 where a == 0 and b >= 0 (PyTorch's convention).
      const logTerm = mul(result, logOf(a));
      const gradExponent = mul(g, where(logicalAnd(eq(a, 0), ge(b, 0)), 0, logTerm));
      return [gradInput, gradExponent];
    };
  });
}

/** PyTorch has no bool pow kernel; a bool with an int or float promotes and is fine. */
function refuseBoolPow(input: TensorOrScalar, exponent: TensorOrScalar): void {
  const isBool = (value: TensorOrScalar) => (value instanceof Tensor ? value.dtype === 'bool' : typeof value === 'boolean');
  if (isBool(input) && isBool(exponent))
    throw new TypeError('pow: not implemented for a bool input with a bool exponent; convert one of them with .int() or .float() first');
}

const INT32_MAX = 2 ** 31 - 1;

function powScalar(input: Tensor, exponent: Scalar): Tensor {
  checkTensor('pow', 'input', input);
  if (input.dtype !== 'float32' && scalarDtype(exponent) !== 'float32') {
    // Computed in wrapping int32 arithmetic, as PyTorch does: in float32, 4097 ** 2 would round.
    const value = Number(exponent);
    if (value < 0)
      throw new RangeError(`pow: Integers to negative integer powers are not allowed (input dtype ${input.dtype}, exponent ${value})`);
    if (value > INT32_MAX)
      throw new RangeError(`pow: exponent ${value} cannot be converted to int32 without overflow (input dtype ${input.dtype})`);
    return binaryForward('pow', 'pow', 'arithmetic', input, exponent);
  }
  const power = Number(exponent);
  const out = unaryForward('pow', 'powScalar', input, power);
  return record('PowBackward0', out, [input], (save) => {
    const a = save(input);
    return (g) => [power === 0 ? mul(g, 0) : mul(g, mul(powScalar(a, power - 1), power))];
  });
}

function scalarPow(base: Scalar, exponent: Tensor): Tensor {
  checkTensor('pow', 'exponent', exponent);
  // An integer base to an integer exponent stays int32, as in PyTorch (powi: 2 ** -1 is 0).
  if (resultDtype(base, exponent) !== 'float32') return binaryForward('pow', 'pow', 'arithmetic', base, exponent);
  const value = Number(base);
  const out = unaryForward('pow', 'rpowScalar', exponent, value);
  return record('PowBackward2', out, [exponent], (save) => {
    const result = save(out);
    return (g) => [mul(g, mul(result, Math.log(value)))];
  });
}

export function maximum(input: Tensor, other: Tensor): Tensor {
  checkTensor('maximum', 'other', other);
  const out = binaryForward('maximum', 'maximum', 'arithmetic', input, other);
  return record('MaximumBackward0', out, [input, other], (save) => minMaxBackward(save(input), save(other), lt));
}

export function minimum(input: Tensor, other: Tensor): Tensor {
  checkTensor('minimum', 'other', other);
  const out = binaryForward('minimum', 'minimum', 'arithmetic', input, other);
  return record('MinimumBackward0', out, [input, other], (save) => minMaxBackward(save(input), save(other), gt));
}

/**
 * relu's gradient given relu's output, in one pass (PyTorch's threshold_backward at 0): `grad`
 * passes unless `out` <= 0, so it passes where `out` is NaN. Differentiable in `grad` (a double
 * backward through relu); `out` gets no gradient, as in PyTorch.
 */
export function reluBackward(grad: Tensor, out: Tensor): Tensor {
  const result = binaryForward('reluBackward', 'reluBackward', 'arithmetic', grad, out);
  return record('ThresholdBackwardBackward0', result, [grad, null], (save) => {
    const saved = save(out);
    return (g) => [reluBackward(g, saved), null];
  });
}

/**
 * PyTorch's masks: each input gets the gradient unless it loses, and half of it on ties. A NaN
 * never loses, so where either input is NaN both get the whole gradient.
 */
function minMaxBackward(a: Tensor, b: Tensor, loses: (x: Tensor, y: Tensor) => Tensor) {
  return (g: Tensor) => {
    const half = div(g, 2);
    const tie = eq(a, b);
    return [where(tie, half, where(loses(a, b), 0, g)), where(tie, half, where(loses(b, a), 0, g))];
  };
}

/**
 * Integer division by zero has no value, so it is refused, as PyTorch raises ZeroDivisionError. A
 * tensor divisor is checked by reading it, on devices that can read synchronously; on the others
 * the kernel itself reports it, at the next read (as CUDA does).
 */
function checkIntegerDivisor(op: string, input: TensorOrScalar, other: TensorOrScalar): void {
  if (computeDtype('arithmetic', resultDtype(input, other)) !== 'int32') return;
  if (other instanceof Tensor && !other.deviceObject.synchronous) return;
  const hasZero = other instanceof Tensor ? checkTensor(op, 'other', other).dataSync().includes(0) : Number(other) === 0;
  if (hasZero) throw new RangeError(`${op}: integer division by zero (argument 'other' contains 0)`);
}

/**
 * A remainder a - q * b, with the quotient q = a / b rounded by `quotient`: down for remainder (the
 * divisor's sign), toward zero for fmod (the dividend's). Its gradient w.r.t. b is -q.
 */
function remainderOf(op: 'remainder' | 'fmod', node: string, quotient: (a: TensorOrScalar, b: TensorOrScalar) => Tensor) {
  return (input: TensorOrScalar, other: TensorOrScalar): Tensor => {
    checkIntegerDivisor(op, input, other);
    const out = binaryForward(op, op, 'arithmetic', input, other);
    return record(node, out, tensors(input, other), (save) => {
      const a = input instanceof Tensor ? save(input) : input;
      const b = other instanceof Tensor ? save(other) : other;
      return (g) => [g, other instanceof Tensor ? negated(mul(g, quotient(a, b))) : null];
    });
  };
}

/** Python's %: the remainder of flooring division, so it has the divisor's sign. */
export const remainder = remainderOf('remainder', 'RemainderBackward0', floorDivide);

export function floorDivide(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  checkIntegerDivisor('floorDivide', input, other);
  return binaryForward('floorDivide', 'floorDivide', 'arithmetic', input, other);
}

/** C's fmod: the remainder of truncating division, so it has the dividend's sign. `torch.fmod(x, 3)` */
export const fmod = remainderOf('fmod', 'FmodBackward0', (a, b) => unaryForward('trunc', 'trunc', div(a, b)));

export const eq = (input: TensorOrScalar, other: TensorOrScalar) => binaryForward('eq', 'eq', 'comparison', input, other);
export const ne = (input: TensorOrScalar, other: TensorOrScalar) => binaryForward('ne', 'ne', 'comparison', input, other);
export const lt = (input: TensorOrScalar, other: TensorOrScalar) => binaryForward('lt', 'lt', 'comparison', input, other);
export const le = (input: TensorOrScalar, other: TensorOrScalar) => binaryForward('le', 'le', 'comparison', input, other);
export const gt = (input: TensorOrScalar, other: TensorOrScalar) => binaryForward('gt', 'gt', 'comparison', input, other);
export const ge = (input: TensorOrScalar, other: TensorOrScalar) => binaryForward('ge', 'ge', 'comparison', input, other);
export const logicalAnd = (input: TensorOrScalar, other: TensorOrScalar) =>
  binaryForward('logicalAnd', 'logicalAnd', 'logical', input, other);
export const logicalOr = (input: TensorOrScalar, other: TensorOrScalar) => binaryForward('logicalOr', 'logicalOr', 'logical', input, other);

export function logicalNot(input: Tensor): Tensor {
  checkTensor('logicalNot', 'input', input);
  const asBool = castTo(input, 'bool');
  const out = Tensor.empty(input.shape, 'bool', input.deviceObject);
  if (out.numel() > 0) input.deviceObject.kernels.unary('logicalNot', out, asBool);
  if (asBool !== input) asBool.dispose();
  return out;
}

/** `where(condition, input, other)`: elements of input where condition holds, else of other. */
export function where(condition: Tensor, input: TensorOrScalar, other: TensorOrScalar): Tensor {
  checkTensor('where', 'condition', condition);
  checkDtype('where', 'condition', condition, ['bool']);
  const device = condition.deviceObject;
  for (const [name, value] of [
    ['input', input],
    ['other', other],
  ] as const) {
    if (checkTensorOrScalar('where', name, value) instanceof Tensor) checkSameDevice('where', { condition, [name]: value as Tensor });
  }
  const dtype =
    input instanceof Tensor || other instanceof Tensor
      ? resultDtype(input, other)
      : scalarDtype(input) === 'float32' || scalarDtype(other) === 'float32'
        ? 'float32'
        : 'int32';
  const temporaries: Tensor[] = [];
  const operand = (value: TensorOrScalar) => {
    const converted = value instanceof Tensor ? castTo(value, dtype) : scalarTensor(value, dtype, device);
    if (converted !== value) temporaries.push(converted);
    return converted;
  };
  const shape = broadcastShapes(
    'where',
    broadcastShapes('where', condition.shape, shapeOf(input), ['condition', 'input']),
    shapeOf(other),
    ['condition and input', 'other'],
  );
  const a = operand(input);
  const b = operand(other);
  const out = Tensor.empty(shape, dtype, device);
  if (out.numel() > 0) device.kernels.where(out, broadcastView(condition, shape), broadcastView(a, shape), broadcastView(b, shape));
  for (const temporary of temporaries) temporary.dispose();
  return record('WhereBackward0', out, [null, ...tensors(input, other)], (save) => {
    const mask = save(condition);
    return (g) => [null, where(mask, g, 0), where(mask, 0, g)];
  });
}

// ---- unary ------------------------------------------------------------------------------------

/** Runs a unary float kernel (int inputs are promoted to float32); does not record. */
export function unaryForward(op: string, kernelOp: UnaryOp, input: Tensor, p0 = 0, p1 = 0): Tensor {
  checkTensor(op, 'input', input);
  const x = castTo(input, 'float32');
  const out = Tensor.empty(input.shape, 'float32', input.deviceObject);
  if (out.numel() > 0) input.deviceObject.kernels.unary(kernelOp, out, x, p0, p1);
  if (x !== input) x.dispose();
  return out;
}

/**
 * -g, recorded, for this file's backward formulas (which createGraph records): unary.ts's neg
 * builds on this file, and importing it back would make the two modules a cycle.
 */
function negated(g: Tensor): Tensor {
  return record('NegBackward0', unaryForward('neg', 'neg', g), [g], () => (grad) => [negated(grad)]);
}

/** log(a), recorded, for pow's exponent gradient; a local op for the same reason as negated. */
function logOf(a: Tensor): Tensor {
  return record('LogBackward0', unaryForward('log', 'log', a), [a], (save) => {
    const x = save(a);
    return (grad) => [div(grad, x)];
  });
}

export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  const out = unaryForward('leakyRelu', 'leakyRelu', input, negativeSlope);
  return record('LeakyReluBackward0', out, [input], (save) => {
    const x = save(input);
    return (g) => [
      mul(g, unaryForward('leakyRelu', 'affine', unaryForward('leakyRelu', 'gtScalar', x, 0), 1 - negativeSlope, negativeSlope)),
    ];
  });
}

export interface ClampOptions {
  min?: number | null;
  max?: number | null;
}

const CLAMP = signature('clamp', { input: param.tensor(), min: param.optionalNumber(null), max: param.optionalNumber(null) });

/** clamp(input, min?, max?) or clamp(input, { min, max }); NaN stays NaN. */
export function clamp(input: Tensor, min?: number | null | ClampOptions, max?: number | null | ClampOptions): Tensor {
  const bounds = CLAMP(arguments);
  ({ input } = bounds);
  const lo = bounds.min ?? -Infinity;
  const hi = bounds.max ?? Infinity;
  if (bounds.min == null && bounds.max == null) throw new TypeError('clamp: at least one of min and max must be given');
  const out = unaryForward('clamp', 'clamp', input, lo, hi);
  const result = input.dtype === 'float32' ? out : castTo(out, input.dtype === 'bool' ? 'int32' : input.dtype);
  if (result !== out) out.dispose();
  return record('ClampBackward1', result, [input], (save) => {
    const x = save(input);
    return (g) => [where(logicalAnd(ge(x, lo), le(x, hi)), g, 0)];
  });
}

// ---- in-place forms ---------------------------------------------------------------------------

/**
 * Runs `compute(self)` and writes the result into self's storage: the PyTorch in-place contract
 * (same storage, views see the change). Under autograd, self takes over the result's graph node;
 * a leaf that requires grad refuses, as in PyTorch.
 */
export function inPlace(op: string, self: Tensor, compute: (self: Tensor) => Tensor): Tensor {
  checkTensor(op, 'self', self);
  checkInPlace(op, self);
  const result = compute(self);
  if (rank[result.dtype] > rank[self.dtype]) {
    result.dispose();
    throw new TypeError(`${op}: result type ${result.dtype} can't be cast to the dtype ${self.dtype} of the tensor written in place`);
  }
  if (!shapesEqual(result.shape, self.shape)) {
    const shapes = `${formatShape(result.shape)} vs ${formatShape(self.shape)}`;
    result.dispose();
    throw new RangeError(`${op}: the result shape does not match the shape of the tensor written in place: ${shapes}`);
  }
  if (self.numel() > 0) self.deviceObject.kernels.copy(self, result);
  markModified(self, result.gradFn);
  result.dispose();
  return self;
}

declare module '../tensor.js' {
  interface Tensor {
    add(other: TensorOrScalar, options?: AlphaOptions): Tensor;
    sub(other: TensorOrScalar, options?: AlphaOptions): Tensor;
    mul(other: TensorOrScalar): Tensor;
    div(other: TensorOrScalar): Tensor;
    pow(exponent: TensorOrScalar): Tensor;
    remainder(other: TensorOrScalar): Tensor;
    floorDivide(other: TensorOrScalar): Tensor;
    fmod(other: TensorOrScalar): Tensor;
    maximum(other: Tensor): Tensor;
    minimum(other: Tensor): Tensor;
    eq(other: TensorOrScalar): Tensor;
    ne(other: TensorOrScalar): Tensor;
    lt(other: TensorOrScalar): Tensor;
    le(other: TensorOrScalar): Tensor;
    gt(other: TensorOrScalar): Tensor;
    ge(other: TensorOrScalar): Tensor;
    logicalAnd(other: TensorOrScalar): Tensor;
    logicalOr(other: TensorOrScalar): Tensor;
    logicalNot(): Tensor;
    where(condition: Tensor, other: TensorOrScalar): Tensor;
    clamp(min?: number | null | ClampOptions, max?: number | null | ClampOptions): Tensor;
    add_(other: TensorOrScalar, options?: AlphaOptions): this;
    sub_(other: TensorOrScalar, options?: AlphaOptions): this;
    mul_(other: TensorOrScalar): this;
    div_(other: TensorOrScalar): this;
    pow_(exponent: TensorOrScalar): this;
    clamp_(min?: number | null | ClampOptions, max?: number | null | ClampOptions): this;
  }
}

Object.assign(Tensor.prototype, {
  add(this: Tensor, other: TensorOrScalar, options?: AlphaOptions) {
    return add(this, other, options);
  },
  sub(this: Tensor, other: TensorOrScalar, options?: AlphaOptions) {
    return sub(this, other, options);
  },
  mul(this: Tensor, other: TensorOrScalar) {
    return mul(this, other);
  },
  div(this: Tensor, other: TensorOrScalar) {
    return div(this, other);
  },
  pow(this: Tensor, exponent: TensorOrScalar) {
    return pow(this, exponent);
  },
  remainder(this: Tensor, other: TensorOrScalar) {
    return remainder(this, other);
  },
  floorDivide(this: Tensor, other: TensorOrScalar) {
    return floorDivide(this, other);
  },
  fmod(this: Tensor, other: TensorOrScalar) {
    return fmod(this, other);
  },
  maximum(this: Tensor, other: Tensor) {
    return maximum(this, other);
  },
  minimum(this: Tensor, other: Tensor) {
    return minimum(this, other);
  },
  eq(this: Tensor, other: TensorOrScalar) {
    return eq(this, other);
  },
  ne(this: Tensor, other: TensorOrScalar) {
    return ne(this, other);
  },
  lt(this: Tensor, other: TensorOrScalar) {
    return lt(this, other);
  },
  le(this: Tensor, other: TensorOrScalar) {
    return le(this, other);
  },
  gt(this: Tensor, other: TensorOrScalar) {
    return gt(this, other);
  },
  ge(this: Tensor, other: TensorOrScalar) {
    return ge(this, other);
  },
  logicalAnd(this: Tensor, other: TensorOrScalar) {
    return logicalAnd(this, other);
  },
  logicalOr(this: Tensor, other: TensorOrScalar) {
    return logicalOr(this, other);
  },
  logicalNot(this: Tensor) {
    return logicalNot(this);
  },
  where(this: Tensor, condition: Tensor, other: TensorOrScalar) {
    return where(condition, this, other);
  },
  clamp(this: Tensor, ...args: [(number | null)?, (number | null)?]) {
    return clamp(this, ...args);
  },
  add_(this: Tensor, other: TensorOrScalar, options?: AlphaOptions) {
    return inPlace('add_', this, (self) => add(self, other, options));
  },
  sub_(this: Tensor, other: TensorOrScalar, options?: AlphaOptions) {
    return inPlace('sub_', this, (self) => sub(self, other, options));
  },
  mul_(this: Tensor, other: TensorOrScalar) {
    return inPlace('mul_', this, (self) => mul(self, other));
  },
  div_(this: Tensor, other: TensorOrScalar) {
    return inPlace('div_', this, (self) => div(self, other));
  },
  pow_(this: Tensor, exponent: TensorOrScalar) {
    return inPlace('pow_', this, (self) => pow(self, exponent));
  },
  clamp_(this: Tensor, ...args: [(number | null)?, (number | null)?]) {
    return inPlace('clamp_', this, (self) => clamp(self, ...args));
  },
});
