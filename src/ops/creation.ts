import { type DType } from '../dtype.js';
import { formatShape, numel, type Shape, sizesFromArgs } from '../shape.js';
import { type NestedArray, Tensor } from '../tensor.js';
import { resolveDevice, type TensorOptions } from './util.js';

type SizeArgs = (number | readonly number[] | TensorOptions)[];

/** Splits `zeros(2, 3, { dtype })` / `zeros([2, 3], { dtype })` into sizes and options. */
export function splitSizeArgs(op: string, args: SizeArgs): [number[], TensorOptions] {
  const last = args[args.length - 1];
  const hasOptions = last !== undefined && typeof last === 'object' && !Array.isArray(last);
  const options = (hasOptions ? last : {}) as TensorOptions;
  const sizes = sizesFromArgs((hasOptions ? args.slice(0, -1) : args) as (number | number[])[]);
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`${op}: sizes must be non-negative integers, got ${formatShape(sizes)}`);
  }
  return [sizes, options];
}

function finish(out: Tensor, options: TensorOptions): Tensor {
  if (options.requiresGrad) out.requiresGrad_(true);
  return out;
}

export function empty(...args: SizeArgs): Tensor {
  const [shape, options] = splitSizeArgs('empty', args);
  return finish(Tensor.empty(shape, options.dtype ?? 'float32', resolveDevice(options.device)), options);
}

export function full(size: Shape, fillValue: number | boolean, options: TensorOptions = {}): Tensor {
  const [shape] = splitSizeArgs('full', [size]);
  const dtype = options.dtype ?? (typeof fillValue === 'boolean' ? 'bool' : 'float32');
  const out = Tensor.empty(shape, dtype, resolveDevice(options.device));
  if (out.numel() > 0) out.deviceObject.kernels.fill(out, Number(fillValue));
  return finish(out, options);
}

export function zeros(...args: SizeArgs): Tensor {
  const [shape, options] = splitSizeArgs('zeros', args);
  return full(shape, 0, options);
}

export function ones(...args: SizeArgs): Tensor {
  const [shape, options] = splitSizeArgs('ones', args);
  return full(shape, 1, options);
}

function likeOptions(input: Tensor, options: TensorOptions): TensorOptions {
  return { dtype: input.dtype, device: input.device, ...options };
}

export function zerosLike(input: Tensor, options: TensorOptions = {}): Tensor {
  return full(input.shape, 0, likeOptions(input, options));
}

export function onesLike(input: Tensor, options: TensorOptions = {}): Tensor {
  return full(input.shape, 1, likeOptions(input, options));
}

export function fullLike(input: Tensor, fillValue: number | boolean, options: TensorOptions = {}): Tensor {
  return full(input.shape, fillValue, likeOptions(input, options));
}

export function emptyLike(input: Tensor, options: TensorOptions = {}): Tensor {
  const resolved = likeOptions(input, options);
  return finish(Tensor.empty(input.shape, resolved.dtype!, resolveDevice(resolved.device)), resolved);
}

/**
 * `arange(end)`, `arange(start, end)`, `arange(start, end, step)`: values in [start, end), float32
 * unless `{ dtype: 'int32' }` is given (webtorch has no int64, so numbers default to float32).
 */
export function arange(...args: (number | TensorOptions)[]): Tensor {
  const options = (typeof args[args.length - 1] === 'object' ? args.pop() : {}) as TensorOptions;
  const numbers = args as number[];
  const [start, end, step] = numbers.length === 1 ? [0, numbers[0], 1] : [numbers[0], numbers[1], numbers[2] ?? 1];
  if (step === 0) throw new RangeError('arange: step must be nonzero');
  if (![start, end, step].every(Number.isFinite)) throw new RangeError(`arange: start, end and step must be finite, got ${start}, ${end}, ${step}`);
  if ((end - start) / step < 0) throw new RangeError(`arange: upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`);
  const count = Math.ceil((end - start) / step);
  const out = Tensor.empty([count], options.dtype ?? 'float32', resolveDevice(options.device));
  if (count > 0) out.deviceObject.kernels.arange(out, start, step);
  return finish(out, options);
}

export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: number of steps must be a non-negative integer, got ${steps}`);
  const out = Tensor.empty([steps], options.dtype ?? 'float32', resolveDevice(options.device));
  if (steps > 0) out.deviceObject.kernels.arange(out, start, steps === 1 ? 0 : (end - start) / (steps - 1));
  return finish(out, options);
}

/** The n x m identity: zeros with ones written through a diagonal view (stride m + 1). */
export function eye(n: number, m: number | TensorOptions = n, options: TensorOptions = {}): Tensor {
  if (typeof m === 'object') return eye(n, n, m);
  const out = full([n, m], 0, options);
  const diagonal = new Tensor(out.storage, [Math.min(n, m)], [m + 1], 0, out.dtype);
  if (diagonal.numel() > 0) out.deviceObject.kernels.fill(diagonal, 1);
  diagonal.dispose();
  return out;
}

function inferNested(op: string, data: unknown): { shape: number[]; flat: (number | boolean)[] } {
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat: (number | boolean)[] = [];
  const walk = (value: unknown, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof value !== 'number' && typeof value !== 'boolean') throw new TypeError(`${op}: expected a number or boolean at data${path}, got ${Array.isArray(value) ? 'an array' : typeof value}`);
      flat.push(value);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[dim]) {
      throw new RangeError(`${op}: expected a sequence of length ${shape[dim]} at data${path} (nested lists must be rectangular), got ${Array.isArray(value) ? `length ${value.length}` : typeof value}`);
    }
    value.forEach((item, i) => walk(item, dim + 1, `${path}[${i}]`));
  };
  walk(data, 0, '');
  return { shape, flat };
}

/**
 * Builds a tensor from nested arrays, a number or boolean, or a typed array (1-D). Numbers give
 * float32 (not int64 as in PyTorch: webtorch has no int64), booleans give bool.
 */
export function tensor(data: NestedArray | Float32Array | Int32Array | readonly NestedArray[], options: TensorOptions = {}): Tensor {
  let shape: number[];
  let values: Float32Array | Int32Array;
  let inferred: DType;
  if (data instanceof Float32Array || data instanceof Int32Array) {
    shape = [data.length];
    inferred = data instanceof Float32Array ? 'float32' : 'int32';
    values = data;
  } else {
    const nested = inferNested('tensor', data);
    shape = nested.shape;
    inferred = nested.flat.length > 0 && nested.flat.every((v) => typeof v === 'boolean') ? 'bool' : 'float32';
    const numbers = nested.flat.map(Number);
    values = (options.dtype ?? inferred) === 'float32' ? Float32Array.from(numbers) : Int32Array.from(numbers, (v) => Math.trunc(v));
  }
  const dtype = options.dtype ?? inferred;
  const device = resolveDevice(options.device);
  const out = Tensor.empty(shape, dtype, device);
  if (values instanceof Float32Array && dtype !== 'float32') values = Int32Array.from(values, (v) => (dtype === 'bool' ? (v ? 1 : 0) : Math.trunc(v)));
  else if (values instanceof Int32Array && dtype === 'float32') values = Float32Array.from(values);
  else if (dtype === 'bool') values = Int32Array.from(values, (v) => (v ? 1 : 0));
  if (numel(shape) > 0) device.write(out.storage.buffer, 0, values);
  return finish(out, options);
}
