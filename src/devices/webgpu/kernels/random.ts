// WebGPU glue for the Philox random shaders (uniform, normal, bernoulli, multinomial).
import { numel } from '../../../shape.js';
import type { Kernels, RandomStream, TensorView } from '../../device.js';
import type { WebGpuDevice } from '../device.js';
import { defineShader, stridedWalk, type Uniform } from '../launch.js';

const randomShader = defineShader('random', { includes: ['math', 'philox'] });
const bernoulliShader = defineShader('bernoulli', { includes: ['math', 'philox'] });
const multinomialShader = defineShader('multinomial', { includes: ['math', 'philox', 'float64'] });

const WORKGROUP_SIZE = 64;

/** The stream's uniforms (see shaders/philox.wgsl): its counter offset, up to 2^53, in two halves. */
function streamUniforms({ seedLow, seedHigh, offset }: RandomStream): Record<string, Uniform> {
  return {
    seedLow: ['u32', seedLow],
    seedHigh: ['u32', seedHigh],
    offsetLow: ['u32', offset % 2 ** 32],
    offsetHigh: ['u32', Math.floor(offset / 2 ** 32)],
  };
}

/** Workgroups for one thread per block of four words. */
function blockWorkgroups(count: number): number {
  return Math.ceil(count / 4 / WORKGROUP_SIZE);
}

/**
 * The random kernels evaluate Philox per element block, so each output is the same function of
 * (seed, offset, element) as on the CPU: integers, uniforms and Bernoulli masks bit for bit, normals
 * with the CPU's polynomials and order of operations (equal where the GPU's sqrt is correctly
 * rounded and no multiply-add is fused, as on lavapipe; within 4 ulp elsewhere). multinomial
 * repeats the CPU's float64 steps in integer arithmetic, so its samples are the CPU's bit for bit;
 * without replacement it ranks each key against its whole row, O(categories^2) work per row (in
 * parallel), which suits rows of up to some thousands of categories.
 */
export function randomKernels(
  gpu: WebGpuDevice,
): Pick<Kernels, 'randomUniform' | 'randomNormal' | 'randomInt' | 'bernoulli' | 'multinomial'> {
  const generate = (entryPoint: string, out: TensorView, stream: RandomStream, p0: number, p1: number, low: number, range: number) => {
    const count = numel(out.shape);
    gpu.run({
      shader: randomShader,
      entryPoint,
      workgroupSize: WORKGROUP_SIZE,
      outputs: { out },
      uniforms: {
        count: ['u32', count],
        outOffset: ['u32', out.offset],
        ...streamUniforms(stream),
        p0: ['f32', p0],
        p1: ['f32', p1],
        low: ['i32', low],
        range: ['u32', range],
      },
      workgroups: blockWorkgroups(count),
    });
  };
  return {
    randomUniform(out, stream, low, high) {
      generate('drawUniform', out, stream, low, high, 0, 0);
    },
    randomNormal(out, stream, mean, std) {
      generate('drawNormal', out, stream, mean, std, 0, 0);
    },
    randomInt(out, stream, low, high) {
      // A range of 2^32 wraps to 0, which the shader reads as 2^32.
      generate('drawInteger', out, stream, 0, 0, low, (high - low) % 2 ** 32);
    },
    bernoulli(out, probabilities, stream) {
      const count = numel(out.shape);
      gpu.run({
        shader: bernoulliShader,
        workgroupSize: WORKGROUP_SIZE,
        outputs: { out },
        inputs: { probabilities },
        walk: stridedWalk('bernoulli', out.shape, [out, probabilities]),
        uniforms: streamUniforms(stream),
        workgroups: blockWorkgroups(count),
      });
    },
    multinomial(out, weights, replacement, stream, errors) {
      const [rows, categories] = weights.shape;
      const samples = out.shape[1];
      // Per weight: its cumulative sum (float64) with replacement, its key (float32) without.
      const scratchBytes = rows * categories * (replacement ? 8 : 4);
      const scratch: TensorView = {
        storage: { ...out.storage, buffer: gpu.malloc(scratchBytes), bytes: scratchBytes },
        offset: 0,
        shape: [scratchBytes / 4],
        strides: [1],
        dtype: 'int32',
      };
      const launch = {
        shader: multinomialShader,
        workgroupSize: WORKGROUP_SIZE,
        constants: { REPLACEMENT: replacement ? 1 : 0 },
        outputs: { out, scratch },
        inputs: { weights },
        uniforms: {
          rows: ['u32', rows],
          categories: ['u32', categories],
          samples: ['u32', samples],
          outOffset: ['u32', out.offset],
          weightsOffset: ['u32', weights.offset],
          rowStride: ['i32', weights.strides[0]],
          colStride: ['i32', weights.strides[1]],
          ...streamUniforms(stream),
        },
      } as const;
      const perWeight = Math.ceil((rows * categories) / WORKGROUP_SIZE);
      gpu.run({ ...launch, entryPoint: 'checkWeights', workgroups: perWeight, fault: errors.invalidWeight });
      gpu.run({ ...launch, entryPoint: 'prepare', workgroups: Math.ceil(rows / WORKGROUP_SIZE), fault: errors.zeroRow });
      if (replacement) {
        gpu.run({ ...launch, entryPoint: 'draw', workgroups: Math.ceil((rows * samples) / WORKGROUP_SIZE) });
      } else {
        gpu.run({ ...launch, entryPoint: 'keys', workgroups: perWeight });
        gpu.run({ ...launch, entryPoint: 'rank', workgroups: perWeight });
      }
      gpu.free(scratch.storage.buffer);
      return 'ok';
    },
  };
}
