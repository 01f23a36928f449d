// The CPU's running sums and products (assembly/scan.ts): a contiguous copy of a strided input, then one kernel call.
import { numel } from '../../../shape.js';
import type { Kernels } from '../../device.js';
import { SCAN_OPCODES } from '../../opcodes.js';
import type { CpuDevice } from '../device.js';
import { addressOf, withContiguous } from '../helpers.js';

export function scanKernels(cpu: CpuDevice): Pick<Kernels, 'scan'> {
  const wasm = cpu.wasm;
  return {
    scan(op, out, x, dim, reverse) {
      const args = [numel(x.shape.slice(0, dim)), x.shape[dim] ?? 1, numel(x.shape.slice(dim + 1)), reverse] as const;
      return withContiguous(cpu, x, (source) => {
        if (x.dtype === 'float32') {
          const scratch = cpu.allocator.malloc(wasm.scanScratchBytes(args[2]));
          try {
            wasm.scanF32(SCAN_OPCODES[op], addressOf(out), addressOf(source), ...args, scratch);
          } finally {
            cpu.allocator.free(scratch);
          }
          return null;
        }
        const overflow = wasm.scanI32(SCAN_OPCODES[op], addressOf(out), addressOf(source), ...args);
        return Number.isNaN(overflow) ? null : overflow;
      });
    },
  };
}
