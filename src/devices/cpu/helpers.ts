// What the CPU kernel glue of every family shares: where a view lies in wasm memory, and contiguous staging copies.
import { contiguousStrides, isContiguous, numel } from '../../shape.js';
import type { TensorView } from '../device.js';
import type { CpuDevice } from './device.js';

/** Byte address of a view's first element. */
export function addressOf(view: TensorView): number {
  return (view.storage.buffer as number) + view.offset * 4;
}

/** A contiguous view of `shape` over the scratch block at `buffer`, with `like`'s dtype and storage otherwise. */
export function scratchView(like: TensorView, buffer: number, shape: readonly number[]): TensorView {
  return { storage: { ...like.storage, buffer }, offset: 0, shape, strides: contiguousStrides(shape), dtype: like.dtype };
}

/** Runs `use` on x itself when it is contiguous, else on a contiguous copy in scratch memory. */
export function withContiguous<T>(cpu: CpuDevice, x: TensorView, use: (view: TensorView) => T): T {
  if (isContiguous(x.shape, x.strides)) return use(x);
  const buffer = cpu.allocator.malloc(numel(x.shape) * 4);
  const staged = scratchView(x, buffer, x.shape);
  try {
    cpu.kernels.copy(staged, x);
    return use(staged);
  } finally {
    cpu.allocator.free(buffer);
  }
}

/** withContiguous for an optional operand (a bias): null passes through. */
export function withOptionalContiguous<T>(cpu: CpuDevice, x: TensorView | null, use: (view: TensorView | null) => T): T {
  return x ? withContiguous(cpu, x, use) : use(null);
}
