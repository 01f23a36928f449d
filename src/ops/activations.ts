/**
 * The activation functions of torch.nn.functional that have a kernel of their own (silu, elu and
 * selu, softplus, mish, logsigmoid) or a backward of their own (hardtanh, relu6), and glu. Each
 * computes and differentiates as PyTorch 1.13's CPU kernels do; src/nn/activation.ts wraps them
 * in modules.
 */

import { isGradEnabled } from '../graph/grad-mode.js';
import { record, recordComposite } from '../graph/record.js';
import { normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, clamp, ge, gt, inPlace, le, logicalOr, mul, sub, unaryForward, where } from './elementwise.js';
import { param, signature } from './signature.js';
import { exp, neg, sigmoid, tanh } from './unary.js';
import { checkDtype } from './util.js';
import { cat, chunk, clone } from './views.js';

/**
 * Runs `compute` on input, or writes its result into input when `inplace` (PyTorch's
 * `inplace=True`). The backward of these ops reads their input, which the write overwrites, so
 * under autograd it reads a copy taken before, as PyTorch's in-place forms keep `original_self`.
 */
function maybeInPlace(op: string, input: Tensor, inplace: boolean, compute: (input: Tensor) => Tensor): Tensor {
  if (!inplace) return compute(input);
  return inPlace(`${op}_`, input, (self) => compute(self.requiresGrad && isGradEnabled() ? clone(self) : self));
}

function floatInput(op: string, input: Tensor): Tensor {
  checkDtype(op, 'input', input, ['float32']);
  return input;
}

const SILU = signature('silu', { input: param.tensor(), inplace: param.boolean(false) });

/** `silu(input, inplace = false)`: x * sigmoid(x), also called swish. */
export function silu(input: Tensor, inplace?: boolean | { inplace?: boolean }): Tensor {
  const args = SILU(arguments);
  return maybeInPlace('silu', floatInput('silu', args.input), args.inplace, (x) => {
    const out = unaryForward('silu', 'silu', x);
    return record('SiluBackward0', out, [x], (save) => {
      const saved = save(x);
      return (g) => {
        const s = sigmoid(saved);
        return [mul(g, mul(s, add(mul(saved, sub(1, s)), 1)))];
      };
    });
  });
}

/** elu and selu: scale * x above 0, scale * alpha * (exp(x) - 1) below, as PyTorch's elu kernel. */
function eluWith(op: string, input: Tensor, alpha: number, scale: number, inplace: boolean): Tensor {
  return maybeInPlace(op, floatInput(op, input), inplace, (x) => {
    const out = unaryForward(op, 'elu', x, alpha, scale);
    return record('EluBackward0', out, [x], (save) => {
      const saved = save(x);
      // Where x is NaN the positive side's slope applies, as PyTorch's `x <= 0 ? ... : ...`.
      return (g) => [where(le(saved, 0), mul(g, mul(exp(saved), alpha * scale)), mul(g, scale))];
    });
  });
}

const ELU = signature('elu', { input: param.tensor(), alpha: param.number(1), inplace: param.boolean(false) });

export interface EluOptions {
  alpha?: number;
  inplace?: boolean;
}

/** `elu(input, alpha = 1, inplace = false)`: x above 0, alpha * (exp(x) - 1) below. */
export function elu(input: Tensor, alpha?: number | EluOptions, inplace?: boolean | EluOptions): Tensor {
  const args = ELU(arguments);
  return eluWith('elu', args.input, args.alpha, 1, args.inplace);
}

/** SELU's constants (Klambauer et al. 2017), as PyTorch writes them. */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const SELU = signature('selu', { input: param.tensor(), inplace: param.boolean(false) });

/** `selu(input, inplace = false)`: scale * elu(x, alpha) with SELU's fixed alpha and scale. */
export function selu(input: Tensor, inplace?: boolean | { inplace?: boolean }): Tensor {
  const args = SELU(arguments);
  return eluWith('selu', args.input, SELU_ALPHA, SELU_SCALE, args.inplace);
}

const SOFTPLUS = signature('softplus', { input: param.tensor(), beta: param.number(1), threshold: param.number(20) });

export interface SoftplusOptions {
  beta?: number;
  threshold?: number;
}

/** `softplus(input, beta = 1, threshold = 20)`: log(1 + exp(beta x)) / beta, and x where beta x > threshold. */
export function softplus(input: Tensor, beta?: number | SoftplusOptions, threshold?: number | SoftplusOptions): Tensor {
  const args = SOFTPLUS(arguments);
  const x = floatInput('softplus', args.input);
  const out = unaryForward('softplus', 'softplus', x, args.beta, args.threshold);
  return record('SoftplusBackward0', out, [x], (save) => {
    const saved = save(x);
    return (g) => {
      const scaled = mul(saved, args.beta);
      return [where(gt(scaled, args.threshold), g, mul(g, sigmoid(scaled)))];
    };
  });
}

const MISH = signature('mish', { input: param.tensor(), inplace: param.boolean(false) });

/** `mish(input, inplace = false)`: x * tanh(softplus(x)). */
export function mish(input: Tensor, inplace?: boolean | { inplace?: boolean }): Tensor {
  const args = MISH(arguments);
  return maybeInPlace('mish', floatInput('mish', args.input), args.inplace, (x) => {
    const out = unaryForward('mish', 'mish', x);
    return record('MishBackward0', out, [x], (save) => {
      const saved = save(x);
      return (g) => {
        const t = tanh(softplus(saved, 1, Infinity));
        return [mul(g, add(t, mul(mul(saved, sigmoid(saved)), sub(1, mul(t, t)))))];
      };
    });
  });
}

const LOGSIGMOID = signature('logsigmoid', { input: param.tensor() });

/** `logsigmoid(input)`: log(sigmoid(x)), computed without overflow for large |x|. */
export function logsigmoid(input: Tensor): Tensor {
  const args = LOGSIGMOID(arguments);
  const x = floatInput('logsigmoid', args.input);
  const out = unaryForward('logsigmoid', 'logSigmoid', x);
  return record('LogSigmoidBackward0', out, [x], (save) => {
    const saved = save(x);
    return (g) => [mul(g, sigmoid(neg(saved)))];
  });
}

/**
 * hardtanh and relu6: clamp forward (integer tensors stay integer, as PyTorch's do), and PyTorch's
 * hardtanh_backward, 0 at and beyond the bounds. minVal above maxVal gives maxVal, as clamp does.
 */
function hardtanhWith(op: string, input: Tensor, minVal: number, maxVal: number, inplace: boolean): Tensor {
  if (input.dtype !== 'float32') return maybeInPlace(op, input, inplace, (x) => clamp(x, minVal, maxVal));
  return maybeInPlace(op, input, inplace, (x) => {
    const out = unaryForward(op, 'clamp', x, minVal, maxVal);
    return record('HardtanhBackward0', out, [x], (save) => {
      const saved = save(x);
      return (g) => [where(logicalOr(le(saved, minVal), ge(saved, maxVal)), 0, g)];
    });
  });
}

const HARDTANH = signature('hardtanh', {
  input: param.tensor(),
  minVal: param.number(-1),
  maxVal: param.number(1),
  inplace: param.boolean(false),
});

export interface HardtanhOptions {
  minVal?: number;
  maxVal?: number;
  inplace?: boolean;
}

/** `hardtanh(input, minVal = -1, maxVal = 1, inplace = false)`: x clamped to [minVal, maxVal]. */
export function hardtanh(
  input: Tensor,
  minVal?: number | HardtanhOptions,
  maxVal?: number | HardtanhOptions,
  inplace?: boolean | HardtanhOptions,
): Tensor {
  const args = HARDTANH(arguments);
  return hardtanhWith('hardtanh', args.input, args.minVal, args.maxVal, args.inplace);
}

const RELU6 = signature('relu6', { input: param.tensor(), inplace: param.boolean(false) });

/** `relu6(input, inplace = false)`: min(max(x, 0), 6), differentiated as hardtanh(x, 0, 6). */
export function relu6(input: Tensor, inplace?: boolean | { inplace?: boolean }): Tensor {
  const args = RELU6(arguments);
  return hardtanhWith('relu6', args.input, 0, 6, args.inplace);
}

const GLU = signature('glu', { input: param.tensor(), dim: param.int(-1) });

/** `glu(input, dim = -1)`: a * sigmoid(b) for the halves a, b of input along dim. */
export function glu(input: Tensor, dim?: number | { dim?: number }): Tensor {
  const args = GLU(arguments);
  const x = floatInput('glu', args.input);
  if (x.dim() === 0) throw new RangeError('glu: does not support scalars because halving size must be even');
  const d = normalizeDim('glu', args.dim, x.dim());
  if (x.shape[d] % 2 !== 0)
    throw new RangeError(
      `glu: halving dimension must be even, but dimension ${d} is size ${x.shape[d]} (input shape [${x.shape.join(', ')}])`,
    );
  const halves = () => chunk(x, 2, d) as [Tensor, Tensor];
  return recordComposite(
    'GluBackward0',
    [x],
    () => {
      const [a, b] = halves();
      return mul(a, sigmoid(b));
    },
    (save) => {
      const saved = save(x);
      return (g) => {
        const [a, b] = chunk(saved, 2, d) as [Tensor, Tensor];
        const s = sigmoid(b);
        return [cat([mul(g, s), mul(mul(g, a), mul(s, sub(1, s)))], d)];
      };
    },
  );
}

const PRELU = signature('prelu', { input: param.tensor(), weight: param.tensor() });

/**
 * `prelu(input, weight)`: x above 0, weight * x elsewhere, with one weight for every element or
 * one per channel (dim 1).
 */
export function prelu(input: Tensor, weight: Tensor): Tensor {
  const args = PRELU(arguments);
  const x = floatInput('prelu', args.input);
  const w = args.weight;
  checkDtype('prelu', 'weight', w, ['float32']);
  const channels = x.dim() >= 2 ? x.shape[1] : 1;
  if (w.numel() !== 1 && w.numel() !== channels) {
    throw new RangeError(
      `prelu: weight has ${w.numel()} elements but the input (shape [${x.shape.join(', ')}]) has ${channels} channels; give 1 weight or one per channel`,
    );
  }
  const perChannel = w.numel() === 1 ? w.reshape([]) : w.reshape([1, channels, ...Array<number>(x.dim() - 2).fill(1)]);
  return where(gt(x, 0), x, mul(perChannel, x));
}
