/**
 * The differentiable unary math ops, one line each: the op's name (which is also its Tensor
 * method: `torch.exp(x)` is `x.exp()`), PyTorch's autograd node, the kernel op of
 * src/devices/opcodes.ts that computes it, and its backward in terms of other ops. Every export of
 * this module is such an op; src/index.ts exports them all.
 *
 * @example
 * const x = torch.tensor([0.5, 1], { requiresGrad: true });
 * x.exp().sum().backward(); // x.grad = exp(x)
 */

import type { UnaryOp } from '../devices/opcodes.js';
import { record } from '../graph/record.js';
import { Tensor } from '../tensor.js';
import { zerosLike } from './creation.js';
import { add, div, inPlace, mul, pow, reluBackward, sub, unaryForward } from './elementwise.js';
import { castTo } from './unrecorded.js';
import { checkTensor } from './util.js';

/** Unary ops that keep int dtypes (neg, abs, sign, square on int32 stay int32). */
function unaryKeepingInts(op: string, kernelOp: UnaryOp, input: Tensor): Tensor {
  checkTensor(op, 'input', input);
  if (input.dtype === 'float32') return unaryForward(op, kernelOp, input);
  const x = castTo(input, 'int32');
  const out = Tensor.empty(input.shape, 'int32', input.deviceObject);
  if (out.numel() > 0) input.deviceObject.kernels.unary(kernelOp, out, x);
  if (x !== input) x.dispose();
  return out;
}

type UnaryBackward = (g: Tensor, x: Tensor, out: Tensor) => Tensor;

/**
 * Defines a differentiable unary op, and the Tensor method of its name, from its kernel and its
 * backward in terms of x and out (`uses` says which of them backward needs saved).
 */
function unary(
  op: string,
  node: string,
  kernelOp: UnaryOp,
  backward: UnaryBackward,
  uses: 'x' | 'out' | 'both' | 'none',
  keepsInts = false,
) {
  const forward = (input: Tensor): Tensor => {
    const out = keepsInts ? unaryKeepingInts(op, kernelOp, input) : unaryForward(op, kernelOp, input);
    return record(node, out, [input], (save) => {
      const x = uses === 'x' || uses === 'both' ? save(input) : input;
      const y = uses === 'out' || uses === 'both' ? save(out) : out;
      return (g) => [backward(g, x, y)];
    });
  };
  Object.assign(Tensor.prototype, {
    [op](this: Tensor) {
      return forward(this);
    },
  });
  return forward;
}

/** `1 - x` style: other - input. */
function rsub(input: Tensor, other: number): Tensor {
  return sub(other, input);
}

// Zeros, not g * 0: PyTorch's gradient of a step function stays 0 where the upstream gradient is NaN or infinite.
const zeroGradient: UnaryBackward = (g) => zerosLike(g);

export const neg = unary('neg', 'NegBackward0', 'neg', (g) => neg(g), 'none', true);
export const abs = unary('abs', 'AbsBackward0', 'abs', (g, x) => mul(g, sign(x)), 'x', true);
export const exp = unary('exp', 'ExpBackward0', 'exp', (g, _x, out) => mul(g, out), 'out');
export const log = unary('log', 'LogBackward0', 'log', (g, x) => div(g, x), 'x');
export const log2 = unary('log2', 'Log2Backward0', 'log2', (g, x) => div(g, mul(x, Math.LN2)), 'x');
export const sqrt = unary('sqrt', 'SqrtBackward0', 'sqrt', (g, _x, out) => div(g, mul(out, 2)), 'out');
export const rsqrt = unary('rsqrt', 'RsqrtBackward0', 'rsqrt', (g, _x, out) => mul(g, mul(pow(out, 3), -0.5)), 'out');
export const sin = unary('sin', 'SinBackward0', 'sin', (g, x) => mul(g, cos(x)), 'x');
export const cos = unary('cos', 'CosBackward0', 'cos', (g, x) => neg(mul(g, sin(x))), 'x');
export const tanh = unary('tanh', 'TanhBackward0', 'tanh', (g, _x, out) => mul(g, rsub(mul(out, out), 1)), 'out');
export const sigmoid = unary('sigmoid', 'SigmoidBackward0', 'sigmoid', (g, _x, out) => mul(g, mul(out, rsub(out, 1))), 'out');
export const relu = unary('relu', 'ReluBackward0', 'relu', (g, _x, out) => reluBackward(g, out), 'out');
export const reciprocal = unary('reciprocal', 'ReciprocalBackward0', 'reciprocal', (g, _x, out) => neg(mul(g, mul(out, out))), 'out');
export const square = unary('square', 'PowBackward0', 'square', (g, x) => mul(g, mul(x, 2)), 'x', true);
export const erf = unary('erf', 'ErfBackward0', 'erf', (g, x) => mul(g, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI))), 'x');
export const log1p = unary('log1p', 'Log1PBackward0', 'log1p', (g, x) => div(g, add(x, 1)), 'x');
export const expm1 = unary('expm1', 'Expm1Backward0', 'expm1', (g, _x, out) => mul(g, add(out, 1)), 'out');
export const sign = unary('sign', 'SignBackward0', 'sign', zeroGradient, 'none', true);
export const floor = unary('floor', 'FloorBackward0', 'floor', zeroGradient, 'none');
export const ceil = unary('ceil', 'CeilBackward0', 'ceil', zeroGradient, 'none');
export const round = unary('round', 'RoundBackward0', 'round', zeroGradient, 'none');
export const trunc = unary('trunc', 'TruncBackward0', 'trunc', zeroGradient, 'none');

/** Each op above as a method of the same name on Tensor (registered by `unary`). */
type UnaryMethods = { [Name in keyof typeof import('./unary.js')]: () => Tensor };

declare module '../tensor.js' {
  interface Tensor extends UnaryMethods {}
}

declare module '../tensor.js' {
  interface Tensor {
    relu_(): this;
    neg_(): this;
    exp_(): this;
    tanh_(): this;
    sigmoid_(): this;
  }
}

Object.assign(Tensor.prototype, {
  relu_(this: Tensor) {
    return inPlace('relu_', this, relu);
  },
  neg_(this: Tensor) {
    return inPlace('neg_', this, neg);
  },
  exp_(this: Tensor) {
    return inPlace('exp_', this, exp);
  },
  tanh_(this: Tensor) {
    return inPlace('tanh_', this, tanh);
  },
  sigmoid_(this: Tensor) {
    return inPlace('sigmoid_', this, sigmoid);
  },
});
