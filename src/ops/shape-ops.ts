/**
 * Ops that rearrange or mask values without arithmetic: flip, roll, repeat, tile, repeatInterleave,
 * triu, tril and diag, each composed from index selections, views and where, so every device runs
 * them, and differentiated as PyTorch does, by the adjoint rearrangement or the same mask.
 */
import { recordComposite } from '../graph/record.js';
import { formatShape, normalizeDim, sizesFromArgs } from '../shape.js';
import { Tensor } from '../tensor.js';
import { arange, tensor, zeros } from './creation.js';
import { ge, le, sub, where } from './elementwise.js';
import { indexAdd, indexSelect } from './gather-scatter.js';
import { sum } from './reduce.js';
import { kind, param, signature } from './signature.js';
import { checkTensor } from './util.js';
import { expand, reshape } from './views.js';

type SizeArgs = (number | readonly number[])[];

/** One dim or several: flip's and roll's dims, roll's shifts. */
const intList = kind<number[]>('an integer or an array of integers', (v) =>
  Number.isInteger(v) ? [v as number] : Array.isArray(v) && v.every((d) => Number.isInteger(d)) ? [...(v as number[])] : undefined,
);

/** An int32 index tensor on `like`'s device. */
function indexOn(like: Tensor, values: readonly number[]): Tensor {
  return tensor(Int32Array.from(values), { dtype: 'int32', device: like.device });
}

/** Normalised dims, refusing one named twice as PyTorch does. */
function distinctDims(op: string, dims: readonly number[], ndim: number): number[] {
  const normalized = dims.map((d) => normalizeDim(op, d, ndim));
  if (new Set(normalized).size !== normalized.length)
    throw new RangeError(`${op}: dims [${dims.join(', ')}] name a dimension more than once`);
  return normalized;
}

/** A copy of `x` with each slice along `dims[k]` taken from `source(i, k)`, the source position of output position i. */
function permuteAlong(x: Tensor, dims: readonly number[], source: (i: number, k: number) => number): Tensor {
  if (dims.length === 0) return x.clone();
  return dims.reduce(
    (out, d, k) =>
      indexSelect(
        out,
        d,
        indexOn(
          x,
          Array.from({ length: x.shape[d] }, (_, i) => source(i, k)),
        ),
      ),
    x,
  );
}

const FLIP = signature('flip', { input: param.tensor(), dims: intList() });

export interface FlipOptions {
  dims?: number | readonly number[];
}

/** `flip(input, dims)`: the order of elements reversed along each of `dims`. Also `x.flip(dims)`. */
export function flip(input: Tensor, dims?: number | readonly number[] | FlipOptions, options?: FlipOptions): Tensor {
  const args = FLIP(arguments);
  const x = args.input;
  const along = distinctDims('flip', args.dims, x.dim());
  return recordComposite(
    'FlipBackward0',
    [x],
    () => permuteAlong(x, along, (i, k) => x.shape[along[k]] - 1 - i),
    () => (g) => [flip(g, along)],
  );
}

const ROLL = signature('roll', { input: param.tensor(), shifts: intList(), dims: intList([]) });

/**
 * `roll(input, shifts, dims = [])`: elements shifted along each dim, those pushed off one end coming
 * back at the other; with no dims, over the flattened tensor, keeping its shape. Also `x.roll(...)`.
 */
export function roll(
  input: Tensor,
  shifts?: number | readonly number[] | RollOptions,
  dims?: number | readonly number[] | RollOptions,
): Tensor {
  const args = ROLL(arguments);
  const x = args.input;
  if (args.dims.length === 0) {
    if (args.shifts.length !== 1)
      throw new RangeError(`roll: without dims, shifts must be a single integer, got [${args.shifts.join(', ')}]`);
    return reshape(roll(reshape(x, [-1]), args.shifts, 0), x.shape);
  }
  if (args.shifts.length !== args.dims.length)
    throw new RangeError(`roll: shifts and dims must align, got ${args.shifts.length} shifts and ${args.dims.length} dims`);
  const along = args.dims.map((d) => normalizeDim('roll', d, x.dim()));
  const by = args.shifts;
  const source = (i: number, k: number) => {
    const n = x.shape[along[k]];
    return (((i - by[k]) % n) + n) % n;
  };
  return recordComposite(
    'RollBackward0',
    [x],
    () => permuteAlong(x, along, source),
    () => (g) => [
      roll(
        g,
        by.map((s) => -s),
        along,
      ),
    ],
  );
}

export interface RollOptions {
  shifts?: number | readonly number[];
  dims?: number | readonly number[];
}

/**
 * `x.repeat(...sizes)`: x tiled `sizes[d]` times along each dim, sizes listing at least x's dims
 * (extra leading sizes add dims). `torch.tile(x, [2, 1])` / `x.repeat(2, 1)`
 */
export function repeat(input: Tensor, ...sizes: SizeArgs): Tensor {
  checkTensor('repeat', 'input', input);
  const repeats = sizesFromArgs(sizes);
  if (repeats.length < input.dim()) {
    throw new RangeError(
      `repeat: number of dimensions of repeat dims can not be smaller than number of dimensions of tensor (repeats ${formatShape(repeats)}, tensor shape ${formatShape(input.shape)})`,
    );
  }
  if (repeats.some((r) => !Number.isInteger(r) || r < 0))
    throw new RangeError(`repeat: repeats must be non-negative integers, got ${formatShape(repeats)}`);
  const shape = [...repeats.slice(0, repeats.length - input.dim()).map(() => 1), ...input.shape];
  // Each dim of size s repeated r times is a new [r, s] pair, broadcast from [1, s] and merged.
  const paired = shape.flatMap((s) => [1, s]);
  const expanded = shape.flatMap((s, d) => [repeats[d], s]);
  const outShape = shape.map((s, d) => s * repeats[d]);
  return recordComposite(
    'RepeatBackward0',
    [input],
    () => reshape(expand(reshape(input, paired), expanded), outShape),
    () => (g) => {
      const copies = expanded.map((_, d) => d).filter((d) => d % 2 === 0);
      return [reshape(sum(reshape(g, expanded), copies), input.shape)];
    },
  );
}

/** `tile(input, ...dims)`: repeat, with fewer dims than input's taken as leading 1s. `torch.tile(x, [2])` */
export function tile(input: Tensor, ...dims: SizeArgs): Tensor {
  checkTensor('tile', 'input', input);
  const given = sizesFromArgs(dims);
  return repeat(input, [...Array.from({ length: Math.max(0, input.dim() - given.length) }, () => 1), ...given]);
}

const REPEAT_INTERLEAVE = signature('repeatInterleave', {
  input: param.tensor(),
  repeats: kind<number | Tensor>('an integer or an int32 Tensor', (v) =>
    Number.isInteger(v) || v instanceof Tensor ? (v as number | Tensor) : undefined,
  )(),
  dim: kind<number | null>('an integer or null', (v) => (v === null || Number.isInteger(v) ? (v as number | null) : undefined))(null),
});

export interface RepeatInterleaveOptions {
  repeats?: number | Tensor;
  dim?: number | null;
}

/** Host values of repeatInterleave's repeats, one per slice; a tensor of them is read synchronously. */
function repeatCounts(repeats: number | Tensor, slices: number): number[] {
  if (typeof repeats === 'number') {
    if (repeats < 0) throw new RangeError(`repeatInterleave: repeats must be non-negative, got ${repeats}`);
    return Array.from({ length: slices }, () => repeats);
  }
  if (repeats.dtype !== 'int32')
    throw new TypeError(`repeatInterleave: repeats must have dtype int32, got ${repeats.dtype} (shape ${formatShape(repeats.shape)})`);
  if (repeats.dim() > 1) throw new RangeError(`repeatInterleave: repeats must be 0-d or 1-d, got shape ${formatShape(repeats.shape)}`);
  if (repeats.device !== 'cpu')
    throw new Error(
      `repeatInterleave: a repeats tensor decides the output's shape, so it must be read on the host: pass it on the cpu device or as a number (got one on ${repeats.device})`,
    );
  const counts = Array.from(repeats.dataSync());
  if (counts.length === 1) return Array.from({ length: slices }, () => counts[0]);
  if (counts.length !== slices)
    throw new RangeError(
      `repeatInterleave: repeats must have the same size as input along dim, got ${counts.length} repeats for ${slices} slices`,
    );
  if (counts.some((c) => c < 0)) throw new RangeError(`repeatInterleave: repeats must be non-negative, got [${counts.join(', ')}]`);
  return counts;
}

/**
 * `repeatInterleave(input, repeats, dim = null)`: each slice along `dim` repeated `repeats` times
 * (an int, or an int32 tensor of a count per slice), over the flattened input when dim is null.
 * Also `x.repeatInterleave(...)`. Its gradient sums the copies, as index selection's does.
 */
export function repeatInterleave(
  input: Tensor,
  repeats?: number | Tensor | RepeatInterleaveOptions,
  dim?: number | null | RepeatInterleaveOptions,
): Tensor {
  const args = REPEAT_INTERLEAVE(arguments);
  const x = args.dim === null ? reshape(args.input, [-1]) : args.input;
  const d = args.dim === null ? 0 : normalizeDim('repeatInterleave', args.dim, x.dim());
  const counts = repeatCounts(args.repeats, x.dim() === 0 ? 1 : x.shape[d]);
  return indexSelect(
    x,
    d,
    indexOn(
      x,
      counts.flatMap((count, i) => Array.from({ length: count }, () => i)),
    ),
  );
}

const TRIANGLE = (op: string) => signature(op, { input: param.tensor(), diagonal: param.int(0) });
const TRIU = TRIANGLE('triu');
const TRIL = TRIANGLE('tril');

/** Where [..., i, j] lies on or above (upper) or on or below the `diagonal`-th diagonal of x's last two dims. */
function triangleMask(op: string, x: Tensor, diagonal: number, upper: boolean): Tensor {
  if (x.dim() < 2) throw new RangeError(`${op}: input tensor must have at least 2 dimensions, got shape ${formatShape(x.shape)}`);
  const rows = reshape(arange(x.shape[x.dim() - 2], { dtype: 'int32', device: x.device }), [-1, 1]);
  const offsets = sub(arange(x.shape[x.dim() - 1], { dtype: 'int32', device: x.device }), rows);
  return upper ? ge(offsets, diagonal) : le(offsets, diagonal);
}

/** x where `mask` holds, else a zero of x's dtype (ints and bools stay so). */
function masked(x: Tensor, mask: Tensor): Tensor {
  return where(mask, x, zeros([], { dtype: x.dtype, device: x.device }));
}

function triangle(op: 'triu' | 'tril', x: Tensor, diagonal: number): Tensor {
  const mask = triangleMask(op, x, diagonal, op === 'triu');
  return recordComposite(
    op === 'triu' ? 'TriuBackward0' : 'TrilBackward0',
    [x],
    () => masked(x, mask),
    (save) => {
      const kept = save(mask);
      return (g) => [masked(g, kept)];
    },
  );
}

/** `triu(input, diagonal = 0)`: the upper triangle of the last two dims, zeros below the diagonal-th diagonal. Also `x.triu(...)`. */
export function triu(input: Tensor, diagonal?: number | { diagonal?: number }): Tensor {
  const args = TRIU(arguments);
  return triangle('triu', args.input, args.diagonal);
}

/** `tril(input, diagonal = 0)`: the lower triangle of the last two dims, zeros above the diagonal-th diagonal. Also `x.tril(...)`. */
export function tril(input: Tensor, diagonal?: number | { diagonal?: number }): Tensor {
  const args = TRIL(arguments);
  return triangle('tril', args.input, args.diagonal);
}

/** Positions in a row-major [rows, cols] matrix of its `diagonal`-th diagonal (> 0 above the main one). */
function diagonalPositions(rows: number, cols: number, diagonal: number): number[] {
  const length = Math.max(0, diagonal >= 0 ? Math.min(rows, cols - diagonal) : Math.min(rows + diagonal, cols));
  const start = diagonal >= 0 ? diagonal : -diagonal * cols;
  return Array.from({ length }, (_, i) => start + i * (cols + 1));
}

/** The `diagonal`-th diagonal of a matrix, as a vector. */
function diagonalOf(matrix: Tensor, diagonal: number): Tensor {
  const [rows, cols] = matrix.shape;
  return indexSelect(reshape(matrix, [-1]), 0, indexOn(matrix, diagonalPositions(rows, cols, diagonal)));
}

/** A [rows, cols] matrix of zeros with `vector` on its `diagonal`-th diagonal. */
function diagonalMatrix(vector: Tensor, diagonal: number, rows: number, cols: number): Tensor {
  const flat = zeros([rows * cols], { dtype: vector.dtype, device: vector.device });
  return reshape(indexAdd(flat, 0, indexOn(vector, diagonalPositions(rows, cols, diagonal)), vector), [rows, cols]);
}

const DIAG = signature('diag', { input: param.tensor(), diagonal: param.int(0) });

/**
 * `diag(input, diagonal = 0)`: of a vector, the square matrix with it on the `diagonal`-th
 * diagonal (> 0 above the main one); of a matrix, that diagonal as a vector. Also `x.diag(...)`.
 */
export function diag(input: Tensor, diagonal?: number | { diagonal?: number }): Tensor {
  const { input: x, diagonal: k } = DIAG(arguments);
  if (x.dim() === 1) {
    const size = x.shape[0] + Math.abs(k);
    return recordComposite(
      'DiagBackward0',
      [x],
      () => diagonalMatrix(x, k, size, size),
      () => (g) => [diagonalOf(g, k)],
    );
  }
  if (x.dim() !== 2) throw new RangeError(`diag: input must be 1-D or 2-D, got shape ${formatShape(x.shape)}`);
  const [rows, cols] = x.shape;
  return recordComposite(
    'DiagBackward0',
    [x],
    () => diagonalOf(x, k),
    () => (g) => [diagonalMatrix(g, k, rows, cols)],
  );
}

Object.assign(Tensor.prototype, {
  flip(this: Tensor, ...dims: (number | readonly number[] | FlipOptions)[]) {
    return dims.length > 1 && dims.every((d) => typeof d === 'number')
      ? flip(this, dims as number[])
      : flip(this, dims[0], dims[1] as FlipOptions | undefined);
  },
  roll(this: Tensor, shifts?: number | readonly number[] | RollOptions, dims?: number | readonly number[] | RollOptions) {
    return roll(this, shifts, dims);
  },
  repeat(this: Tensor, ...sizes: SizeArgs) {
    return repeat(this, ...sizes);
  },
  tile(this: Tensor, ...dims: SizeArgs) {
    return tile(this, ...dims);
  },
  repeatInterleave(this: Tensor, repeats?: number | Tensor | RepeatInterleaveOptions, dim?: number | null | RepeatInterleaveOptions) {
    return repeatInterleave(this, repeats, dim);
  },
  triu(this: Tensor, diagonal?: number | { diagonal?: number }) {
    return triu(this, diagonal);
  },
  tril(this: Tensor, diagonal?: number | { diagonal?: number }) {
    return tril(this, diagonal);
  },
  diag(this: Tensor, diagonal?: number | { diagonal?: number }) {
    return diag(this, diagonal);
  },
});

declare module '../tensor.js' {
  interface Tensor {
    /** `torch.flip(this, dims)`; dims also as separate arguments, `x.flip(0, 1)`. */
    flip(...dims: (number | readonly number[] | FlipOptions)[]): Tensor;
    /** `torch.roll(this, ...)`. */
    roll(shifts?: number | readonly number[] | RollOptions, dims?: number | readonly number[] | RollOptions): Tensor;
    /** `x.repeat(2, 3)` or `x.repeat([2, 3])`. */
    repeat(...sizes: SizeArgs): Tensor;
    /** `torch.tile(this, ...dims)`. */
    tile(...dims: SizeArgs): Tensor;
    /** `torch.repeatInterleave(this, ...)`. */
    repeatInterleave(repeats?: number | Tensor | RepeatInterleaveOptions, dim?: number | null | RepeatInterleaveOptions): Tensor;
    /** `torch.triu(this, ...)`. */
    triu(diagonal?: number | { diagonal?: number }): Tensor;
    /** `torch.tril(this, ...)`. */
    tril(diagonal?: number | { diagonal?: number }): Tensor;
    /** `torch.diag(this, ...)`. */
    diag(diagonal?: number | { diagonal?: number }): Tensor;
  }
}
