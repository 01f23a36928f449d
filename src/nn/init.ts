/**
 * `nn.init`: PyTorch's weight initialisers. Each fills its tensor in place without recording
 * gradients (so it works on parameters), draws from the seeded default generator, and returns the
 * tensor.
 *
 * ```ts
 * const w = new nn.Parameter(torch.empty(64, 32));
 * nn.init.kaimingUniform_(w, { a: Math.sqrt(5) });   // what nn.Linear does by default
 * nn.init.xavierNormal_(w, nn.init.calculateGain('tanh'));
 * ```
 */
import { noGrad } from '../graph/grad-mode.js';
import { scope } from '../memory.js';
import { tensor as tensorFrom } from '../ops/creation.js';
import { randn } from '../ops/random.js';
import { checkTensor } from '../ops/util.js';
import { checkOptions, optionKeys } from '../options.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';

export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

const LINEAR_FUNCTIONS = new Set([
  'linear',
  'conv1d',
  'conv2d',
  'conv3d',
  'conv_transpose1d',
  'conv_transpose2d',
  'conv_transpose3d',
  'sigmoid',
]);

/**
 * The recommended gain for a nonlinearity (its `nn.functional` name, snake_case as in PyTorch):
 * 1 for linear and conv layers and sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2))
 * for leaky_relu (slope `param`, default 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  if (LINEAR_FUNCTIONS.has(nonlinearity)) return 1;
  if (nonlinearity === 'tanh') return 5 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2);
  if (nonlinearity === 'selu') return 3 / 4;
  if (nonlinearity === 'leaky_relu') {
    const slope = param ?? 0.01;
    if (typeof slope !== 'number' || !Number.isFinite(slope))
      throw new TypeError(`calculateGain: negative_slope ${String(slope)} is not a valid number`);
    return Math.sqrt(2 / (1 + slope * slope));
  }
  throw new RangeError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
}

/** (fan in, fan out) of a weight [out, in, ...kernel]: in and out times the kernel size. */
export function calculateFanInAndFanOut(tensor: Tensor): [number, number] {
  if (tensor.dim() < 2)
    throw new RangeError(
      `calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape ${formatShape(tensor.shape)})`,
    );
  const receptiveField = tensor.shape.slice(2).reduce((n, size) => n * size, 1);
  return [tensor.shape[1] * receptiveField, tensor.shape[0] * receptiveField];
}

/** Runs an in-place fill on `tensor` without recording it. */
function fill(op: string, tensor: Tensor, write: (t: Tensor) => void): Tensor {
  checkTensor(op, 'tensor', tensor);
  noGrad(() => write(tensor));
  return tensor;
}

/** Fills with values uniform in [a, b). */
export function uniform_(tensor: Tensor, a = 0, b = 1): Tensor {
  return fill('uniform_', tensor, (t) => t.uniform_(a, b));
}

/** Fills with normal samples of the given mean and standard deviation. */
export function normal_(tensor: Tensor, mean = 0, std = 1): Tensor {
  return fill('normal_', tensor, (t) => t.normal_(mean, std));
}

export function constant_(tensor: Tensor, val: number): Tensor {
  return fill('constant_', tensor, (t) => t.fill_(val));
}

export function zeros_(tensor: Tensor): Tensor {
  return constant_(tensor, 0);
}

export function ones_(tensor: Tensor): Tensor {
  return constant_(tensor, 1);
}

/** `gain` given positionally, or as `{ gain }` (PyTorch's keyword). */
type Gain = number | { gain?: number };

function gainOf(gain: Gain | undefined): number {
  return typeof gain === 'number' ? gain : (gain?.gain ?? 1);
}

/** Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(tensor: Tensor, gain?: Gain): Tensor {
  checkTensor('xavierUniform_', 'tensor', tensor);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const bound = Math.sqrt(3) * gainOf(gain) * Math.sqrt(2 / (fanIn + fanOut));
  return uniform_(tensor, -bound, bound);
}

/** Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(tensor: Tensor, gain?: Gain): Tensor {
  checkTensor('xavierNormal_', 'tensor', tensor);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return normal_(tensor, 0, gainOf(gain) * Math.sqrt(2 / (fanIn + fanOut)));
}

export interface KaimingOptions {
  /** The negative slope of the rectifier after this layer (leaky_relu only); default 0. */
  a?: number;
  /** 'fan_in' (default) keeps the forward pass's variance, 'fan_out' the backward pass's. */
  mode?: 'fan_in' | 'fan_out';
  /** Default 'leaky_relu'. */
  nonlinearity?: Nonlinearity;
}

const KAIMING_OPTIONS = optionKeys<KaimingOptions>({ a: true, mode: true, nonlinearity: true });

/** std = gain / sqrt(fan), or null for a tensor with no elements (PyTorch warns and leaves it). */
function kaimingStd(op: string, tensor: Tensor, options: KaimingOptions): number | null {
  checkOptions(op, options, KAIMING_OPTIONS);
  checkTensor(op, 'tensor', tensor);
  const mode = options.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out')
    throw new RangeError(`${op}: mode '${String(mode)}' is not supported, use one of fan_in, fan_out`);
  if (tensor.shape.includes(0)) return null;
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0) / Math.sqrt(mode === 'fan_in' ? fanIn : fanOut);
}

/** He uniform: U(-bound, bound) with bound = sqrt(3) * gain / sqrt(fan). */
export function kaimingUniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  const std = kaimingStd('kaimingUniform_', tensor, options);
  return std === null ? tensor : uniform_(tensor, -Math.sqrt(3) * std, Math.sqrt(3) * std);
}

/** He normal: N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  const std = kaimingStd('kaimingNormal_', tensor, options);
  return std === null ? tensor : normal_(tensor, 0, std);
}

/**
 * A (semi-)orthogonal matrix times `gain` (Saxe et al. 2013), trailing dims flattened: the Q of
 * the QR factorisation of a standard normal [rows, cols] matrix (transposed when wide), with Q's
 * columns signed so that R's diagonal is positive, as PyTorch does. The normals come from the
 * seeded generator; the factorisation runs in float64 on the host.
 */
export function orthogonal_(tensor: Tensor, gain?: Gain): Tensor {
  checkTensor('orthogonal_', 'tensor', tensor);
  if (tensor.dim() < 2)
    throw new RangeError(`orthogonal_: only tensors with 2 or more dimensions are supported, got shape ${formatShape(tensor.shape)}`);
  if (tensor.numel() === 0) return tensor;
  const rows = tensor.shape[0];
  const cols = tensor.numel() / rows;
  const scale = gainOf(gain);
  return fill('orthogonal_', tensor, (t) =>
    scope(() => {
      const normals = randn([rows, cols], { device: 'cpu' }).dataSync();
      const wide = rows < cols;
      // Factor the tall orientation: a [m, n] matrix with m >= n, read from the row-major normals.
      const [m, n] = wide ? [cols, rows] : [rows, cols];
      const a = (i: number, j: number) => (wide ? normals[j * cols + i] : normals[i * cols + j]);
      const q = householderQ(m, n, a);
      const values = new Float32Array(rows * cols);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) values[wide ? j * cols + i : i * cols + j] = scale * q[i * n + j];
      const result = tensorFrom(values).reshape(t.shape);
      t.copy_(result.device === t.device ? result : result.to(t.device));
    }),
  );
}

/**
 * The thin Q ([m, n] row-major, m >= n) of A = QR by Householder reflections, with each column
 * multiplied by the sign of R's diagonal entry so that the factorisation is the unique one with
 * R's diagonal positive.
 */
function householderQ(m: number, n: number, entry: (i: number, j: number) => number): Float64Array {
  const r = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) r[i * n + j] = entry(i, j);
  const reflectors: Float64Array[] = [];
  const diagonalSigns: number[] = [];
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    const alpha = r[k * n + k] > 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = r[i * n + k];
    v[0] -= alpha;
    let vNorm = 0;
    for (let i = 0; i < v.length; i++) vNorm += v[i] * v[i];
    vNorm = Math.sqrt(vNorm);
    if (vNorm > 0) for (let i = 0; i < v.length; i++) v[i] /= vNorm;
    applyReflector(r, n, k, v, k);
    reflectors.push(v);
    diagonalSigns.push(Math.sign(r[k * n + k]));
  }
  // Q = H_0 H_1 ... H_(n-1) applied to the first n columns of the identity, last reflector first.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) applyReflector(q, n, k, reflectors[k], 0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) q[i * n + j] *= diagonalSigns[j];
  return q;
}

/** rows k.. of `matrix` ([*, n] row-major), columns from `firstColumn` on: M -= 2 v (v^T M). */
function applyReflector(matrix: Float64Array, n: number, k: number, v: Float64Array, firstColumn: number): void {
  for (let j = firstColumn; j < n; j++) {
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += v[i] * matrix[(k + i) * n + j];
    for (let i = 0; i < v.length; i++) matrix[(k + i) * n + j] -= 2 * dot * v[i];
  }
}
