/**
 * amax and amin: the largest or smallest value over several dims at once, their gradient shared
 * evenly among ties as PyTorch's amax/amin backward shares it.
 */
import { recordComposite } from '../graph/record.js';
import { formatShape, normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { div, eq, mul } from './elementwise.js';
import { max, min, sum } from './reduce.js';
import { param, signature } from './signature.js';
import { castTo } from './unrecorded.js';
import { permute, reshape } from './views.js';

/** The largest (or smallest) value over `dims`, kept as size-1 dims: max/min over several dims at once. */
export function extremeOver(x: Tensor, dims: readonly number[], largest: boolean): Tensor {
  const kept = x.shape.map((size, d) => (dims.includes(d) ? 1 : size));
  const others = x.shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const rows = reshape(permute(x, [...others, ...dims]), [...others.map((d) => x.shape[d]), -1]);
  const reduced = largest ? max(rows, -1) : min(rows, -1);
  return reshape(reduced.values, kept);
}

export interface AmaxOptions {
  dim?: number | readonly number[] | null;
  keepdim?: boolean;
}

const params = { input: param.tensor(), dim: param.dims([]), keepdim: param.boolean(false) };
const AMAX = signature('amax', params);
const AMIN = signature('amin', params);

function extreme(
  op: 'amax' | 'amin',
  { input: x, dim, keepdim }: { input: Tensor; dim: number | readonly number[] | null; keepdim: boolean },
): Tensor {
  const listed = dim === null ? [] : typeof dim === 'number' ? [dim] : [...dim];
  const normalized = listed.map((d) => normalizeDim(op, d, x.dim()));
  if (new Set(normalized).size !== normalized.length)
    throw new RangeError(`${op}: dim [${listed.join(', ')}] names a dimension more than once`);
  const dims = normalized.length === 0 ? x.shape.map((_, d) => d) : normalized;
  const empty = dims.find((d) => x.shape[d] === 0);
  if (empty !== undefined)
    throw new RangeError(`${op}: cannot reduce over dim ${empty} of size 0 (input shape ${formatShape(x.shape)}); it has no identity`);
  const keptShape = x.shape.map((size, d) => (dims.includes(d) ? 1 : size));
  const outShape = keepdim ? keptShape : x.shape.filter((_, d) => !dims.includes(d));
  const node = op === 'amax' ? 'AmaxBackward0' : 'AminBackward0';
  return recordComposite(
    node,
    [x],
    () => reshape(extremeOver(x, dims, op === 'amax'), outShape),
    (save, out) => {
      const savedX = save(x);
      const result = save(out);
      // PyTorch's scale_grad_by_count: (g / count of ties) * ties.
      return (g) => {
        const ties = castTo(eq(savedX, reshape(result, keptShape)), 'float32');
        return [mul(div(reshape(g, keptShape), sum(ties, dims, true)), ties)];
      };
    },
  );
}

/** `amax(input, dim = [], keepdim = false)`: the largest value over `dim` (all dims when empty). Also `x.amax(...)`. */
export function amax(input: Tensor, dim?: number | readonly number[] | null | AmaxOptions, keepdim?: boolean | AmaxOptions): Tensor {
  return extreme('amax', AMAX(arguments));
}

/** `amin(input, dim = [], keepdim = false)`: the smallest value over `dim` (all dims when empty). Also `x.amin(...)`. */
export function amin(input: Tensor, dim?: number | readonly number[] | null | AmaxOptions, keepdim?: boolean | AmaxOptions): Tensor {
  return extreme('amin', AMIN(arguments));
}

Object.assign(Tensor.prototype, {
  amax(this: Tensor, dim?: number | readonly number[] | null | AmaxOptions, keepdim?: boolean | AmaxOptions) {
    return amax(this, dim, keepdim);
  },
  amin(this: Tensor, dim?: number | readonly number[] | null | AmaxOptions, keepdim?: boolean | AmaxOptions) {
    return amin(this, dim, keepdim);
  },
});

declare module '../tensor.js' {
  interface Tensor {
    /** `torch.amax(this, ...)`. */
    amax(dim?: number | readonly number[] | null | AmaxOptions, keepdim?: boolean | AmaxOptions): Tensor;
    /** `torch.amin(this, ...)`. */
    amin(dim?: number | readonly number[] | null | AmaxOptions, keepdim?: boolean | AmaxOptions): Tensor;
  }
}
