import { record } from '../graph/record.js';
import { checkOptions, optionKeys } from '../options.js';
import { normalizeDim, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { gather } from './gather-scatter.js';
import type { ValuesIndices } from './reduce.js';
import { checkTensor } from './util.js';

export interface SortOptions {
  /** The dim to sort along, as PyTorch's keyword form `sort(x, dim=1)`; -1 by default. */
  dim?: number;
  descending?: boolean;
  /** Accepted for PyTorch parity: webtorch's sort is always stable (equal elements keep their order). */
  stable?: boolean;
}

const SORT_OPTIONS = optionKeys<SortOptions>({ dim: true, descending: true, stable: true });

export interface TopkOptions {
  /** The k largest (default) or the k smallest. */
  largest?: boolean;
  /** Accepted for PyTorch parity: the k elements always come back sorted. */
  sorted?: boolean;
}

const TOPK_OPTIONS = optionKeys<TopkOptions>({ largest: true, sorted: true });

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
function sortArgs(
  op: string,
  input: Tensor,
  dim: number | SortOptions | undefined,
  options: SortOptions | undefined,
): [number, SortOptions] {
  const [positional, rawOptions] = typeof dim === 'object' && dim !== null ? [undefined, dim] : [dim, options];
  const resolved = checkOptions(op, rawOptions, SORT_OPTIONS);
  if (positional !== undefined && resolved.dim !== undefined)
    throw new TypeError(`${op}: dim given both as an argument (${positional}) and in the options (${resolved.dim})`);
  return [normalizeDim(op, positional ?? resolved.dim ?? -1, input.dim()), resolved];
}

/**
 * `sort(input, dim = -1, { descending })`: `{ values, indices }` with every row along `dim` in
 * order; indices (int32) say where each value came from. Stable: equal elements keep their
 * order. NaN sorts above every number, as in PyTorch. Differentiable through `values`.
 *
 * ```ts
 * const { values, indices } = torch.sort(torch.tensor([3, 1, 2]), 0, { descending: true });   // [3, 2, 1], [0, 2, 1]
 * ```
 */
export function sort(input: Tensor, dim?: number | SortOptions, options?: SortOptions): ValuesIndices {
  checkTensor('sort', 'input', input);
  const [d, resolved] = sortArgs('sort', input, dim, options);
  return sortedPrefix('SortBackward0', input, d, input.shape[d] ?? 1, resolved.descending ?? false);
}

/** `argsort(input, dim = -1, { descending })`: the indices of `sort`. */
export function argsort(input: Tensor, dim?: number | SortOptions, options?: SortOptions): Tensor {
  checkTensor('argsort', 'input', input);
  const [d, resolved] = sortArgs('argsort', input, dim, options);
  const { values, indices } = sortedPrefix('SortBackward0', input, d, input.shape[d] ?? 1, resolved.descending ?? false);
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
export function topk(input: Tensor, k: number, dim = -1, rawOptions?: TopkOptions): ValuesIndices {
  checkTensor('topk', 'input', input);
  const options = checkOptions('topk', rawOptions, TOPK_OPTIONS);
  const d = normalizeDim('topk', dim, input.dim());
  const size = input.shape[d] ?? 1;
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`topk: k must be a non-negative integer, got ${k}`);
  if (k > size) throw new RangeError(`topk: k (${k}) is too big for dimension ${d} of size ${size}`);
  return sortedPrefix('TopkBackward0', input, d, k, options.largest ?? true);
}

declare module '../tensor.js' {
  interface Tensor {
    sort(dim?: number | SortOptions, options?: SortOptions): ValuesIndices;
    argsort(dim?: number | SortOptions, options?: SortOptions): Tensor;
    topk(k: number, dim?: number, options?: TopkOptions): ValuesIndices;
  }
}

Object.assign(Tensor.prototype, {
  sort(this: Tensor, dim?: number | SortOptions, options?: SortOptions) {
    return sort(this, dim, options);
  },
  argsort(this: Tensor, dim?: number | SortOptions, options?: SortOptions) {
    return argsort(this, dim, options);
  },
  topk(this: Tensor, k: number, dim?: number, options?: TopkOptions) {
    return topk(this, k, dim, options);
  },
});
