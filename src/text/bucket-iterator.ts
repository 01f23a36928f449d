/** Batches of similar-length sequences, padded and sorted for packing, after torchtext's BucketIterator. */

import { scope } from '../memory.js';
import { tensor } from '../ops/creation.js';
import { randperm } from '../ops/random.js';
import { checkOptions, describeValue, optionKeys } from '../options.js';
import { Generator } from '../random/generator.js';
import type { Tensor } from '../tensor.js';

export interface BucketIteratorOptions {
  /** The index padding fills with, the vocabulary's '<pad>' (default 0). */
  padIndex?: number;
  /** Draw a new order each pass: of the sequences before pooling, and of the batches (default false). */
  shuffle?: boolean;
  /** The generator shuffling draws from (default: torch.defaultGenerator). */
  generator?: Generator;
  /** Sequences sorted by length together before they are cut into batches (default 100 batches' worth, torchtext's). */
  poolSize?: number;
  /** `padded` is [B, T] rather than [T, B] (default false). */
  batchFirst?: boolean;
  /** Where `padded` goes (default: the default device); `lengths` stays on the CPU, where packPaddedSequence reads it. */
  device?: string;
}

const BUCKET_ITERATOR_OPTIONS = optionKeys<BucketIteratorOptions>({
  padIndex: true,
  shuffle: true,
  generator: true,
  poolSize: true,
  batchFirst: true,
  device: true,
});

/** One batch: the padded indices, the lengths, and which input sequences these are. */
export interface BucketBatch {
  /** int32 [T, B] (or [B, T] with batchFirst), T the longest length, filled with padIndex past each length. */
  padded: Tensor;
  /** int32 [B] on the CPU, decreasing: packPaddedSequence's lengths as they are. */
  lengths: Tensor;
  /** The position in the input of each batch column, for reordering labels to match. */
  indices: number[];
}

/**
 * Batches of index sequences (a numericalised corpus) for recurrent layers: sequences of similar
 * length go together, so little is padding, and each batch is sorted by length, longest first, as
 * `nn.utils.rnn.packPaddedSequence` requires with its default enforceSorted. As torchtext's
 * BucketIterator, the sequences are split into pools of `poolSize`, each pool sorted by length and
 * cut into batches; with `shuffle`, the sequences are shuffled before pooling and the batches after,
 * anew on each pass.
 *
 * ```ts
 * const batches = [...new torch.text.BucketIterator([[5, 6], [7], [8, 9, 10], [11]], 2, { padIndex: 1 })];
 * batches[0].padded.tolistSync();     // [[8, 5], [9, 6], [10, 1]]
 * batches[0].lengths.tolistSync();    // [3, 2]
 * batches[0].indices;                 // [2, 0]
 * ```
 */
export class BucketIterator implements Iterable<BucketBatch> {
  readonly batchSize: number;
  readonly padIndex: number;
  readonly shuffle: boolean;
  readonly generator: Generator | undefined;
  readonly poolSize: number;
  readonly batchFirst: boolean;
  readonly device: string | undefined;
  private readonly sequences: readonly (readonly number[])[];

  constructor(sequences: readonly (readonly number[] | Int32Array)[], batchSize: number, options?: BucketIteratorOptions) {
    const fn = 'BucketIterator';
    const checked = checkOptions(fn, options, BUCKET_ITERATOR_OPTIONS);
    const { padIndex = 0, shuffle = false, generator, poolSize = 100 * batchSize, batchFirst = false, device } = checked;
    if (!Array.isArray(sequences))
      throw new TypeError(`${fn}: sequences must be an array of index arrays, got ${describeValue(sequences)}`);
    if (sequences.length === 0) throw new RangeError(`${fn}: sequences is empty: there is nothing to batch`);
    sequences.forEach((sequence, i) => {
      if (!(Array.isArray(sequence) || sequence instanceof Int32Array) || !Array.from(sequence).every(Number.isInteger))
        throw new TypeError(`${fn}: sequences[${i}] must be an array of integer indices, got ${describeValue(sequence)}`);
      if (sequence.length === 0) throw new RangeError(`${fn}: sequences[${i}] is empty; packPaddedSequence needs every length >= 1`);
    });
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError(`${fn}: batchSize must be a positive integer, got ${describeValue(batchSize)}`);
    if (!Number.isInteger(padIndex)) throw new TypeError(`${fn}: padIndex must be an integer, got ${describeValue(padIndex)}`);
    if (!Number.isInteger(poolSize) || poolSize < 1)
      throw new RangeError(`${fn}: poolSize must be a positive integer, got ${describeValue(poolSize)}`);
    if (generator !== undefined && !(generator instanceof Generator))
      throw new TypeError(`${fn}: generator must be a torch.Generator, got ${describeValue(generator)}`);
    this.sequences = sequences.map((sequence) => Array.from(sequence));
    this.batchSize = batchSize;
    this.padIndex = padIndex;
    this.shuffle = shuffle;
    this.generator = generator;
    this.poolSize = poolSize;
    this.batchFirst = batchFirst;
    this.device = device;
  }

  /** The number of batches in one pass. */
  get length(): number {
    let batches = 0;
    for (let start = 0; start < this.sequences.length; start += this.poolSize)
      batches += Math.ceil(Math.min(this.poolSize, this.sequences.length - start) / this.batchSize);
    return batches;
  }

  /** The input positions of each batch of one pass; the order is drawn when the pass starts. */
  private batchIndices(): number[][] {
    const order = this.permutation(this.sequences.length);
    const batches: number[][] = [];
    for (let start = 0; start < order.length; start += this.poolSize) {
      // Array.prototype.sort is stable: equal lengths keep the pool's order.
      const pool = order.slice(start, start + this.poolSize).sort((a, b) => this.sequences[b].length - this.sequences[a].length);
      for (let first = 0; first < pool.length; first += this.batchSize) batches.push(pool.slice(first, first + this.batchSize));
    }
    return this.permutation(batches.length).map((i) => batches[i]);
  }

  *[Symbol.iterator](): IterableIterator<BucketBatch> {
    for (const indices of this.batchIndices()) yield this.collate(indices);
  }

  private collate(indices: number[]): BucketBatch {
    const rows = indices.map((i) => this.sequences[i]);
    const steps = rows[0].length;
    const padded = rows.map((row) => [...row, ...new Array<number>(steps - row.length).fill(this.padIndex)]);
    const timeMajor = Array.from({ length: steps }, (_, t) => padded.map((row) => row[t]));
    return {
      padded: tensor(this.batchFirst ? padded : timeMajor, { dtype: 'int32', device: this.device }),
      lengths: tensor(
        Int32Array.from(rows, (row) => row.length),
        { device: 'cpu' },
      ),
      indices,
    };
  }

  private permutation(size: number): number[] {
    if (!this.shuffle) return Array.from({ length: size }, (_, i) => i);
    return scope(() => Array.from(randperm(size, { generator: this.generator, device: 'cpu' }).dataSync()));
  }
}
