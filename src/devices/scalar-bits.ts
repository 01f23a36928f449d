// A scalar as the 32-bit word a tensor of its dtype stores, for kernels that take a value as raw bits.
import type { DType } from '../dtype.js';

const scratch = new DataView(new ArrayBuffer(4));

/**
 * The 32 bits that represent `value` in `dtype`, as a u32: float32's IEEE bits, int32 truncated
 * toward zero, bool 0 or 1. One word carries any dtype, so a fill kernel needs no variant per dtype.
 */
export function scalarBits(value: number, dtype: DType): number {
  if (dtype === 'float32') scratch.setFloat32(0, value, true);
  else scratch.setInt32(0, dtype === 'bool' ? (value ? 1 : 0) : Math.trunc(value), true);
  return scratch.getUint32(0, true);
}
