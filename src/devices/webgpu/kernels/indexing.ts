// WebGPU glue for the gather, scatter, index and masked shaders.
import { numel } from '../../../shape.js';
import type { Kernels, TensorView } from '../../device.js';
import type { WebGpuDevice } from '../device.js';
import { DTYPE_CODES, defineShader, stridedWalk } from '../launch.js';

const gatherShader = defineShader('gather', { includes: ['indexing'] });
const scatterShader = defineShader('scatter', { includes: ['indexing'] });
const scatterAddShader = defineShader('accumulate', { includes: ['indexing'] });
const normalizeShader = defineShader('normalize');

/** The message for callers that give none (their indices are valid by construction). */
function outOfBounds(kernel: string, dim: number, size: number): string {
  return `${kernel}: index {value} is out of bounds for dimension ${dim} with size ${size}`;
}

/** The indexed tensor as the walk sees it: its stride along `dim` goes to the index value instead. */
function withoutDim(view: TensorView, dim: number): TensorView {
  return { ...view, strides: view.strides.map((stride, d) => (d === dim ? 0 : stride)) };
}

/**
 * Elements from a view's first to its last (strides are never negative): the claims scatter needs.
 * At least 1: an empty target still gets its (out of range) indices checked.
 */
function span(view: TensorView): number {
  return Math.max(
    view.shape.reduce((extent, size, d) => extent + Math.max(size - 1, 0) * view.strides[d], 1),
    1,
  );
}

/**
 * Gather and scatter report a bad index through the device's fault mechanism (raised at the next
 * read) and return null; so do normalizeIndex's bad values. Scatter checks every index before it
 * writes, so a bad one leaves out untouched, as on the CPU.
 */
export function indexingKernels(gpu: WebGpuDevice): Pick<Kernels, 'gather' | 'scatter' | 'normalizeIndex'> {
  return {
    gather(out, input, index, dim, badIndex) {
      if (numel(index.shape) === 0) return null;
      gpu.run({
        shader: gatherShader,
        outputs: { out },
        inputs: { input, index },
        walk: stridedWalk('gather', index.shape, [out, withoutDim(input, dim), index]),
        uniforms: { dimStride: ['i32', input.strides[dim]], dimSize: ['i32', input.shape[dim]] },
        fault: badIndex,
      });
      return null;
    },
    scatter(out, index, src, dim, accumulate, badIndex = outOfBounds('scatter', dim, out.shape[dim])) {
      if (numel(index.shape) === 0) return null;
      const walk = stridedWalk('scatter', index.shape, [withoutDim(out, dim), index, src]);
      const uniforms = { dimStride: ['i32', out.strides[dim]], dimSize: ['i32', out.shape[dim]] } as const;
      if (accumulate) {
        const launch = {
          shader: scatterAddShader,
          constants: { DTYPE: DTYPE_CODES[out.dtype] },
          outputs: { out },
          atomics: ['out'],
          inputs: { index, src },
          walk,
          uniforms,
          fault: badIndex,
        };
        gpu.run({ ...launch, entryPoint: 'check' });
        gpu.run({ ...launch, entryPoint: 'add' });
        return null;
      }
      const claimCount = span(out);
      const claims: TensorView = {
        storage: { ...out.storage, buffer: gpu.malloc(claimCount * 4), bytes: claimCount * 4 },
        offset: 0,
        shape: [claimCount],
        strides: [1],
        dtype: 'int32',
      };
      gpu.kernels.fill(claims, 0);
      const launch = {
        shader: scatterShader,
        outputs: { out, claims },
        atomics: ['claims'],
        inputs: { index, src },
        walk,
        uniforms: { ...uniforms, claimBase: ['i32', out.offset] as const },
        fault: badIndex,
      };
      gpu.run({ ...launch, entryPoint: 'claim' });
      gpu.run({ ...launch, entryPoint: 'write' });
      gpu.free(claims.storage.buffer);
      return null;
    },
    normalizeIndex(out, index, size, badIndex) {
      if (numel(index.shape) === 0) return null;
      gpu.run({
        shader: normalizeShader,
        outputs: { out },
        inputs: { index },
        walk: stridedWalk('normalizeIndex', index.shape, [out, index]),
        uniforms: { size: ['i32', size] },
        fault: badIndex,
      });
      return null;
    },
  };
}
