// `F.layerNorm` and `nn.LayerNorm`.
import { isGradEnabled, noGrad } from '../graph/grad-mode.js';
import { recordComposite } from '../graph/record.js';
import { scope } from '../memory.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import { rsqrt } from '../ops/unary.js';
import { checkDtype, checkSameDevice, checkTensor } from '../ops/util.js';
import { checkArgumentCount, checkOptions, type KeywordCall, optionKeys, spreadKeywordCall } from '../options.js';
import { formatShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { ones_, zeros_ } from './init.js';
import { Module } from './module.js';
import { emptyParameter, type Parameter } from './parameter.js';
import { formatBool, formatFloat, formatTuple } from './repr.js';

function normalizeShape(op: string, normalizedShape: number | readonly number[]): number[] {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  if (shape.length === 0 || shape.some((size) => !Number.isInteger(size) || size < 0)) {
    throw new RangeError(
      `${op}: normalizedShape must be a non-negative integer or a non-empty list of them, got ${typeof normalizedShape === 'number' ? normalizedShape : formatShape(shape)}`,
    );
  }
  return shape;
}

/** The mean and 1 / sqrt(biased variance + eps) over `dims`, kept for broadcasting. */
function layerStatistics(input: Tensor, dims: readonly number[], eps: number): { center: Tensor; rstd: Tensor } {
  const center = mean(input, dims, { keepdim: true });
  const deviations = sub(input, center);
  return { center, rstd: rsqrt(add(mean(mul(deviations, deviations), dims, { keepdim: true }), eps)) };
}

/**
 * `layerNorm(input, normalizedShape, weight?, bias?, eps = 1e-5)`: normalises over the last
 * dims (those of normalizedShape) to zero mean and unit (biased) variance, then scales by weight
 * and shifts by bias (both of normalizedShape). Shapes: input (*, ...normalizedShape), output the
 * same.
 *
 * One recorded node whose backward is the closed form: with x^ = (x - mean) * rstd and
 * g' = g * weight, dx = rstd * (g' - mean(g') - x^ * mean(g' * x^)) over the normalised dims;
 * dweight = g * x^ and dbias = g, summed over the leading dims.
 *
 * ```ts
 * F.layerNorm(torch.tensor([[1, 2, 3]]), [3]);   // [[-1.2247, 0, 1.2247]]
 * ```
 */
export function layerNorm(
  input: Tensor,
  normalizedShape: number | readonly number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  checkTensor('layerNorm', 'input', input);
  checkDtype('layerNorm', 'input', input, ['float32']);
  const shape = normalizeShape('layerNorm', normalizedShape);
  if (input.dim() < shape.length || !shapesEqual(input.shape.slice(input.dim() - shape.length), shape)) {
    throw new RangeError(
      `layerNorm: normalizedShape ${formatShape(shape)} does not match the last dimensions of input shape ${formatShape(input.shape)} (expected input of shape [*, ${shape.join(', ')}])`,
    );
  }
  for (const [name, param] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (param === null) continue;
    checkTensor('layerNorm', name, param);
    checkDtype('layerNorm', name, param, ['float32']);
    checkSameDevice('layerNorm', { input, [name]: param });
    if (!shapesEqual(param.shape, shape))
      throw new RangeError(`layerNorm: ${name} must have shape ${formatShape(shape)} (normalizedShape), got ${formatShape(param.shape)}`);
  }
  const dims = shape.map((_, i) => input.dim() - shape.length + i);
  const { center, rstd } = noGrad(() => scope(() => layerStatistics(input, dims, eps)));
  try {
    return recordComposite(
      'NativeLayerNormBackward0',
      [input, weight, bias],
      () => {
        const normalized = mul(sub(input, center), rstd);
        const scaled = weight ? mul(normalized, weight) : normalized;
        return bias ? add(scaled, bias) : scaled;
      },
      (save) => {
        const x = save(input);
        const savedMean = save(center);
        const savedRstd = save(rstd);
        const w = weight ? save(weight) : null;
        return (g) => {
          // Under createGraph the statistics are recomputed from x in recorded ops: the saved
          // ones are constants, and the second derivative goes through them.
          const stats = isGradEnabled() ? layerStatistics(x, dims, eps) : { center: savedMean, rstd: savedRstd };
          const normalized = mul(sub(x, stats.center), stats.rstd);
          const scaledGrad = w ? mul(g, w) : g;
          const gradInput = mul(
            stats.rstd,
            sub(
              sub(scaledGrad, mean(scaledGrad, dims, { keepdim: true })),
              mul(normalized, mean(mul(scaledGrad, normalized), dims, { keepdim: true })),
            ),
          );
          // Weight and bias gradients keep the input's shape; the engine sums them down to normalizedShape.
          return [gradInput, w ? mul(g, normalized) : null, bias ? g : null];
        };
      },
    );
  } finally {
    center.dispose();
    rstd.dispose();
  }
}

export interface LayerNormOptions {
  /** Added to the variance for stability; default 1e-5. */
  eps?: number;
  /** Learn a per-element weight (starting at 1) and bias (starting at 0); default true. */
  elementwiseAffine?: boolean;
  device?: string;
}

const LAYER_NORM_OPTIONS = optionKeys<LayerNormOptions>({ eps: true, elementwiseAffine: true, device: true });

/**
 * `nn.LayerNorm(normalizedShape, { eps, elementwiseAffine })`: layer normalisation over the last
 * dims. Shapes: input (*, ...normalizedShape), output the same.
 *
 * ```ts
 * const norm = new nn.LayerNorm(32, { eps: 1e-12 });
 * String(norm);   // 'LayerNorm((32,), eps=1e-12, elementwise_affine=True)'
 * ```
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;

  constructor(...args: KeywordCall<[{ normalizedShape: number | readonly number[] }], LayerNormOptions>) {
    const [normalizedShape, options = {}] = spreadKeywordCall(args, ['normalizedShape']) as [number | readonly number[], LayerNormOptions?];
    checkOptions('LayerNorm', options, LAYER_NORM_OPTIONS);
    super();
    this.normalizedShape = normalizeShape('LayerNorm', normalizedShape);
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const affine = (): Parameter | null => (this.elementwiseAffine ? emptyParameter(this.normalizedShape, options.device) : null);
    this.registerParameter('weight', affine());
    this.registerParameter('bias', affine());
    this.resetParameters();
  }

  /** weight = 1, bias = 0. */
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${formatTuple(this.normalizedShape)}, eps=${formatFloat(this.eps)}, elementwise_affine=${formatBool(this.elementwiseAffine)}`;
  }
}
