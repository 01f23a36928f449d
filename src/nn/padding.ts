// `F.pad`: constant, reflect, replicate and circular padding.
import type { TensorView } from '../devices/device.js';
import { record } from '../graph/record.js';
import { tensor } from '../ops/creation.js';
import { indexSelect } from '../ops/gather-scatter.js';
import { kind, param, signature } from '../ops/signature.js';
import { copyView, fillView } from '../ops/unrecorded.js';
import { formatShape, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

export interface PadOptions {
  /** 'constant' (default), 'reflect', 'replicate' or 'circular'. */
  mode?: PadMode;
  /** The fill of 'constant' padding; default 0. */
  value?: number | null;
}

/** PyTorch's `pad(input, pad, mode='constant', value=None)`; the body checks each pad amount and the mode. */
const PAD = signature('pad', {
  input: param.tensor(),
  pad: kind<readonly number[]>('an array of integers', (v) => (Array.isArray(v) ? (v as readonly number[]) : undefined))(),
  mode: kind<string>("a padding mode such as 'constant'", (v) => (typeof v === 'string' ? v : undefined))('constant'),
  value: param.optionalNumber(null),
});

/**
 * `pad(input, pad, mode?, value?)`, each argument also by name (`pad(input, pad, { mode, value })`):
 * PyTorch's F.pad. `pad`
 * lists (before, after) amounts starting from the last dim: [left, right] pads the last dim,
 * [left, right, top, bottom] the last two, and so on. Negative amounts crop.
 *
 * - 'constant' fills with `value`, over any number of dims.
 * - 'reflect' mirrors without repeating the edge (each amount below the dim's size), 'replicate'
 *   repeats the edge, 'circular' wraps around (amounts up to the size): these pad the last 1, 2
 *   or 3 dims of an input with one or two more dims (batch and channel; circular needs both).
 *
 * ```ts
 * F.pad(torch.tensor([[1, 2, 3]]), [2, 1], 'reflect');   // [[3, 2, 1, 2, 3, 2]]
 * ```
 */
export function pad(
  input: Tensor,
  padAmounts: readonly number[] | (PadOptions & { pad?: readonly number[] }),
  mode?: PadMode | PadOptions,
  value?: number | null | PadOptions,
): Tensor {
  const args = PAD(arguments);
  input = args.input;
  const padding = args.pad;
  // Read as a PadMode: the checks below refuse any other string, naming the accepted modes.
  mode = args.mode as PadMode;
  if (!Array.isArray(padding) || padding.some((p) => typeof p !== 'number' || !Number.isInteger(p))) {
    throw new TypeError(
      `pad: pad must be an array of integers, got ${Array.isArray(padding) ? `[${padding.join(', ')}]` : typeof padding}`,
    );
  }
  if (padding.length % 2 !== 0) throw new RangeError(`pad: padding length must be divisible by 2, got ${padding.length}`);
  const dims = padding.length / 2;
  if (dims > input.dim())
    throw new RangeError(
      `pad: padding length too large: ${padding.length} values pad ${dims} dims, but input ${formatShape(input.shape)} has ${input.dim()}`,
    );
  // amounts[d] = [before, after] for dim d of the input (dims not padded get [0, 0]).
  const amounts = input.shape.map((): [number, number] => [0, 0]);
  for (let k = 0; k < dims; k++) amounts[input.dim() - 1 - k] = [padding[2 * k], padding[2 * k + 1]];
  const outShape = input.shape.map((size, d) => size + amounts[d][0] + amounts[d][1]);
  outShape.forEach((size, d) => {
    if (size < 0 || (mode !== 'constant' && size === 0)) {
      throw new RangeError(
        `pad: the input size ${input.shape[d]} of dim ${d}, padded by (${amounts[d].join(', ')}), gives size ${size}, which is invalid`,
      );
    }
  });
  if (mode === 'constant') return constantPad(input, amounts, outShape, args.value ?? 0);
  if (mode !== 'reflect' && mode !== 'replicate' && mode !== 'circular')
    throw new RangeError(`pad: unknown mode '${String(mode)}'; expected 'constant', 'reflect', 'replicate' or 'circular'`);
  if (args.value !== null && args.value !== 0) throw new RangeError(`pad: padding mode '${mode}' doesn't take in value argument`);
  checkNonConstant(mode, input, dims, amounts);
  let out = input;
  for (let d = input.dim() - dims; d < input.dim(); d++) {
    if (amounts[d][0] === 0 && amounts[d][1] === 0) continue;
    const index = tensor(
      Int32Array.from({ length: outShape[d] }, (_, i) => sourceIndex(mode, i - amounts[d][0], input.shape[d])),
      { dtype: 'int32', device: input.device },
    );
    const next = indexSelect(out, d, index);
    index.dispose();
    if (out !== input) out.dispose();
    out = next;
  }
  return out;
}

/** The input position a padded position maps to (i may lie outside [0, size)). */
function sourceIndex(mode: Exclude<PadMode, 'constant'>, i: number, size: number): number {
  if (mode === 'replicate') return Math.min(Math.max(i, 0), size - 1);
  if (mode === 'circular') return ((i % size) + size) % size;
  return i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i;
}

/** PyTorch's limits on reflect, replicate and circular padding. */
function checkNonConstant(mode: PadMode, input: Tensor, dims: number, amounts: readonly [number, number][]): void {
  const batchDims = input.dim() - dims;
  const allowed = mode === 'circular' ? batchDims === 2 : batchDims === 1 || batchDims === 2;
  if (dims > 3 || !allowed) {
    const expected = mode === 'circular' ? `${dims + 2}-D` : `${dims + 1}-D or ${dims + 2}-D`;
    throw new RangeError(
      `pad: '${mode}' padding of the last ${dims} dim${dims === 1 ? '' : 's'} needs ${dims <= 3 ? `a ${expected} input` : 'at most 3 padded dims'}, got input ${formatShape(input.shape)}`,
    );
  }
  for (let d = batchDims; d < input.dim(); d++) {
    const size = input.shape[d];
    for (const amount of amounts[d]) {
      if (mode === 'reflect' && amount >= size)
        throw new RangeError(
          `pad: reflect padding (${amounts[d].join(', ')}) must be less than the size ${size} of dim ${d} of input ${formatShape(input.shape)}`,
        );
      if (mode === 'circular' && amount > size)
        throw new RangeError(
          `pad: circular padding (${amounts[d].join(', ')}) would wrap around dim ${d} of size ${size} more than once (input ${formatShape(input.shape)})`,
        );
      if (-amount > size)
        throw new RangeError(
          `pad: padding (${amounts[d].join(', ')}) crops more than the size ${size} of dim ${d} of input ${formatShape(input.shape)}`,
        );
    }
  }
}

/** The region of `view` (of outer shape) where the input lands, or the input part that survives cropping. */
function region(view: TensorView, amounts: readonly [number, number][], shape: Shape, side: 'out' | 'in'): TensorView {
  let offset = view.offset;
  const sizes = shape.map((size, d) => {
    const [before, after] = amounts[d];
    const skip = side === 'out' ? Math.max(before, 0) : Math.max(-before, 0);
    offset += skip * view.strides[d];
    return size - Math.max(side === 'out' ? before : -before, 0) - Math.max(side === 'out' ? after : -after, 0);
  });
  return { ...view, offset, shape: sizes };
}

function constantPad(input: Tensor, amounts: readonly [number, number][], outShape: Shape, value: number): Tensor {
  const out = Tensor.empty(outShape, input.dtype, input.deviceObject);
  fillView(out, value);
  copyView(region(out, amounts, outShape, 'out'), region(input, amounts, input.shape, 'in'));
  return record('ConstantPadNdBackward0', out, [input], () => (g) => {
    // Undoing the padding is padding by the negated amounts: crop what was added, zeros where cropped.
    return [
      pad(
        g,
        amounts
          .slice()
          .reverse()
          .flatMap(([before, after]) => [-before, -after]),
        { value: 0 },
      ),
    ];
  });
}
