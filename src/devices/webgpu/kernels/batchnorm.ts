// WebGPU glue for batch normalisation's per-channel shaders.
import { numel } from '../../../shape.js';
import type { Kernels, TensorView } from '../../device.js';
import type { WebGpuDevice } from '../device.js';
import { defineShader, stridedWalk, type Uniform, type Walk } from '../launch.js';

const statisticsShader = defineShader('batchNormStatistics', { includes: ['compensated'] });
const backwardReduceShader = defineShader('batchNormBackwardReduce', { includes: ['compensated'] });
const affineShader = defineShader('channelAffine');
const backwardInputShader = defineShader('batchNormBackwardInput');

/** The walk over [N, C, *] operands with dim 1 moved first, so each channel's elements are one run of walk positions. */
function channelMajorWalk(op: string, shape: readonly number[], operands: readonly TensorView[]): Walk {
  const order = [1, 0, ...shape.slice(2).map((_, d) => d + 2)];
  return stridedWalk(
    op,
    order.map((d) => shape[d]),
    operands.map((view) => ({ strides: order.map((d) => view.strides[d]), offset: view.offset })),
  );
}

/** The uniforms `<name>Offset` and `<name>Stride` that locate a per-channel operand [C]. */
function perChannel(views: Readonly<Record<string, TensorView>>): Record<string, Uniform> {
  return Object.fromEntries(
    Object.entries(views).flatMap(([name, view]) => [
      [`${name}Offset`, ['i32', view.offset]],
      [`${name}Stride`, ['i32', view.strides[0]]],
    ]),
  );
}

/** channels and inner of an [N, C, *] shape, which place element i in channel (i / inner) % channels. */
function channelUniforms(shape: readonly number[]): Record<string, Uniform> {
  return { channels: ['u32', shape[1]], inner: ['u32', numel(shape.slice(2))] };
}

export function batchNormKernels(
  gpu: WebGpuDevice,
): Pick<Kernels, 'batchNormStatistics' | 'channelAffine' | 'batchNormBackwardReduce' | 'batchNormBackwardInput'> {
  return {
    batchNormStatistics(mean, variance, input) {
      const channels = input.shape[1];
      gpu.run({
        shader: statisticsShader,
        outputs: { mean, variance },
        inputs: { input },
        walk: channelMajorWalk('batchNormStatistics', input.shape, [input]),
        uniforms: {
          channels: ['u32', channels],
          size: ['u32', numel(input.shape) / channels],
          meanOffset: ['u32', mean.offset],
          varianceOffset: ['u32', variance.offset],
        },
        workgroups: channels,
      });
    },
    channelAffine(out, input, scale, shift) {
      gpu.run({
        shader: affineShader,
        outputs: { out },
        inputs: { input, scale, shift },
        walk: stridedWalk('channelAffine', input.shape, [input]),
        uniforms: { ...channelUniforms(input.shape), outOffset: ['u32', out.offset], ...perChannel({ scale, shift }) },
      });
    },
    batchNormBackwardReduce(gradSum, dot, grad, input, mean) {
      const channels = grad.shape[1];
      gpu.run({
        shader: backwardReduceShader,
        outputs: { gradSum, dot },
        inputs: { grad, input, mean },
        walk: channelMajorWalk('batchNormBackwardReduce', grad.shape, [grad, input]),
        uniforms: {
          channels: ['u32', channels],
          size: ['u32', numel(grad.shape) / channels],
          gradSumOffset: ['u32', gradSum.offset],
          dotOffset: ['u32', dot.offset],
          ...perChannel({ mean }),
        },
        workgroups: channels,
      });
    },
    batchNormBackwardInput(gradInput, grad, input, mean, k1, k2, k3) {
      gpu.run({
        shader: backwardInputShader,
        outputs: { gradInput },
        inputs: { grad, input, mean, k1, k2, k3 },
        walk: stridedWalk('batchNormBackwardInput', grad.shape, [grad, input]),
        uniforms: { ...channelUniforms(grad.shape), outOffset: ['u32', gradInput.offset], ...perChannel({ mean, k1, k2, k3 }) },
      });
    },
  };
}
