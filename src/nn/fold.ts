/**
 * `unfold` (im2col: every sliding block of an image as a column) and its adjoint `fold` (col2im:
 * columns summed back into an image), with the `Unfold` and `Fold` modules. Both are one gather
 * (indexSelect) or one scatter-add (indexAdd) over the padded image's flattened positions, so
 * each is the other's gradient, as in PyTorch.
 */
import { tensor, zeros } from '../ops/creation.js';
import { indexAdd, indexSelect } from '../ops/gather-scatter.js';
import { kind, param, signature } from '../ops/signature.js';
import { checkDtype } from '../ops/util.js';
import { narrow, reshape, squeeze, unsqueeze } from '../ops/views.js';
import { checkArgumentCount } from '../options.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { pad } from './padding.js';

type Pair = number | readonly [number, number];

const pair = kind<Pair>('an integer or a pair of integers', (v) =>
  Number.isInteger(v) || (Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n))) ? (v as Pair) : undefined,
);

const both = (value: Pair): [number, number] => (typeof value === 'number' ? [value, value] : [value[0], value[1]]);
const shown = (value: Pair) => (typeof value === 'number' ? String(value) : `(${value[0]}, ${value[1]})`);

/** The sliding-block parameters unfold and fold share, after kernelSize, in PyTorch's order. */
const BLOCKS = { dilation: pair(1), padding: pair(0), stride: pair(1) };

export interface BlockOptions {
  dilation?: Pair;
  padding?: Pair;
  stride?: Pair;
}

interface Blocks {
  kernel: [number, number];
  dilation: [number, number];
  padding: [number, number];
  stride: [number, number];
}

function blocksOf(op: string, args: { kernelSize: Pair } & Required<BlockOptions>): Blocks {
  const blocks = { kernel: both(args.kernelSize), dilation: both(args.dilation), padding: both(args.padding), stride: both(args.stride) };
  for (const [name, [a, b]] of Object.entries(blocks)) {
    const least = name === 'padding' ? 0 : 1;
    if (a < least || b < least)
      throw new RangeError(
        `${op}: ${name === 'kernel' ? 'kernelSize' : name} must be ${least === 0 ? 'non-negative' : 'positive'}, got (${a}, ${b})`,
      );
  }
  return blocks;
}

/** How many blocks fit along each spatial dim of an (unpadded) image of `size`. */
function blockCounts(op: string, size: readonly number[], { kernel, dilation, padding, stride }: Blocks): [number, number] {
  const counts = [0, 1].map((d) => Math.floor((size[d] + 2 * padding[d] - dilation[d] * (kernel[d] - 1) - 1) / stride[d]) + 1) as [
    number,
    number,
  ];
  if (counts[0] < 1 || counts[1] < 1) {
    throw new RangeError(
      `${op}: given spatial size (${size.join(', ')}), kernelSize (${kernel.join(', ')}), dilation (${dilation.join(', ')}) and padding (${padding.join(', ')}), the array of sliding blocks would be (${counts.join(', ')}), but its components must be at least one`,
    );
  }
  return counts;
}

/** Each block element's position in the padded image, flattened, ordered (kernel row, kernel column, block). */
function blockPositions(size: readonly number[], blocks: Blocks, counts: [number, number], device: string): Tensor {
  const { kernel, dilation, padding, stride } = blocks;
  const width = size[1] + 2 * padding[1];
  const positions: number[] = [];
  for (let ki = 0; ki < kernel[0]; ki++) {
    for (let kj = 0; kj < kernel[1]; kj++) {
      for (let bi = 0; bi < counts[0]; bi++) {
        for (let bj = 0; bj < counts[1]; bj++)
          positions.push((bi * stride[0] + ki * dilation[0]) * width + bj * stride[1] + kj * dilation[1]);
      }
    }
  }
  return tensor(positions, { dtype: 'int32', device });
}

const UNFOLD = signature('unfold', { input: param.tensor(), kernelSize: pair(), ...BLOCKS });

/**
 * `unfold(input, kernelSize, dilation = 1, padding = 0, stride = 1)`: input (N, C, H, W) or
 * (C, H, W) to (N, C * kH * kW, L) or (C * kH * kW, L), one column per sliding block.
 */
export function unfold(
  input: Tensor,
  kernelSize: Pair | ({ kernelSize?: Pair } & BlockOptions),
  dilation?: Pair | BlockOptions,
  padding?: Pair | BlockOptions,
  stride?: Pair | BlockOptions,
): Tensor {
  const args = UNFOLD(arguments);
  checkDtype('unfold', 'input', args.input, ['float32']);
  if (args.input.dim() !== 3 && args.input.dim() !== 4)
    throw new RangeError(`unfold: input must be 3-D (C, H, W) or 4-D (N, C, H, W), got shape [${args.input.shape.join(', ')}]`);
  const batched = args.input.dim() === 4 ? args.input : unsqueeze(args.input, 0);
  const [n, channels, ...size] = batched.shape;
  const blocks = blocksOf('unfold', args);
  const counts = blockCounts('unfold', size, blocks);
  const [ph, pw] = blocks.padding;
  const padded = ph + pw > 0 ? pad(batched, [pw, pw, ph, ph]) : batched;
  const flat = reshape(padded, [n, channels, -1]);
  const columns = reshape(indexSelect(flat, 2, blockPositions(size, blocks, counts, args.input.device)), [
    n,
    channels * blocks.kernel[0] * blocks.kernel[1],
    counts[0] * counts[1],
  ]);
  return args.input.dim() === 4 ? columns : squeeze(columns, 0);
}

const FOLD = signature('fold', { input: param.tensor(), outputSize: pair(), kernelSize: pair(), ...BLOCKS });

/**
 * `fold(input, outputSize, kernelSize, dilation = 1, padding = 0, stride = 1)`: columns (N,
 * C * kH * kW, L) or (C * kH * kW, L) summed into an image (N, C, H, W) or (C, H, W) of
 * `outputSize`, overlapping blocks adding up: unfold's adjoint.
 */
export function fold(
  input: Tensor,
  outputSize: Pair | ({ outputSize?: Pair; kernelSize?: Pair } & BlockOptions),
  kernelSize?: Pair | BlockOptions,
  dilation?: Pair | BlockOptions,
  padding?: Pair | BlockOptions,
  stride?: Pair | BlockOptions,
): Tensor {
  const args = FOLD(arguments);
  checkDtype('fold', 'input', args.input, ['float32']);
  if (args.input.dim() !== 2 && args.input.dim() !== 3)
    throw new RangeError(`fold: input must be 2-D (C * kH * kW, L) or 3-D (N, C * kH * kW, L), got shape [${args.input.shape.join(', ')}]`);
  const batched = args.input.dim() === 3 ? args.input : unsqueeze(args.input, 0);
  const [n, rows, length] = batched.shape;
  const size = both(args.outputSize);
  const blocks = blocksOf('fold', args);
  const perBlock = blocks.kernel[0] * blocks.kernel[1];
  if (rows % perBlock !== 0)
    throw new RangeError(
      `fold: the input's dimension 1 (${rows}) must be divisible by the product of kernelSize (${blocks.kernel.join(' * ')}), input shape [${args.input.shape.join(', ')}]`,
    );
  const counts = blockCounts('fold', size, blocks);
  if (length !== counts[0] * counts[1]) {
    throw new RangeError(
      `fold: for outputSize (${size.join(', ')}) the input needs ${counts[0]} * ${counts[1]} = ${counts[0] * counts[1]} sliding blocks in its last dimension, got ${length} (input shape [${args.input.shape.join(', ')}])`,
    );
  }
  const channels = rows / perBlock;
  const [ph, pw] = blocks.padding;
  const paddedSize = [size[0] + 2 * ph, size[1] + 2 * pw];
  const summed = indexAdd(
    zeros([n, channels, paddedSize[0] * paddedSize[1]], { device: args.input.device }),
    2,
    blockPositions(size, blocks, counts, args.input.device),
    reshape(batched, [n, channels, -1]),
  );
  const image = narrow(narrow(reshape(summed, [n, channels, ...paddedSize]), 2, ph, size[0]), 3, pw, size[1]);
  return args.input.dim() === 3 ? image : squeeze(image, 0);
}

const UNFOLD_MODULE = signature('Unfold', { kernelSize: pair(), ...BLOCKS });

/** `nn.Unfold(kernelSize, { dilation, padding, stride })`: `unfold` as a module. */
export class Unfold extends Module {
  readonly kernelSize: Pair;
  readonly dilation: Pair;
  readonly padding: Pair;
  readonly stride: Pair;

  constructor(
    kernelSize: Pair | ({ kernelSize?: Pair } & BlockOptions),
    dilation?: Pair | BlockOptions,
    padding?: Pair | BlockOptions,
    stride?: Pair | BlockOptions,
  ) {
    super();
    ({ kernelSize: this.kernelSize, dilation: this.dilation, padding: this.padding, stride: this.stride } = UNFOLD_MODULE(arguments));
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return unfold(input, this.kernelSize, this.dilation, this.padding, this.stride);
  }

  override extraRepr(): string {
    return `kernel_size=${shown(this.kernelSize)}, dilation=${shown(this.dilation)}, padding=${shown(this.padding)}, stride=${shown(this.stride)}`;
  }
}

const FOLD_MODULE = signature('Fold', { outputSize: pair(), kernelSize: pair(), ...BLOCKS });

/** `nn.Fold(outputSize, kernelSize, { dilation, padding, stride })`: `fold` as a module. */
export class Fold extends Module {
  readonly outputSize: Pair;
  readonly kernelSize: Pair;
  readonly dilation: Pair;
  readonly padding: Pair;
  readonly stride: Pair;

  constructor(
    outputSize: Pair | ({ outputSize?: Pair; kernelSize?: Pair } & BlockOptions),
    kernelSize?: Pair | BlockOptions,
    dilation?: Pair | BlockOptions,
    padding?: Pair | BlockOptions,
    stride?: Pair | BlockOptions,
  ) {
    super();
    ({
      outputSize: this.outputSize,
      kernelSize: this.kernelSize,
      dilation: this.dilation,
      padding: this.padding,
      stride: this.stride,
    } = FOLD_MODULE(arguments));
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return fold(input, this.outputSize, this.kernelSize, this.dilation, this.padding, this.stride);
  }

  override extraRepr(): string {
    return `output_size=${shown(this.outputSize)}, kernel_size=${shown(this.kernelSize)}, dilation=${shown(this.dilation)}, padding=${shown(this.padding)}, stride=${shown(this.stride)}`;
  }
}
