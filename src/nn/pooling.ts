// Pooling modules: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d.
import { positionalOptions } from '../ops/conv.js';
import { adaptiveAvgPool1d, adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d } from '../ops/pool.js';
import { checkArgumentCount } from '../options.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { formatBool, formatTuple } from './repr.js';

type Size = number | readonly number[];

/** A size option printed as Python prints what it was given: `2` or `(2, 3)`. */
function formatSize(value: Size | null): string {
  if (value === null) return 'None';
  return typeof value === 'number' ? String(value) : formatTuple(value);
}

export interface MaxPoolModuleOptions {
  /** Default: kernelSize. */
  stride?: Size | null;
  padding?: Size;
  dilation?: Size;
  /** Also return the argmax positions (h * W + w within each plane), for unpooling. */
  returnIndices?: boolean;
  ceilMode?: boolean;
}

type MaxPoolArg = Size | null | boolean | undefined | MaxPoolModuleOptions;

/** PyTorch's _MaxPoolNd: options stored as given (printed as given). */
abstract class MaxPoolNd extends Module {
  readonly kernelSize: Size;
  readonly stride: Size;
  readonly padding: Size;
  readonly dilation: Size;
  readonly returnIndices: boolean;
  readonly ceilMode: boolean;

  constructor(kernelSize: Size, args: readonly MaxPoolArg[]) {
    super();
    const options: MaxPoolModuleOptions = positionalOptions(
      this.getName(),
      ['stride', 'padding', 'dilation', 'returnIndices', 'ceilMode'],
      args,
    );
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.returnIndices = options.returnIndices ?? false;
    this.ceilMode = options.ceilMode ?? false;
  }

  protected poolOptions() {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }

  override extraRepr(): string {
    return `kernel_size=${formatSize(this.kernelSize)}, stride=${formatSize(this.stride)}, padding=${formatSize(this.padding)}, dilation=${formatSize(this.dilation)}, ceil_mode=${formatBool(this.ceilMode)}`;
  }
}

/**
 * `nn.MaxPool2d(kernelSize, { stride, padding, dilation, returnIndices, ceilMode })`: the largest
 * value of each window. Shapes: input (N, C, H, W) or (C, H, W), output (N, C, H_out, W_out);
 * with returnIndices, forward returns [output, indices].
 *
 * ```ts
 * const pool = new nn.MaxPool2d(2);
 * pool.forward(torch.randn(1, 3, 8, 8)).shape;   // [1, 3, 4, 4]
 * ```
 */
export class MaxPool2d extends MaxPoolNd {
  constructor(kernelSize: Size, ...args: MaxPoolArg[]) {
    super(kernelSize, args);
  }

  override forward(input: Tensor): Tensor | [Tensor, Tensor] {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    const options = this.poolOptions();
    return this.returnIndices
      ? maxPool2d(input, this.kernelSize, { ...options, returnIndices: true })
      : maxPool2d(input, this.kernelSize, options);
  }
}

/** `nn.MaxPool1d(kernelSize, { stride, padding, dilation, returnIndices, ceilMode })` over (N, C, L) or (C, L). */
export class MaxPool1d extends MaxPoolNd {
  constructor(kernelSize: Size, ...args: MaxPoolArg[]) {
    super(kernelSize, args);
  }

  override forward(input: Tensor): Tensor | [Tensor, Tensor] {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    const options = this.poolOptions();
    return this.returnIndices
      ? maxPool1d(input, this.kernelSize, { ...options, returnIndices: true })
      : maxPool1d(input, this.kernelSize, options);
  }
}

export interface AvgPoolModuleOptions {
  /** Default: kernelSize. */
  stride?: Size | null;
  padding?: Size;
  ceilMode?: boolean;
  /** Count the zero padding in each window's divisor; default true. */
  countIncludePad?: boolean;
  /** AvgPool2d only: divide every window by this instead. */
  divisorOverride?: number | null;
}

type AvgPoolArg = Size | null | boolean | undefined | AvgPoolModuleOptions;

/**
 * `nn.AvgPool2d(kernelSize, { stride, padding, ceilMode, countIncludePad, divisorOverride })`:
 * the mean of each window. Shapes: input (N, C, H, W) or (C, H, W), output (N, C, H_out, W_out).
 */
export class AvgPool2d extends Module {
  readonly kernelSize: Size;
  readonly stride: Size;
  readonly padding: Size;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: Size, ...args: AvgPoolArg[]) {
    super();
    const options: AvgPoolModuleOptions = positionalOptions(
      'AvgPool2d',
      ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'],
      args,
    );
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return avgPool2d(input, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
      divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    return `kernel_size=${formatSize(this.kernelSize)}, stride=${formatSize(this.stride)}, padding=${formatSize(this.padding)}`;
  }
}

/**
 * `nn.AvgPool1d(kernelSize, { stride, padding, ceilMode, countIncludePad })` over (N, C, L) or
 * (C, L). As in PyTorch, its sizes are stored (and printed) as 1-tuples.
 */
export class AvgPool1d extends Module {
  readonly kernelSize: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: Size, ...args: AvgPoolArg[]) {
    super();
    const options: AvgPoolModuleOptions = positionalOptions('AvgPool1d', ['stride', 'padding', 'ceilMode', 'countIncludePad'], args);
    const single = (value: Size): number[] => (typeof value === 'number' ? [value] : [...value]);
    this.kernelSize = single(kernelSize);
    this.stride = single(options.stride ?? kernelSize);
    this.padding = single(options.padding ?? 0);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return avgPool1d(input, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    });
  }

  override extraRepr(): string {
    return `kernel_size=${formatTuple(this.kernelSize)}, stride=${formatTuple(this.stride)}, padding=${formatTuple(this.padding)}`;
  }
}

type OutputSize = number | null | readonly (number | null)[];

function formatOutputSize(value: OutputSize): string {
  if (value === null || typeof value === 'number') return formatSize(value);
  return value.length === 1 ? `(${formatSize(value[0])},)` : `(${value.map(formatSize).join(', ')})`;
}

/**
 * `nn.AdaptiveAvgPool2d(outputSize)`: average pooling to a fixed output size (a number, or
 * [H_out, W_out] with null keeping the input's size). Shapes: (N, C, H, W) or (C, H, W) in,
 * (N, C, H_out, W_out) out.
 *
 * ```ts
 * new nn.AdaptiveAvgPool2d(1).forward(torch.randn(2, 8, 7, 7)).shape;   // [2, 8, 1, 1]
 * ```
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: OutputSize) {
    super();
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return adaptiveAvgPool2d(input, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${formatOutputSize(this.outputSize)}`;
  }
}

/** `nn.AdaptiveAvgPool1d(outputSize)`: (N, C, L) or (C, L) in, (N, C, outputSize) out. */
export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: number | readonly number[]) {
    super();
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return adaptiveAvgPool1d(input, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${formatOutputSize(this.outputSize)}`;
  }
}
