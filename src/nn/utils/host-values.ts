// Host copies of small int32 vectors whose tensors may live where a read must wait (webgpu).
import type { Tensor } from '../../tensor.js';

/**
 * Values known on the host when a tensor was made from them: the index tensors packing creates,
 * and the chunks of CPU tensors nn.DataParallel scatters to other devices. Code that plans a
 * layout from such a vector (packing lengths, sort orders) reads them here instead of waiting on
 * the device.
 */
const known = new WeakMap<Tensor, readonly number[]>();

export function rememberHostValues(tensor: Tensor, values: readonly number[]): void {
  known.set(tensor, values);
}

export function hostValuesOf(tensor: Tensor): readonly number[] | undefined {
  return known.get(tensor);
}
