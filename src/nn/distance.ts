/**
 * nn.functional's normalisation and distances between vectors (normalize, cosineSimilarity,
 * pairwiseDistance), composed of ops as PyTorch 1.13 composes them, so their gradients are
 * PyTorch's too (0 through a norm clamped at eps, for instance).
 */
import { add, clamp, div, mul, sub } from '../ops/elementwise.js';
import { norm } from '../ops/norm.js';
import { sum } from '../ops/reduce.js';
import { param, signature } from '../ops/signature.js';
import { checkDtype } from '../ops/util.js';
import { expand } from '../ops/views.js';
import { broadcastShapes, normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';

const NORMALIZE = signature('normalize', { input: param.tensor(), p: param.number(2), dim: param.int(1), eps: param.number(1e-12) });

export interface NormalizeOptions {
  p?: number;
  dim?: number;
  eps?: number;
}

/** `normalize(input, p = 2, dim = 1, eps = 1e-12)`: input divided by its p-norm along dim, at least eps. */
export function normalize(
  input: Tensor,
  p?: number | NormalizeOptions,
  dim?: number | NormalizeOptions,
  eps?: number | NormalizeOptions,
): Tensor {
  const args = NORMALIZE(arguments);
  checkDtype('normalize', 'input', args.input, ['float32']);
  return div(args.input, clamp(norm(args.input, args.p, args.dim, true), args.eps));
}

const COSINE_SIMILARITY = signature('cosineSimilarity', {
  x1: param.tensor(),
  x2: param.tensor(),
  dim: param.int(1),
  eps: param.number(1e-8),
});

export interface CosineSimilarityOptions {
  dim?: number;
  eps?: number;
}

/**
 * `cosineSimilarity(x1, x2, dim = 1, eps = 1e-8)`: the cosine of the angle between x1 and x2
 * along dim, after broadcasting them; each is divided by its norm (at least eps) before the dot
 * product, as PyTorch 1.13 does for precision.
 */
export function cosineSimilarity(
  x1: Tensor,
  x2: Tensor,
  dim?: number | CosineSimilarityOptions,
  eps?: number | CosineSimilarityOptions,
): Tensor {
  const args = COSINE_SIMILARITY(arguments);
  checkDtype('cosineSimilarity', 'x1', args.x1, ['float32']);
  checkDtype('cosineSimilarity', 'x2', args.x2, ['float32']);
  const shape = broadcastShapes('cosineSimilarity', args.x1.shape, args.x2.shape, ['x1', 'x2']);
  const d = normalizeDim('cosineSimilarity', args.dim, Math.max(shape.length, 1));
  const unit = (x: Tensor) => {
    const broadcast = expand(x, shape);
    return div(broadcast, clamp(norm(broadcast, 2, d, true), args.eps));
  };
  return sum(mul(unit(args.x1), unit(args.x2)), d);
}

const PAIRWISE_DISTANCE = signature('pairwiseDistance', {
  x1: param.tensor(),
  x2: param.tensor(),
  p: param.number(2),
  eps: param.number(1e-6),
  keepdim: param.boolean(false),
});

export interface PairwiseDistanceOptions {
  p?: number;
  eps?: number;
  keepdim?: boolean;
}

/** `pairwiseDistance(x1, x2, p = 2, eps = 1e-6, keepdim = false)`: the p-norm of x1 - x2 + eps along the last dim. */
export function pairwiseDistance(
  x1: Tensor,
  x2: Tensor,
  p?: number | PairwiseDistanceOptions,
  eps?: number | PairwiseDistanceOptions,
  keepdim?: boolean | PairwiseDistanceOptions,
): Tensor {
  const args = PAIRWISE_DISTANCE(arguments);
  checkDtype('pairwiseDistance', 'x1', args.x1, ['float32']);
  checkDtype('pairwiseDistance', 'x2', args.x2, ['float32']);
  const innermost = Math.max(args.x1.dim(), args.x2.dim()) - 1;
  return norm(add(sub(args.x1, args.x2), args.eps), args.p, Math.max(innermost, 0), args.keepdim);
}
