/**
 * `nn.utils.rnn`: variable-length batches as PackedSequence, PyTorch's layout. Packing sorts the
 * sequences by decreasing length and stores time step after time step, each step holding only the
 * sequences still running, so recurrent layers skip the padding. Every function here is one
 * indexSelect over the rows (plus a constant padding row), hence exact and differentiable.
 */
import { full, tensor } from '../../ops/creation.js';
import { indexSelect } from '../../ops/gather-scatter.js';
import { checkTensor } from '../../ops/util.js';
import { cat, reshape } from '../../ops/views.js';
import { checkOptions, optionKeys } from '../../options.js';
import { formatShape, shapesEqual } from '../../shape.js';
import { Tensor } from '../../tensor.js';
import { hostValuesOf, rememberHostValues } from './host-values.js';

function int32Tensor(values: readonly number[], device?: string): Tensor {
  const out = tensor(Int32Array.from(values), { dtype: 'int32', device });
  rememberHostValues(out, [...values]);
  return out;
}

/**
 * The values of an int32 vector on the host (CPU tensors, or tensors whose host values are known). `forms` names
 * what the caller may pass instead of a tensor on a device that cannot be read synchronously.
 */
function valuesOf(op: string, name: string, values: Tensor, forms = 'a CPU tensor'): number[] {
  const known = hostValuesOf(values);
  if (known) return [...known];
  checkTensor(op, name, values);
  if (values.dtype !== 'int32' || values.dim() !== 1)
    throw new TypeError(`${op}: ${name} must be a 1-D int32 tensor, got ${values.dtype} of shape ${formatShape(values.shape)}`);
  if (!values.deviceObject.synchronous)
    throw new TypeError(
      `${op}: ${name} must be on the CPU, where it is read to plan the layout, but is on ${values.device}; pass ${name} as ${forms}`,
    );
  return Array.from(values.dataSync());
}

function inversePermutation(order: readonly number[]): number[] {
  const inverse = new Array<number>(order.length);
  order.forEach((position, k) => (inverse[position] = k));
  return inverse;
}

/**
 * A batch of sequences packed by time step (PyTorch's `PackedSequence`): `data` [rows, *] holds
 * step 0 of every sequence, then step 1 of those longer than 1, and so on, the sequences sorted by
 * decreasing length. `batchSizes` (int32, always on the CPU, as in PyTorch) gives the rows of each
 * step. `sortedIndices[k]` is the caller's batch index of the k-th longest sequence and
 * `unsortedIndices` its inverse, both int32 on data's device; both are null when the batch was
 * packed already sorted (enforceSorted). Make one with packPaddedSequence or packSequence.
 *
 * ```ts
 * const packed = nn.utils.rnn.packSequence([torch.ones(3, 2), torch.ones(1, 2)]);
 * packed.batchSizes.tolistSync();   // [2, 1, 1]
 * ```
 */
export class PackedSequence {
  readonly data: Tensor;
  readonly batchSizes: Tensor;
  readonly sortedIndices: Tensor | null;
  readonly unsortedIndices: Tensor | null;

  constructor(
    data: Tensor,
    batchSizes: Tensor | readonly number[],
    sortedIndices: Tensor | null = null,
    unsortedIndices: Tensor | null = null,
  ) {
    checkTensor('PackedSequence', 'data', data);
    this.data = data;
    this.batchSizes = batchSizes instanceof Tensor ? batchSizes : int32Tensor(batchSizes, 'cpu');
    this.sortedIndices = sortedIndices;
    this.unsortedIndices =
      unsortedIndices ??
      (sortedIndices
        ? int32Tensor(inversePermutation(valuesOf('PackedSequence', 'sortedIndices', sortedIndices)), sortedIndices.device)
        : null);
    const sizes = this.batchSizeList();
    const rows = sizes.reduce((a, b) => a + b, 0);
    if (sizes.length === 0 || sizes.some((size, t) => !(size >= 1) || (t > 0 && size > sizes[t - 1]))) {
      throw new RangeError(`PackedSequence: batchSizes must be positive and non-increasing, got [${sizes.join(', ')}]`);
    }
    if (data.dim() === 0 || data.shape[0] !== rows)
      throw new RangeError(`PackedSequence: data must have ${rows} rows (the sum of batchSizes), got shape ${formatShape(data.shape)}`);
    if (this.sortedIndices && this.sortedIndices.numel() !== sizes[0])
      throw new RangeError(
        `PackedSequence: sortedIndices must hold ${sizes[0]} entries (the batch size), got ${this.sortedIndices.numel()}`,
      );
  }

  /** batchSizes as numbers. */
  batchSizeList(): number[] {
    return valuesOf('PackedSequence', 'batchSizes', this.batchSizes, 'a number[] or a CPU tensor');
  }

  /** sortedIndices as numbers: the identity when the batch was packed sorted. */
  sortedOrder(): number[] {
    const batch = this.batchSizeList()[0];
    return this.sortedIndices
      ? valuesOf('PackedSequence', 'sortedIndices', this.sortedIndices)
      : Array.from({ length: batch }, (_, k) => k);
  }

  /** The same packing with other data (a recurrent layer's output), as PyTorch's `_replace(data=...)`. */
  withData(data: Tensor): PackedSequence {
    return new PackedSequence(data, this.batchSizes, this.sortedIndices, this.unsortedIndices);
  }

  /** A copy on `device` (batchSizes stays on the CPU). */
  to(device: string): PackedSequence {
    const move = (t: Tensor | null) => {
      if (!t) return null;
      const moved = t.to(device);
      const known = hostValuesOf(t);
      if (known) rememberHostValues(moved, known);
      return moved;
    };
    return new PackedSequence(this.data.to(device), this.batchSizes, move(this.sortedIndices), move(this.unsortedIndices));
  }
}

export interface PackPaddedOptions {
  /** input is [B, T, *] instead of [T, B, *]; default false. */
  batchFirst?: boolean;
  /** Require lengths in decreasing order (no sorting, sortedIndices null); default true. */
  enforceSorted?: boolean;
}

const PACK_PADDED_OPTIONS = optionKeys<PackPaddedOptions>({ batchFirst: true, enforceSorted: true });

function lengthsOf(lengths: readonly number[] | Tensor): number[] {
  if (lengths instanceof Tensor) return valuesOf('packPaddedSequence', 'lengths', lengths, 'a number[] or a CPU tensor');
  if (!Array.isArray(lengths))
    throw new TypeError(
      `packPaddedSequence: lengths must be a number[] or a 1-D int32 CPU tensor, got ${lengths === null ? 'null' : typeof lengths}`,
    );
  return [...lengths];
}

/**
 * Packs a padded batch: input [T, B, *] (or [B, T, *] with batchFirst) whose sequence b has
 * lengths[b] valid steps (1 <= lengths[b] <= T). With enforceSorted (the default) lengths must be
 * non-increasing; pass `{ enforceSorted: false }` to have the batch sorted (the permutation is
 * kept in sortedIndices, and recurrent layers return hN in the caller's order).
 *
 * ```ts
 * const x = torch.randn(3, 5, 8);   // batch 3, 5 steps, 8 features
 * const packed = nn.utils.rnn.packPaddedSequence(x, [2, 5, 3], { batchFirst: true, enforceSorted: false });
 * packed.batchSizes.tolistSync();   // [3, 3, 2, 1, 1]
 * ```
 */
export function packPaddedSequence(input: Tensor, lengths: readonly number[] | Tensor, options: PackPaddedOptions = {}): PackedSequence {
  checkOptions('packPaddedSequence', options, PACK_PADDED_OPTIONS);
  checkTensor('packPaddedSequence', 'input', input);
  const batchFirst = options.batchFirst ?? false;
  const enforceSorted = options.enforceSorted ?? true;
  if (input.dim() < 2)
    throw new RangeError(
      `packPaddedSequence: input must have at least 2 dimensions ([T, B, *], or [B, T, *] with batchFirst), got shape ${formatShape(input.shape)}`,
    );
  const [steps, batch] = batchFirst ? [input.shape[1], input.shape[0]] : [input.shape[0], input.shape[1]];
  const sizes = lengthsOf(lengths);
  if (sizes.length !== batch)
    throw new RangeError(
      `packPaddedSequence: expected len(lengths) to be equal to batch_size, but got ${sizes.length} (batch_size=${batch}, input shape ${formatShape(input.shape)}${batchFirst ? ', batchFirst' : ''})`,
    );
  sizes.forEach((length, b) => {
    if (!Number.isInteger(length)) throw new TypeError(`packPaddedSequence: lengths must be integers, but lengths[${b}] is ${length}`);
    if (length <= 0)
      throw new RangeError(`packPaddedSequence: length of all samples has to be greater than 0, but lengths[${b}] is ${length}`);
    if (length > steps)
      throw new RangeError(
        `packPaddedSequence: lengths[${b}] is ${length}, longer than the ${steps} time steps of the padded input (shape ${formatShape(input.shape)}${batchFirst ? ', batchFirst' : ''})`,
      );
  });
  let order = sizes.map((_, b) => b);
  if (enforceSorted) {
    const unsorted = sizes.findIndex((length, b) => b > 0 && length > sizes[b - 1]);
    if (unsorted >= 0) {
      throw new RangeError(
        `packPaddedSequence: lengths must be sorted in decreasing order when enforceSorted is true, but lengths[${unsorted}] = ${sizes[unsorted]} > lengths[${unsorted - 1}] = ${sizes[unsorted - 1]}; pass { enforceSorted: false } to sort them`,
      );
    }
  } else {
    // Stable, like PyTorch's sort of the lengths here: ties keep the caller's order.
    order = [...order].sort((a, b) => sizes[b] - sizes[a]);
  }
  const batchSizes = batchSizesOf(order.map((b) => sizes[b]));
  const rows: number[] = [];
  batchSizes.forEach((size, t) => {
    for (let k = 0; k < size; k++) rows.push(batchFirst ? order[k] * steps + t : t * batch + order[k]);
  });
  const flat = reshape(input, [steps * batch, ...input.shape.slice(2)]);
  const data = selectRows(flat, rows);
  if (flat !== input) flat.dispose();
  if (enforceSorted) return new PackedSequence(data, batchSizes);
  return new PackedSequence(data, batchSizes, int32Tensor(order, input.device), int32Tensor(inversePermutation(order), input.device));
}

/** batchSizes of sequences with these lengths, sorted in decreasing order. */
function batchSizesOf(sortedLengths: readonly number[]): number[] {
  const sizes: number[] = [];
  for (let t = 0; t < sortedLengths[0]; t++) {
    let count = 0;
    while (count < sortedLengths.length && sortedLengths[count] > t) count++;
    sizes.push(count);
  }
  return sizes;
}

/** rows of x (along dim 0) at the given positions, by one indexSelect. */
function selectRows(x: Tensor, rows: readonly number[]): Tensor {
  const index = int32Tensor(rows, x.device);
  const out = indexSelect(x, 0, index);
  index.dispose();
  return out;
}

export interface PadPackedOptions {
  /** Return [B, T, *] instead of [T, B, *]; default false. */
  batchFirst?: boolean;
  /** The value of the padding; default 0. */
  paddingValue?: number;
  /** Pad to this many steps (at least the longest sequence) instead of the longest sequence. */
  totalLength?: number;
}

const PAD_PACKED_OPTIONS = optionKeys<PadPackedOptions>({ batchFirst: true, paddingValue: true, totalLength: true });

/**
 * Unpacks a PackedSequence into a padded batch in the caller's original order:
 * `[padded, lengths]` with padded [T, B, *] (or [B, T, *]) and lengths an int32 CPU tensor.
 * packPaddedSequence followed by padPackedSequence gives back the input exactly (padding aside).
 *
 * ```ts
 * const [padded, lengths] = nn.utils.rnn.padPackedSequence(packed, { batchFirst: true });
 * ```
 */
export function padPackedSequence(sequence: PackedSequence, options: PadPackedOptions = {}): [Tensor, Tensor] {
  checkOptions('padPackedSequence', options, PAD_PACKED_OPTIONS);
  if (!(sequence instanceof PackedSequence))
    throw new TypeError(`padPackedSequence: sequence must be a PackedSequence, got ${sequence === null ? 'null' : typeof sequence}`);
  const batchFirst = options.batchFirst ?? false;
  const batchSizes = sequence.batchSizeList();
  const longest = batchSizes.length;
  const totalLength = options.totalLength ?? longest;
  if (!Number.isInteger(totalLength) || totalLength < longest) {
    throw new RangeError(
      `padPackedSequence: expected totalLength to be at least the length of the longest sequence in input, but got totalLength=${totalLength} and max sequence length being ${longest}`,
    );
  }
  const batch = batchSizes[0];
  const sortedLengths = batchSizesOf(batchSizes);
  const sortedPosition = inversePermutation(sequence.sortedOrder());
  const offsets = batchSizes.map((_, t) => batchSizes.slice(0, t).reduce((a, b) => a + b, 0));
  const data = sequence.data;
  const paddingRow = data.shape[0];
  const rowAt = (t: number, b: number) => {
    const k = sortedPosition[b];
    return t < sortedLengths[k] ? offsets[t] + k : paddingRow;
  };
  const rows: number[] = [];
  if (batchFirst) {
    for (let b = 0; b < batch; b++) for (let t = 0; t < totalLength; t++) rows.push(rowAt(t, b));
  } else {
    for (let t = 0; t < totalLength; t++) for (let b = 0; b < batch; b++) rows.push(rowAt(t, b));
  }
  const padded = withPaddingRow(data, options.paddingValue ?? 0, (extended) => selectRows(extended, rows));
  const out = reshape(padded, [...(batchFirst ? [batch, totalLength] : [totalLength, batch]), ...data.shape.slice(1)]);
  if (out !== padded) padded.dispose();
  const lengths = int32Tensor(
    sortedPosition.map((k) => sortedLengths[k]),
    'cpu',
  );
  return [out, lengths];
}

/** Runs `select` on rows ++ [one row of paddingValue], so padding is one more row to pick. */
function withPaddingRow(rows: Tensor, paddingValue: number, select: (extended: Tensor) => Tensor): Tensor {
  const padding = full([1, ...rows.shape.slice(1)], paddingValue, { dtype: rows.dtype, device: rows.device });
  const extended = cat([rows, padding]);
  const out = select(extended);
  padding.dispose();
  extended.dispose();
  return out;
}

export interface PadSequenceOptions {
  /** Return [B, T, *] instead of [T, B, *]; default false. */
  batchFirst?: boolean;
  /** The value of the padding; default 0. */
  paddingValue?: number;
}

const PAD_SEQUENCE_OPTIONS = optionKeys<PadSequenceOptions>({ batchFirst: true, paddingValue: true });

function checkSequences(op: string, sequences: readonly Tensor[]): void {
  if (!Array.isArray(sequences) || sequences.length === 0) throw new RangeError(`${op}: expected a non-empty array of Tensors`);
  sequences.forEach((s, i) => {
    checkTensor(op, `sequences[${i}]`, s);
    if (s.dim() === 0) throw new RangeError(`${op}: sequences[${i}] must have at least 1 dimension [L, *], got a 0-d tensor`);
    if (!shapesEqual(s.shape.slice(1), sequences[0].shape.slice(1))) {
      throw new RangeError(
        `${op}: every sequence must have the same trailing dims, but sequences[0] has shape ${formatShape(sequences[0].shape)} and sequences[${i}] has ${formatShape(s.shape)}`,
      );
    }
  });
}

/**
 * Stacks sequences [L_i, *] into one padded batch [T, B, *] (or [B, T, *]), T the longest length.
 *
 * ```ts
 * nn.utils.rnn.padSequence([torch.ones(2), torch.ones(1)], { batchFirst: true }).tolistSync();   // [[1, 1], [1, 0]]
 * ```
 */
export function padSequence(sequences: readonly Tensor[], options: PadSequenceOptions = {}): Tensor {
  checkOptions('padSequence', options, PAD_SEQUENCE_OPTIONS);
  checkSequences('padSequence', sequences);
  const batchFirst = options.batchFirst ?? false;
  const lengths = sequences.map((s) => s.shape[0]);
  const longest = Math.max(...lengths);
  const batch = sequences.length;
  const starts = lengths.map((_, i) => lengths.slice(0, i).reduce((a, b) => a + b, 0));
  const paddingRow = starts[batch - 1] + lengths[batch - 1];
  const rowAt = (t: number, b: number) => (t < lengths[b] ? starts[b] + t : paddingRow);
  const rows: number[] = [];
  if (batchFirst) {
    for (let b = 0; b < batch; b++) for (let t = 0; t < longest; t++) rows.push(rowAt(t, b));
  } else {
    for (let t = 0; t < longest; t++) for (let b = 0; b < batch; b++) rows.push(rowAt(t, b));
  }
  const joined = cat(sequences);
  const padded = withPaddingRow(joined, options.paddingValue ?? 0, (extended) => selectRows(extended, rows));
  joined.dispose();
  const out = reshape(padded, [...(batchFirst ? [batch, longest] : [longest, batch]), ...sequences[0].shape.slice(1)]);
  if (out !== padded) padded.dispose();
  return out;
}

/**
 * Packs a list of sequences [L_i, *] (padSequence, then packPaddedSequence with their lengths).
 *
 * ```ts
 * const packed = nn.utils.rnn.packSequence([torch.randn(2, 4), torch.randn(5, 4)], { enforceSorted: false });
 * ```
 */
export function packSequence(sequences: readonly Tensor[], options: { enforceSorted?: boolean } = {}): PackedSequence {
  checkOptions('packSequence', options, optionKeys<{ enforceSorted?: boolean }>({ enforceSorted: true }));
  checkSequences('packSequence', sequences);
  const padded = padSequence(sequences);
  const packed = packPaddedSequence(
    padded,
    sequences.map((s) => s.shape[0]),
    { enforceSorted: options.enforceSorted ?? true },
  );
  padded.dispose();
  return packed;
}
