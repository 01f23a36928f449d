// Random tensors: rand, randn, randint, randperm, bernoulli, multinomial, uniform_.
import type { Device, MultinomialErrors, RandomStream, TensorView } from '../devices/device.js';
import type { DType } from '../dtype.js';
import { noGrad } from '../graph/grad-mode.js';
import { record } from '../graph/record.js';
import { checkOptions, optionKeys } from '../options.js';
import { defaultGenerator, Generator } from '../random/generator.js';
import { formatShape, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { applyRequiresGrad, splitSizeArgs } from './creation.js';
import { broadcastView, div, mul } from './elementwise.js';
import { kind, param, signature } from './signature.js';
import { castTo } from './unrecorded.js';
import {
  checkDtype,
  checkInPlace,
  checkTensor,
  checkTensorOptions,
  markModified,
  resolveDevice,
  scalarTensor,
  type TensorOptions,
} from './util.js';

/** Creation options of the random ops: the usual ones plus the generator to draw from. */
export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

/** Options of the random ops that fill or sample from an existing tensor. */
export interface GeneratorOptions {
  generator?: Generator;
}

const RANDOM_OPTIONS = optionKeys<RandomOptions>({ dtype: true, device: true, requiresGrad: true, generator: true });
const GENERATOR_OPTIONS = optionKeys<GeneratorOptions>({ generator: true });

type SizeArgs = (number | readonly number[] | RandomOptions)[];

function generatorOf(op: string, options: GeneratorOptions): Generator {
  const generator = options.generator ?? defaultGenerator;
  if (!(generator instanceof Generator)) throw new TypeError(`${op}: generator must be a torch.Generator, got ${typeof generator}`);
  return generator;
}

function checkFloatDtype(op: string, dtype: DType): void {
  if (dtype !== 'float32') throw new TypeError(`${op}: dtype must be float32, got ${dtype}`);
}

/** A fresh float32 tensor of `shape` filled by `draw` (which gets the stream range for n words). */
function drawFloat(shape: Shape, device: Device, generator: Generator, draw: (out: Tensor, stream: RandomStream) => void): Tensor {
  const out = Tensor.empty(shape, 'float32', device);
  const n = out.numel();
  if (n > 0) draw(out, generator.reserve(n));
  return out;
}

/**
 * `rand(2, 3)` / `rand([2, 3], { generator })`: uniform samples in [0, 1).
 *
 * ```ts
 * torch.manualSeed(0);
 * const u = torch.rand(2, 3);
 * ```
 */
export function rand(...args: SizeArgs): Tensor {
  const [shape, options] = splitSizeArgs('rand', args, RANDOM_OPTIONS) as [number[], RandomOptions];
  checkFloatDtype('rand', options.dtype ?? 'float32');
  const out = drawFloat(shape, resolveDevice(options.device), generatorOf('rand', options), (t, stream) =>
    t.deviceObject.kernels.randomUniform(t, stream, 0, 1),
  );
  return applyRequiresGrad('rand', out, options);
}

/** `randn(2, 3)` / `randn([2, 3], { generator })`: standard normal samples. */
export function randn(...args: SizeArgs): Tensor {
  const [shape, options] = splitSizeArgs('randn', args, RANDOM_OPTIONS) as [number[], RandomOptions];
  checkFloatDtype('randn', options.dtype ?? 'float32');
  const out = drawFloat(shape, resolveDevice(options.device), generatorOf('randn', options), (t, stream) =>
    t.deviceObject.kernels.randomNormal(t, stream, 0, 1),
  );
  return applyRequiresGrad('randn', out, options);
}

function likeOptions(op: string, input: Tensor, options: RandomOptions | undefined): RandomOptions {
  return { dtype: input.dtype, device: input.device, ...checkTensorOptions(op, options, RANDOM_OPTIONS) };
}

export function randLike(input: Tensor, options?: RandomOptions): Tensor {
  checkTensor('randLike', 'input', input);
  return rand(input.shape, likeOptions('randLike', input, options));
}

export function randnLike(input: Tensor, options?: RandomOptions): Tensor {
  checkTensor('randnLike', 'input', input);
  return randn(input.shape, likeOptions('randnLike', input, options));
}

const INT32_MIN = -(2 ** 31);
const INT32_LIMIT = 2 ** 31;

/** Checks [low, high) for integer sampling: integers, non-empty, representable in int32. */
function checkIntRange(op: string, low: number, high: number): void {
  if (!Number.isInteger(low) || !Number.isInteger(high))
    throw new TypeError(`${op}: low and high must be integers, got low=${low}, high=${high}`);
  if (low >= high) throw new RangeError(`${op}: expects 'low' to be less than 'high', but got low=${low} >= high=${high}`);
  if (low < INT32_MIN || high > INT32_LIMIT)
    throw new RangeError(`${op}: [low, high) = [${low}, ${high}) must lie within the int32 range [-2^31, 2^31]`);
}

/**
 * `randint(high, size)` or `randint(low, high, size)`, with options last: integers uniform in
 * [low, high), int32 by default (webtorch's stand-in for int64).
 *
 * ```ts
 * const dice = torch.randint(1, 7, [10]);
 * ```
 */
export function randint(...args: (number | readonly number[] | RandomOptions)[]): Tensor {
  const last = args[args.length - 1];
  const options = checkTensorOptions(
    'randint',
    (last !== undefined && last !== null && typeof last === 'object' && !Array.isArray(last) ? args.pop() : undefined) as
      | RandomOptions
      | undefined,
    RANDOM_OPTIONS,
  ) as RandomOptions;
  const size = args.pop();
  if (!Array.isArray(size))
    throw new TypeError(`randint: size must be an array of sizes such as [2, 3], got ${size === undefined ? 'nothing' : typeof size}`);
  if (args.length < 1 || args.length > 2 || args.some((v) => typeof v !== 'number')) {
    throw new TypeError(
      `randint: expected randint(high, size) or randint(low, high, size), got ${args.length} bound${args.length === 1 ? '' : 's'}`,
    );
  }
  const [low, high] = (args.length === 1 ? [0, args[0]] : args) as [number, number];
  checkIntRange('randint', low, high);
  const [shape] = splitSizeArgs('randint', [size as number[]]);
  const dtype = options.dtype ?? 'int32';
  const device = resolveDevice(options.device);
  const ints = Tensor.empty(shape, 'int32', device);
  if (ints.numel() > 0) device.kernels.randomInt(ints, generatorOf('randint', options).reserve(ints.numel()), low, high);
  const out = castTo(ints, dtype);
  if (out !== ints) ints.dispose();
  return applyRequiresGrad('randint', out, options);
}

/** `randperm(n)`: a random permutation of 0..n-1 (int32 unless `{ dtype }`). */
export function randperm(n: number, rawOptions?: RandomOptions): Tensor {
  const options: RandomOptions = checkTensorOptions('randperm', rawOptions, RANDOM_OPTIONS);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm: n must be a non-negative integer, got ${n}`);
  const device = resolveDevice(options.device);
  const indices = Tensor.empty([n], 'int32', device);
  if (n > 0) {
    // Sorting random 32-bit keys is a shuffle that every device can run the same way, in parallel.
    // Tied keys (about n^2 / 2^33 pairs) keep index order: a bias far below sampling noise.
    const keys = Tensor.empty([n], 'int32', device);
    const sorted = Tensor.empty([n], 'int32', device);
    device.kernels.randomInt(keys, generatorOf('randperm', options).reserve(n), INT32_MIN, INT32_LIMIT);
    device.kernels.sort(sorted, indices, keys, 0, n, false);
    keys.dispose();
    sorted.dispose();
  }
  const out = castTo(indices, options.dtype ?? 'int32');
  if (out !== indices) indices.dispose();
  return applyRequiresGrad('randperm', out, options);
}

function checkProbability(op: string, name: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${op}: ${name} must be in [0, 1], got ${p}`);
}

/**
 * `bernoulli(input)`: 1 with probability input[i], else 0, in input's (float) dtype; or
 * `bernoulli(input, p)` with one probability for every element. Not differentiable.
 */
export function bernoulli(input: Tensor, p?: number | GeneratorOptions, rawOptions?: GeneratorOptions): Tensor {
  if (typeof p === 'object' && p !== null) return bernoulli(input, undefined, p);
  const options = checkOptions('bernoulli', rawOptions, GENERATOR_OPTIONS);
  checkTensor('bernoulli', 'input', input);
  checkDtype('bernoulli', 'input', input, ['float32']);
  if (p !== undefined) checkProbability('bernoulli', 'p', p);
  const device = input.deviceObject;
  const probabilities = p === undefined ? input : scalarTensor(p, 'float32', device);
  const out = drawFloat(input.shape, device, generatorOf('bernoulli', options), (t, stream) =>
    device.kernels.bernoulli(t, broadcastView(probabilities, input.shape), stream),
  );
  if (probabilities !== input) probabilities.dispose();
  return out;
}

export interface MultinomialOptions extends GeneratorOptions {
  replacement?: boolean;
}

const MULTINOMIAL_OPTIONS = optionKeys<MultinomialOptions>({ generator: true, replacement: true });

/**
 * `multinomial(input, numSamples, { replacement, generator })`: category indices (int32) drawn
 * from the non-negative weights in each row of a 1-D or 2-D input (they need not sum to 1).
 * Without replacement (the default) a row yields distinct categories.
 *
 * ```ts
 * const next = torch.multinomial(torch.tensor([0.1, 0.7, 0.2]), 1);
 * ```
 */
export function multinomial(input: Tensor, numSamples: number, rawOptions?: MultinomialOptions): Tensor {
  const options = checkOptions('multinomial', rawOptions, MULTINOMIAL_OPTIONS);
  checkTensor('multinomial', 'input', input);
  if (input.dtype !== 'float32') throw new TypeError(`multinomial: input must be float32 weights, got ${input.dtype}`);
  if (input.dim() !== 1 && input.dim() !== 2)
    throw new RangeError(`multinomial: input must be 1-D or 2-D, got shape ${formatShape(input.shape)}`);
  const categories = input.shape[input.dim() - 1];
  const replacement = options.replacement ?? false;
  if (!Number.isInteger(numSamples) || numSamples <= 0)
    throw new RangeError(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  if (categories === 0) throw new RangeError(`multinomial: input must have at least one category, got shape ${formatShape(input.shape)}`);
  if (!replacement && numSamples > categories) {
    throw new RangeError(
      `multinomial: cannot sample numSamples (${numSamples}) > input.size(-1) (${categories}) samples without replacement`,
    );
  }
  const rows = input.dim() === 2 ? input.shape[0] : 1;
  const out = Tensor.empty(input.dim() === 2 ? [rows, numSamples] : [numSamples], 'int32', input.deviceObject);
  if (rows > 0) {
    // The kernel sees a 1-D input as one row.
    const weights: TensorView = input.dim() === 2 ? input : { ...input, shape: [1, categories], strides: [0, input.strides[0]] };
    const samples: TensorView = { ...out, shape: [rows, numSamples], strides: [numSamples, 1] };
    const stream = generatorOf('multinomial', options).reserve(rows * (replacement ? numSamples : categories));
    const errors: MultinomialErrors = {
      invalidWeight: `multinomial: probability tensor contains either inf, nan or element < 0 (input shape ${formatShape(input.shape)})`,
      zeroRow: `multinomial: invalid multinomial distribution (sum of probabilities <= 0 in a row of input of shape ${formatShape(input.shape)})`,
    };
    const status = input.deviceObject.kernels.multinomial(samples, weights, replacement, stream, errors);
    if (status !== 'ok') {
      out.dispose();
      throw new RangeError(errors[status]);
    }
  }
  return out;
}

// ---- in-place initialisers ------------------------------------------------------------------------

/**
 * Overwrites self with fresh random values (drawn into self directly when it is contiguous). The
 * write is not recorded: like fill_, it cuts a graph tensor off from its history, and a leaf that
 * requires grad refuses outside noGrad, as in PyTorch (nn.init wraps these in noGrad).
 */
function fillRandom_(op: string, self: Tensor, generator: Generator, draw: (out: Tensor, stream: RandomStream) => void): Tensor {
  checkTensor(op, 'self', self);
  checkDtype(op, 'self', self, ['float32']);
  checkInPlace(op, self);
  const n = self.numel();
  if (n > 0) {
    const stream = generator.reserve(n);
    const target = self.isContiguous() ? self : Tensor.empty(self.shape, 'float32', self.deviceObject);
    draw(target, stream);
    if (target !== self) {
      self.deviceObject.kernels.copy(self, target);
      target.dispose();
    }
  }
  markModified(self);
  return self;
}

/** `x.uniform_(from = 0, to = 1, { generator })`: fills x with samples uniform in [from, to). */
export function uniform_(self: Tensor, from = 0, to = 1, options?: GeneratorOptions): Tensor {
  if (!(from <= to) || !Number.isFinite(to - from))
    throw new RangeError(`uniform_: expects from <= to and a finite range, but got from=${from} to=${to}`);
  return fillRandom_('uniform_', self, generatorOf('uniform_', checkOptions('uniform_', options, GENERATOR_OPTIONS)), (t, stream) =>
    t.deviceObject.kernels.randomUniform(t, stream, from, to),
  );
}

/** `x.normal_(mean = 0, std = 1, { generator })`: fills x with normal samples. */
export function normal_(self: Tensor, mean = 0, std = 1, options?: GeneratorOptions): Tensor {
  if (!(std >= 0)) throw new RangeError(`normal_: expects std >= 0.0, but found std ${std}`);
  return fillRandom_('normal_', self, generatorOf('normal_', checkOptions('normal_', options, GENERATOR_OPTIONS)), (t, stream) =>
    t.deviceObject.kernels.randomNormal(t, stream, mean, std),
  );
}

/** `x.bernoulli_(p = 0.5, { generator })`: fills x with 1 (probability p) or 0. */
export function bernoulli_(self: Tensor, p = 0.5, options?: GeneratorOptions): Tensor {
  checkProbability('bernoulli_', 'p', p);
  const probability = scalarTensor(p, 'float32', self.deviceObject);
  try {
    return fillRandom_('bernoulli_', self, generatorOf('bernoulli_', checkOptions('bernoulli_', options, GENERATOR_OPTIONS)), (t, stream) =>
      t.deviceObject.kernels.bernoulli(t, broadcastView(probability, t.shape), stream),
    );
  } finally {
    probability.dispose();
  }
}

// ---- dropout ------------------------------------------------------------------------------------------

export interface DropoutOptions extends GeneratorOptions {
  p?: number;
  training?: boolean;
}

const DROPOUT = signature('dropout', {
  input: param.tensor(),
  p: param.number(0.5),
  training: param.boolean(true),
  generator: kind<Generator | undefined>('a torch.Generator', (v) => (v instanceof Generator ? v : undefined))(undefined),
});

/**
 * `dropout(input, p = 0.5, training = true)`: zeroes each element with probability p and scales
 * the rest by 1 / (1 - p), so the expected value is unchanged; the identity when not training or
 * p = 0. The backward multiplies by the same scaled mask.
 *
 * ```ts
 * const h = torch.dropout(torch.ones(4, 4), 0.25);   // entries are 0 or 4/3
 * ```
 */
export function dropout(
  input: Tensor,
  p?: number | DropoutOptions,
  training?: boolean | DropoutOptions,
  generator?: Generator | DropoutOptions,
): Tensor {
  const args = DROPOUT(arguments);
  ({ input, p, training } = args);
  const options = { generator: args.generator };
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: dropout probability has to be between 0 and 1, but got ${p}`);
  checkDtype('dropout', 'input', input, ['float32']);
  if (!training || p === 0 || input.numel() === 0) return input;
  if (p === 1) return mul(input, 0);
  const keep = 1 - p;
  const mask = bernoulli(input, keep, options);
  const scaledMask = noGrad(() => div(mask, keep));
  mask.dispose();
  const out = noGrad(() => mul(input, scaledMask));
  record('NativeDropoutBackward0', out, [input], (save) => {
    const saved = save(scaledMask);
    return (g) => [mul(g, saved)];
  });
  scaledMask.dispose();
  return out;
}

declare module '../tensor.js' {
  interface Tensor {
    uniform_(from?: number, to?: number, options?: GeneratorOptions): this;
    normal_(mean?: number, std?: number, options?: GeneratorOptions): this;
    bernoulli_(p?: number, options?: GeneratorOptions): this;
    bernoulli(p?: number | GeneratorOptions, options?: GeneratorOptions): Tensor;
    multinomial(numSamples: number, options?: MultinomialOptions): Tensor;
  }
}

Object.assign(Tensor.prototype, {
  uniform_(this: Tensor, from?: number, to?: number, options?: GeneratorOptions) {
    return uniform_(this, from, to, options);
  },
  normal_(this: Tensor, mean?: number, std?: number, options?: GeneratorOptions) {
    return normal_(this, mean, std, options);
  },
  bernoulli_(this: Tensor, p?: number, options?: GeneratorOptions) {
    return bernoulli_(this, p, options);
  },
  bernoulli(this: Tensor, p?: number | GeneratorOptions, options?: GeneratorOptions) {
    return bernoulli(this, p, options);
  },
  multinomial(this: Tensor, numSamples: number, options?: MultinomialOptions) {
    return multinomial(this, numSamples, options);
  },
});
