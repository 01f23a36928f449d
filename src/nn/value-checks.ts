// Checks that index tensors (class targets, embedding ids) stay below a bound, on any device.
import type { FaultMessage } from '../devices/device.js';
import { noGrad } from '../graph/grad-mode.js';
import { scope } from '../memory.js';
import { zeros } from '../ops/creation.js';
import { gatherInto } from '../ops/unrecorded.js';
import { expand, reshape } from '../ops/views.js';
import { Tensor } from '../tensor.js';

/**
 * Checks a condition on values that live on a device (class targets in range, probabilities in
 * [0, 1], a finite norm) without reading them: the first value of the int32 tensor `values`
 * outside [0, bound) raises `message`, with `{value}` standing for that value (see FaultMessage).
 * The index kernels make the check, so it raises at once on the CPU and, on a device that runs
 * asynchronously, at the next read, as CUDA raises PyTorch's device-side asserts. Callers express
 * their condition as such an index: a class, or a count of offending elements against bound 1.
 */
export function checkValuesBelow(values: Tensor, bound: number, message: FaultMessage): void {
  if (values.numel() === 0) return;
  noGrad(() =>
    scope(() => {
      const index = reshape(values, [-1]);
      // A gather from a stride-0 row of `bound` zeros: only its bound-checking matters.
      const table = expand(zeros([1], { device: values.device }), [bound]);
      gatherInto(Tensor.empty(index.shape, 'float32', values.deviceObject), table, index, 0, message);
    }),
  );
}
