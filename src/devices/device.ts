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
 * A range of a counter-based random stream: Philox4x32-10 keyed by the 64-bit seed (two u32
 * halves), starting at counter block `offset`. Word j of the range is word j % 4 of the block with
 * counter (offset + floor(j / 4)) as a 64-bit value in counter words 0-1 (words 2-3 are 0). Element
 * i of a random kernel reads only its own words, so results do not depend on the device.
 */
export interface RandomStream {
  readonly seedLow: number;
  readonly seedHigh: number;
  readonly offset: number;
}

/** What `multinomial` found wrong with its weights, or 'ok'. */
export type MultinomialStatus = 'ok' | 'invalidWeight' | 'zeroRow';

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
  /**
   * out[p] = input[p with coordinate `dim` replaced by index[p]] for every position p of index's
   * shape (int32 index; out has index's shape; input has index's rank and sizes >= index's except at
   * `dim`; all three strided). Returns null, or the first index value outside
   * [0, input.shape[dim]), in which case out is partly written.
   */
  gather(out: TensorView, input: TensorView, index: TensorView, dim: number): number | null;
  /**
   * out[p with coordinate `dim` replaced by index[p]] = src[p] (accumulate: +=) for every position
   * p of index's shape; out is written through its strides, src is strided to index's shape
   * (broadcast allowed). Duplicate indices: the last write wins, or all add up. Every index is
   * checked first: returns null, or the first index value outside [0, out.shape[dim]) with out untouched.
   */
  scatter(out: TensorView, index: TensorView, src: TensorView, dim: number, accumulate: boolean): number | null;
  /**
   * out = index with negative values counted from the end (v + size); index int32 strided, out
   * int32 contiguous of index's shape. Returns null, or the first value outside [-size, size).
   */
  normalizeIndex(out: TensorView, index: TensorView, size: number): number | null;
  /**
   * out (float32, contiguous) = low + (high - low) * u_i where u_i = (word_i >>> 8) * 2^-24, in [0, 1).
   * Uses words 0..n-1 of the stream.
   */
  randomUniform(out: TensorView, stream: RandomStream, low: number, high: number): void;
  /**
   * out (float32, contiguous) = mean + std * z_i, standard normals by Box-Muller: words 2k and 2k+1
   * give u = ((w_2k >>> 8) + 1) * 2^-24 and v = (w_2k+1 >>> 8) * 2^-24, and z_2k = r cos(2 pi v),
   * z_2k+1 = r sin(2 pi v) with r = sqrt(-2 ln u). Uses words 0..n-1 (n rounded up to even).
   */
  randomNormal(out: TensorView, stream: RandomStream, mean: number, std: number): void;
  /**
   * out (int32, contiguous) = low + floor(word_i * (high - low) / 2^32), in [low, high);
   * 1 <= high - low <= 2^32. Uses words 0..n-1.
   */
  randomInt(out: TensorView, stream: RandomStream, low: number, high: number): void;
  /**
   * out (float32, contiguous) = u_i < p_i ? 1 : 0 with u_i as in randomUniform; probabilities is
   * float32 viewed with out's shape (any strides, 0 to broadcast one value). Uses words 0..n-1.
   */
  bernoulli(out: TensorView, probabilities: TensorView, stream: RandomStream): void;
  /**
   * Draws out.shape[1] category indices (int32, contiguous [rows, samples]) per row of weights
   * (float32 [rows, categories], any strides, not necessarily normalised). With replacement,
   * sample s of row r takes u = word_(r*samples+s) * 2^-32 and returns the first category whose
   * cumulative weight exceeds u times the row's total. Without (samples <= categories), category j
   * of row r gets the key -ln(u) / w_j with u = (word_(r*categories+j) + 0.5) * 2^-32, and the row
   * returns the categories of the smallest keys in increasing key order (ties, such as zero
   * weights, by index). Returns 'invalidWeight' for a negative, infinite or NaN weight and
   * 'zeroRow' for a row that sums to 0, with out unspecified; devices that cannot report
   * synchronously may skip these checks and return 'ok'.
   */
  multinomial(out: TensorView, weights: TensorView, replacement: boolean, stream: RandomStream): MultinomialStatus;
  /**
   * out = softmax(x) along `dim` (log-softmax when `log`): exp(x - max) / sum(exp(x - max)), or
   * x - max - log(sum(exp(x - max))). float32; x any strides, out contiguous of x's shape. A row
   * holding NaN or +inf, or only -inf, becomes NaN (as in PyTorch).
   */
  softmax(out: TensorView, x: TensorView, dim: number, log: boolean): void;
  /**
   * gradInput (contiguous) = the gradient of softmax along `dim` given grad (dL/dy) and the forward
   * output y: y * (grad - sum(grad * y)), or for log-softmax grad - exp(y) * sum(grad). grad and
   * output are float32 of gradInput's shape, any strides.
   */
  softmaxBackward(gradInput: TensorView, grad: TensorView, output: TensorView, dim: number, log: boolean): void;
  /**
   * Sorts every row of x along `dim` and writes its first k elements to values (x's dtype) and
   * their positions along `dim` to indices (int32), both contiguous of x's shape with `dim`
   * resized to k (1 <= k <= size). Ascending, or descending when `descending`; ties keep their
   * original order (stable); NaN is larger than every number and -0 equals +0, as in PyTorch.
   */
  sort(values: TensorView, indices: TensorView, x: TensorView, dim: number, k: number, descending: boolean): void;
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
