// sort, argsort and topk.
import { record } from '../graph/record.js';
import { normalizeDim, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { gather } from './gather-scatter.js';
import type { ValuesIndices } from './reduce.js';
import { param, signature } from './signature.js';

export interface SortOptions {
  /** The dim to sort along, as PyTorch's keyword form `sort(x, dim=1)`; -1 by default. */
  dim?: number;
  descending?: boolean;
  /** Accepted for PyTorch parity: webtorch's sort is always stable (equal elements keep their order). */
  stable?: boolean;
}

const sortParams = { input: param.tensor(), dim: param.int(-1), descending: param.boolean(false), stable: param.boolean(false) };
const SORT = signature('sort', sortParams);
const ARGSORT = signature('argsort', sortParams);

export interface TopkOptions {
  k?: number;
  dim?: number;
  /** The k largest (default) or the k smallest. */
  largest?: boolean;
  /** Accepted for PyTorch parity: the k elements always come back sorted. */
  sorted?: boolean;
}

const TOPK = signature('topk', {
  input: param.tensor(),
  k: param.number(),
  dim: param.int(-1),
  largest: param.boolean(true),
  sorted: param.boolean(true),
});

/**
 * Runs the sort kernel for the first k elements of every row along `dim` and records the values'
 * backward: the gradient of each kept value goes back to the position it came from.
 */
function sortedPrefix(node: string, input: Tensor, dim: number, k: number, descending: boolean): ValuesIndices {
  const shape = [...input.shape];
  if (shape.length > 0) shape[dim] = k;
  const device = input.deviceObject;
  const values = Tensor.empty(shape, input.dtype, device);
  const indices = Tensor.empty(shape, 'int32', device);
  if (values.numel() > 0) device.kernels.sort(values, indices, input, dim, k, descending);
  record(node, values, [input], (save) => {
    const index = save(indices);
    return (g) => [scatterIntoZeros(g, index, input.shape, dim)];
  });
  return { values, indices };
}

/**
 * Zeros of `shape` with grad[..., j, ...] written at position index[..., j, ...] along `dim`.
 * Recorded, being linear in grad: its own backward gathers u at the same positions.
 */
function scatterIntoZeros(grad: Tensor, index: Tensor, shape: Shape, dim: number): Tensor {
  const out = Tensor.empty(shape, grad.dtype, grad.deviceObject);
  const kernels = out.deviceObject.kernels;
  // Sorting a 0-d tensor is the identity.
  if (shape.length === 0) kernels.copy(out, grad);
  else {
    if (out.numel() > 0) kernels.fill(out, 0);
    if (index.numel() > 0) kernels.scatter(out, index, grad, dim, false);
  }
  return record('SortBackwardBackward0', out, [grad], (save) => {
    const kept = save(index);
    return (u) => [shape.length === 0 ? u : gather(u, dim, kept)];
  });
}

/** Resolves `f(x, dim?, options?)` and `f(x, options)`: dim as an argument or in the options. */
/**
 * `sort(input, dim = -1, { descending })`: `{ values, indices }` with every row along `dim` in
 * order; indices (int32) say where each value came from. Stable: equal elements keep their
 * order. NaN sorts above every number, as in PyTorch. Differentiable through `values`.
 *
 * ```ts
 * const { values, indices } = torch.sort(torch.tensor([3, 1, 2]), 0, { descending: true });   // [3, 2, 1], [0, 2, 1]
 * ```
 */
export function sort(
  input: Tensor,
  dim?: number | SortOptions,
  descending?: boolean | SortOptions,
  stable?: boolean | SortOptions,
): ValuesIndices {
  const args = SORT(arguments);
  const d = normalizeDim('sort', args.dim, args.input.dim());
  return sortedPrefix('SortBackward0', args.input, d, args.input.shape[d] ?? 1, args.descending);
}

/** `argsort(input, dim = -1, { descending })`: the indices of `sort`. */
export function argsort(
  input: Tensor,
  dim?: number | SortOptions,
  descending?: boolean | SortOptions,
  stable?: boolean | SortOptions,
): Tensor {
  const args = ARGSORT(arguments);
  const d = normalizeDim('argsort', args.dim, args.input.dim());
  const { values, indices } = sortedPrefix('SortBackward0', args.input, d, args.input.shape[d] ?? 1, args.descending);
  values.dispose();
  return indices;
}

/**
 * `topk(input, k, dim = -1, { largest = true })`: `{ values, indices }` of the k largest (or
 * smallest) elements of every row along `dim`, best first. Differentiable through `values`.
 *
 * ```ts
 * const { values, indices } = torch.topk(torch.tensor([1, 5, 3, 4]), 2);   // [5, 4], [1, 3]
 * ```
 */
export function topk(
  input: Tensor,
  k: number | TopkOptions,
  dim?: number | TopkOptions,
  largest?: boolean | TopkOptions,
  sorted?: boolean | TopkOptions,
): ValuesIndices {
  const args = TOPK(arguments);
  ({ input, k } = args);
  const d = normalizeDim('topk', args.dim, input.dim());
  const size = input.shape[d] ?? 1;
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`topk: k must be a non-negative integer, got ${k}`);
  if (k > size) throw new RangeError(`topk: k (${k}) is too big for dimension ${d} of size ${size}`);
  return sortedPrefix('TopkBackward0', input, d, k, args.largest);
}

declare module '../tensor.js' {
  interface Tensor {
    sort(dim?: number | SortOptions, descending?: boolean | SortOptions, stable?: boolean | SortOptions): ValuesIndices;
    argsort(dim?: number | SortOptions, descending?: boolean | SortOptions, stable?: boolean | SortOptions): Tensor;
    topk(
      k: number | TopkOptions,
      dim?: number | TopkOptions,
      largest?: boolean | TopkOptions,
      sorted?: boolean | TopkOptions,
    ): ValuesIndices;
  }
}

Object.assign(Tensor.prototype, {
  sort(this: Tensor, ...args: [number?, boolean?, boolean?]) {
    return sort(this, ...args);
  },
  argsort(this: Tensor, ...args: [number?, boolean?, boolean?]) {
    return argsort(this, ...args);
  },
  topk(this: Tensor, ...args: [number, number?, boolean?, boolean?]) {
    return topk(this, ...args);
  },
});
