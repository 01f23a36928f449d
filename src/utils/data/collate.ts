// `defaultCollate`: stacks a batch of samples as PyTorch's default_collate does.
import { scope } from '../../memory.js';
import { tensor } from '../../ops/creation.js';
import { stack } from '../../ops/views.js';
import { formatShape } from '../../shape.js';
import { Tensor } from '../../tensor.js';

/**
 * What `defaultCollate` makes of samples of type T: tensors, numbers, booleans and typed arrays
 * become one tensor with a leading batch dimension, strings a list, and arrays and objects keep
 * their structure with each position collated.
 */
export type Collated<T> = T extends Tensor | number | boolean | Float32Array | Int32Array
  ? Tensor
  : T extends string
    ? string[]
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : T extends object
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : never;

type Kind = 'Tensor' | 'number' | 'boolean' | 'string' | 'Float32Array' | 'Int32Array' | 'array' | 'object';

function kindOf(value: unknown): Kind | null {
  if (value instanceof Tensor) return 'Tensor';
  if (value instanceof Float32Array) return 'Float32Array';
  if (value instanceof Int32Array) return 'Int32Array';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  if (type === 'number' || type === 'boolean' || type === 'string') return type;
  if (type === 'object' && value !== null && [Object.prototype, null].includes(Object.getPrototypeOf(value))) return 'object';
  return null;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  const kind = kindOf(value);
  if (kind === 'array' || kind === 'object') return `an ${kind}`;
  return typeof value === 'object' ? `a ${value.constructor?.name ?? 'object'}` : `a ${typeof value}`;
}

const INT32_MAX = 2 ** 31 - 1;

/** The samples' values at one position (`path`), all of one kind, as a batch. */
function collate(samples: readonly unknown[], path: string): unknown {
  const where = path ? `the value at ${path}` : 'the sample';
  const kind = kindOf(samples[0]);
  if (kind === null) {
    throw new TypeError(
      `defaultCollate: ${where} is ${describe(samples[0])} in sample 0; samples must hold tensors, numbers, booleans, strings, Float32Arrays, Int32Arrays, arrays or plain objects (or pass a collateFn)`,
    );
  }
  samples.forEach((sample, i) => {
    if (kindOf(sample) !== kind)
      throw new TypeError(`defaultCollate: ${where} is ${describe(samples[0])} in sample 0 but ${describe(sample)} in sample ${i}`);
  });
  switch (kind) {
    case 'Tensor':
      return stackEqual(samples as Tensor[], where);
    case 'Float32Array':
    case 'Int32Array':
      return scope(() =>
        stackEqual(
          (samples as (Float32Array | Int32Array)[]).map((values) => tensor(values)),
          where,
        ),
      );
    case 'number':
      return numbersTensor(samples as number[], where);
    case 'boolean':
      return tensor(samples as boolean[]);
    case 'string':
      return [...samples];
    case 'array': {
      const first = samples[0] as unknown[];
      samples.forEach((sample, i) => {
        const { length } = sample as unknown[];
        if (length !== first.length)
          throw new RangeError(
            `defaultCollate: each element in the batch should be of equal size, but ${where} has ${first.length} entries in sample 0 and ${length} in sample ${i}`,
          );
      });
      return first.map((_, k) =>
        collate(
          samples.map((sample) => (sample as unknown[])[k]),
          `${path}[${k}]`,
        ),
      );
    }
    case 'object': {
      const keys = Object.keys(samples[0] as object);
      samples.forEach((sample, i) => {
        const other = Object.keys(sample as object);
        if (other.length !== keys.length || !keys.every((key) => Object.hasOwn(sample as object, key))) {
          throw new RangeError(
            `defaultCollate: ${where} has keys [${keys.join(', ')}] in sample 0 but [${other.join(', ')}] in sample ${i}`,
          );
        }
      });
      return Object.fromEntries(
        keys.map((key) => [
          key,
          collate(
            samples.map((sample) => (sample as Record<string, unknown>)[key]),
            `${path}.${key}`,
          ),
        ]),
      );
    }
  }
}

function stackEqual(tensors: readonly Tensor[], where: string): Tensor {
  const shape = tensors[0].shape;
  tensors.forEach((t, i) => {
    if (t.shape.length !== shape.length || t.shape.some((size, d) => size !== shape[d])) {
      throw new RangeError(
        `defaultCollate: ${where} must have one shape in every sample to be stacked, but it is ${formatShape(shape)} in sample 0 and ${formatShape(t.shape)} in sample ${i}; pass a collateFn to batch samples of different sizes (for instance with nn.utils.rnn.padSequence)`,
      );
    }
  });
  return stack(tensors);
}

/** Integers become int32 (PyTorch's int64 labels), anything else float32 (PyTorch's float64). */
function numbersTensor(values: readonly number[], where: string): Tensor {
  if (!values.every(Number.isInteger)) return tensor(values as number[]);
  const outside = values.findIndex((v) => Math.abs(v) > INT32_MAX && v !== -INT32_MAX - 1);
  if (outside >= 0)
    throw new RangeError(
      `defaultCollate: ${where} is the integer ${values[outside]} in sample ${outside}, outside int32 (webtorch's integer dtype); pass a collateFn that makes a float32 tensor`,
    );
  return tensor(values as number[], { dtype: 'int32' });
}

/**
 * PyTorch's `default_collate`: stacks tensors (and Float32Array/Int32Array) into a new leading
 * batch dimension, turns numbers into a tensor (int32 when all are integers, else float32) and
 * booleans into a bool tensor, keeps strings as a list, and recurses into arrays (tuples) and plain
 * objects position by position.
 *
 * ```ts
 * torch.utils.data.defaultCollate([[torch.ones(2), 0], [torch.zeros(2), 1]]);   // [Tensor [2, 2], Tensor [2] int32]
 * ```
 */
export function defaultCollate<T>(batch: readonly T[]): Collated<T> {
  if (!Array.isArray(batch) || batch.length === 0) throw new RangeError('defaultCollate: expected a non-empty array of samples');
  return collate(batch, '') as Collated<T>;
}
