/** Margin losses between pairs and triplets (marginRanking, cosineEmbedding, tripletMargin), functional and modules, composed as PyTorch 1.13 composes them. */
import { add, clamp, div, eq, minimum, mul, sub, where } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { param } from '../ops/signature.js';
import { neg, sqrt } from '../ops/unary.js';
import { checkSameDevice } from '../ops/util.js';
import { checkArgumentCount } from '../options.js';
import { broadcastShapes, formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { pairwiseDistance } from './distance.js';
import {
  checkFloatTensor,
  checkReduction,
  type DeprecatedReductionOptions,
  Loss,
  legacyFlag,
  legacyReductionParams,
  lossSignature,
  type Reduction,
  reduceTerms,
  reductionParam,
} from './loss.js';

/** The float32 tensors of a loss, on one device, by argument name. */
function checkInputs(op: string, tensors: Record<string, Tensor>): void {
  for (const [name, tensor] of Object.entries(tensors)) checkFloatTensor(op, name, tensor);
  checkSameDevice(op, tensors);
}

/** 'mean' divides by the count of terms, after broadcasting. */
function reduced(terms: Tensor, reduction: unknown, op: string): Tensor {
  return reduceTerms(terms, checkReduction(op, reduction), terms.numel());
}

const MARGIN_RANKING_LOSS = lossSignature('marginRankingLoss', {
  input1: param.tensor(),
  input2: param.tensor(),
  target: param.tensor(),
  margin: param.number(0),
  sizeAverage: legacyFlag(null),
  reduce: legacyFlag(null),
  reduction: reductionParam('mean'),
});

export interface MarginRankingLossOptions extends DeprecatedReductionOptions {
  /** The gap by which input1 should exceed input2 where target is 1 (and fall below where -1); default 0. */
  margin?: number;
  reduction?: Reduction;
}

/**
 * `marginRankingLoss(input1, input2, target, { margin = 0, reduction })`: max(0, -target (input1 -
 * input2) + margin), reduced; target holds 1 where input1 should rank higher, -1 where lower. The
 * three have one number of dims and broadcast. At the kink the gradient passes, as clamp_min's does.
 *
 * ```ts
 * F.marginRankingLoss(torch.tensor([1, 2]), torch.tensor([2, 0]), torch.tensor([1, -1]));   // tensor(1.5)
 * ```
 */
export function marginRankingLoss(
  input1: Tensor,
  input2: Tensor,
  target: Tensor,
  margin?: number | MarginRankingLossOptions,
  sizeAverage?: boolean | null | MarginRankingLossOptions,
  reduce?: boolean | null | MarginRankingLossOptions,
  reduction?: Reduction | MarginRankingLossOptions,
): Tensor {
  const args = MARGIN_RANKING_LOSS(arguments);
  const op = 'marginRankingLoss';
  checkInputs(op, { input1: args.input1, input2: args.input2, target: args.target });
  const dims = [args.input1, args.input2, args.target].map((t) => t.dim());
  if (dims[0] !== dims[1] || dims[0] !== dims[2]) {
    throw new RangeError(
      `${op}: input1, input2 and target must have the same number of dims, got input1 ${formatShape(args.input1.shape)}, input2 ${formatShape(args.input2.shape)} and target ${formatShape(args.target.shape)}`,
    );
  }
  broadcastShapes(op, broadcastShapes(op, args.input1.shape, args.input2.shape, ['input1', 'input2']), args.target.shape, [
    'input1 and input2',
    'target',
  ]);
  const terms = clamp(add(mul(neg(args.target), sub(args.input1, args.input2)), args.margin), { min: 0 });
  return reduced(terms, args.reduction, op);
}

const COSINE_EMBEDDING_LOSS = lossSignature('cosineEmbeddingLoss', {
  input1: param.tensor(),
  input2: param.tensor(),
  target: param.tensor(),
  margin: param.number(0),
  sizeAverage: legacyFlag(null),
  reduce: legacyFlag(null),
  reduction: reductionParam('mean'),
});

export interface CosineEmbeddingLossOptions extends DeprecatedReductionOptions {
  /** Pairs labelled -1 are penalised only where their cosine exceeds this; default 0. */
  margin?: number;
  reduction?: Reduction;
}

/** PyTorch's cosine_embedding_loss adds this to each squared norm, so a zero vector gives cosine 0. */
const EPSILON = 1e-12;

/**
 * `cosineEmbeddingLoss(input1, input2, target, { margin = 0, reduction })`: with cos the cosine of
 * input1 and input2 along their last dim (each squared norm plus 1e-12), 1 - cos where target is 1,
 * max(0, cos - margin) where it is -1, and 0 elsewhere; reduced. Shapes: inputs (N, D) with target
 * (N), or inputs (D) with target ().
 *
 * ```ts
 * F.cosineEmbeddingLoss(torch.tensor([[1, 0]]), torch.tensor([[1, 1]]), torch.tensor([1]));   // tensor(0.2929)
 * ```
 */
export function cosineEmbeddingLoss(
  input1: Tensor,
  input2: Tensor,
  target: Tensor,
  margin?: number | CosineEmbeddingLossOptions,
  sizeAverage?: boolean | null | CosineEmbeddingLossOptions,
  reduce?: boolean | null | CosineEmbeddingLossOptions,
  reduction?: Reduction | CosineEmbeddingLossOptions,
): Tensor {
  const args = COSINE_EMBEDDING_LOSS(arguments);
  const op = 'cosineEmbeddingLoss';
  const { input1: x1, input2: x2, target: y } = args;
  checkInputs(op, { input1: x1, input2: x2, target: y });
  if (y.dim() > 1) throw new RangeError(`${op}: target must be 0-D or 1-D (one label per pair), got ${formatShape(y.shape)}`);
  const inputDims = y.dim() + 1;
  if (x1.dim() !== inputDims || x2.dim() !== inputDims) {
    throw new RangeError(
      `${op}: a ${y.dim()}-D target expects ${inputDims}-D inputs, got input1 ${formatShape(x1.shape)} and input2 ${formatShape(x2.shape)}`,
    );
  }
  broadcastShapes(op, x1.shape, x2.shape, ['input1', 'input2']);
  const d = y.dim();
  const squaredNorm = (x: Tensor) => add(sum(mul(x, x), d), EPSILON);
  const cos = div(sum(mul(x1, x2), d), sqrt(mul(squaredNorm(x1), squaredNorm(x2))));
  const similar = where(eq(y, 1), sub(1, cos), 0);
  const dissimilar = where(eq(y, -1), clamp(sub(cos, args.margin), { min: 0 }), 0);
  return reduced(add(similar, dissimilar), args.reduction, op);
}

const TRIPLET_MARGIN_LOSS = lossSignature('tripletMarginLoss', {
  anchor: param.tensor(),
  positive: param.tensor(),
  negative: param.tensor(),
  margin: param.number(1),
  p: param.number(2),
  eps: param.number(1e-6),
  swap: param.boolean(false),
  sizeAverage: legacyFlag(null),
  reduce: legacyFlag(null),
  reduction: reductionParam('mean'),
});

export interface TripletMarginLossOptions extends DeprecatedReductionOptions {
  /** The gap by which the negative should be farther than the positive; default 1. */
  margin?: number;
  /** The norm of the pairwise distance; default 2. */
  p?: number;
  /** Added to the differences before the norm; default 1e-6. */
  eps?: number;
  /** Use the positive-negative distance when it is the smaller one (Balntas et al.'s distance swap); default false. */
  swap?: boolean;
  reduction?: Reduction;
}

/**
 * `tripletMarginLoss(anchor, positive, negative, { margin = 1, p = 2, eps = 1e-6, swap = false,
 * reduction })`: max(0, margin + d(anchor, positive) - d(anchor, negative)) with d =
 * `F.pairwiseDistance(., ., p, eps)` over the last dim, reduced. Shapes: (N, D) or (D), all three
 * with one number of dims.
 *
 * ```ts
 * F.tripletMarginLoss(torch.tensor([[0, 0]]), torch.tensor([[0, 1]]), torch.tensor([[3, 0]]));   // tensor(0.)
 * ```
 */
export function tripletMarginLoss(
  anchor: Tensor,
  positive: Tensor,
  negative: Tensor,
  margin?: number | TripletMarginLossOptions,
  p?: number | TripletMarginLossOptions,
  eps?: number | TripletMarginLossOptions,
  swap?: boolean | TripletMarginLossOptions,
  sizeAverage?: boolean | null | TripletMarginLossOptions,
  reduce?: boolean | null | TripletMarginLossOptions,
  reduction?: Reduction | TripletMarginLossOptions,
): Tensor {
  const args = TRIPLET_MARGIN_LOSS(arguments);
  const op = 'tripletMarginLoss';
  checkInputs(op, { anchor: args.anchor, positive: args.positive, negative: args.negative });
  const dims = [args.anchor, args.positive, args.negative].map((t) => t.dim());
  if (dims[0] !== dims[1] || dims[1] !== dims[2]) {
    throw new RangeError(
      `${op}: anchor, positive and negative must have the same number of dims, got anchor ${formatShape(args.anchor.shape)}, positive ${formatShape(args.positive.shape)} and negative ${formatShape(args.negative.shape)}`,
    );
  }
  broadcastShapes(op, args.anchor.shape, args.positive.shape, ['anchor', 'positive']);
  broadcastShapes(op, args.anchor.shape, args.negative.shape, ['anchor', 'negative']);
  const distance = (x1: Tensor, x2: Tensor) => pairwiseDistance(x1, x2, args.p, args.eps);
  const toNegative = distance(args.anchor, args.negative);
  const nearestNegative = args.swap ? minimum(toNegative, distance(args.positive, args.negative)) : toNegative;
  const terms = clamp(sub(add(distance(args.anchor, args.positive), args.margin), nearestNegative), { min: 0 });
  return reduced(terms, args.reduction, op);
}

// ---- modules ------------------------------------------------------------------------------------

/** The margin losses' modules: a margin and a reduction, then their own options. */
abstract class MarginLoss extends Loss {
  readonly margin: number;

  constructor(margin: number, reduction: unknown) {
    super(reduction);
    this.margin = margin;
  }
}

/**
 * `nn.MarginRankingLoss({ margin, reduction })`: see `F.marginRankingLoss`. Shapes: input1, input2
 * and target (N) or (), output () or (N).
 */
export class MarginRankingLoss extends MarginLoss {
  constructor(
    margin?: number | MarginRankingLossOptions,
    sizeAverage?: boolean | null | MarginRankingLossOptions,
    reduce?: boolean | null | MarginRankingLossOptions,
    reduction?: Reduction | MarginRankingLossOptions,
  ) {
    const args = lossSignature('MarginRankingLoss', { margin: param.number(0), ...legacyReductionParams() })(arguments);
    super(args.margin, args.reduction);
  }

  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input1', 'input2', 'target']);
    return marginRankingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/**
 * `nn.CosineEmbeddingLoss({ margin, reduction })`: see `F.cosineEmbeddingLoss`. Shapes: input1 and
 * input2 (N, D) or (D), target (N) or (), output () or (N).
 */
export class CosineEmbeddingLoss extends MarginLoss {
  constructor(
    margin?: number | CosineEmbeddingLossOptions,
    sizeAverage?: boolean | null | CosineEmbeddingLossOptions,
    reduce?: boolean | null | CosineEmbeddingLossOptions,
    reduction?: Reduction | CosineEmbeddingLossOptions,
  ) {
    const args = lossSignature('CosineEmbeddingLoss', { margin: param.number(0), ...legacyReductionParams() })(arguments);
    super(args.margin, args.reduction);
  }

  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input1', 'input2', 'target']);
    return cosineEmbeddingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/**
 * `nn.TripletMarginLoss({ margin, p, eps, swap, reduction })`: see `F.tripletMarginLoss`. Shapes:
 * anchor, positive and negative (N, D) or (D), output () or (N).
 *
 * ```ts
 * const triplet = new nn.TripletMarginLoss({ margin: 0.5, swap: true });
 * triplet.forward(torch.randn(8, 16), torch.randn(8, 16), torch.randn(8, 16));
 * ```
 */
export class TripletMarginLoss extends MarginLoss {
  readonly p: number;
  readonly eps: number;
  readonly swap: boolean;

  constructor(
    margin?: number | TripletMarginLossOptions,
    p?: number | TripletMarginLossOptions,
    eps?: number | TripletMarginLossOptions,
    swap?: boolean | TripletMarginLossOptions,
    sizeAverage?: boolean | null | TripletMarginLossOptions,
    reduce?: boolean | null | TripletMarginLossOptions,
    reduction?: Reduction | TripletMarginLossOptions,
  ) {
    const args = lossSignature('TripletMarginLoss', {
      margin: param.number(1),
      p: param.number(2),
      eps: param.number(1e-6),
      swap: param.boolean(false),
      ...legacyReductionParams(),
    })(arguments);
    super(args.margin, args.reduction);
    this.p = args.p;
    this.eps = args.eps;
    this.swap = args.swap;
  }

  override forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['anchor', 'positive', 'negative']);
    return tripletMarginLoss(anchor, positive, negative, {
      margin: this.margin,
      p: this.p,
      eps: this.eps,
      swap: this.swap,
      reduction: this.reduction,
    });
  }
}
