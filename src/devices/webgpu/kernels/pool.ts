// WebGPU glue for the max and average pooling shaders.
import { numel } from '../../../shape.js';
import type { Kernels, PoolAxis, TensorView } from '../../device.js';
import type { WebGpuDevice } from '../device.js';
import { defineShader } from '../launch.js';

const MODES = { maxIndices: 0, maxValues: 1, average: 2, averageBackward: 3, maxBackward: 4 };
type Mode = keyof typeof MODES;
const poolShader = defineShader('pool', { tables: [MODES] });

const WORKGROUP_SIZE = 64;
/**
 * Window tables kept on the device: a layer pools with the same windows at every step, so the
 * table is written once instead of once per call (each write submits the work queued before it).
 */
const CACHED_TABLES = 32;

/** One axis of the table shaders/pool.wgsl reads: start, end and divisor per output, then per input position the outputs [first, last) whose windows may cover it. */
function axisTable(axis: PoolAxis, size: number): number[] {
  const outSize = axis.start.length;
  const first = new Array<number>(size).fill(outSize);
  const last = new Array<number>(size).fill(0);
  for (let i = 0; i < outSize; i++) {
    for (let p = axis.start[i]; p < axis.end[i]; p++) {
      first[p] = Math.min(first[p], i);
      last[p] = i + 1;
    }
  }
  return [...axis.start, ...axis.end, ...axis.divisor, ...first, ...last];
}

export function poolKernels(gpu: WebGpuDevice): Pick<Kernels, 'maxPool2d' | 'maxPool2dBackward' | 'avgPool2d' | 'avgPool2dBackward'> {
  // Least recently used first.
  const tables = new Map<string, TensorView>();

  const windowTable = (rows: PoolAxis, cols: PoolAxis, height: number, width: number): TensorView => {
    const values = [...axisTable(rows, height), ...axisTable(cols, width)];
    const key = `${rows.start.length},${height},${cols.start.length},${width}:${values.join(',')}`;
    const cached = tables.get(key);
    if (cached) {
      tables.delete(key);
      tables.set(key, cached);
      return cached;
    }
    if (tables.size >= CACHED_TABLES) {
      const [oldest, evicted] = tables.entries().next().value!;
      tables.delete(oldest);
      gpu.free(evicted.storage.buffer);
    }
    const bytes = values.length * 4;
    const buffer = gpu.malloc(bytes);
    gpu.write(buffer, 0, Int32Array.from(values));
    const table: TensorView = {
      storage: { device: gpu, buffer, bytes, refs: 1, version: 0, pending: null },
      offset: 0,
      shape: [values.length],
      strides: [1],
      dtype: 'int32',
    };
    tables.set(key, table);
    return table;
  };

  /** out (contiguous) from x [N, C, *, *] (strided) for an [N, C, H, W] -> [N, C, Ho, Wo] pooling. */
  const run = (
    mode: Mode,
    out: TensorView,
    x: TensorView,
    indices: TensorView | null,
    inputShape: readonly number[],
    outShape: readonly number[],
    rows: PoolAxis,
    cols: PoolAxis,
  ) => {
    const [, channels, height, width] = inputShape;
    const windows = windowTable(rows, cols, height, width);
    const count = numel(out.shape);
    gpu.run({
      shader: poolShader,
      constants: { MODE: MODES[mode] },
      workgroupSize: WORKGROUP_SIZE,
      outputs: { out },
      inputs: { x, windows, indices: indices ?? windows },
      uniforms: {
        count: ['u32', count],
        channels: ['u32', channels],
        height: ['u32', height],
        width: ['u32', width],
        outHeight: ['u32', outShape[2]],
        outWidth: ['u32', outShape[3]],
        rowStep: ['u32', rows.step],
        colStep: ['u32', cols.step],
        xOffset: ['i32', x.offset],
        outOffset: ['u32', out.offset],
        indicesOffset: ['u32', indices?.offset ?? 0],
        xStrides: ['i32', x.strides],
      },
      workgroups: Math.ceil(count / WORKGROUP_SIZE),
    });
  };

  return {
    maxPool2d(out, indices, input, rows, cols) {
      run('maxIndices', indices, input, null, input.shape, out.shape, rows, cols);
      run('maxValues', out, input, indices, input.shape, out.shape, rows, cols);
    },
    maxPool2dBackward(gradInput, grad, indices, rows, cols) {
      run('maxBackward', gradInput, grad, indices, gradInput.shape, grad.shape, rows, cols);
    },
    avgPool2d(out, input, rows, cols) {
      run('average', out, input, null, input.shape, out.shape, rows, cols);
    },
    avgPool2dBackward(gradInput, grad, rows, cols) {
      run('averageBackward', gradInput, grad, null, gradInput.shape, grad.shape, rows, cols);
    },
  };
}
