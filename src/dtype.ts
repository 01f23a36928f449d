/** Element types. Every dtype is stored in 4 bytes so kernels and copies are dtype-agnostic, and
 * bool keeps one layout on every device (WGSL has no byte type). */
export type DType = 'float32' | 'int32' | 'bool';

export const float32: DType = 'float32';
export const int32: DType = 'int32';
export const bool: DType = 'bool';

export const BYTES_PER_ELEMENT = 4;

/** PyTorch's result type for mixing two tensors: float beats int beats bool. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === 'float32' || b === 'float32') return 'float32';
  if (a === 'int32' || b === 'int32') return 'int32';
  return 'bool';
}

export function isFloatingPoint(dtype: DType): boolean {
  return dtype === 'float32';
}
