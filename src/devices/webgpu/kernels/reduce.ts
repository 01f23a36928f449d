// WebGPU glue for the reduction shaders.
import { contiguousStrides, numel } from '../../../shape.js';
import type { Kernels, TensorView } from '../../device.js';
import { REDUCE_OPCODES } from '../../opcodes.js';
import { reducedInnermost, reduceLayout } from '../../reduce-layout.js';
import type { WebGpuDevice } from '../device.js';
import { DTYPE_CODES, defineShader, stridedWalk } from '../launch.js';

const reduceShader = defineShader('reduce', { tables: [REDUCE_OPCODES] });

const WORKGROUP_SIZE = 64;
/** Runs at least this long get a workgroup per output instead of a thread. */
const COOPERATIVE_RUN = 64;

export function reduceKernels(gpu: WebGpuDevice): Pick<Kernels, 'reduce'> {
  return {
    reduce(op, out, x, dims, overflow) {
      let layout = reduceLayout(x.shape, x.strides, dims);
      let source: TensorView = x;
      let staging: GPUBuffer | null = null;
      if (!layout) {
        // The reduced dims interleave with kept ones in memory: gather them innermost first.
        const order = reducedInnermost(x.shape.length, dims);
        const shape = order.map((d) => x.shape[d]);
        staging = gpu.malloc(numel(shape) * 4) as GPUBuffer;
        const staged = { storage: { ...x.storage, buffer: staging }, offset: 0, shape, strides: contiguousStrides(shape), dtype: x.dtype };
        gpu.kernels.copy(staged, { ...x, shape, strides: order.map((d) => x.strides[d]) });
        source = staged;
        const kept = x.shape.length - dims.length;
        layout = reduceLayout(
          shape,
          staged.strides,
          dims.map((_, i) => kept + i),
        )!;
      }
      const outputs = numel(layout.keptShape);
      const cooperative = layout.count >= COOPERATIVE_RUN;
      gpu.run({
        shader: reduceShader,
        entryPoint: cooperative ? 'cooperative' : 'main',
        constants: { OP: REDUCE_OPCODES[op], DTYPE: DTYPE_CODES[source.dtype] },
        workgroupSize: WORKGROUP_SIZE,
        outputs: { out },
        inputs: { x: source },
        walk: stridedWalk(op, layout.keptShape, [{ strides: layout.keptStrides, offset: source.offset }]),
        uniforms: { reducedCount: ['u32', layout.count], reducedStride: ['i32', layout.stride], outOffset: ['u32', out.offset] },
        workgroups: cooperative ? outputs : Math.ceil(outputs / WORKGROUP_SIZE),
        fault: (op === 'sum' || op === 'prod') && source.dtype !== 'float32' ? overflow : undefined,
      });
      if (staging) gpu.free(staging);
      return null;
    },
  };
}
