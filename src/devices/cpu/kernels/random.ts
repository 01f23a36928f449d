// CPU glue for the Philox random kernels of assembly/random.ts (uniform, normal, bernoulli, multinomial).
import { numel } from '../../../shape.js';
import type { Kernels } from '../../device.js';
import { MULTINOMIAL_STATUSES } from '../../opcodes.js';
import type { CpuDevice } from '../device.js';
import { addressOf, withContiguous } from '../helpers.js';

export function randomKernels(cpu: CpuDevice): Pick<Kernels, 'randomUniform' | 'randomNormal' | 'randomInt' | 'bernoulli' | 'multinomial'> {
  const wasm = cpu.wasm;

  return {
    randomUniform(out, { seedLow, seedHigh, offset }, low, high) {
      wasm.randomUniformF32(addressOf(out), numel(out.shape), seedLow, seedHigh, offset, low, high);
    },
    randomNormal(out, { seedLow, seedHigh, offset }, mean, std) {
      wasm.randomNormalF32(addressOf(out), numel(out.shape), seedLow, seedHigh, offset, mean, std);
    },
    randomInt(out, { seedLow, seedHigh, offset }, low, high) {
      wasm.randomIntI32(addressOf(out), numel(out.shape), seedLow, seedHigh, offset, low, high - low);
    },
    bernoulli(out, probabilities, { seedLow, seedHigh, offset }) {
      // One broadcast value needs no staging: the kernel splats it.
      if (probabilities.strides.every((stride) => stride === 0)) {
        wasm.bernoulliF32(addressOf(out), numel(out.shape), addressOf(probabilities), 0, seedLow, seedHigh, offset);
        return;
      }
      withContiguous(cpu, probabilities, (p) =>
        wasm.bernoulliF32(addressOf(out), numel(out.shape), addressOf(p), 1, seedLow, seedHigh, offset),
      );
    },
    multinomial(out, weights, replacement, { seedLow, seedHigh, offset }) {
      const [rows, categories] = weights.shape;
      const scratch = cpu.allocator.malloc(wasm.multinomialScratchBytes(categories));
      try {
        const status = withContiguous(cpu, weights, (w) =>
          wasm.multinomialF32(
            addressOf(out),
            addressOf(w),
            rows,
            categories,
            out.shape[1],
            replacement,
            scratch,
            seedLow,
            seedHigh,
            offset,
          ),
        );
        return MULTINOMIAL_STATUSES[status];
      } finally {
        cpu.allocator.free(scratch);
      }
    },
  };
}
