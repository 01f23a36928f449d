/**
 * Printing tensors the way PyTorch 1.13 prints them (`print(t)` / `repr(t)`), so output can be
 * compared with PyTorch's line by line:
 *
 * ```ts
 * String(torch.tensor([[1, 2], [3, 4]]));   // "tensor([[1., 2.],\n        [3., 4.]])"
 * ```
 *
 * The rules are those of torch/_tensor_str.py with its default print options: 4 digits of
 * precision, scientific notation when the magnitudes call for it, at most 1000 elements before
 * summarising with `...` (3 edge items per dim), 80-character lines, and the suffixes PyTorch adds
 * (`dtype=torch.int32`, `size=(0, 3)`, `device='webgpu:0'`, `requires_grad=True`,
 * `grad_fn=<MulBackward0>`).
 *
 * Values are only read synchronously on the main-thread CPU device. For a tensor on any other
 * device `String(t)` does not wait for the device; it prints what PyTorch prints for a tensor whose
 * values are not at hand (a meta tensor): `tensor(..., device='webgpu:0', size=(2, 3))`.
 * `await t.toStringAsync()` reads the values first and prints them in full on every device. A
 * disposed tensor prints as `tensor(<disposed>, size=(2, 3))` rather than throwing, so logging one
 * while debugging is safe.
 */

import type { DType } from './dtype.js';
import { noGrad } from './graph/grad-mode.js';
import { keep, scope } from './memory.js';
import { cat, narrow } from './ops/views.js';
import { numel, type Shape } from './shape.js';
import { Tensor } from './tensor.js';

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;
const PREFIX = 'tensor(';

/** PyTorch's printed form of `tensor`; `values` are its printed part's elements (null: not read). */
function formatTensor(tensor: Tensor, values: Float32Array | Int32Array | null): string {
  const indent = PREFIX.length;
  const suffixes: string[] = [];
  if (tensor.device !== 'cpu') suffixes.push(`device='${tensor.device.includes(':') ? tensor.device : `${tensor.device}:0`}'`);
  let body: string;
  if (tensor.isDisposed) {
    body = '<disposed>';
    suffixes.push(`size=${pythonTuple(tensor.shape)}`);
  } else if (values === null) {
    body = '...';
    suffixes.push(`size=${pythonTuple(tensor.shape)}`);
    if (tensor.dtype !== 'float32') suffixes.push(`dtype=torch.${tensor.dtype}`);
  } else if (tensor.numel() === 0) {
    body = '[]';
    if (tensor.dim() !== 1) suffixes.push(`size=${pythonTuple(tensor.shape)}`);
    if (tensor.dtype !== 'float32') suffixes.push(`dtype=torch.${tensor.dtype}`);
  } else {
    // PyTorch omits its default dtypes (float32, int64, bool); webtorch has no int64, so int32 shows.
    if (tensor.dtype === 'int32') suffixes.push('dtype=torch.int32');
    body = formatValues(tensor.shape, tensor.dtype, values, indent);
  }
  if (tensor.gradFn) suffixes.push(`grad_fn=<${tensor.gradFn.name}>`);
  else if (tensor.requiresGrad) suffixes.push('requires_grad=True');
  return appendSuffixes(PREFIX + body, suffixes, indent);
}

/** Python's `str(tuple(shape))`: `(0, 3)`, `(0,)`, `()`. */
function pythonTuple(shape: Shape): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Each suffix follows on the same line, or on a new indented line when it would pass the line width. */
function appendSuffixes(text: string, suffixes: readonly string[], indent: number): string {
  const parts = [text];
  // PyTorch's measure of the last line counts two characters more than it holds; kept for parity.
  let lastLineLength = text.length - text.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLength + suffix.length + 2 > LINE_WIDTH) {
      parts.push(`,\n${' '.repeat(indent)}${suffix}`);
      lastLineLength = indent + suffix.length;
    } else {
      parts.push(`, ${suffix}`);
      lastLineLength += suffix.length + 2;
    }
  }
  return `${parts.join('')})`;
}

// ---- the nested brackets ------------------------------------------------------------------------

const summarizes = (shape: Shape) => numel(shape) > THRESHOLD;
const cutsDim = (size: number, summarize: boolean) => summarize && size > 2 * EDGE_ITEMS;

/**
 * The elements that get printed, as a tensor: every dim that is summarised keeps only its first and
 * last EDGE_ITEMS entries (PyTorch's get_summarized_data), so printing a huge tensor reads little.
 * Returns `tensor` itself when nothing is cut; call under noGrad.
 */
function printedPart(tensor: Tensor): Tensor {
  const summarize = summarizes(tensor.shape);
  return tensor.shape.reduce((part, size, dim) => {
    if (!cutsDim(size, summarize)) return part;
    return cat([narrow(part, dim, 0, EDGE_ITEMS), narrow(part, dim, size - EDGE_ITEMS, EDGE_ITEMS)], dim);
  }, tensor);
}

/** Nested brackets for a tensor of `shape` whose printed part (see printedPart) holds `values`. */
function formatValues(shape: Shape, dtype: DType, values: Float32Array | Int32Array, indent: number): string {
  const formatter = elementFormatter(dtype, Array.from(values));
  if (shape.length === 0) return formatter.format(values[0]);
  const summarize = summarizes(shape);
  const partShape = shape.map((size) => (cutsDim(size, summarize) ? 2 * EDGE_ITEMS : size));
  // Positions along a dim of the printed part; null marks where PyTorch puts '...'.
  const positions = (dim: number): (number | null)[] => {
    const all = Array.from({ length: partShape[dim] }, (_, i) => i);
    return cutsDim(shape[dim], summarize) ? [...all.slice(0, EDGE_ITEMS), null, ...all.slice(EDGE_ITEMS)] : all;
  };
  const render = (dim: number, base: number, depth: number): string => {
    const inner = numel(partShape.slice(dim + 1));
    if (dim === shape.length - 1) {
      const items = positions(dim).map((i) => (i === null ? ' ...' : formatter.format(values[base + i])));
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - depth) / (formatter.width + 2)));
      const lines: string[] = [];
      for (let start = 0; start < items.length; start += perLine) lines.push(items.slice(start, start + perLine).join(', '));
      return `[${lines.join(`,\n${' '.repeat(depth + 1)}`)}]`;
    }
    const slices = positions(dim).map((i) => (i === null ? '...' : render(dim + 1, base + i * inner, depth + 1)));
    return `[${slices.join(`,${'\n'.repeat(shape.length - dim - 1)}${' '.repeat(depth + 1)}`)}]`;
  };
  return render(0, 0, indent);
}

// ---- one element --------------------------------------------------------------------------------

interface ElementFormatter {
  /** The width every element is right-aligned to. */
  readonly width: number;
  format(value: number): string;
}

/**
 * Chooses one notation for all printed elements, as PyTorch's _Formatter does: integers as they
 * are; floats that are all whole numbers as `3.`; scientific when the nonzero finite magnitudes
 * span more than a factor 1000, exceed 1e8, or (for non-whole values) fall below 1e-4; otherwise
 * fixed with 4 decimals. The width comes from the nonzero finite values only.
 */
function elementFormatter(dtype: DType, shown: readonly number[]): ElementFormatter {
  const pad = (width: number, text: string) => text.padStart(width);
  if (dtype !== 'float32') {
    const text = dtype === 'bool' ? (v: number) => (v ? 'True' : 'False') : (v: number) => String(v);
    const width = shown.reduce((w, v) => Math.max(w, text(v).length), 1);
    return { width, format: (v) => pad(width, text(v)) };
  }
  const finite = shown.filter((v) => Number.isFinite(v) && v !== 0);
  if (finite.length === 0) return { width: 1, format: (v) => pad(1, wholeNumber(v)) };
  const magnitudes = finite.map(Math.abs);
  const largest = Math.max(...magnitudes);
  const smallest = Math.min(...magnitudes);
  const wholeNumbers = finite.every((v) => Number.isInteger(v));
  const scientific = largest / smallest > 1000 || largest > 1e8 || (!wholeNumbers && smallest < 1e-4);
  const notation = scientific ? (v: number) => exponential(v, PRECISION) : wholeNumbers ? wholeNumber : (v: number) => fixed(v, PRECISION);
  const width = finite.reduce((w, v) => Math.max(w, notation(v).length), 1);
  return { width, format: (v) => pad(width, notation(v)) };
}

/** A whole float as PyTorch shows it: `3.`, `-0.`; nan and inf get no point. */
function wholeNumber(value: number): string {
  const text = fixed(value, 0);
  return Number.isFinite(value) ? `${text}.` : text;
}

function nonFinite(value: number): string | null {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return null;
}

function signOf(value: number): string {
  return value < 0 || Object.is(value, -0) ? '-' : '';
}

/** Python's `'{:.Nf}'.format(value)`: exact, with ties rounded to even. */
function fixed(value: number, digits: number): string {
  const special = nonFinite(value);
  if (special) return special;
  const scaled = roundScaled(Math.abs(value), digits)
    .toString()
    .padStart(digits + 1, '0');
  const integerPart = scaled.slice(0, scaled.length - digits);
  return `${signOf(value)}${integerPart}${digits > 0 ? `.${scaled.slice(-digits)}` : ''}`;
}

/** Python's `'{:.Ne}'.format(value)`: exact, ties to even, and at least two exponent digits. */
function exponential(value: number, digits: number): string {
  const special = nonFinite(value);
  if (special) return special;
  const magnitude = Math.abs(value);
  let exponent = magnitude === 0 ? 0 : Math.floor(Math.log10(magnitude));
  let mantissa = roundScaled(magnitude, digits - exponent);
  // log10 can be one off near powers of ten, and rounding can carry into a new digit.
  const lower = 10n ** BigInt(digits);
  while (mantissa !== 0n && (mantissa < lower || mantissa >= lower * 10n)) {
    exponent += mantissa < lower ? -1 : 1;
    mantissa = roundScaled(magnitude, digits - exponent);
  }
  const text = mantissa.toString().padStart(digits + 1, '0');
  const exponentText = `${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  return `${signOf(value)}${text[0]}${digits > 0 ? `.${text.slice(1)}` : ''}e${exponentText}`;
}

const float64 = new DataView(new ArrayBuffer(8));

/**
 * round(magnitude * 10^power) with ties to even, computed exactly: the double is split into an
 * integer significand and a power of two, so no step rounds (toFixed would round ties up).
 */
function roundScaled(magnitude: number, power: number): bigint {
  float64.setFloat64(0, magnitude);
  const high = float64.getUint32(0);
  const biased = (high >>> 20) & 0x7ff;
  const fraction = (BigInt(high & 0xfffff) << 32n) | BigInt(float64.getUint32(4));
  const significand = biased === 0 ? fraction : fraction | (1n << 52n);
  const twoPower = (biased === 0 ? 1 : biased) - 1075;
  let numerator = significand;
  let denominator = 1n;
  if (twoPower >= 0) numerator <<= BigInt(twoPower);
  else denominator <<= BigInt(-twoPower);
  if (power >= 0) numerator *= 10n ** BigInt(power);
  else denominator *= 10n ** BigInt(-power);
  const quotient = numerator / denominator;
  const twiceRemainder = 2n * (numerator % denominator);
  const roundsUp = twiceRemainder > denominator || (twiceRemainder === denominator && (quotient & 1n) === 1n);
  return roundsUp ? quotient + 1n : quotient;
}

// ---- Tensor methods -----------------------------------------------------------------------------

declare module './tensor.js' {
  interface Tensor {
    /** PyTorch's `repr(t)`. Values are read only on the main-thread CPU device; see src/format.ts. */
    toString(): string;
    /** PyTorch's `repr(t)` with the values read from any device. */
    toStringAsync(): Promise<string>;
  }
}

Object.assign(Tensor.prototype, {
  toString(this: Tensor) {
    if (this.isDisposed || !this.deviceObject.synchronous || this.storage.pending) return formatTensor(this, null);
    return scope(() => noGrad(() => formatTensor(this, printedPart(this).dataSync())));
  },
  async toStringAsync(this: Tensor) {
    if (this.isDisposed) return formatTensor(this, null);
    const part = scope(() => noGrad(() => printedPart(this)));
    // The read may outlast an enclosing scope; the part is ours to free.
    if (part !== this) keep(part);
    try {
      return formatTensor(this, await part.data());
    } finally {
      if (part !== this) part.dispose();
    }
  },
});

// console.log in Node and Deno prints the tensor the way print() does in Python.
for (const inspect of [Symbol.for('nodejs.util.inspect.custom'), Symbol.for('Deno.customInspect')]) {
  Object.defineProperty(Tensor.prototype, inspect, {
    value(this: Tensor) {
      return this.toString();
    },
  });
}
