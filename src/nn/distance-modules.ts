/** nn.CosineSimilarity and nn.PairwiseDistance: modules over F.cosineSimilarity and F.pairwiseDistance. */
import { param, signature } from '../ops/signature.js';
import { checkArgumentCount } from '../options.js';
import type { Tensor } from '../tensor.js';
import { type CosineSimilarityOptions, cosineSimilarity, type PairwiseDistanceOptions, pairwiseDistance } from './distance.js';
import { Module } from './module.js';

/**
 * `nn.CosineSimilarity({ dim = 1, eps = 1e-8 })`: see `F.cosineSimilarity`. Shapes: x1 and x2
 * broadcastable, (*1, D, *2) with D along dim; output (*1, *2).
 *
 * ```ts
 * new nn.CosineSimilarity().forward(torch.tensor([[1, 0]]), torch.tensor([[1, 1]]));   // tensor([0.7071])
 * ```
 */
export class CosineSimilarity extends Module {
  readonly dim: number;
  readonly eps: number;

  constructor(dim?: number | CosineSimilarityOptions, eps?: number | CosineSimilarityOptions) {
    super();
    ({ dim: this.dim, eps: this.eps } = signature('CosineSimilarity', { dim: param.int(1), eps: param.number(1e-8) })(arguments));
  }

  override forward(x1: Tensor, x2: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['x1', 'x2']);
    return cosineSimilarity(x1, x2, this.dim, this.eps);
  }
}

/**
 * `nn.PairwiseDistance({ p = 2, eps = 1e-6, keepdim = false })`: see `F.pairwiseDistance`.
 * Shapes: x1 and x2 (N, D) or (D); output (N) or (), with a trailing 1 when keepdim.
 */
export class PairwiseDistance extends Module {
  readonly p: number;
  readonly eps: number;
  readonly keepdim: boolean;

  constructor(p?: number | PairwiseDistanceOptions, eps?: number | PairwiseDistanceOptions, keepdim?: boolean | PairwiseDistanceOptions) {
    super();
    ({
      p: this.p,
      eps: this.eps,
      keepdim: this.keepdim,
    } = signature('PairwiseDistance', { p: param.number(2), eps: param.number(1e-6), keepdim: param.boolean(false) })(arguments));
  }

  override forward(x1: Tensor, x2: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['x1', 'x2']);
    return pairwiseDistance(x1, x2, this.p, this.eps, this.keepdim);
  }
}
