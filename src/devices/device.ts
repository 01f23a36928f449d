// The device contract every device kind implements: storages, views and the typed kernel table.
import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import type { BinaryOp, MultinomialStatus, ReduceOp, ScanOp, UnaryOp } from './opcodes.js';
import type { RnnPlan } from './rnn-layout.js';

/**
 * The device kinds, each mapped to its device class. It starts empty: each device folder adds its
 * kind by augmenting it (`declare module '../device.js' { interface DeviceKinds { cpu: CpuDevice } }`
 * in src/devices/cpu/namespace.ts), so a new kind is added in its own folder, with no union to edit
 * elsewhere, and `Device.type` still refuses a kind nobody declared.
 */
// biome-ignore lint/suspicious/noEmptyInterface: empty on purpose; only an interface can be augmented, and each device folder adds its kind
export interface DeviceKinds {}

/** A device kind: 'cpu', 'webgpu', or one a device folder adds to DeviceKinds. */
export type DeviceType = keyof DeviceKinds & string;

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
  /**
   * Set while the contents are still arriving from another device on a device that cannot wait
   * (see Device.writeLater); resolves when they have landed. Ops refuse such storage until then.
   */
  pending: Promise<void> | null;
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

export type { BinaryOp, MultinomialStatus, ReduceOp, ScanOp, UnaryOp };

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

/** The message of each error multinomial can find, for devices that raise it later (see FaultMessage). */
export type MultinomialErrors = Readonly<Record<Exclude<MultinomialStatus, 'ok'>, FaultMessage>>;

/**
 * The error message for a bad value that only a kernel sees (an index out of range), with
 * `{value}` where the value goes. Devices that run synchronously return the value and the op
 * throws; devices that run asynchronously cannot, so they raise the message at the next read, as
 * CUDA raises device-side asserts.
 */
export type FaultMessage = string;

/**
 * How a 2-D convolution (1-D runs with height 1) walks its input: output pixel (i, j) of group g
 * reads input[n, g*Cin/groups + c, i*stride[0] - padding[0] + ki*dilation[0], j*stride[1] -
 * padding[1] + kj*dilation[1]], and positions outside the image read 0. padding is what lies
 * before the image; the output size decides how much the far side gets (asymmetric 'same').
 */
export interface ConvGeometry {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

/**
 * The pooling windows along one axis: output index i reads input positions start[i],
 * start[i] + step, ... < end[i], all inside the input and at least one. Average pooling steps by 1
 * and divides the window's sum by divisor[i] times the other axis's divisor.
 */
export interface PoolAxis {
  readonly start: readonly number[];
  readonly end: readonly number[];
  readonly step: number;
  readonly divisor: readonly number[];
}

/** The cell a recurrent kernel runs: Elman RNN with tanh or ReLU, LSTM, GRU. */
export type RnnMode = 'rnnTanh' | 'rnnRelu' | 'lstm' | 'gru';

/**
 * One direction of one recurrent layer over packed rows (all views contiguous float32). Row block
 * t (batchSizes[t] rows, after the rows of steps 0..t-1) holds time step t of the sequences still
 * running, a prefix of the batch: sequences are sorted by decreasing length. G gates per hidden
 * unit (RNN 1; LSTM 4 in PyTorch's order i, f, g, o; GRU 3 in order r, z, n) and PyTorch's cells:
 * LSTM c_t = f c_{t-1} + i g, h_t = o tanh(c_t) (times W_hr^T with a projection); GRU
 * n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h_t = (1 - z) n + z h_{t-1}.
 */
export interface RnnLayer {
  readonly mode: RnnMode;
  /** Rows per step: non-increasing, each >= 1; batchSizes[0] is the batch. */
  readonly batchSizes: readonly number[];
  /** Runs the steps from last to first: the second direction of a bidirectional layer. */
  readonly reverse: boolean;
  /** [rows, inputSize] */
  readonly input: TensorView;
  /** [batch, stateSize]: stateSize is the projection size of an LSTM with one, else hidden. */
  readonly h0: TensorView;
  /** [batch, hidden] for LSTM, else null. */
  readonly c0: TensorView | null;
  /** [G*hidden, inputSize] */
  readonly weightIh: TensorView;
  /** [G*hidden, stateSize] */
  readonly weightHh: TensorView;
  /** [G*hidden] each, or null for a layer without biases. */
  readonly biasIh: TensorView | null;
  readonly biasHh: TensorView | null;
  /** [stateSize, hidden]: the LSTM projection, or null. */
  readonly weightHr: TensorView | null;
  /** The layer's sizes and row offsets, from `rnnPlan` (src/devices/rnn-layout.ts). */
  readonly plan: RnnPlan;
}

/** Where rnnBackward writes each gradient; null entries are not computed. */
export interface RnnGradients {
  readonly input: TensorView | null;
  readonly h0: TensorView | null;
  readonly c0: TensorView | null;
  readonly weightIh: TensorView | null;
  readonly weightHh: TensorView | null;
  readonly biasIh: TensorView | null;
  readonly biasHh: TensorView | null;
  readonly weightHr: TensorView | null;
}

/** One direction of an rnnForward: its layer and where its results go (see Kernels.rnnForward). */
export interface RnnForwardRun {
  readonly layer: RnnLayer;
  /** [rows, stateSize]: h_t of every row. */
  readonly output: TensorView;
  /** [batch, stateSize]: each sequence's state after its last step (step 0 when reverse). */
  readonly hN: TensorView;
  /** [batch, hidden] for LSTM, else null. */
  readonly cN: TensorView | null;
  /** [rnnReserveElements]: what rnnBackward reads. */
  readonly reserve: TensorView;
}

/** One direction of an rnnBackward: the forward run's layer, output and reserve, the gradients of its results, and where its gradients go. */
export interface RnnBackwardRun {
  readonly layer: RnnLayer;
  readonly output: TensorView;
  readonly reserve: TensorView;
  readonly gradOutput: TensorView;
  readonly gradHN: TensorView;
  /** null for a non-LSTM. */
  readonly gradCN: TensorView | null;
  readonly grads: RnnGradients;
}

/** Adam's scalars for one step, each as its unfused op takes it (1 - beta1 computed in float64, then rounded). */
export interface AdamScalars {
  readonly beta1: number;
  readonly oneMinusBeta1: number;
  readonly beta2: number;
  readonly oneMinusBeta2: number;
  readonly negativeStepSize: number;
  readonly biasCorrection2Sqrt: number;
  readonly eps: number;
}

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
  /**
   * out = op(x); x strided to out's shape; float32 ops take p0/p1 (clamp bounds, exponent, slope...).
   * An op without a kernel for x's dtype (elementwiseKernelDtype in opcodes.ts) throws a TypeError.
   */
  unary(op: UnaryOp, out: TensorView, x: TensorView, p0?: number, p1?: number): void;
  /**
   * out = a op b; a and b already broadcast (strides 0) to out's shape and of one dtype. int32 ops
   * wrap on overflow; an int32 divisor of 0 is the op's to refuse (kernels write 0, and raise it
   * as a fault where they run asynchronously). An op without a kernel for the dtype throws a TypeError.
   */
  binary(op: BinaryOp, out: TensorView, a: TensorView, b: TensorView): void;
  /** out = cond ? a : b; all broadcast to out's shape, a and b of out's dtype. */
  where(out: TensorView, cond: TensorView, a: TensorView, b: TensorView): void;
  /**
   * out = op over `dims` of x (sorted, distinct, non-empty; each reduced extent >= 1); out holds
   * x's shape without those dims, contiguous. argmax/argmin write int32 positions within the
   * flattened reduced dims. An int32 sum or product is exact or refused: returns null, or the value
   * of the first sum or product outside int32's range (out then holds it wrapped), where PyTorch
   * would widen to int64; devices that run asynchronously return null and raise `overflow` (callers
   * summing or multiplying int32 pass it) at the next read instead. Every other reduction returns null.
   */
  reduce(op: ReduceOp, out: TensorView, x: TensorView, dims: readonly number[], overflow?: FaultMessage): number | null;
  /**
   * out = the running sum or product of x along `dim` (each output the op over its own element and
   * every earlier one; with `reverse`, over it and every later one). x is float32 or int32, any
   * strides; out is contiguous of x's shape and dtype; every size > 0. float32 accumulates at least
   * as accurately as float32 (the CPU in float64, as PyTorch's CPU kernel, so a partial result past
   * float32's range may come back into it there; WebGPU keeps it infinite, as CUDA). An int32
   * result is exact or refused, as in reduce: returns null, or an output outside int32's range (the
   * first the kernel met), out then partly written; devices that run asynchronously return null and
   * raise `overflow` at the next read instead.
   */
  scan(op: ScanOp, out: TensorView, x: TensorView, dim: number, reverse: boolean, overflow: FaultMessage): number | null;
  /**
   * out[..., M, N] = a[..., M, K] @ b[..., K, N] for float32; a and b are strided (transposed
   * views need no copy) with batch dims already broadcast (stride 0) to out's batch shape.
   */
  matmul(out: TensorView, a: TensorView, b: TensorView): void;
  /**
   * out[p] = input[p with coordinate `dim` replaced by index[p]] for every position p of index's
   * shape (int32 index; out has index's shape; input has index's rank and sizes >= index's except at
   * `dim`; all three strided). Returns null, or the first index value outside
   * [0, input.shape[dim]), in which case out is partly written. Devices that run asynchronously
   * return null and raise `badIndex` (see FaultMessage) at the next read instead.
   */
  gather(out: TensorView, input: TensorView, index: TensorView, dim: number, badIndex: FaultMessage): number | null;
  /**
   * out[p with coordinate `dim` replaced by index[p]] = src[p] (accumulate: +=) for every position
   * p of index's shape; out is written through its strides (never negative), src is strided to
   * index's shape (broadcast allowed). Duplicate indices: the last write in row-major order of
   * index wins, or all add up (in any order). Every index is checked first: returns null, or the
   * first index value outside [0, out.shape[dim]) with out untouched; asynchronous devices return
   * null, leave out untouched and raise `badIndex` at the next read. Callers whose indices are
   * valid by construction (backward passes) may omit it.
   */
  scatter(out: TensorView, index: TensorView, src: TensorView, dim: number, accumulate: boolean, badIndex?: FaultMessage): number | null;
  /**
   * out = index with negative values counted from the end (v + size); index int32 strided, out
   * int32 contiguous of index's shape. Returns null, or the first value outside [-size, size)
   * (asynchronous devices: null, and `badIndex` at the next read).
   */
  normalizeIndex(out: TensorView, index: TensorView, size: number, badIndex: FaultMessage): number | null;
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
   * 'zeroRow' for a row that sums to 0, with out unspecified; devices that run asynchronously
   * return 'ok' and raise errors[status] at the next read instead.
   */
  multinomial(
    out: TensorView,
    weights: TensorView,
    replacement: boolean,
    stream: RandomStream,
    errors: MultinomialErrors,
  ): MultinomialStatus;
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
  /**
   * out [N, Cout, Ho, Wo] (contiguous) = bias[co] + sum over c < Cin/groups, ki, kj of
   * input[n, g*Cin/groups + c, ...] (positions per ConvGeometry) * weight[co, c, ki, kj], where
   * g = floor(co / (Cout/groups)). float32; input [N, Cin, H, W], weight [Cout, Cin/groups, kh, kw]
   * and bias [Cout] (or null) any strides; every size > 0.
   */
  conv2d(out: TensorView, input: TensorView, weight: TensorView, bias: TensorView | null, geometry: ConvGeometry): void;
  /**
   * gradInput [N, Cin, H, W] (contiguous, overwritten) = the gradient of conv2d's output w.r.t.
   * its input, given grad [N, Cout, Ho, Wo] and weight (any strides). H and W may exceed what the
   * output reads (convTranspose's output padding): positions no output pixel reads get 0.
   */
  conv2dBackwardInput(gradInput: TensorView, grad: TensorView, weight: TensorView, geometry: ConvGeometry): void;
  /**
   * gradWeight [Cout, Cin/groups, kh, kw] (contiguous, overwritten) = the gradient of conv2d's
   * output w.r.t. its weight, given the input and grad [N, Cout, Ho, Wo] (any strides).
   */
  conv2dBackwardWeight(gradWeight: TensorView, input: TensorView, grad: TensorView, geometry: ConvGeometry): void;
  /**
   * out and indices [N, C, Ho, Wo] (contiguous; indices int32) = the largest element of each
   * window of input [N, C, H, W] (float32, any strides) and its position h * W + w in its plane.
   * Ties keep the first position in row-major order; NaN counts as largest (as in PyTorch).
   */
  maxPool2d(out: TensorView, indices: TensorView, input: TensorView, rows: PoolAxis, cols: PoolAxis): void;
  /**
   * gradInput [N, C, H, W] (contiguous, overwritten) = the gradient of maxPool2d given grad [N, C,
   * Ho, Wo] (any strides) and the indices it returned for these windows (contiguous): each input
   * position receives the sum of grad over the outputs whose index names it. The CPU refuses an
   * index outside the plane with a RangeError rather than write outside the tensor.
   */
  /**
   * One Adam step in place on param, expAvg and expAvgSq, given grad (all float32, one shape,
   * contiguous): the arithmetic of src/optim/adam.ts's unfused ops, element by element, with the
   * scalars rounded to float32 as those ops round them (see AdamScalars).
   */
  adamStep(param: TensorView, grad: TensorView, expAvg: TensorView, expAvgSq: TensorView, scalars: AdamScalars): void;
  maxPool2dBackward(gradInput: TensorView, grad: TensorView, indices: TensorView, rows: PoolAxis, cols: PoolAxis): void;
  /** out [N, C, Ho, Wo] (contiguous) = each window's sum over input [N, C, H, W] (any strides) / (rows.divisor[i] * cols.divisor[j]). */
  avgPool2d(out: TensorView, input: TensorView, rows: PoolAxis, cols: PoolAxis): void;
  /** gradInput [N, C, H, W] (contiguous, overwritten) = the gradient of avgPool2d given grad [N, C, Ho, Wo] (any strides). */
  avgPool2dBackward(gradInput: TensorView, grad: TensorView, rows: PoolAxis, cols: PoolAxis): void;
  /**
   * mean and variance [C] (contiguous) = each channel's mean and biased variance over input [N, C,
   * *] (float32, any strides): all of dim 1's other dims. The variance is the mean squared
   * deviation from the float32 mean (two passes), not E[x^2] - E[x]^2, which cancels when the mean
   * is large against the spread.
   */
  batchNormStatistics(mean: TensorView, variance: TensorView, input: TensorView): void;
  /**
   * out (contiguous, input's shape) = input * scale[c] + shift[c], c the position along dim 1 of
   * input [N, C, *] (float32, any strides); scale and shift [C] any strides. The product is
   * rounded before the sum (no fused multiply-add), as mul then add round it.
   */
  channelAffine(out: TensorView, input: TensorView, scale: TensorView, shift: TensorView): void;
  /**
   * gradSum and dot [C] (contiguous) = per channel c, sum(grad) and sum(grad * (input - mean[c]))
   * over grad and input [N, C, *] (float32, one shape, any strides) and mean [C]: the two sums
   * batch norm's backward needs, from one read of grad and input.
   */
  batchNormBackwardReduce(gradSum: TensorView, dot: TensorView, grad: TensorView, input: TensorView, mean: TensorView): void;
  /**
   * gradInput (contiguous) = (grad * k1[c] + (input - mean[c]) * k2[c]) + k3[c], rounded in that
   * order, c the position along dim 1 of grad and input [N, C, *] (float32, one shape, any
   * strides); mean, k1, k2 and k3 [C] any strides.
   */
  batchNormBackwardInput(
    gradInput: TensorView,
    grad: TensorView,
    input: TensorView,
    mean: TensorView,
    k1: TensorView,
    k2: TensorView,
    k3: TensorView,
  ): void;
  /**
   * Runs every step of each run's layer (fused: one input-projection GEMM, then per step the hidden
   * GEMM, gates and state update). The runs are the directions of one layer: independent of each
   * other (no run reads what another writes), so a device may run them at once. Each writes its
   * output [rows, stateSize] (h_t of every row), hN [batch, stateSize] and, for LSTM, cN [batch,
   * hidden]: each sequence's state after its last step (step 0 when reverse). reserve
   * [rnnReserveElements] receives what rnnBackward reads: rows x G*hidden gate activations (RNN
   * h_t), then for LSTM rows x hidden cell states c_t, for GRU rows x hidden W_hn h_{t-1} + b_hn.
   * output, hN and cN may be views into one buffer.
   */
  rnnForward(runs: readonly RnnForwardRun[]): void;
  /**
   * The gradients of one rnnForward's runs, given the gradients of each one's output, hN and cN
   * (null for a non-LSTM) and the output and reserve it wrote: writes each non-null entry of a
   * run's `grads` (contiguous, overwritten, shaped like the tensor it is the gradient of; no two
   * runs share one).
   */
  rnnBackward(runs: readonly RnnBackwardRun[]): void;
}

/**
 * A place tensors live and kernels run. Kernels and copies run in the order they are issued;
 * `read` resolves after everything issued before it.
 */
export interface Device {
  /** 'cpu', 'cpu:1', 'webgpu', 'webgpu:1', ... */
  readonly name: string;
  /** The kind, which `name` starts with; torch.memory() sums bytes by kind. */
  readonly type: DeviceType;
  /** Kernels have finished when they return, so values can be read synchronously (`readSync`). */
  readonly synchronous: boolean;
  readonly kernels: Kernels;
  /** Allocates `bytes` of uninitialised memory, owned by the caller until `free`. */
  malloc(bytes: number): DeviceBuffer;
  free(buffer: DeviceBuffer, bytes: number): void;
  /** Writes host values into a contiguous region starting at element `offset` of `buffer`. */
  write(buffer: DeviceBuffer, offset: number, values: Float32Array | Int32Array): void;
  /**
   * `write` for values still on their way (a copy from another device). A device that queues its
   * work orders the write before everything issued after it and returns null; a device that runs
   * kernels synchronously cannot wait, so it returns a promise that resolves once the values have
   * landed, and the region must not be used before.
   */
  writeLater(buffer: DeviceBuffer, offset: number, values: Promise<Float32Array | Int32Array>): Promise<void> | null;
  /**
   * Copies `count` elements starting at `offset` out of `buffer`, after all issued work. Settles on
   * a later task of the event loop, never through microtasks alone, so that awaiting a read lets
   * the finalizers of dropped tensors run (see src/devices/next-task.ts).
   */
  read(buffer: DeviceBuffer, offset: number, count: number, dtype: DType): Promise<Float32Array | Int32Array>;
  /** Same as `read`, blocking; only devices that run synchronously have it, others throw. */
  readSync(buffer: DeviceBuffer, offset: number, count: number, dtype: DType): Float32Array | Int32Array;
  /**
   * For a device that queues its work on another thread: `read` by blocking the calling thread
   * until that thread has run everything issued before, or null where blocking is not possible
   * (a browser's main thread) or could deadlock (queued work waits on this thread's event loop).
   * Copies into a synchronous device use it, so the copy is ready when `to()` returns.
   */
  readBlocking?(buffer: DeviceBuffer, offset: number, count: number, dtype: DType): Float32Array | Int32Array | null;
  /**
   * Whether `copyTo(target, ...)` can copy now: straight from this device's thread to the target's
   * (two worker CPU devices), without this thread's event loop in between.
   */
  canCopyTo?(target: Device): boolean;
  /**
   * Copies `count` elements from element `offset` of `buffer` into `target`'s `targetBuffer` at
   * element 0, in order with the work issued before on both; only where `canCopyTo(target)`.
   */
  copyTo?(target: Device, buffer: DeviceBuffer, offset: number, count: number, dtype: DType, targetBuffer: DeviceBuffer): void;
  /** Bytes currently held by live allocations; 0 for a device that was lost, whose memory is gone. */
  bytesInUse(): number;
}
