// WebGPU glue for the sort and top-k shaders.
import type { Kernels, TensorView } from '../../device.js';
import type { WebGpuDevice } from '../device.js';
import { DTYPE_CODES, defineShader, type Uniform } from '../launch.js';
import { rowsAlong } from './rows.js';

const sortShader = defineShader('sort');

const WORKGROUP_SIZE = 256;
/** A (key, position) pair of u32s. */
const PAIR_BYTES = 8;

function nextPowerOfTwo(n: number): number {
  let power = 1;
  while (power < n) power *= 2;
  return power;
}

/**
 * The bitonic sort of shaders/sort.wgsl: rows padded to a power of two P; one tile pass sorts
 * every run of min(P, tile) pairs in workgroup memory, and rows longer than a tile then merge
 * stage by stage through a global (key, position) buffer: each stage's steps across tiles run one
 * dispatch per step, its steps within tiles in one more tile pass. The last tile pass writes the
 * first k of each row.
 */
export function sortKernels(gpu: WebGpuDevice): Pick<Kernels, 'sort'> {
  // The largest power-of-two tile of pairs that fits the device's workgroup memory.
  const tile = 2 ** Math.floor(Math.log2(gpu.gpu.limits.maxComputeWorkgroupStorageSize / PAIR_BYTES));
  return {
    sort(values, indices, x, dim, k, descending) {
      const rows = rowsAlong('sort', x.shape, dim, [x]);
      const padded = nextPowerOfTwo(rows.size);
      const pairCount = rows.rows * padded;
      const tiles = Math.ceil(pairCount / tile);
      // Rows that fit a tile never touch the pairs buffer, but every pass binds it.
      const scratchBytes = padded > tile ? pairCount * PAIR_BYTES : PAIR_BYTES;
      const limit = gpu.gpu.limits.maxStorageBufferBindingSize;
      if (scratchBytes > limit) {
        throw new RangeError(
          `sort: sorting ${rows.rows} row(s) of ${rows.size} elements on ${gpu.name} needs ${scratchBytes} bytes of scratch (rows padded to ${padded}), more than the largest buffer the device can bind (${limit} bytes, maxStorageBufferBindingSize); sort on the CPU with .to('cpu')`,
        );
      }
      const scratch = gpu.malloc(scratchBytes);
      const pairs: TensorView = {
        storage: { ...x.storage, buffer: scratch },
        offset: 0,
        shape: [pairCount * 2],
        strides: [1],
        dtype: 'int32',
      };
      const run = (entryPoint: 'sortTiles' | 'mergeTiles' | 'mergeAcross', stage: number, distance: number, emit: boolean) => {
        const uniforms: Record<string, Uniform> = {
          size: ['u32', rows.size],
          stride: ['i32', rows.strides[0]],
          padded: ['u32', padded],
          k: ['u32', k],
          inner: ['u32', rows.inner],
          flip: ['u32', descending ? 0xffffffff : 0],
          tiles: ['u32', tiles],
          comparisons: ['u32', Math.floor(pairCount / 2)],
          stage: ['u32', stage],
          distance: ['u32', distance],
          emit: ['u32', emit ? 1 : 0],
          valuesOffset: ['u32', values.offset],
          indicesOffset: ['u32', indices.offset],
        };
        gpu.run({
          shader: sortShader,
          entryPoint,
          constants: { DTYPE: DTYPE_CODES[x.dtype === 'float32' ? 'float32' : 'int32'], TILE: tile },
          workgroupSize: WORKGROUP_SIZE,
          outputs: { values, indices, pairs },
          inputs: { x },
          walk: rows.walk,
          uniforms,
          workgroups: entryPoint === 'mergeAcross' ? Math.ceil(pairCount / 2 / WORKGROUP_SIZE) : tiles,
        });
      };
      run('sortTiles', 0, 0, padded <= tile);
      for (let stage = 2 * tile; stage <= padded; stage *= 2) {
        for (let distance = stage / 2; distance >= tile; distance /= 2) run('mergeAcross', stage, distance, false);
        run('mergeTiles', stage, 0, stage === padded);
      }
      gpu.free(scratch);
    },
  };
}
