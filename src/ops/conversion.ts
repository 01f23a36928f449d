import type { DType } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { needsGrad } from '../autograd/function.js';
import { scope } from '../memory.js';
import { broadcastView, castTo, inPlace } from './elementwise.js';
import { clone, expand } from './views.js';
import { checkInPlace, checkTensor, markModified, resolveDevice } from './util.js';
import { broadcastShapes, formatShape, shapesEqual } from '../shape.js';

/** A copy in another dtype; float -> int truncates toward zero as in PyTorch. Differentiable float -> float only. */
export function toDtype(input: Tensor, dtype: DType): Tensor {
  checkTensor('to', 'input', input);
  if (input.dtype === dtype) return input;
  return castTo(input, dtype);
}

/** A copy on another device (the same tensor when it is already there); gradients flow back across. */
export function toDevice(input: Tensor, device: string): Tensor {
  checkTensor('to', 'input', input);
  const target = resolveDevice(device);
  if (target === input.deviceObject) return input;
  throw new Error(`to: copying from ${input.device} to ${target.name} needs an async transfer; use await tensor.toAsync('${target.name}')`);
}

export interface ToOptions {
  dtype?: DType;
  device?: string;
}

/** `t.to('cpu')`, `t.to('int32')`, `t.to({ device, dtype })`. */
export function to(input: Tensor, target: string | ToOptions): Tensor {
  const options: ToOptions = typeof target === 'string' ? (['float32', 'int32', 'bool'].includes(target) ? { dtype: target as DType } : { device: target }) : target;
  const moved = options.device === undefined ? input : toDevice(input, options.device);
  const converted = options.dtype === undefined ? moved : toDtype(moved, options.dtype);
  if (converted !== moved && moved !== input) moved.dispose();
  return converted;
}

/** `dst.copy_(src)`: writes src (broadcast to dst's shape, converted to dst's dtype) into dst. */
export function copy_(dst: Tensor, src: Tensor): Tensor {
  checkTensor('copy_', 'self', dst);
  checkTensor('copy_', 'src', src);
  checkInPlace('copy_', dst);
  if (dst.deviceObject !== src.deviceObject) throw new Error(`copy_: self is on ${dst.device} and src on ${src.device}; use to() to move tensors between devices`);
  const shape = broadcastShapes('copy_', dst.shape, src.shape, ['self', 'src']);
  if (!shapesEqual(shape, dst.shape)) throw new RangeError(`copy_: src of shape ${formatShape(src.shape)} cannot be broadcast to self of shape ${formatShape(dst.shape)}`);
  // A recorded copy: dst takes over the graph of (broadcast) src, so gradient flows to src.
  if (needsGrad(src)) return inPlace('copy_', dst, () => scope(() => clone(expand(src, dst.shape))));
  if (dst.numel() > 0) dst.deviceObject.kernels.copy(dst, broadcastView(src, dst.shape));
  markModified(dst);
  return dst;
}

export function fill_(dst: Tensor, value: number | boolean): Tensor {
  checkTensor('fill_', 'self', dst);
  checkInPlace('fill_', dst);
  if (dst.numel() > 0) dst.deviceObject.kernels.fill(dst, Number(value));
  markModified(dst);
  return dst;
}

declare module '../tensor.js' {
  interface Tensor {
    to(target: string | ToOptions): Tensor;
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
  to(this: Tensor, target: string | ToOptions) { return to(this, target); },
  float(this: Tensor) { return toDtype(this, 'float32'); },
  int(this: Tensor) { return toDtype(this, 'int32'); },
  long(this: Tensor) { return toDtype(this, 'int32'); },
  bool(this: Tensor) { return toDtype(this, 'bool'); },
  cpu(this: Tensor) { return to(this, 'cpu'); },
  copy_(this: Tensor, src: Tensor) { return copy_(this, src); },
  fill_(this: Tensor, value: number | boolean) { return fill_(this, value); },
  zero_(this: Tensor) { return fill_(this, 0); },
});

