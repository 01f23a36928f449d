// Datasets: Dataset, TensorDataset, Subset and randomSplit.
import { scope } from '../../memory.js';
import { tensor } from '../../ops/creation.js';
import { indexSelect } from '../../ops/gather-scatter.js';
import { randperm } from '../../ops/random.js';
import { checkOptions, optionKeys } from '../../options.js';
import type { Generator } from '../../random/generator.js';
import { formatShape } from '../../shape.js';
import { Tensor } from '../../tensor.js';

/**
 * What a DataLoader reads: `length` samples, each fetched by index. PyTorch's `__getitem__` and
 * `__len__` become `getItem(index)` and `length` (a JS collection's size is its `length`). A dataset
 * whose samples arrive asynchronously (fetched, decoded) has `getItemAsync(index)` instead, and is
 * read with `for await`. Plain arrays are datasets too.
 *
 * Ownership: tensors that `getItem` creates belong to the DataLoader, which frees those the batch
 * does not hold; tensors the dataset keeps (and returns) stay the dataset's. `getItemAsync` hands
 * over the tensors of the items it resolves to: the loader frees those the batch does not hold.
 */
export interface DatasetLike<T> {
  readonly length: number;
  getItem?(index: number): T;
  getItemAsync?(index: number): Promise<T>;
}

/**
 * The base class for map-style datasets: implement `length` and `getItem`.
 *
 * ```ts
 * class Squares extends torch.utils.data.Dataset<[number, number]> {
 *   length = 100;
 *   getItem(i: number): [number, number] { return [i, i * i]; }
 * }
 * ```
 */
export abstract class Dataset<T> implements DatasetLike<T> {
  abstract readonly length: number;
  abstract getItem(index: number): T;
}

/**
 * The base class for datasets whose samples arrive asynchronously: implement `length` and
 * `getItemAsync`, and iterate the DataLoader with `for await`.
 *
 * ```ts
 * class Remote extends torch.utils.data.AsyncDataset<{ text: string; label: number }> {
 *   length = 1000;
 *   async getItemAsync(i: number) { return (await fetch(`/samples/${i}`)).json(); }
 * }
 * ```
 */
export abstract class AsyncDataset<T> implements DatasetLike<T> {
  abstract readonly length: number;
  abstract getItemAsync(index: number): Promise<T>;
}

/** Checks an index against a length, Python-style: negative indices count from the end. */
function normalizeIndex(owner: string, index: number, length: number): number {
  if (!Number.isInteger(index) || index < -length || index >= length)
    throw new RangeError(`${owner}: index ${index} is out of range for a dataset of length ${length}`);
  return index < 0 ? index + length : index;
}

/**
 * Samples are rows of tensors that share their first dimension: sample i is
 * `[tensors[0][i], tensors[1][i], ...]` (views, no copies).
 *
 * ```ts
 * const ds = new torch.utils.data.TensorDataset(torch.randn(100, 4), torch.randint(0, 3, [100]));
 * const [x, y] = ds.getItem(0);   // x: [4], y: []
 * ```
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new RangeError('TensorDataset: expected at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor))
        throw new TypeError(`TensorDataset: argument ${i} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
      t.assertAlive('TensorDataset', `argument ${i}`);
      if (t.shape.length === 0)
        throw new RangeError(`TensorDataset: argument ${i} is 0-d; every tensor needs a first dimension to index samples by`);
      if (t.shape[0] !== tensors[0].shape[0]) {
        throw new RangeError(
          `TensorDataset: size mismatch between tensors: argument 0 has shape ${formatShape(tensors[0].shape)} but argument ${i} has shape ${formatShape(t.shape)} (the first dimensions must match)`,
        );
      }
    });
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  getItem(index: number): Tensor[] {
    const i = normalizeIndex('TensorDataset', index, this.length);
    return this.tensors.map((t) => t.select(0, i));
  }
}

/**
 * The samples of `dataset` at `indices`, in that order.
 *
 * ```ts
 * const firstTen = new torch.utils.data.Subset(ds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 * ```
 */
export class Subset<T> implements DatasetLike<T> {
  readonly dataset: DatasetLike<T> | readonly T[];
  readonly indices: readonly number[];
  // Set in the constructor to the access forms the wrapped dataset has, so a loader reads a subset
  // the way it reads the dataset (sync, async, or both).
  getItem?: (index: number) => T;
  getItemAsync?: (index: number) => Promise<T>;

  constructor(dataset: DatasetLike<T> | readonly T[], indices: readonly number[]) {
    const size = datasetLength('Subset', dataset);
    indices.forEach((index, i) => {
      if (!Number.isInteger(index) || index < 0 || index >= size)
        throw new RangeError(`Subset: indices[${i}] = ${index} is out of range for a dataset of length ${size}`);
    });
    this.dataset = dataset;
    this.indices = [...indices];
    const source = (index: number): number => this.indices[normalizeIndex('Subset', index, this.indices.length)];
    if (isArray(dataset) || dataset.getItem) this.getItem = (index) => itemAt(dataset, source(index));
    if (!isArray(dataset) && dataset.getItemAsync) this.getItemAsync = (index) => dataset.getItemAsync!(source(index));
  }

  get length(): number {
    return this.indices.length;
  }
}

/** Array.isArray, narrowing readonly arrays too. */
export function isArray<T>(dataset: DatasetLike<T> | readonly T[]): dataset is readonly T[] {
  return Array.isArray(dataset);
}

/** The length of a dataset argument, checked. */
export function datasetLength(op: string, dataset: DatasetLike<unknown> | readonly unknown[]): number {
  const hasAccess =
    typeof dataset === 'object' &&
    dataset !== null &&
    (isArray(dataset) || typeof dataset.getItem === 'function' || typeof dataset.getItemAsync === 'function');
  if (!hasAccess)
    throw new TypeError(
      `${op}: expected a dataset (an array, or an object with length and getItem or getItemAsync), got ${dataset === null ? 'null' : typeof dataset}`,
    );
  const { length } = dataset;
  if (!Number.isInteger(length) || length < 0)
    throw new TypeError(`${op}: the dataset's length must be a non-negative integer, got ${String(length)}`);
  return length;
}

/** Sample `index` of a synchronous dataset or array. */
export function itemAt<T>(dataset: DatasetLike<T> | readonly T[], index: number): T {
  if (isArray(dataset)) return dataset[index];
  const { getItem } = dataset;
  if (!getItem)
    throw new TypeError(
      'DataLoader: the dataset is asynchronous (it has getItemAsync but no getItem); iterate with for await (const batch of loader)',
    );
  return getItem.call(dataset, index);
}

/**
 * For a TensorDataset (or a Subset of one) and the default collate, the batch at `indices` taken
 * with one indexSelect per tensor: the same values as stacking the samples, without a view and a
 * copy per sample. Null for other datasets.
 */
export function tensorRows(dataset: DatasetLike<unknown> | readonly unknown[], indices: readonly number[]): Tensor[] | null {
  if (dataset instanceof Subset)
    return tensorRows(
      dataset.dataset,
      indices.map((i) => dataset.indices[i]),
    );
  if (!(dataset instanceof TensorDataset)) return null;
  return scope(() => dataset.tensors.map((t) => indexSelect(t, 0, tensor(Int32Array.from(indices), { dtype: 'int32', device: t.device }))));
}

export interface RandomSplitOptions {
  generator?: Generator;
}

const RANDOM_SPLIT_OPTIONS = optionKeys<RandomSplitOptions>({ generator: true });

/** PyTorch's rule: lengths that sum to 1 are fractions; floors first, then the rest one by one. */
function splitLengths(size: number, lengths: readonly number[]): number[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) <= 1e-9 && total <= 1) {
    const counts = lengths.map((fraction, i) => {
      if (!(fraction >= 0 && fraction <= 1))
        throw new RangeError(`randomSplit: fraction at index ${i} is not between 0 and 1, got ${fraction}`);
      return Math.floor(size * fraction);
    });
    const remainder = size - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) counts[i % counts.length]++;
    return counts;
  }
  lengths.forEach((length, i) => {
    if (!Number.isInteger(length) || length < 0)
      throw new RangeError(
        `randomSplit: lengths[${i}] must be a non-negative integer (or all lengths fractions summing to 1), got ${length}`,
      );
  });
  if (total !== size)
    throw new RangeError(`randomSplit: sum of input lengths (${total}) does not equal the length of the input dataset (${size})`);
  return [...lengths];
}

/**
 * Splits a dataset into non-overlapping random subsets of the given lengths, or of the given
 * fractions of its length (the remainder after flooring goes one by one to the first subsets).
 *
 * ```ts
 * const [train, val] = torch.utils.data.randomSplit(ds, [0.8, 0.2], { generator: new torch.Generator().manualSeed(42) });
 * ```
 */
export function randomSplit<T>(
  dataset: DatasetLike<T> | readonly T[],
  lengths: readonly number[],
  options: RandomSplitOptions = {},
): Subset<T>[] {
  checkOptions('randomSplit', options, RANDOM_SPLIT_OPTIONS);
  const size = datasetLength('randomSplit', dataset);
  if (!Array.isArray(lengths) || lengths.length === 0)
    throw new TypeError('randomSplit: lengths must be a non-empty array of lengths or fractions');
  const counts = splitLengths(size, lengths);
  const permutation = scope(() => Array.from(randperm(size, { generator: options.generator, device: 'cpu' }).dataSync()));
  let start = 0;
  return counts.map((count) => new Subset(dataset, permutation.slice(start, (start += count))));
}
