// nn.Transformer: PyTorch 1.13's encoder-decoder model, and its square subsequent (causal) mask.
import { scope } from '../memory.js';
import { full } from '../ops/creation.js';
import { triu } from '../ops/shape-ops.js';
import { checkTensor } from '../ops/util.js';
import { checkArgumentCount, checkOptions, optionKeys } from '../options.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { xavierUniform_ } from './init.js';
import { Module } from './module.js';
import { LayerNorm } from './normalization.js';
import { TransformerEncoder, TransformerEncoderLayer, type TransformerEncoderLayerOptions } from './transformer.js';
import { TransformerDecoder, TransformerDecoderLayer } from './transformer-decoder.js';

export interface TransformerOptions extends TransformerEncoderLayerOptions {
  /** Features of the inputs and every layer; default 512. */
  dModel?: number;
  /** Attention heads; default 8. */
  nhead?: number;
  /** Encoder layers; default 6. */
  numEncoderLayers?: number;
  /** Decoder layers; default 6. */
  numDecoderLayers?: number;
  /** Used instead of the built encoder; called as forward(src, { mask, srcKeyPaddingMask }). */
  customEncoder?: Module | null;
  /** Used instead of the built decoder; called as forward(tgt, memory, { tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask }). */
  customDecoder?: Module | null;
}

const TRANSFORMER_OPTIONS = optionKeys<TransformerOptions>({
  dModel: true,
  nhead: true,
  numEncoderLayers: true,
  numDecoderLayers: true,
  dimFeedforward: true,
  dropout: true,
  activation: true,
  customEncoder: true,
  customDecoder: true,
  layerNormEps: true,
  batchFirst: true,
  normFirst: true,
  device: true,
});

export interface TransformerForwardOptions {
  /** The encoder's self-attention mask, (S, S) or (N * nhead, S, S). */
  srcMask?: Tensor | null;
  /** The decoder's self-attention mask, (T, T) or (N * nhead, T, T); generateSquareSubsequentMask(T) makes it causal. */
  tgtMask?: Tensor | null;
  /** The decoder's attention mask over memory, (T, S) or (N * nhead, T, S). */
  memoryMask?: Tensor | null;
  /** (N, S), or (S) unbatched: the padding positions of src. */
  srcKeyPaddingMask?: Tensor | null;
  /** (N, T), or (T) unbatched: the padding positions of tgt. */
  tgtKeyPaddingMask?: Tensor | null;
  /** (N, S), or (S) unbatched: the padding positions of memory (usually srcKeyPaddingMask). */
  memoryKeyPaddingMask?: Tensor | null;
}

const TRANSFORMER_FORWARD_OPTIONS = optionKeys<TransformerForwardOptions>({
  srcMask: true,
  tgtMask: true,
  memoryMask: true,
  srcKeyPaddingMask: true,
  tgtKeyPaddingMask: true,
  memoryKeyPaddingMask: true,
});

export interface SquareSubsequentMaskOptions {
  device?: string;
}

const SQUARE_SUBSEQUENT_MASK_OPTIONS = optionKeys<SquareSubsequentMaskOptions>({ device: true });

/**
 * `nn.Transformer({ dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, dropout, activation, customEncoder, customDecoder, layerNormEps, batchFirst, normFirst })`:
 * a TransformerEncoder (numEncoderLayers layers and a final LayerNorm) whose output, memory, feeds
 * a TransformerDecoder (numDecoderLayers layers and a final LayerNorm), as "Attention Is All You
 * Need" and PyTorch 1.13, which takes every argument by keyword: here, one options object. Every
 * parameter with more than one dim is re-drawn Xavier-uniform, as PyTorch's `_reset_parameters`.
 * Shapes: src (S, N, E), tgt (T, N, E) (batchFirst: (N, S, E), (N, T, E); unbatched: (S, E),
 * (T, E)), output (T, N, E) like tgt.
 *
 * ```ts
 * const model = new nn.Transformer({ dModel: 16, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 32 });
 * const tgtMask = nn.Transformer.generateSquareSubsequentMask(5);
 * model.forward(torch.randn(7, 2, 16), torch.randn(5, 2, 16), { tgtMask }).shape;   // [5, 2, 16]
 * ```
 */
export class Transformer extends Module {
  declare encoder: Module;
  declare decoder: Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(options: TransformerOptions = {}) {
    checkOptions('Transformer', options, TRANSFORMER_OPTIONS);
    super();
    const {
      dModel = 512,
      nhead = 8,
      numEncoderLayers = 6,
      numDecoderLayers = 6,
      customEncoder = null,
      customDecoder = null,
      batchFirst = false,
      ...layerOptions
    } = options;
    const eps = options.layerNormEps ?? 1e-5;
    const { device } = options;
    this.encoder =
      customEncoder ??
      new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, { ...layerOptions, batchFirst }), numEncoderLayers, {
        norm: new LayerNorm(dModel, { eps, device }),
      });
    this.decoder =
      customDecoder ??
      new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, { ...layerOptions, batchFirst }), numDecoderLayers, {
        norm: new LayerNorm(dModel, { eps, device }),
      });
    this.resetParameters();
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = batchFirst;
  }

  /** PyTorch's `_reset_parameters`: Xavier-uniform for every parameter with more than one dim, custom encoder and decoder included. */
  resetParameters(): void {
    for (const parameter of this.parameters()) if (parameter.dim() > 1) xavierUniform_(parameter);
  }

  override forward(src: Tensor, tgt: Tensor, options: TransformerForwardOptions = {}): Tensor {
    const op = `${this.getName()}.forward`;
    checkArgumentCount(op, arguments.length, ['src', 'tgt', 'options']);
    checkOptions(op, options, TRANSFORMER_FORWARD_OPTIONS);
    checkTensor(op, 'src', src);
    checkTensor(op, 'tgt', tgt);
    if (src.dim() === 3 && tgt.dim() === 3) {
      const batchDim = this.batchFirst ? 0 : 1;
      if (src.shape[batchDim] !== tgt.shape[batchDim])
        throw new RangeError(
          `${op}: the batch number of src and tgt must be equal (dim ${batchDim} with batchFirst ${this.batchFirst}), got src ${formatShape(src.shape)} and tgt ${formatShape(tgt.shape)}`,
        );
    }
    if (src.shape[src.dim() - 1] !== this.dModel || tgt.shape[tgt.dim() - 1] !== this.dModel)
      throw new RangeError(
        `${op}: the feature number of src and tgt must be equal to dModel = ${this.dModel}, got src ${formatShape(src.shape)} and tgt ${formatShape(tgt.shape)}`,
      );
    const { srcMask = null, tgtMask = null, memoryMask = null } = options;
    const { srcKeyPaddingMask = null, tgtKeyPaddingMask = null, memoryKeyPaddingMask = null } = options;
    return scope(() => {
      const memory = this.encoder.forward(src, { mask: srcMask, srcKeyPaddingMask });
      return this.decoder.forward(tgt, memory, { tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask });
    });
  }

  /**
   * `nn.Transformer.generateSquareSubsequentMask(sz, { device })`: the float32 (sz, sz) causal
   * mask, -inf above the diagonal and 0 on and below it, so position i attends to 0..i.
   *
   * ```ts
   * nn.Transformer.generateSquareSubsequentMask(3);   // [[0, -inf, -inf], [0, 0, -inf], [0, 0, 0]]
   * ```
   */
  static generateSquareSubsequentMask(sz: number, options: SquareSubsequentMaskOptions = {}): Tensor {
    const op = 'Transformer.generateSquareSubsequentMask';
    checkOptions(op, options, SQUARE_SUBSEQUENT_MASK_OPTIONS);
    if (!Number.isInteger(sz) || sz < 0) throw new RangeError(`${op}: sz must be a non-negative integer, got ${sz}`);
    return scope(() => triu(full([sz, sz], -Infinity, { device: options.device }), 1));
  }
}
