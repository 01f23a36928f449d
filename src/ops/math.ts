/** log10, frac and atan2, composed from existing elementwise ops, with PyTorch's gradients. */
import { recordComposite } from '../graph/record.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { add, div, eq, gt, logicalOr, lt, mul, sub, where } from './elementwise.js';
import { param, signature } from './signature.js';
import { abs, log, neg, reciprocal, trunc } from './unary.js';
import { castTo } from './unrecorded.js';
import { checkDtype, checkSameDevice, checkTensor } from './util.js';

/** `log10(input)`: the base-10 logarithm (ints give float32). Also `x.log10()`. */
export function log10(input: Tensor): Tensor {
  checkTensor('log10', 'input', input);
  return recordComposite(
    'Log10Backward0',
    [input],
    () => div(log(input), Math.LN10),
    (save) => {
      const x = save(input);
      return (g) => [div(g, mul(x, Math.LN10))];
    },
  );
}

/** `frac(input)`: the fractional part, input - trunc(input), with trunc's sign; float32 only, as in PyTorch. Also `x.frac()`. */
export function frac(input: Tensor): Tensor {
  checkTensor('frac', 'input', input);
  checkDtype('frac', 'input', input, ['float32']);
  return recordComposite(
    'FracBackward0',
    [input],
    () => sub(input, trunc(input)),
    () => (g) => [g],
  );
}

/**
 * atan of t >= 0 (+Infinity and NaN included) as Cephes' atanf computes it in float32: reduced to
 * |t'| <= tan(pi/8) by atan(t) = pi/2 + atan(-1/t) or pi/4 + atan((t-1)/(t+1)), then an odd
 * polynomial, within 2 ulp.
 */
function atanOfNonNegative(t: Tensor): Tensor {
  const high = gt(t, 2.414213562373095);
  const middle = gt(t, 0.41421356237309503);
  const reduced = where(high, div(-1, t), where(middle, div(sub(t, 1), add(t, 1)), t));
  const base = where(high, Math.PI / 2, where(middle, Math.PI / 4, 0));
  const z = mul(reduced, reduced);
  const series = [1.99777106478e-1, -3.33329491539e-1].reduce((p, c) => add(mul(p, z), c), sub(mul(z, 8.05374449538e-2), 1.38776856032e-1));
  return add(base, add(mul(mul(series, z), reduced), reduced));
}

/** Where x is negative, -0 and -Infinity included (1 / -0 is -Infinity). */
function signBitSet(x: Tensor): Tensor {
  return logicalOr(lt(x, 0), lt(reciprocal(x), 0));
}

function atan2Forward(y: Tensor, x: Tensor): Tensor {
  const ay = abs(y);
  const ax = abs(x);
  // Equal magnitudes make t = 1, and both zero t = 0, where |y| / |x| would be inf / inf or 0 / 0.
  const t = where(eq(ay, ax), where(eq(ay, 0), 0, 1), div(ay, ax));
  const angle = atanOfNonNegative(t);
  const halfPlane = where(signBitSet(x), sub(Math.PI, angle), angle);
  return where(signBitSet(y), neg(halfPlane), halfPlane);
}

const ATAN2 = signature('atan2', { input: param.tensor(), other: param.tensor() });

/**
 * `atan2(input, other)`: the angle of the point (other, input), in [-pi, pi], with IEEE's signed
 * zeros and infinities; broadcasting, ints give float32. Also `y.atan2(x)`.
 */
export function atan2(input: Tensor, other: Tensor): Tensor {
  const args = ATAN2(arguments);
  checkSameDevice('atan2', { input: args.input, other: args.other });
  broadcastShapes('atan2', args.input.shape, args.other.shape);
  const [y, x] = [args.input, args.other].map((v) => (v.dtype === 'float32' ? v : castTo(v, 'float32')));
  return recordComposite(
    'Atan2Backward0',
    [y, x],
    () => atan2Forward(y, x),
    (save) => {
      const savedY = save(y);
      const savedX = save(x);
      return (g) => {
        const recip = reciprocal(add(mul(savedY, savedY), mul(savedX, savedX)));
        return [mul(mul(g, savedX), recip), mul(mul(g, neg(savedY)), recip)];
      };
    },
  );
}

Object.assign(Tensor.prototype, {
  log10(this: Tensor) {
    return log10(this);
  },
  frac(this: Tensor) {
    return frac(this);
  },
  atan2(this: Tensor, other: Tensor) {
    return atan2(this, other);
  },
});

declare module '../tensor.js' {
  interface Tensor {
    /** `torch.log10(this)`. */
    log10(): Tensor;
    /** `torch.frac(this)`. */
    frac(): Tensor;
    /** `torch.atan2(this, other)`. */
    atan2(other: Tensor): Tensor;
  }
}
