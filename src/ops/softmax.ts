// softmax and logSoftmax along a dim, and their backward.
import { type DType, resolveDtype } from '../dtype.js';
import { isGradEnabled } from '../graph/grad-mode.js';
import { record } from '../graph/record.js';
import { formatShape, normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { mul, sub } from './elementwise.js';
import { sum } from './reduce.js';
import { param, signature } from './signature.js';
import { exp } from './unary.js';
import { castTo } from './unrecorded.js';

export interface SoftmaxOptions {
  dim?: number;
  /** Converts the input to this dtype first (PyTorch's `dtype` argument); must be float32. */
  dtype?: DType;
}

// dim has no default, but a missing one gets the hint below rather than the binder's plain message.
const params = { input: param.tensor(), dim: param.dim(null), dtype: param.dtype(null) };
const SOFTMAX = signature('softmax', params);
const LOG_SOFTMAX = signature('logSoftmax', params);

function softmaxForward(
  op: string,
  node: string,
  log: boolean,
  { input, dim, dtype: requested }: { input: Tensor; dim: number | null; dtype: string | null },
): Tensor {
  if (dim === null) throw new TypeError(`${op}: dim is required (the dimension to normalise over), e.g. ${op}(x, -1)`);
  const d = normalizeDim(op, dim, input.dim());
  const dtype = requested === null ? input.dtype : resolveDtype(op, requested);
  if (dtype !== 'float32')
    throw new TypeError(
      `${op}: input must be float32, got ${dtype} (shape ${formatShape(input.shape)}); convert with .float() or pass { dtype: 'float32' }`,
    );
  const x = castTo(input, dtype);
  const out = Tensor.empty(input.shape, 'float32', input.deviceObject);
  if (out.numel() > 0) input.deviceObject.kernels.softmax(out, x, d, log);
  if (x !== input) x.dispose();
  return record(node, out, [input], (save) => {
    const y = save(out);
    return (g) => [softmaxBackward(g, y, d, log)];
  });
}

/**
 * The input gradient: the fused kernel when backward runs bare, and under createGraph (grad mode
 * on) the same formula in recorded ops, y * (g - sum(g * y)) or g - exp(y) * sum(g), so it can be
 * differentiated again.
 */
function softmaxBackward(grad: Tensor, output: Tensor, dim: number, log: boolean): Tensor {
  if (isGradEnabled()) {
    return log
      ? sub(grad, mul(exp(output), sum(grad, dim, { keepdim: true })))
      : mul(output, sub(grad, sum(mul(grad, output), dim, { keepdim: true })));
  }
  const gradInput = Tensor.empty(output.shape, 'float32', output.deviceObject);
  if (gradInput.numel() > 0) output.deviceObject.kernels.softmaxBackward(gradInput, grad, output, dim, log);
  return gradInput;
}

/**
 * `softmax(input, dim)`: exp(x) / sum(exp(x)) along `dim`, computed stably (shifted by the max).
 *
 * ```ts
 * const probs = torch.softmax(torch.tensor([[1, 2, 3]]), -1);   // [[0.0900, 0.2447, 0.6652]]
 * ```
 */
export function softmax(input: Tensor, dim: number | SoftmaxOptions, dtype?: DType | SoftmaxOptions): Tensor {
  return softmaxForward('softmax', 'SoftmaxBackward0', false, SOFTMAX(arguments));
}

/** `logSoftmax(input, dim)`: x - logsumexp(x) along `dim`, without forming exp(x) / sum. */
export function logSoftmax(input: Tensor, dim: number | SoftmaxOptions, dtype?: DType | SoftmaxOptions): Tensor {
  return softmaxForward('logSoftmax', 'LogSoftmaxBackward0', true, LOG_SOFTMAX(arguments));
}

declare module '../tensor.js' {
  interface Tensor {
    softmax(dim: number | SoftmaxOptions, dtype?: DType | SoftmaxOptions): Tensor;
    logSoftmax(dim: number | SoftmaxOptions, dtype?: DType | SoftmaxOptions): Tensor;
  }
}

Object.assign(Tensor.prototype, {
  softmax(this: Tensor, ...args: [number, DType?]) {
    return softmax(this, ...args);
  },
  logSoftmax(this: Tensor, ...args: [number, DType?]) {
    return logSoftmax(this, ...args);
  },
});
