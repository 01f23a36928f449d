/**
 * `interpolate` (nearest, linear and bilinear resampling, with alignCorners, scaleFactor or size,
 * as PyTorch 1.13's upsample kernels) and the `Upsample` module. Each spatial dim is resampled in
 * turn, last first, by gathering source positions along it and blending neighbours with float32
 * weights computed as PyTorch computes them, which also gives PyTorch's order of additions.
 */

import { tensor } from '../ops/creation.js';
import { add, mul } from '../ops/elementwise.js';
import { indexSelect } from '../ops/gather-scatter.js';
import { kind, param, signature } from '../ops/signature.js';
import { checkDtype } from '../ops/util.js';
import { checkArgumentCount, describeValue } from '../options.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { formatFloat } from './repr.js';

export type InterpolateMode = 'nearest' | 'linear' | 'bilinear';

/** An int or one per spatial dim, for size; a number or one per spatial dim, for scaleFactor. */
type PerDim = number | readonly number[] | null;

const perDim = (integers: boolean) =>
  kind<PerDim>(integers ? 'an integer, an array of integers or null' : 'a number, an array of numbers or null', (v) => {
    const ok = (n: unknown) => (integers ? Number.isInteger(n) : typeof n === 'number') && (n as number) > 0;
    return v === null || ok(v) || (Array.isArray(v) && v.every(ok)) ? (v as PerDim) : undefined;
  });

const MODES: readonly InterpolateMode[] = ['nearest', 'linear', 'bilinear'];
const mode = kind<InterpolateMode>(`one of ${MODES.map((m) => `'${m}'`).join(', ')}`, (v) =>
  MODES.includes(v as InterpolateMode) ? (v as InterpolateMode) : undefined,
);
const booleanOrNull = kind<boolean | null>('a boolean or null', (v) => (v === null || typeof v === 'boolean' ? v : undefined));

/** The parameters interpolate and Upsample share, in PyTorch's order. */
const RESAMPLING = {
  size: perDim(true)(null),
  scaleFactor: perDim(false)(null),
  mode: mode('nearest'),
  alignCorners: booleanOrNull(null),
  recomputeScaleFactor: booleanOrNull(null),
};

const INTERPOLATE = signature('interpolate', { input: param.tensor(), ...RESAMPLING });
const UPSAMPLE = signature('Upsample', RESAMPLING);

export interface InterpolateOptions {
  size?: PerDim;
  scaleFactor?: PerDim;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
}

const f32 = Math.fround;

/** PyTorch's compute_scales_value: 1 / scaleFactor when the kernel is given one, else in / out. */
function scaleOf(inSize: number, outSize: number, scaleFactor: number | null): number {
  return scaleFactor !== null && scaleFactor > 0 ? f32(1 / scaleFactor) : f32(inSize / outSize);
}

/** PyTorch's nearest_idx: the source position of each output position. */
function nearestSources(inSize: number, outSize: number, scaleFactor: number | null): number[] {
  const scale = scaleOf(inSize, outSize, scaleFactor);
  return Array.from({ length: outSize }, (_, i) => {
    if (outSize === inSize) return i;
    if (outSize === 2 * inSize) return i >> 1;
    return Math.min(Math.floor(f32(i * scale)), inSize - 1);
  });
}

/** PyTorch's compute_indices_weights_linear: the two neighbours of each output position and their weights. */
function linearSources(inSize: number, outSize: number, scaleFactor: number | null, alignCorners: boolean) {
  const scale = alignCorners ? (outSize > 1 ? f32((inSize - 1) / (outSize - 1)) : 0) : scaleOf(inSize, outSize, scaleFactor);
  const low: number[] = [];
  const high: number[] = [];
  const lowWeight: number[] = [];
  const highWeight: number[] = [];
  for (let i = 0; i < outSize; i++) {
    const real = alignCorners ? f32(scale * i) : Math.max(f32(f32(scale * f32(i + 0.5)) - 0.5), 0);
    const below = Math.floor(real);
    low.push(below);
    high.push(below + (below < inSize - 1 ? 1 : 0));
    const fraction = Math.min(Math.max(f32(real - below), 0), 1);
    highWeight.push(fraction);
    lowWeight.push(f32(1 - fraction));
  }
  return { low, high, lowWeight, highWeight };
}

/**
 * `interpolate(input, size, scaleFactor, mode = 'nearest', alignCorners, recomputeScaleFactor)`:
 * input (N, C, L) for 'nearest' and 'linear', (N, C, H, W) for 'nearest' and 'bilinear', resized
 * to `size` or scaled by `scaleFactor` (one of them), per spatial dim or one for all.
 */
export function interpolate(
  input: Tensor,
  size?: PerDim | null | InterpolateOptions,
  scaleFactor?: PerDim | null | InterpolateOptions,
  mode?: InterpolateMode | InterpolateOptions,
  alignCorners?: boolean | null | InterpolateOptions,
  recomputeScaleFactor?: boolean | null | InterpolateOptions,
): Tensor {
  const args = INTERPOLATE(arguments);
  const x = args.input;
  checkDtype('interpolate', 'input', x, ['float32']);
  const spatial = x.dim() - 2;
  if (spatial < 1 || spatial > 2)
    throw new RangeError(`interpolate: input must be 3-D (N, C, L) or 4-D (N, C, H, W), got shape [${x.shape.join(', ')}]`);
  const needed = { nearest: [1, 2], linear: [1], bilinear: [2] }[args.mode];
  if (!needed.includes(spatial))
    throw new RangeError(
      `interpolate: got ${x.dim()}D input, but ${args.mode} mode needs ${needed.map((n) => n + 2).join('D or ')}D input`,
    );
  if (args.mode === 'nearest' && args.alignCorners !== null)
    throw new RangeError('interpolate: alignCorners can only be set with the interpolating modes linear and bilinear');
  if ((args.size === null) === (args.scaleFactor === null))
    throw new TypeError(`interpolate: give exactly one of size and scaleFactor, got ${args.size === null ? 'neither' : 'both'}`);
  if (args.recomputeScaleFactor && args.size !== null)
    throw new TypeError('interpolate: recomputeScaleFactor is not meaningful with an explicit size');
  const perSpatial = (value: PerDim, name: string): number[] => {
    const list = typeof value === 'number' ? Array<number>(spatial).fill(value) : [...(value as readonly number[])];
    if (list.length !== spatial)
      throw new RangeError(
        `interpolate: ${name} must have one entry per spatial dim (${spatial}) of input shape [${x.shape.join(', ')}], got ${describeValue(value)}`,
      );
    return list;
  };
  const inSizes = x.shape.slice(2);
  const factors = args.scaleFactor === null ? null : perSpatial(args.scaleFactor, 'scaleFactor');
  const outSizes = factors === null ? perSpatial(args.size, 'size') : inSizes.map((n, d) => Math.floor(n * factors[d]));
  if (outSizes.some((n) => n <= 0))
    throw new RangeError(`interpolate: the output size [${outSizes.join(', ')}] of input shape [${x.shape.join(', ')}] must be positive`);
  const kernelFactors = factors === null || args.recomputeScaleFactor ? null : factors;
  let out = x;
  for (let s = spatial - 1; s >= 0; s--) {
    const dim = s + 2;
    const factor = kernelFactors === null ? null : kernelFactors[s];
    const positions = (values: number[]) => tensor(values, { dtype: 'int32', device: x.device });
    if (args.mode === 'nearest') {
      out = indexSelect(out, dim, positions(nearestSources(inSizes[s], outSizes[s], factor)));
      continue;
    }
    const { low, high, lowWeight, highWeight } = linearSources(inSizes[s], outSizes[s], factor, args.alignCorners ?? false);
    const weights = (values: number[]) =>
      tensor(values, { device: x.device }).reshape([outSizes[s], ...Array<number>(x.dim() - dim - 1).fill(1)]);
    out = add(
      mul(indexSelect(out, dim, positions(low)), weights(lowWeight)),
      mul(indexSelect(out, dim, positions(high)), weights(highWeight)),
    );
  }
  return out;
}

/**
 * `nn.Upsample({ size, scaleFactor, mode = 'nearest', alignCorners, recomputeScaleFactor })`:
 * `interpolate` as a module. Shapes: (N, C, L) or (N, C, H, W), spatial dims resized.
 */
export class Upsample extends Module {
  readonly size: PerDim;
  readonly scaleFactor: PerDim;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | null;
  readonly recomputeScaleFactor: boolean | null;

  constructor(
    size?: PerDim | InterpolateOptions,
    scaleFactor?: PerDim | InterpolateOptions,
    mode?: InterpolateMode | InterpolateOptions,
    alignCorners?: boolean | null | InterpolateOptions,
    recomputeScaleFactor?: boolean | null | InterpolateOptions,
  ) {
    super();
    const args = UPSAMPLE(arguments);
    ({
      size: this.size,
      scaleFactor: this.scaleFactor,
      mode: this.mode,
      alignCorners: this.alignCorners,
      recomputeScaleFactor: this.recomputeScaleFactor,
    } = args);
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return interpolate(input, {
      size: this.size,
      scaleFactor: this.scaleFactor,
      mode: this.mode,
      alignCorners: this.alignCorners,
      recomputeScaleFactor: this.recomputeScaleFactor,
    });
  }

  /** As PyTorch prints it: Upsample keeps scale factors as Python floats. */
  override extraRepr(): string {
    const tuple = (values: readonly number[], format: (n: number) => string) => `(${values.map(format).join(', ')})`;
    const shown = (value: PerDim, format: (n: number) => string) =>
      typeof value === 'number' ? format(value) : tuple(value ?? [], format);
    const info = this.scaleFactor !== null ? `scale_factor=${shown(this.scaleFactor, formatFloat)}` : `size=${shown(this.size, String)}`;
    return `${info}, mode=${this.mode}`;
  }
}
