// CPU glue for the fused optimizer kernels of assembly/optim.ts.
import { numel } from '../../../shape.js';
import type { Kernels } from '../../device.js';
import type { CpuDevice } from '../device.js';
import { addressOf } from '../helpers.js';

export function optimKernels(cpu: CpuDevice): Pick<Kernels, 'adamStep'> {
  const wasm = cpu.wasm;
  return {
    adamStep(param, grad, expAvg, expAvgSq, s) {
      wasm.adamStepF32(
        numel(param.shape),
        addressOf(param),
        addressOf(grad),
        addressOf(expAvg),
        addressOf(expAvgSq),
        s.beta1,
        s.oneMinusBeta1,
        s.beta2,
        s.oneMinusBeta2,
        s.negativeStepSize,
        s.biasCorrection2Sqrt,
        s.eps,
      );
    },
  };
}
