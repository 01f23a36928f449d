// `nn.Flatten` and `nn.Unflatten`.
import { kind, param, signature } from '../ops/signature.js';
import { flatten, unflatten } from '../ops/views.js';
import { checkArgumentCount } from '../options.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { formatTuple } from './repr.js';

export interface FlattenOptions {
  startDim?: number;
  endDim?: number;
}

export interface UnflattenOptions {
  dim?: number;
  unflattenedSize?: readonly number[];
}

const FLATTEN = signature('Flatten', { startDim: param.int(1), endDim: param.int(-1) });
const UNFLATTEN = signature('Unflatten', {
  dim: param.int(),
  unflattenedSize: kind<readonly number[]>('an array of integers', (v) =>
    Array.isArray(v) && v.every((size) => Number.isInteger(size)) ? (v as readonly number[]) : undefined,
  )(),
});

/**
 * `nn.Flatten(startDim = 1, endDim = -1)`: merges dims startDim..endDim, keeping the batch dim by
 * default; also by name, `new nn.Flatten({ startDim: 0 })`. Shapes: input (N, *dims), output (N, prod(dims)).
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(startDim?: number | FlattenOptions, endDim?: number | FlattenOptions) {
    super();
    ({ startDim: this.startDim, endDim: this.endDim } = FLATTEN(arguments));
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return flatten(input, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * `nn.Unflatten(dim, unflattenedSize)`: splits dim into the given sizes (one may be -1); also by
 * name, `new nn.Unflatten({ dim: 1, unflattenedSize: [2, 3] })`.
 */
export class Unflatten extends Module {
  readonly dim: number;
  readonly unflattenedSize: readonly number[];

  constructor(dim: number, unflattenedSize: readonly number[]);
  constructor(dim: number, options: UnflattenOptions & { unflattenedSize: readonly number[] });
  constructor(options: UnflattenOptions & { dim: number; unflattenedSize: readonly number[] });
  constructor(...args: unknown[]) {
    super();
    const bound = UNFLATTEN(args);
    this.dim = bound.dim;
    this.unflattenedSize = [...bound.unflattenedSize];
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return unflatten(input, this.dim, this.unflattenedSize);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${formatTuple(this.unflattenedSize)}`;
  }
}
