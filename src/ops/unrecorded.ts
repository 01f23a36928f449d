/**
 * Helpers that compute through a device's kernels and record nothing: casts, copies, fills,
 * bounds-checked index lookups, and the fused kernels of layers that record their own nodes (batch
 * norm). Ops build on them and record their own nodes over the result; nn and the graph's view
 * rebasing (src/graph/views.ts), which must not call kernels themselves, use them too. This module
 * imports nothing that records, so the graph layer below ops may use it.
 */

import type { AdamScalars, Device, FaultMessage, TensorView } from '../devices/device.js';
import type { DType } from '../dtype.js';
import { numel, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** `x` converted to `dtype`: the same tensor when it already has it, else a new one. */
export function castTo(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = Tensor.empty(x.shape, dtype, x.deviceObject);
  if (out.numel() > 0) x.deviceObject.kernels.copy(out, x);
  return out;
}

/** A contiguous copy of `input` in storage of its own. */
export function contiguousCopy(input: Tensor): Tensor {
  const out = Tensor.empty(input.shape, input.dtype, input.deviceObject);
  copyView(out, input);
  return out;
}

export function zerosOn(shape: Shape, dtype: DType, device: Device): Tensor {
  const out = Tensor.empty(shape, dtype, device);
  fillView(out, 0);
  return out;
}

/** Writes `value` into every element `target` addresses, whatever its strides. */
export function fillView(target: TensorView, value: number): void {
  if (numel(target.shape) > 0) target.storage.device.kernels.fill(target, value);
}

/** Copies `source` into `target` (one shape, any strides each), converting to target's dtype. */
export function copyView(target: TensorView, source: TensorView): void {
  if (numel(target.shape) > 0) target.storage.device.kernels.copy(target, source);
}

/** Runs `write(out)`, disposing out if it throws, so a failed op leaks nothing. */
export function filled(out: Tensor, write: (out: Tensor) => void): Tensor {
  try {
    write(out);
    return out;
  } catch (error) {
    out.dispose();
    throw error;
  }
}

// ---- index kernels ----------------------------------------------------------------------------

/** The error for an index outside a dim, `{value}` standing for the index (see FaultMessage). */
export function outOfBounds(op: string, dim: number, size: number): FaultMessage {
  return `${op}: index {value} is out of bounds for dimension ${dim} with size ${size}`;
}

/** The error for a bad value a kernel returned (devices that run synchronously return it). */
export function faultError(message: FaultMessage, value: number): RangeError {
  return new RangeError(message.replace('{value}', String(value)));
}

/** gather/scatter treat a 0-d tensor as a 1-element 1-d one, as PyTorch does. */
export function atLeast1d(t: TensorView): TensorView {
  return t.shape.length > 0 ? t : { ...t, shape: [1], strides: [1] };
}

/** Size of dim d, counting a 0-d tensor as shape [1]. */
export function sizeAt(t: TensorView, d: number): number {
  return t.shape.length === 0 ? 1 : t.shape[d];
}

/** out = input gathered by index along d (see Kernels.gather); a bad index throws `message`. */
export function gatherInto(out: TensorView, input: TensorView, index: TensorView, d: number, message: FaultMessage): void {
  if (numel(index.shape) === 0) return;
  const bad = input.storage.device.kernels.gather(atLeast1d(out), atLeast1d(input), atLeast1d(index), d, message);
  if (bad !== null) throw faultError(message, bad);
}

/** Kernels.scatter on 1-d-lifted views; `source` has atLeast1d(index)'s shape. A bad index throws `message`. */
export function scatterInto(
  target: TensorView,
  index: TensorView,
  source: TensorView,
  d: number,
  accumulate: boolean,
  message: FaultMessage,
): void {
  if (numel(index.shape) === 0) return;
  const bad = target.storage.device.kernels.scatter(atLeast1d(target), atLeast1d(index), source, d, accumulate, message);
  if (bad !== null) throw faultError(message, bad);
}

/**
 * One Adam step in place on param, expAvg and expAvgSq given grad (contiguous float32, one shape)
 * by the device's fused kernel (Kernels.adamStep); the caller marks the three modified.
 */
export function adamStepInPlace(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, scalars: AdamScalars): void {
  if (param.numel() > 0) param.deviceObject.kernels.adamStep(param, grad, expAvg, expAvgSq, scalars);
}

// ---- batch norm's per-channel kernels (src/nn/batchnorm.ts) -------------------------------------

/** Two new [C] tensors written by `write`, both disposed if it throws. */
function perChannelPair(channels: number, device: Device, write: (first: Tensor, second: Tensor) => void): [Tensor, Tensor] {
  const first = Tensor.empty([channels], 'float32', device);
  const second = Tensor.empty([channels], 'float32', device);
  try {
    if (channels > 0) write(first, second);
    return [first, second];
  } catch (error) {
    first.dispose();
    second.dispose();
    throw error;
  }
}

/**
 * Each channel's mean and biased variance [C] over input [N, C, *] (float32, at least one element
 * per channel), in two passes over input (Kernels.batchNormStatistics).
 */
export function channelStatistics(input: Tensor): { mean: Tensor; variance: Tensor } {
  const [mean, variance] = perChannelPair(input.shape[1], input.deviceObject, (m, v) =>
    input.deviceObject.kernels.batchNormStatistics(m, v, input),
  );
  return { mean, variance };
}

/** input [N, C, *] * scale[c] + shift[c] (scale and shift [C]), in one pass (Kernels.channelAffine). */
export function channelAffine(input: Tensor, scale: Tensor, shift: Tensor): Tensor {
  return filled(Tensor.empty(input.shape, 'float32', input.deviceObject), (out) => {
    if (out.numel() > 0) input.deviceObject.kernels.channelAffine(out, input, scale, shift);
  });
}

/**
 * Per channel of grad and input [N, C, *] (one shape, at least one element per channel): sum(grad)
 * and sum(grad * (input - mean[c])) [C], in one pass (Kernels.batchNormBackwardReduce).
 */
export function batchNormBackwardSums(grad: Tensor, input: Tensor, mean: Tensor): { gradSum: Tensor; dot: Tensor } {
  const [gradSum, dot] = perChannelPair(grad.shape[1], grad.deviceObject, (s, d) =>
    grad.deviceObject.kernels.batchNormBackwardReduce(s, d, grad, input, mean),
  );
  return { gradSum, dot };
}

/** (grad * k1[c] + (input - mean[c]) * k2[c]) + k3[c] over [N, C, *], in one pass (Kernels.batchNormBackwardInput). */
export function batchNormBackwardInput(grad: Tensor, input: Tensor, mean: Tensor, k1: Tensor, k2: Tensor, k3: Tensor): Tensor {
  return filled(Tensor.empty(grad.shape, 'float32', grad.deviceObject), (out) => {
    if (out.numel() > 0) grad.deviceObject.kernels.batchNormBackwardInput(out, grad, input, mean, k1, k2, k3);
  });
}
