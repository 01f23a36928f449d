// `clipGradNorm_` and `clipGradValue_`.
import { noGrad } from '../../graph/grad-mode.js';
import { scope } from '../../memory.js';
import { tensor } from '../../ops/creation.js';
import { add, clamp, div, logicalNot, lt, ne, pow, where } from '../../ops/elementwise.js';
import { max, min, sum } from '../../ops/reduce.js';
import { abs, sqrt } from '../../ops/unary.js';
import { stack } from '../../ops/views.js';
import { checkOptions, describeValue, optionKeys } from '../../options.js';
import { Tensor } from '../../tensor.js';
import { checkValuesBelow } from '../value-checks.js';

export interface ClipGradNormOptions {
  /** The p of the p-norm: 2 (default), any positive number, Infinity (the largest magnitude), also 0 and -Infinity as torch.norm has them. */
  normType?: number;
  /**
   * Raise an error when the total norm is NaN or infinite, leaving the gradients as they are,
   * instead of scaling by it: at once on the CPU, at the next read on webgpu (see checkValuesBelow).
   */
  errorIfNonfinite?: boolean;
}

const CLIP_GRAD_NORM_OPTIONS = optionKeys<ClipGradNormOptions>({ normType: true, errorIfNonfinite: true });

function gradientsOf(op: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...parameters];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor))
      throw new TypeError(`${op}: parameters must be Tensors, but parameters[${i}] is ${p === null ? 'null' : typeof p}`);
  });
  return list.flatMap((p) => (p.grad ? [p.grad] : []));
}

/** torch.norm(x, p) over all elements, as a 0-d tensor. */
function vectorNorm(x: Tensor, p: number): Tensor {
  if (p === Infinity) return max(abs(x));
  if (p === -Infinity) return min(abs(x));
  if (p === 0) return sum(ne(x, 0)).float();
  if (p === 2) return sqrt(sum(x.square()));
  if (p === 1) return sum(abs(x));
  return pow(sum(pow(abs(x), p)), 1 / p);
}

/**
 * Rescales the gradients of `parameters` in place so that their norm, taken over all of them
 * together as one vector, is at most `maxNorm`: each is multiplied by min(1, maxNorm / (norm + 1e-6)),
 * as PyTorch 1.13 does. Returns the total norm before clipping, a 0-d tensor. Parameters without
 * a gradient are skipped (none at all gives tensor(0)).
 *
 * ```ts
 * loss.backward();
 * nn.utils.clipGradNorm_(model.parameters(), 3);
 * opt.step();
 * ```
 */
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, maxNorm: number, options?: ClipGradNormOptions): Tensor;
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, options: ClipGradNormOptions & { maxNorm: number }): Tensor;
export function clipGradNorm_(
  parameters: Tensor | Iterable<Tensor>,
  maxNormOrOptions: number | (ClipGradNormOptions & { maxNorm: number }),
  rest: ClipGradNormOptions = {},
): Tensor {
  const op = 'clipGradNorm_';
  // PyTorch's keyword form, clip_grad_norm_(params, max_norm=1.0), is one options object here.
  const { maxNorm, ...options } =
    typeof maxNormOrOptions === 'object' && maxNormOrOptions !== null ? maxNormOrOptions : { ...rest, maxNorm: maxNormOrOptions };
  checkOptions('clipGradNorm_', options, CLIP_GRAD_NORM_OPTIONS);
  const normType = options.normType ?? 2;
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm))
    throw new TypeError(`${op}: maxNorm must be a number, got ${describeValue(maxNorm)}`);
  if (typeof normType !== 'number' || Number.isNaN(normType))
    throw new TypeError(`${op}: normType must be a number (Infinity for the max norm), got ${normType}`);
  const grads = gradientsOf(op, parameters);
  if (grads.length === 0) return tensor(0);
  return noGrad(() => {
    const totalNorm = scope(() => vectorNorm(stack(grads.map((g) => vectorNorm(g, normType))), normType));
    scope(() => {
      // Multiplying by a coefficient clamped to 1, rather than branching on it, needs no read of the norm.
      let coefficient = clamp(div(maxNorm, add(totalNorm, 1e-6)), { max: 1 });
      if (options.errorIfNonfinite) {
        // A norm is finite when below infinity (NaN is not); a non-finite one leaves the gradients as they are.
        const finite = lt(totalNorm, Infinity);
        try {
          checkValuesBelow(
            logicalNot(finite).int(),
            1,
            `${op}: the total norm of order ${normType} for gradients from 'parameters' is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite to false`,
          );
        } catch (error) {
          totalNorm.dispose();
          throw error;
        }
        coefficient = where(finite, coefficient, 1);
      }
      for (const g of grads) g.mul_(coefficient);
    });
    return totalNorm;
  });
}

/** Clamps every gradient of `parameters` in place to [-clipValue, clipValue]. */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue_';
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) throw new TypeError(`${op}: clipValue must be a number, got ${clipValue}`);
  const grads = gradientsOf(op, parameters);
  noGrad(() => {
    for (const g of grads) g.clamp_(-clipValue, clipValue);
  });
}
