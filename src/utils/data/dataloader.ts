// `DataLoader`: batches, shuffling, collation, and iteration over a dataset.
import { scope } from '../../memory.js';
import { randperm } from '../../ops/random.js';
import { checkOptions, optionKeys } from '../../options.js';
import { Generator } from '../../random/generator.js';
import { Tensor } from '../../tensor.js';
import { type Collated, defaultCollate } from './collate.js';
import { type DatasetLike, datasetLength, isArray, itemAt, tensorRows } from './dataset.js';

export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Draw a new random order at the start of every pass (default false). */
  shuffle?: boolean;
  /** The generator shuffling draws from (default: torch.defaultGenerator, seeded by torch.manualSeed). */
  generator?: Generator;
  /** Skip the last batch when it would be smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Makes a batch from an array of samples (default: defaultCollate). */
  collateFn?: (samples: T[]) => B;
}

const DATA_LOADER_OPTIONS = optionKeys<DataLoaderOptions<unknown, unknown>>({
  batchSize: true,
  shuffle: true,
  generator: true,
  dropLast: true,
  collateFn: true,
});

/** Calls `visit` on every tensor inside arrays and plain objects of `value`. */
function forEachTensor(value: unknown, visit: (t: Tensor) => void): void {
  if (value instanceof Tensor) visit(value);
  else if (Array.isArray(value)) for (const item of value) forEachTensor(item, visit);
  else if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value))
    for (const item of Object.values(value)) forEachTensor(item, visit);
}

/**
 * Batches of a dataset, PyTorch's `torch.utils.data.DataLoader`: iterate it with `for...of`, or
 * with `for await...of` (required for datasets that have only `getItemAsync`; the samples of one
 * batch are then fetched concurrently). Every pass visits each sample once, in order or, with
 * `shuffle`, in a new random order drawn from `generator`.
 *
 * Memory: each batch is new tensors that belong to the caller; dispose them after the step (or
 * run the step in `torch.scope` and dispose the batch after it). Tensors the samples or the
 * collate made along the way are freed by the loader.
 *
 * ```ts
 * const loader = new torch.utils.data.DataLoader(new torch.utils.data.TensorDataset(x, y), { batchSize: 32, shuffle: true });
 * for (const [xb, yb] of loader) {
 *   torch.scope(() => { opt.zeroGrad(); lossFn.forward(model.forward(xb), yb).backward(); opt.step(); });
 *   xb.dispose(); yb.dispose();
 * }
 * ```
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: DatasetLike<T> | readonly T[];
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator | undefined;
  readonly collateFn: (samples: T[]) => B;
  private readonly customCollate: boolean;

  constructor(dataset: DatasetLike<T> | readonly T[], options: DataLoaderOptions<T, B> = {}) {
    checkOptions('DataLoader', options, DATA_LOADER_OPTIONS);
    datasetLength('DataLoader', dataset);
    const { batchSize = 1, shuffle = false, dropLast = false, generator, collateFn } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    if (generator !== undefined && !(generator instanceof Generator))
      throw new TypeError(`DataLoader: generator must be a torch.Generator, got ${typeof generator}`);
    if (collateFn !== undefined && typeof collateFn !== 'function')
      throw new TypeError(`DataLoader: collateFn must be a function, got ${typeof collateFn}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = generator;
    this.customCollate = collateFn !== undefined;
    // Without a collateFn, B is Collated<T> (the class's default), which defaultCollate returns.
    this.collateFn = collateFn ?? (defaultCollate as unknown as (samples: T[]) => B);
  }

  /** The number of batches in one pass (PyTorch's `len(loader)`). */
  get length(): number {
    const size = datasetLength('DataLoader', this.dataset);
    return this.dropLast ? Math.floor(size / this.batchSize) : Math.ceil(size / this.batchSize);
  }

  /** The sample indices of each batch of one pass; the order is drawn when the pass starts. */
  private *batchIndices(): IterableIterator<number[]> {
    const size = datasetLength('DataLoader', this.dataset);
    const order = this.shuffle
      ? scope(() => Array.from(randperm(size, { generator: this.generator, device: 'cpu' }).dataSync()))
      : Array.from({ length: size }, (_, i) => i);
    const end = this.dropLast ? size - (size % this.batchSize) : size;
    for (let start = 0; start < end; start += this.batchSize) yield order.slice(start, start + this.batchSize);
  }

  /** A batch from synchronous samples, inside a scope so that what the samples and collate make is freed. */
  private fetch(indices: number[]): B {
    return scope(() => {
      const rows = this.customCollate ? null : tensorRows(this.dataset, indices);
      return (rows ?? this.collateFn(indices.map((i) => itemAt(this.dataset, i)))) as B;
    });
  }

  /** A batch from an async dataset, whose items are handed over: tensors the batch does not hold are freed. */
  private async fetchAsync(indices: number[]): Promise<B> {
    const dataset = this.dataset as DatasetLike<T>;
    const settled = await Promise.allSettled(indices.map((i) => dataset.getItemAsync!(i)));
    const items = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    try {
      const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
      const batch = scope(() => this.collateFn(items));
      const kept = new Set<Tensor>();
      forEachTensor(batch, (t) => kept.add(t));
      forEachTensor(items, (t) => kept.has(t) || t.dispose());
      return batch;
    } catch (error) {
      forEachTensor(items, (t) => t.dispose());
      throw error;
    }
  }

  private isAsync(): boolean {
    return !isArray(this.dataset) && typeof this.dataset.getItemAsync === 'function';
  }

  *[Symbol.iterator](): Iterator<B> {
    for (const indices of this.batchIndices()) yield this.fetch(indices);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const isAsync = this.isAsync();
    for (const indices of this.batchIndices()) yield isAsync ? await this.fetchAsync(indices) : this.fetch(indices);
  }
}
