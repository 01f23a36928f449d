// The dtypes webtorch has, PyTorch's dtype names mapped onto them, and type promotion.
import { nearestKey } from './options.js';

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

/**
 * PyTorch's int64 (`torch.long`, `torch.int64`), its default integer type, is int32 here: webtorch
 * has no int64, so integer values it receives must fit in int32 and are checked where they arrive.
 */
export const int64: DType = 'int32';
export const long: DType = 'int32';
/** PyTorch's `torch.float` and `torch.int`. */
export const float: DType = 'float32';
export const int: DType = 'int32';
/**
 * PyTorch's floating dtypes that webtorch lacks, exported so that ported code passing
 * `{ dtype: torch.float64 }` is refused with the supported list instead of reading an undefined
 * export as "the default dtype".
 */
export const float64 = 'float64';
export const double = 'double';
export const float16 = 'float16';
export const half = 'half';

const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];
const DTYPE_ALIASES: Readonly<Record<string, DType>> = { int64: 'int32', long: 'int32' };
/** PyTorch's dtypes that webtorch lacks: named plainly, not as typos of a supported one. */
const PYTORCH_ONLY_DTYPES = [
  'float64',
  'double',
  'float16',
  'half',
  'bfloat16',
  'int8',
  'int16',
  'short',
  'uint8',
  'complex64',
  'complex128',
];

/**
 * A dtype argument as a DType, with PyTorch's 'int64' read as int32; anything else (`'float64'`,
 * `'float16'`, a typo) is a TypeError that lists the supported dtypes.
 */
export function resolveDtype(fn: string, dtype: unknown): DType {
  if (typeof dtype === 'string') {
    if ((DTYPES as readonly string[]).includes(dtype)) return dtype as DType;
    if (Object.hasOwn(DTYPE_ALIASES, dtype)) return DTYPE_ALIASES[dtype];
  }
  const shown = typeof dtype === 'string' ? `'${dtype}'` : String(dtype);
  const closest = typeof dtype === 'string' && !PYTORCH_ONLY_DTYPES.includes(dtype) ? nearestKey(dtype, DTYPES) : null;
  const hint = closest === null ? '' : `; did you mean '${closest}'?`;
  throw new TypeError(`${fn}: unsupported dtype ${shown}${hint} (supported: ${DTYPES.join(', ')}; 'int64' means int32)`);
}

/** Whether a string is meant as a dtype (a supported one, PyTorch's others, or a typo of one) rather than a device name. */
export function looksLikeDtype(name: string): boolean {
  return /^(u?int|float|bfloat|complex|bool|long|half|double|short)/.test(name) || nearestKey(name, DTYPES) !== null;
}

/** The int32 a number becomes in an int32 tensor (truncated toward zero), refusing one that would wrap. */
export function toInt32(fn: string, value: number, source?: string): number {
  const truncated = Math.trunc(value);
  if (!(truncated >= -(2 ** 31) && truncated < 2 ** 31))
    throw new RangeError(
      `${fn}: value ${value}${source ? ` (${source})` : ''} cannot be converted to int32 without overflow (webtorch stores int64 as int32)`,
    );
  return truncated;
}
