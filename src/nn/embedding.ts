// `F.embedding` and `nn.Embedding` (padding index, max norm).
import { noGrad } from '../graph/grad-mode.js';
import { recordComposite } from '../graph/record.js';
import { scope } from '../memory.js';
import { onesLike, zeros } from '../ops/creation.js';
import { div, eq, gt, where } from '../ops/elementwise.js';
import { indexAdd, indexSelect, indexSelectRaising } from '../ops/gather-scatter.js';
import { max, sum } from '../ops/reduce.js';
import { checkDtype, checkSameDevice, checkTensor } from '../ops/util.js';
import { detach, reshape, unsqueeze } from '../ops/views.js';
import { checkArgumentCount, checkOptions, type KeywordCall, optionKeys, spreadKeywordCall } from '../options.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { normal_ } from './init.js';
import { checkFeatures } from './linear.js';
import { Module } from './module.js';
import { emptyParameter, Parameter } from './parameter.js';
import { formatFloat } from './repr.js';

export interface EmbeddingOptions {
  /** This row gets no gradient (a fixed pad vector; nn.Embedding also starts it at zero). Negative counts from the end. */
  paddingIdx?: number | null;
  /** Rows looked up are first rescaled in place to at most this `normType`-norm. */
  maxNorm?: number | null;
  normType?: number;
  /** Divide each row's gradient by how often its index occurs in the batch. */
  scaleGradByFreq?: boolean;
  /** Sparse gradients are not supported (webtorch has no sparse tensors); only false is accepted. */
  sparse?: boolean;
}

const EMBEDDING_OPTIONS = optionKeys<EmbeddingOptions>({
  paddingIdx: true,
  maxNorm: true,
  normType: true,
  scaleGradByFreq: true,
  sparse: true,
});

/** PyTorch's check and wrap of padding_idx into [0, rows); null when none. */
function normalizePaddingIdx(op: string, paddingIdx: number | null | undefined, rows: number): number | null {
  if (paddingIdx === null || paddingIdx === undefined) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx >= rows || paddingIdx < -rows)
    throw new RangeError(`${op}: paddingIdx ${paddingIdx} must be within num_embeddings (${rows})`);
  return paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
}

/**
 * Scales, in place, each row of `weight` at `indices` (whose values are `rows`) whose norm exceeds
 * maxNorm down to maxNorm (PyTorch's embedding_renorm_, with its 1e-7 guard).
 */
function renormRows(weight: Tensor, indices: Tensor, rows: Tensor, maxNorm: number, normType: number): void {
  const magnitudes = rows.abs();
  const norms = normType === Infinity ? max(magnitudes, 1).values : sum(magnitudes.pow(normType), 1).pow(1 / normType);
  const scale = where(gt(norms, maxNorm), div(maxNorm, norms.add(1e-7)), 1);
  weight.indexPut_([indices], rows.mul(unsqueeze(scale, 1)));
}

/**
 * `embedding(input, weight, { paddingIdx, maxNorm, normType, scaleGradByFreq })`: the rows of
 * weight at the int32 indices of input. Shapes: input (*), weight (num_embeddings, D), output (*, D).
 * The gradient of weight adds each output row's gradient into its row (none into paddingIdx).
 *
 * ```ts
 * F.embedding(torch.tensor([[0, 2]], { dtype: 'int32' }), torch.eye(3));   // [[[1, 0, 0], [0, 0, 1]]]
 * ```
 */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  checkOptions('embedding', options, EMBEDDING_OPTIONS);
  checkTensor('embedding', 'input', input);
  checkTensor('embedding', 'weight', weight);
  checkDtype('embedding', 'input', input, ['int32']);
  checkDtype('embedding', 'weight', weight, ['float32']);
  checkSameDevice('embedding', { input, weight });
  if (weight.dim() !== 2)
    throw new RangeError(`embedding: weight must be 2-D [num_embeddings, embedding_dim], got shape ${formatShape(weight.shape)}`);
  if (options.sparse) throw new Error('embedding: sparse gradients are not supported (webtorch has no sparse tensors); use sparse: false');
  const [rows, dim] = weight.shape;
  const paddingIdx = normalizePaddingIdx('embedding', options.paddingIdx, rows);
  const scaleGradByFreq = options.scaleGradByFreq ?? false;
  const badIndex = `embedding: input holds index {value}, outside [0, ${rows}) (num_embeddings ${rows}, input shape ${formatShape(input.shape)})`;
  const lookup = (indices: Tensor): Tensor => indexSelectRaising(weight, 0, indices, badIndex);
  const maxNorm = options.maxNorm;
  if (maxNorm !== null && maxNorm !== undefined) {
    noGrad(() =>
      scope(() => {
        const indices = reshape(input, [-1]);
        renormRows(weight, indices, lookup(indices), maxNorm, options.normType ?? 2);
      }),
    );
  }
  return recordComposite(
    'EmbeddingBackward0',
    [weight],
    () => detach(reshape(lookup(reshape(input, [-1])), [...input.shape, dim])),
    (save) => {
      const savedInput = save(input);
      const device = weight.device;
      return (g) => {
        const indices = reshape(savedInput, [-1]);
        let grads = reshape(g, [-1, dim]);
        if (paddingIdx !== null) grads = where(unsqueeze(eq(indices, paddingIdx), 1), 0, grads);
        if (scaleGradByFreq) {
          const counts = indexAdd(zeros([rows], { device }), 0, indices, onesLike(indices, { dtype: 'float32' }));
          grads = div(grads, unsqueeze(indexSelect(counts, 0, indices), 1));
        }
        return [indexAdd(zeros([rows, dim], { device }), 0, indices, grads)];
      };
    },
  );
}

export interface EmbeddingModuleOptions extends EmbeddingOptions {
  /** Start from these values (shared, as PyTorch's `_weight`) instead of N(0, 1). */
  weight?: Tensor;
  device?: string;
}

const EMBEDDING_MODULE_OPTIONS = optionKeys<EmbeddingModuleOptions>({
  paddingIdx: true,
  maxNorm: true,
  normType: true,
  scaleGradByFreq: true,
  sparse: true,
  weight: true,
  device: true,
});

/**
 * `nn.Embedding(numEmbeddings, embeddingDim, { paddingIdx, maxNorm, normType, scaleGradByFreq })`:
 * a lookup table of learnable vectors. Shapes: input (*) int32, output (*, embedding_dim). weight
 * starts N(0, 1) with the paddingIdx row zero, PyTorch's default.
 *
 * ```ts
 * const embed = new nn.Embedding(10, 3, { paddingIdx: 0 });
 * embed.forward(torch.tensor([[1, 2, 0]], { dtype: 'int32' })).shape;   // [1, 3, 3]
 * ```
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly sparse: boolean;
  weight: Parameter;

  constructor(...args: KeywordCall<[{ numEmbeddings: number }, { embeddingDim: number }], EmbeddingModuleOptions>) {
    const [numEmbeddings, embeddingDim, options = {}] = spreadKeywordCall(args, ['numEmbeddings', 'embeddingDim']) as [
      number,
      number,
      EmbeddingModuleOptions?,
    ];
    checkOptions('Embedding', options, EMBEDDING_MODULE_OPTIONS);
    super();
    checkFeatures('Embedding', { numEmbeddings, embeddingDim });
    if (options.sparse)
      throw new Error('Embedding: sparse gradients are not supported (webtorch has no sparse tensors); use sparse: false');
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = normalizePaddingIdx('Embedding', options.paddingIdx, numEmbeddings);
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    this.scaleGradByFreq = options.scaleGradByFreq ?? false;
    this.sparse = false;
    if (options.weight) {
      checkTensor('Embedding', 'weight', options.weight);
      if (options.weight.dim() !== 2 || options.weight.shape[0] !== numEmbeddings || options.weight.shape[1] !== embeddingDim) {
        throw new RangeError(
          `Embedding: weight must have shape [${numEmbeddings}, ${embeddingDim}] (num_embeddings, embedding_dim), got ${formatShape(options.weight.shape)}`,
        );
      }
      this.weight = new Parameter(options.weight);
    } else {
      this.weight = emptyParameter([numEmbeddings, embeddingDim], options.device);
      this.resetParameters();
    }
  }

  /**
   * An Embedding holding `embeddings` ([num_embeddings, embedding_dim], shared, not copied),
   * frozen (no gradient) unless `freeze` is false.
   */
  static fromPretrained(embeddings: Tensor, options: EmbeddingOptions & { freeze?: boolean } = {}): Embedding {
    checkTensor('Embedding.fromPretrained', 'embeddings', embeddings);
    checkOptions('Embedding.fromPretrained', options, [...EMBEDDING_OPTIONS, 'freeze']);
    if (embeddings.dim() !== 2)
      throw new RangeError(`Embedding.fromPretrained: embeddings must be 2-D, got shape ${formatShape(embeddings.shape)}`);
    const { freeze = true, ...rest } = options;
    const layer = new Embedding(embeddings.shape[0], embeddings.shape[1], { ...rest, weight: embeddings });
    layer.weight.requiresGrad_(!freeze);
    return layer;
  }

  /** Draws N(0, 1) values and zeroes the paddingIdx row. */
  resetParameters(): void {
    normal_(this.weight);
    const paddingIdx = this.paddingIdx;
    if (paddingIdx !== null) noGrad(() => scope(() => void this.weight.select(0, paddingIdx).fill_(0)));
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    const { paddingIdx, maxNorm, normType, scaleGradByFreq } = this;
    return embedding(input, this.weight, { paddingIdx, maxNorm, normType, scaleGradByFreq });
  }

  override extraRepr(): string {
    let text = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) text += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) text += `, max_norm=${formatFloat(this.maxNorm)}`;
    if (this.normType !== 2) text += `, norm_type=${formatFloat(this.normType)}`;
    if (this.scaleGradByFreq) text += ', scale_grad_by_freq=True';
    return text;
  }
}
