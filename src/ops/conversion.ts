// Dtype and device conversion: `to`, `copy_`, `fill_`.
import { type DType, looksLikeDtype, resolveDtype } from '../dtype.js';
import { needsGrad, record } from '../graph/record.js';
import { keep, scope } from '../memory.js';
import { checkOptions, describeValue, optionKeys } from '../options.js';
import { broadcastShapes, formatShape, shapesEqual } from '../shape.js';
import { releaseStorage, retainStorage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { broadcastView, inPlace } from './elementwise.js';
import { castTo } from './unrecorded.js';
import { checkInPlace, checkTensor, markModified, resolveDevice } from './util.js';
import { clone, expand } from './views.js';

/** A copy in another dtype; float -> int truncates toward zero as in PyTorch. Differentiable float -> float only. */
export function toDtype(input: Tensor, dtype: DType): Tensor {
  checkTensor('to', 'input', input);
  if (input.dtype === dtype) return input;
  return castTo(input, dtype);
}

/**
 * A copy on another device (the same tensor when it is already there); gradients flow back across.
 * A copy from a device that queues its work (webgpu) to one that runs synchronously (cpu) returns
 * at once, before the values have landed: awaiting a read (`await h.data()`, `tolist`, `item`)
 * waits for them, and synchronous use before then throws. `await t.toAsync('cpu')` gives a tensor
 * whose values are already there.
 */
export function toDevice(input: Tensor, device: string): Tensor {
  input.assertAlive('to', "argument 'input'");
  const target = resolveDevice(device);
  if (target === input.deviceObject) return input;
  const out = Tensor.empty(input.shape, input.dtype, target);
  if (out.numel() > 0) transfer(out, input);
  const source = input.device;
  return record('ToCopyBackward0', out, [input], () => (g) => [toDevice(g, source)]);
}

/** `to` that resolves once the values are on the target device. */
export async function toAsync(input: Tensor, target: string | ToOptions): Promise<Tensor> {
  const out = to(input, target);
  try {
    await out.storage.pending;
  } catch (error) {
    if (out !== input) out.dispose();
    throw error;
  }
  return out;
}

/** Copies `input` into the fresh contiguous `out` on another device, in order with the work issued before. */
function transfer(out: Tensor, input: Tensor): void {
  if (copyDirectly(out, input)) return;
  const values = snapshot(input, out.deviceObject.synchronous);
  if (!(values instanceof Promise)) {
    out.deviceObject.write(out.storage.buffer, 0, values);
    return;
  }
  const landed = out.deviceObject.writeLater(out.storage.buffer, 0, values);
  if (!landed) return;
  const storage = out.storage;
  // The memory stays allocated until the values land, even if `out` is disposed first. A failed
  // copy leaves the rejection in place, for whoever awaits the tensor.
  retainStorage(storage);
  const pending = landed.then(() => {
    storage.pending = null;
  });
  storage.pending = pending;
  void pending.catch(() => {}).finally(() => releaseStorage(storage));
}

/** `transfer` straight from the input's device to the output's, where the two devices can (Device.copyTo). */
function copyDirectly(out: Tensor, input: Tensor): boolean {
  const device = input.deviceObject;
  if (!device.canCopyTo?.(out.deviceObject) || !device.copyTo || input.storage.pending) return false;
  const source = input.isContiguous() ? input : Tensor.empty(input.shape, input.dtype, device);
  if (source !== input) device.kernels.copy(source, input);
  device.copyTo(out.deviceObject, source.storage.buffer, source.offset, source.numel(), source.dtype, out.storage.buffer);
  if (source !== input) source.dispose();
  return true;
}

/**
 * The values of `input` as of now: read at once from a synchronous device; from a queueing one, a
 * read issued now, so work issued later (an in-place write) cannot change what it returns. With
 * `block`, for a synchronous device that cannot wait for a promise, a queueing device that can
 * block this thread until its worker answers does so.
 */
function snapshot(input: Tensor, block = false): Float32Array | Int32Array | Promise<Float32Array | Int32Array> {
  if (input.storage.pending) {
    // Nothing writes a tensor whose values are still arriving, so reading once they land reads
    // the values of now. The alias keeps the memory alive meanwhile.
    const alias = keep(new Tensor(input.storage, input.shape, input.strides, input.offset, input.dtype));
    return input.storage.pending.then(() => snapshot(alias)).finally(() => alias.dispose());
  }
  const device = input.deviceObject;
  const source = input.isContiguous() ? input : Tensor.empty(input.shape, input.dtype, device);
  if (source !== input) device.kernels.copy(source, input);
  try {
    const { buffer } = source.storage;
    if (device.synchronous) return device.readSync(buffer, source.offset, source.numel(), source.dtype);
    return (
      (block ? device.readBlocking?.(buffer, source.offset, source.numel(), source.dtype) : null) ??
      device.read(buffer, source.offset, source.numel(), source.dtype)
    );
  } finally {
    if (source !== input) source.dispose();
  }
}

export interface ToOptions {
  dtype?: DType;
  device?: string;
}

const TO_OPTIONS = optionKeys<ToOptions>({ dtype: true, device: true });

/**
 * The target of `to`: a string that looks like a dtype converts (`'int64'` reads as int32,
 * `'float64'` is refused), any other names a device; an object may hold both.
 */
function toOptions(op: string, target: string | ToOptions): ToOptions {
  if (target === undefined || target === null)
    throw new TypeError(`${op}: expected a device name, a dtype or { device, dtype }, got ${describeValue(target)}`);
  if (typeof target !== 'string') {
    const options = checkOptions(op, target, TO_OPTIONS);
    return options.dtype === undefined ? options : { ...options, dtype: resolveDtype(op, options.dtype) };
  }
  return looksLikeDtype(target) ? { dtype: resolveDtype(op, target) } : { device: target };
}

/** `t.to('cpu')`, `t.to('int32')`, `t.to({ device, dtype })`. */
export function to(input: Tensor, target: string | ToOptions): Tensor {
  const options = toOptions('to', target);
  // The dtype changes first, on the source device: a copy to the CPU may still be arriving.
  const converted = options.dtype === undefined ? input : toDtype(input, options.dtype);
  const moved = options.device === undefined ? converted : toDevice(converted, options.device);
  if (moved !== converted && converted !== input) converted.dispose();
  return moved;
}

/** `dst.copy_(src)`: writes src (broadcast to dst's shape, converted to dst's dtype) into dst. */
export function copy_(dst: Tensor, src: Tensor): Tensor {
  checkTensor('copy_', 'self', dst);
  checkTensor('copy_', 'src', src);
  checkInPlace('copy_', dst);
  if (dst.deviceObject !== src.deviceObject)
    throw new Error(`copy_: self is on ${dst.device} and src on ${src.device}; use to() to move tensors between devices`);
  const shape = broadcastShapes('copy_', dst.shape, src.shape, ['self', 'src']);
  if (!shapesEqual(shape, dst.shape))
    throw new RangeError(`copy_: src of shape ${formatShape(src.shape)} cannot be broadcast to self of shape ${formatShape(dst.shape)}`);
  // A recorded copy: dst takes over the graph of (broadcast) src, so gradient flows to src.
  if (needsGrad(src)) return inPlace('copy_', dst, () => scope(() => clone(expand(src, dst.shape))));
  if (dst.numel() > 0) dst.deviceObject.kernels.copy(dst, broadcastView(src, dst.shape));
  markModified(dst);
  return dst;
}

export function fill_(dst: Tensor, value: number | boolean): Tensor {
  checkTensor('fill_', 'self', dst);
  checkInPlace('fill_', dst);
  if (typeof value !== 'number' && typeof value !== 'boolean')
    throw new TypeError(`fill_: value must be a number or a boolean, got ${describeValue(value)}`);
  if (dst.numel() > 0) dst.deviceObject.kernels.fill(dst, Number(value));
  markModified(dst);
  return dst;
}

declare module '../tensor.js' {
  interface Tensor {
    to(target: string | ToOptions): Tensor;
    /** `to` that resolves once the values are on the target device (see toDevice). */
    toAsync(target: string | ToOptions): Promise<Tensor>;
    float(): Tensor;
    int(): Tensor;
    /** int32: webtorch has no int64, so PyTorch's `.long()` gives int32. */
    long(): Tensor;
    bool(): Tensor;
    cpu(): Tensor;
    copy_(src: Tensor): this;
    fill_(value: number | boolean): this;
    zero_(): this;
  }
}

Object.assign(Tensor.prototype, {
  to(this: Tensor, target: string | ToOptions) {
    return to(this, target);
  },
  toAsync(this: Tensor, target: string | ToOptions) {
    return toAsync(this, target);
  },
  float(this: Tensor) {
    return toDtype(this, 'float32');
  },
  int(this: Tensor) {
    return toDtype(this, 'int32');
  },
  long(this: Tensor) {
    return toDtype(this, 'int32');
  },
  bool(this: Tensor) {
    return toDtype(this, 'bool');
  },
  cpu(this: Tensor) {
    return to(this, 'cpu');
  },
  copy_(this: Tensor, src: Tensor) {
    return copy_(this, src);
  },
  fill_(this: Tensor, value: number | boolean) {
    return fill_(this, value);
  },
  zero_(this: Tensor) {
    return fill_(this, 0);
  },
});
