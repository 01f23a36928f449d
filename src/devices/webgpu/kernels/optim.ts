// WebGPU glue for the fused optimizer shaders.
import type { Kernels } from '../../device.js';
import type { WebGpuDevice } from '../device.js';
import { defineShader, stridedWalk } from '../launch.js';

const adamShader = defineShader('adam');

export function optimKernels(gpu: WebGpuDevice): Pick<Kernels, 'adamStep'> {
  return {
    adamStep(param, grad, expAvg, expAvgSq, s) {
      gpu.run({
        shader: adamShader,
        outputs: { param, expAvg, expAvgSq },
        inputs: { grad },
        walk: stridedWalk('adamStep', param.shape, [param, grad, expAvg, expAvgSq]),
        uniforms: {
          beta1: ['f32', s.beta1],
          oneMinusBeta1: ['f32', s.oneMinusBeta1],
          beta2: ['f32', s.beta2],
          oneMinusBeta2: ['f32', s.oneMinusBeta2],
          negativeStepSize: ['f32', s.negativeStepSize],
          biasCorrection2Sqrt: ['f32', s.biasCorrection2Sqrt],
          eps: ['f32', s.eps],
        },
      });
    },
  };
}
