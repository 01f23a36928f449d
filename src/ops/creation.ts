// Tensor creation: empty, zeros, ones, full, their *Like forms, arange, linspace.
import { type DType, toInt32 } from '../dtype.js';
import { checkArgumentCount, describeValue } from '../options.js';
import { formatShape, numel, type Shape, sizesFromArgs } from '../shape.js';
import { type NestedArray, Tensor } from '../tensor.js';
import { checkTensorOptions, resolveDevice, TENSOR_OPTIONS, type TensorOptions } from './util.js';

type SizeArgs = (number | readonly number[] | TensorOptions)[];

/**
 * Splits `zeros(2, 3, { dtype })` / `zeros([2, 3], { dtype })` into sizes and checked options
 * (`accepted` lists the option keys of `op`).
 */
export function splitSizeArgs(op: string, args: SizeArgs, accepted: readonly string[] = TENSOR_OPTIONS): [number[], TensorOptions] {
  const last = args[args.length - 1];
  const hasOptions = last !== undefined && last !== null && typeof last === 'object' && !Array.isArray(last);
  const options = checkTensorOptions(op, (hasOptions ? last : undefined) as TensorOptions | undefined, accepted);
  const sizes = sizesFromArgs((hasOptions ? args.slice(0, -1) : args) as (number | number[])[]);
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`${op}: sizes must be non-negative integers, got ${formatShape(sizes)}`);
  }
  return [sizes, options];
}

/** Applies the requiresGrad option; a refused request frees `out`, which the caller never receives. */
export function applyRequiresGrad(op: string, out: Tensor, options: TensorOptions): Tensor {
  if (options.requiresGrad && out.dtype !== 'float32') {
    out.dispose();
    throw new TypeError(`${op}: only float32 tensors can require gradients, but requiresGrad was set with dtype ${out.dtype}`);
  }
  return options.requiresGrad ? out.requiresGrad_(true) : out;
}

export function empty(...args: SizeArgs): Tensor {
  const [shape, options] = splitSizeArgs('empty', args);
  return applyRequiresGrad('empty', Tensor.empty(shape, options.dtype ?? 'float32', resolveDevice(options.device)), options);
}

export function full(size: Shape, fillValue: number | boolean, options?: TensorOptions): Tensor {
  return filled('full', size, fillValue, checkTensorOptions('full', options));
}

/** `full` under the name of the function the caller used, so errors name it. */
function filled(op: string, size: Shape, fillValue: number | boolean, options: TensorOptions): Tensor {
  const [shape] = splitSizeArgs(op, [size]);
  if (typeof fillValue !== 'number' && typeof fillValue !== 'boolean')
    throw new TypeError(`${op}: fillValue must be a number or a boolean, got ${describeValue(fillValue)}`);
  const dtype = options.dtype ?? (typeof fillValue === 'boolean' ? 'bool' : 'float32');
  const value = dtype === 'int32' ? toInt32(op, Number(fillValue), 'the fill value') : Number(fillValue);
  const out = Tensor.empty(shape, dtype, resolveDevice(options.device));
  if (out.numel() > 0) out.deviceObject.kernels.fill(out, value);
  return applyRequiresGrad(op, out, options);
}

export function zeros(...args: SizeArgs): Tensor {
  const [shape, options] = splitSizeArgs('zeros', args);
  return filled('zeros', shape, 0, options);
}

export function ones(...args: SizeArgs): Tensor {
  const [shape, options] = splitSizeArgs('ones', args);
  return filled('ones', shape, 1, options);
}

function likeOptions(op: string, input: Tensor, options: TensorOptions | undefined): TensorOptions {
  return { dtype: input.dtype, device: input.device, ...checkTensorOptions(op, options) };
}

export function zerosLike(input: Tensor, options?: TensorOptions): Tensor {
  return filled('zerosLike', input.shape, 0, likeOptions('zerosLike', input, options));
}

export function onesLike(input: Tensor, options?: TensorOptions): Tensor {
  return filled('onesLike', input.shape, 1, likeOptions('onesLike', input, options));
}

export function fullLike(input: Tensor, fillValue: number | boolean, options?: TensorOptions): Tensor {
  return filled('fullLike', input.shape, fillValue, likeOptions('fullLike', input, options));
}

export function emptyLike(input: Tensor, options?: TensorOptions): Tensor {
  const resolved = likeOptions('emptyLike', input, options);
  return applyRequiresGrad('emptyLike', Tensor.empty(input.shape, resolved.dtype!, resolveDevice(resolved.device)), resolved);
}

/**
 * `arange(end)`, `arange(start, end)`, `arange(start, end, step)`: values in [start, end), float32
 * unless `{ dtype: 'int32' }` is given (webtorch has no int64, so numbers default to float32).
 */
export function arange(...args: (number | TensorOptions)[]): Tensor {
  const options = checkTensorOptions(
    'arange',
    (typeof args[args.length - 1] === 'object' ? args.pop() : undefined) as TensorOptions | undefined,
  );
  checkArgumentCount('arange', args.length, ['start', 'end', 'step']);
  const dtype = options.dtype ?? 'float32';
  refuseBool('arange', dtype);
  const numbers = args as number[];
  const [start, end, requestedStep] = numbers.length === 1 ? [0, numbers[0], 1] : [numbers[0], numbers[1], numbers[2] ?? 1];
  // An int32 arange takes its step as an integer, as PyTorch casts it to the dtype first.
  const step = dtype === 'int32' ? Math.trunc(requestedStep) : requestedStep;
  if (step === 0)
    throw new RangeError(
      `arange: step must be nonzero, got ${requestedStep}${dtype === 'int32' ? ' (truncated to an integer for dtype int32)' : ''}`,
    );
  if (![start, end, step].every(Number.isFinite))
    throw new RangeError(`arange: start, end and step must be finite, got ${start}, ${end}, ${step}`);
  if ((end - start) / step < 0)
    throw new RangeError(`arange: upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`);
  const count = Math.ceil((end - start) / step);
  if (dtype === 'int32' && count > 0) [start, start + (count - 1) * step].forEach((bound) => toInt32('arange', bound));
  const out = Tensor.empty([count], dtype, resolveDevice(options.device));
  if (count > 0) out.deviceObject.kernels.arange(out, start, step);
  return applyRequiresGrad('arange', out, options);
}

function refuseBool(op: string, dtype: DType): void {
  if (dtype === 'bool') throw new TypeError(`${op}: dtype bool is not supported; use float32 or int32`);
}

/**
 * `steps` values from start to end inclusive, computed as PyTorch's CPU kernel does: the first
 * half counts up from start and the second half down from end (float32 arithmetic for float32,
 * float64 then truncation for int32), so both ends are exact.
 */
export function linspace(start: number, end: number, steps: number, rawOptions?: TensorOptions): Tensor {
  const options = checkTensorOptions('linspace', rawOptions);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: number of steps must be a non-negative integer, got ${steps}`);
  const dtype = options.dtype ?? 'float32';
  refuseBool('linspace', dtype);
  const round = dtype === 'float32' ? Math.fround : (v: number) => v;
  const [first, last] = [round(start), round(end)];
  const step = round((last - first) / Math.max(steps - 1, 1));
  const halfway = Math.floor(steps / 2);
  const values =
    steps === 1
      ? [first]
      : Array.from({ length: steps }, (_, i) => round(i < halfway ? first + round(step * i) : last - round(step * (steps - i - 1))));
  const out = tensor(dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values, (value) => toInt32('linspace', value)), {
    dtype,
    device: options.device,
  });
  return applyRequiresGrad('linspace', out, options);
}

/** The n x m identity: zeros with ones written through a diagonal view (stride m + 1). */
export function eye(n: number, m: number | TensorOptions = n, options?: TensorOptions): Tensor {
  if (typeof m === 'object') return eye(n, n, m);
  const out = filled('eye', [n, m], 0, checkTensorOptions('eye', options));
  const diagonal = new Tensor(out.storage, [Math.min(n, m)], [m + 1], 0, out.dtype);
  if (diagonal.numel() > 0) out.deviceObject.kernels.fill(diagonal, 1);
  diagonal.dispose();
  return out;
}

function inferNested(op: string, data: unknown): { shape: number[]; flat: (number | boolean)[]; allBoolean: boolean } {
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat: (number | boolean)[] = [];
  let allBoolean = true;
  // The indices down to the value being checked; an error message spells them as a path
  // (`data[2][0]`), built only then: building it for every element made a million-element list
  // take seconds.
  const at: number[] = [];
  const path = () => at.map((i) => `[${i}]`).join('');
  const walk = (value: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (typeof value !== 'number' && typeof value !== 'boolean')
        throw new TypeError(
          `${op}: expected a number or boolean at data${path()}, got ${Array.isArray(value) ? 'an array' : typeof value}`,
        );
      flat.push(value);
      allBoolean &&= typeof value === 'boolean';
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[dim]) {
      throw new RangeError(
        `${op}: expected a sequence of length ${shape[dim]} at data${path()} (nested lists must be rectangular), got ${Array.isArray(value) ? `length ${value.length}` : typeof value}`,
      );
    }
    at.push(0);
    for (let i = 0; i < value.length; i++) {
      at[dim] = i;
      walk(value[i], dim + 1);
    }
    at.pop();
  };
  walk(data, 0);
  return { shape, flat, allBoolean: allBoolean && flat.length > 0 };
}

/**
 * `value` truncated toward zero, as PyTorch converts a number to int32, or a RangeError naming
 * where the value came from (`source`) where PyTorch raises: NaN, infinities, and values that
 * leave int32's range instead of wrapping.
 */
/**
 * Builds a tensor from nested arrays, a number or boolean, or a typed array (1-D). Numbers give
 * float32 (not int64 as in PyTorch: webtorch has no int64), booleans give bool.
 */
export function tensor(data: NestedArray | Float32Array | Int32Array | readonly NestedArray[], rawOptions?: TensorOptions): Tensor {
  const options = checkTensorOptions('tensor', rawOptions);
  let shape: number[];
  let values: Float32Array | Int32Array;
  let inferred: DType;
  if (data instanceof Float32Array || data instanceof Int32Array) {
    shape = [data.length];
    inferred = data instanceof Float32Array ? 'float32' : 'int32';
    values = data;
  } else {
    const { shape: inferredShape, flat, allBoolean } = inferNested('tensor', data);
    shape = inferredShape;
    inferred = allBoolean ? 'bool' : 'float32';
    const target = options.dtype ?? inferred;
    values = target === 'float32' ? new Float32Array(flat.length) : new Int32Array(flat.length);
    for (let i = 0; i < flat.length; i++) {
      const v = Number(flat[i]);
      // Nonzero fractions are true as bools, so they must not be truncated toward zero first.
      if (target === 'float32') values[i] = v;
      else if (target === 'bool') values[i] = v !== 0 ? 1 : 0;
      else values[i] = v === (v | 0) ? v : toInt32('tensor', v, `element ${i} of the flattened data`);
    }
  }
  const dtype = options.dtype ?? inferred;
  if (values instanceof Float32Array && dtype !== 'float32')
    values = Int32Array.from(values, (v, i) =>
      dtype === 'bool' ? (v ? 1 : 0) : v === (v | 0) ? v : toInt32('tensor', v, `element ${i} of the flattened data`),
    );
  else if (values instanceof Int32Array && dtype === 'float32') values = Float32Array.from(values);
  else if (dtype === 'bool') values = Int32Array.from(values, (v) => (v ? 1 : 0));
  const device = resolveDevice(options.device);
  const out = Tensor.empty(shape, dtype, device);
  if (numel(shape) > 0) device.write(out.storage.buffer, 0, values);
  return applyRequiresGrad('tensor', out, options);
}
