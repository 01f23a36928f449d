import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';

/** A device's handle to one allocation: a byte address in wasm memory on the CPU, a GPUBuffer on WebGPU. */
export type DeviceBuffer = number | object;

/** Refcounted memory on one device; tensors are views over it. */
export interface Storage {
  readonly device: Device;
  readonly buffer: DeviceBuffer;
  readonly bytes: number;
  /** Live tensors (and saved-for-backward aliases) viewing this storage; freed at zero. */
  refs: number;
  /** Bumped by every in-place write, so autograd can tell a saved tensor was modified. */
  version: number;
}

/** What a kernel sees of a tensor: where its elements are and how to walk them. */
export interface TensorView {
  readonly storage: Storage;
  /** Offset of the first element, in elements. */
  readonly offset: number;
  readonly shape: Shape;
  /** Element strides; 0 marks a broadcast dim. */
  readonly strides: Shape;
  readonly dtype: DType;
}

export type UnaryOp =
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu'
  | 'sign' | 'floor' | 'ceil' | 'round' | 'reciprocal' | 'square' | 'clamp' | 'powScalar'
  | 'affine' | 'leakyRelu' | 'logicalNot' | 'erf' | 'log1p' | 'expm1' | 'rpowScalar' | 'gtScalar' | 'trunc';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr'
  | 'remainder' | 'floorDivide';

export type ReduceOp = 'sum' | 'max' | 'min' | 'argmax' | 'argmin';

/**
 * The primitive kernels a device provides. Ops validate arguments and compute output shapes before
 * calling; a kernel trusts its arguments. Outputs named `out` are freshly allocated and contiguous
 * unless a kernel says otherwise. Kernels run in call order on each device.
 */
export interface Kernels {
  /** dst = src converted to dst.dtype; same shape, both may be strided (dst is written through its strides). */
  copy(dst: TensorView, src: TensorView): void;
  /** Every element of dst (strided) = value, in dst's dtype. */
  fill(dst: TensorView, value: number): void;
  /** out[i] = start + i * step (contiguous). */
  arange(out: TensorView, start: number, step: number): void;
  /** out = op(x); x strided to out's shape; float32 ops take p0/p1 (clamp bounds, exponent, slope...). */
  unary(op: UnaryOp, out: TensorView, x: TensorView, p0?: number, p1?: number): void;
  /** out = a op b; a and b already broadcast (strides 0) to out's shape and of one dtype. */
  binary(op: BinaryOp, out: TensorView, a: TensorView, b: TensorView): void;
  /** out = cond ? a : b; all broadcast to out's shape, a and b of out's dtype. */
  where(out: TensorView, cond: TensorView, a: TensorView, b: TensorView): void;
  /**
   * out = op over `dims` of x (sorted, distinct, non-empty; each reduced extent >= 1); out holds
   * x's shape without those dims, contiguous. argmax/argmin write int32 positions within the
   * flattened reduced dims.
   */
  reduce(op: ReduceOp, out: TensorView, x: TensorView, dims: readonly number[]): void;
  /**
   * out[..., M, N] = a[..., M, K] @ b[..., K, N] for float32; a and b are strided (transposed
   * views need no copy) with batch dims already broadcast (stride 0) to out's batch shape.
   */
  matmul(out: TensorView, a: TensorView, b: TensorView): void;
}

/**
 * A place tensors live and kernels run. Kernels and copies run in the order they are issued;
 * `read` resolves after everything issued before it.
 */
export interface Device {
  /** 'cpu', 'cpu:1', 'webgpu', 'webgpu:1', ... */
  readonly name: string;
  readonly type: 'cpu' | 'webgpu';
  readonly kernels: Kernels;
  /** Allocates `bytes` of uninitialised memory, owned by the caller until `free`. */
  malloc(bytes: number): DeviceBuffer;
  free(buffer: DeviceBuffer, bytes: number): void;
  /** Writes host values into a contiguous region starting at element `offset` of `buffer`. */
  write(buffer: DeviceBuffer, offset: number, values: Float32Array | Int32Array): void;
  /** Copies `count` elements starting at `offset` out of `buffer`, after all issued work. */
  read(buffer: DeviceBuffer, offset: number, count: number, dtype: DType): Promise<Float32Array | Int32Array>;
  /** Same as `read`, blocking; only devices that run synchronously have it, others throw. */
  readSync(buffer: DeviceBuffer, offset: number, count: number, dtype: DType): Float32Array | Int32Array;
  /** Bytes currently held by live allocations. */
  bytesInUse(): number;
}
