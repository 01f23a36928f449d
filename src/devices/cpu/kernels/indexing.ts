// CPU glue for gather, scatter, index and masked kernels of assembly/indexing.ts.
import { coalesce } from '../../coalesce.js';
import type { Kernels, TensorView } from '../../device.js';
import { GATHER_SCATTER_MODES } from '../../opcodes.js';
import type { CpuDevice } from '../device.js';
import { addressOf } from '../helpers.js';

export function indexingKernels(cpu: CpuDevice): Pick<Kernels, 'gather' | 'scatter' | 'normalizeIndex'> {
  const wasm = cpu.wasm;

  /** The kernel reports a bad index by its element offset; the contract returns its value. */
  const badValue = (index: TensorView, offset: number): number | null => (offset < 0 ? null : cpu.i32()[addressOf(index) / 4 + offset]);

  const gatherScatter = (mode: number, data: TensorView, index: TensorView, other: TensorView, dim: number): number | null => {
    // The dim's stride multiplies the index value, not a coordinate, so it leaves the walk.
    const dataStrides = data.strides.map((stride, d) => (d === dim ? 0 : stride));
    const { shape, strides } = coalesce(index.shape, [dataStrides, index.strides, other.strides]);
    cpu.beginParams();
    const [shapeAt, dataAt, indexAt, otherAt] = cpu.params(shape, strides[0], strides[1], strides[2]);
    const bad = wasm.gatherScatter(
      mode,
      shape.length,
      shapeAt,
      addressOf(data),
      dataAt,
      addressOf(index),
      indexAt,
      addressOf(other),
      otherAt,
      data.strides[dim],
      data.shape[dim],
    );
    return badValue(index, bad);
  };

  return {
    gather(out, input, index, dim) {
      return gatherScatter(GATHER_SCATTER_MODES.gather, input, index, out, dim);
    },
    scatter(out, index, src, dim, accumulate) {
      const mode = !accumulate
        ? GATHER_SCATTER_MODES.scatter
        : out.dtype === 'float32'
          ? GATHER_SCATTER_MODES.scatterAddF32
          : GATHER_SCATTER_MODES.scatterAddI32;
      return gatherScatter(mode, out, index, src, dim);
    },
    normalizeIndex(out, index, size) {
      const { shape, strides } = coalesce(index.shape, [out.strides, index.strides]);
      cpu.beginParams();
      const [shapeAt, indexAt] = cpu.params(shape, strides[1]);
      return badValue(index, wasm.normalizeIndex(shape.length, shapeAt, addressOf(out), addressOf(index), indexAt, size));
    },
  };
}
