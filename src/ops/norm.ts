/**
 * `torch.norm` and `Tensor.norm`: vector p-norms over some dims or all (p = 2 also as 'fro', the
 * Frobenius norm of a matrix), differentiated as PyTorch 1.13's norm_backward, which gives 0
 * rather than NaN where the norm is 0.
 */
import { recordComposite } from '../graph/record.js';
import { normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { div, eq, logicalOr, mul, ne, pow, where } from './elementwise.js';
import { extremeOver } from './extrema.js';
import { sum } from './reduce.js';
import { kind, param, signature } from './signature.js';
import { abs, sign, sqrt } from './unary.js';
import { checkDtype } from './util.js';
import { reshape } from './views.js';

export type NormOrder = number | 'fro';

const NORM = signature('norm', {
  input: param.tensor(),
  p: kind<NormOrder>("a number or 'fro'", (v) => (typeof v === 'number' || v === 'fro' ? v : undefined))('fro'),
  dim: param.dims(null),
  keepdim: param.boolean(false),
});

export interface NormOptions {
  p?: NormOrder;
  dim?: number | readonly number[] | null;
  keepdim?: boolean;
}

function vectorNorm(x: Tensor, p: number, dims: readonly number[]): Tensor {
  if (p === 2) return sqrt(sum(mul(x, x), dims, true));
  if (p === 1) return sum(abs(x), dims, true);
  if (p === Infinity) return extremeOver(abs(x), dims, true);
  if (p === -Infinity) return extremeOver(abs(x), dims, false);
  if (p === 0) return sum(ne(x, 0).float(), dims, true);
  return pow(sum(pow(abs(x), p), dims, true), 1 / p);
}

/** PyTorch's norm_backward, with `g` and `norm` shaped as the norm kept over `dims`. */
function normBackward(g: Tensor, x: Tensor, norm: Tensor, p: number, dims: readonly number[]): Tensor {
  if (p === 0) return mul(x, 0);
  if (p === 1) return mul(sign(x), g);
  const zeroNorm = eq(norm, 0);
  if (p === 2) return mul(g, where(zeroNorm, 0, div(x, norm)));
  if (!Number.isFinite(p)) {
    const magnitude = abs(x);
    const mask = logicalOr(eq(magnitude, norm), ne(magnitude, magnitude)).float();
    return mul(sign(x), mul(div(g, sum(mask, dims, true)), mask));
  }
  const scaled = p < 2 ? mul(sign(x), pow(abs(x), p - 1)) : mul(x, pow(abs(x), p - 2));
  return mul(scaled, where(zeroNorm, 0, div(g, pow(norm, p - 1))));
}

/**
 * `norm(input, p = 'fro', dim = null, keepdim = false)`: the p-norm of input's elements over
 * `dim` (all of them when null): p = 2 (or 'fro') the Euclidean norm, 1 the sum of magnitudes,
 * Infinity and -Infinity the largest and smallest magnitude, 0 the count of nonzeros, any other p
 * (sum |x|^p)^(1/p). Also `x.norm(...)`.
 */
export function norm(
  input: Tensor,
  p?: NormOrder | NormOptions,
  dim?: number | readonly number[] | null | NormOptions,
  keepdim?: boolean | NormOptions,
): Tensor {
  const args = NORM(arguments);
  checkDtype('norm', 'input', args.input, ['float32']);
  const x = args.input;
  const order = args.p === 'fro' ? 2 : args.p;
  if (args.p === 'fro' && Array.isArray(args.dim) && args.dim.length > 2)
    throw new RangeError(`norm: the Frobenius norm takes at most 2 dims, got [${args.dim.join(', ')}]`);
  const listed = args.dim === null ? [] : typeof args.dim === 'number' ? [args.dim] : [...args.dim];
  const dims =
    listed.length === 0
      ? x.shape.map((_, d) => d)
      : [...new Set(listed.map((d) => normalizeDim('norm', d, x.dim())))].sort((a, b) => a - b);
  const keptShape = x.shape.map((size, d) => (dims.includes(d) ? 1 : size));
  const outShape = args.keepdim ? keptShape : x.shape.filter((_, d) => !dims.includes(d));
  return recordComposite(
    'NormBackward1',
    [x],
    () => reshape(vectorNorm(x, order, dims), outShape),
    (save, out) => {
      const savedX = save(x);
      const savedNorm = save(out);
      return (g) => [normBackward(reshape(g, keptShape), savedX, reshape(savedNorm, keptShape), order, dims)];
    },
  );
}

Object.assign(Tensor.prototype, {
  norm(this: Tensor, p?: NormOrder | NormOptions, dim?: number | readonly number[] | null | NormOptions, keepdim?: boolean | NormOptions) {
    return norm(this, p, dim, keepdim);
  },
});

declare module '../tensor.js' {
  interface Tensor {
    /** `torch.norm(this, ...)`. */
    norm(p?: NormOrder | NormOptions, dim?: number | readonly number[] | null | NormOptions, keepdim?: boolean | NormOptions): Tensor;
  }
}
