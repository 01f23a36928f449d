import { type DType, resolveDtype } from '../dtype.js';
import { isGradEnabled } from '../graph/grad-mode.js';
import { record } from '../graph/record.js';
import { checkOptions, optionKeys } from '../options.js';
import { formatShape, normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { mul, sub } from './elementwise.js';
import { sum } from './reduce.js';
import { exp } from './unary.js';
import { castTo } from './unrecorded.js';
import { checkTensor } from './util.js';

export interface SoftmaxOptions {
  /** Converts the input to this dtype first (PyTorch's `dtype` argument); must be float32. */
  dtype?: DType;
}

const SOFTMAX_OPTIONS = optionKeys<SoftmaxOptions>({ dtype: true });

function softmaxForward(
  op: string,
  node: string,
  log: boolean,
  input: Tensor,
  dim: number,
  rawOptions: SoftmaxOptions | undefined,
): Tensor {
  checkTensor(op, 'input', input);
  const options = checkOptions(op, rawOptions, SOFTMAX_OPTIONS);
  if (dim === undefined || dim === null) throw new TypeError(`${op}: dim is required (the dimension to normalise over), e.g. ${op}(x, -1)`);
  const d = normalizeDim(op, dim, input.dim());
  const dtype = options.dtype === undefined ? input.dtype : resolveDtype(op, options.dtype);
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
export function softmax(input: Tensor, dim: number, options?: SoftmaxOptions): Tensor {
  return softmaxForward('softmax', 'SoftmaxBackward0', false, input, dim, options);
}

/** `logSoftmax(input, dim)`: x - logsumexp(x) along `dim`, without forming exp(x) / sum. */
export function logSoftmax(input: Tensor, dim: number, options?: SoftmaxOptions): Tensor {
  return softmaxForward('logSoftmax', 'LogSoftmaxBackward0', true, input, dim, options);
}

declare module '../tensor.js' {
  interface Tensor {
    softmax(dim: number, options?: SoftmaxOptions): Tensor;
    logSoftmax(dim: number, options?: SoftmaxOptions): Tensor;
  }
}

Object.assign(Tensor.prototype, {
  softmax(this: Tensor, dim: number, options?: SoftmaxOptions) {
    return softmax(this, dim, options);
  },
  logSoftmax(this: Tensor, dim: number, options?: SoftmaxOptions) {
    return logSoftmax(this, dim, options);
  },
});
