// `nn.TransformerEncoderLayer` and `nn.TransformerEncoder`.
import { isGradEnabled } from '../graph/grad-mode.js';
import { scope } from '../memory.js';
import { add, logicalAnd, logicalNot, ne } from '../ops/elementwise.js';
import { any } from '../ops/logical.js';
import { maskedFill } from '../ops/subscript.js';
import { checkArgumentCount, checkOptions, type KeywordCall, optionKeys, spreadKeywordCall } from '../options.js';
import type { Tensor } from '../tensor.js';
import { GELU, gelu, ReLU, relu } from './activation.js';
import { causalMask, MultiheadAttention } from './attention.js';
import { ModuleList } from './container.js';
import { Dropout } from './dropout.js';
import { checkFeatures, Linear } from './linear.js';
import { Module } from './module.js';
import { LayerNorm } from './normalization.js';

export type Activation = (input: Tensor) => Tensor;

export interface TransformerEncoderLayerOptions {
  /** Width of the feedforward block; default 2048. */
  dimFeedforward?: number;
  /** Dropout on the attention weights, after attention, inside and after the feedforward block; default 0.1. */
  dropout?: number;
  /** The feedforward nonlinearity: 'relu' (default), 'gelu', a function, or a module (then registered as `activation`). */
  activation?: 'relu' | 'gelu' | Activation | Module;
  /** eps of both LayerNorms; default 1e-5. */
  layerNormEps?: number;
  /** src is (N, S, E) instead of (S, N, E); default false. */
  batchFirst?: boolean;
  /** Normalise before attention and feedforward (pre-norm) instead of after the residual adds; default false. */
  normFirst?: boolean;
  device?: string;
}

export const TRANSFORMER_ENCODER_LAYER_OPTIONS = optionKeys<TransformerEncoderLayerOptions>({
  dimFeedforward: true,
  dropout: true,
  activation: true,
  layerNormEps: true,
  batchFirst: true,
  normFirst: true,
  device: true,
});

export interface TransformerEncoderLayerForwardOptions {
  /** The attention mask, (S, S) or (N * nhead, S, S): bool true blocks a position, a float mask is added. */
  srcMask?: Tensor | null;
  /** (N, S), or (S) unbatched: bool true marks a padding position, a float mask is added. */
  srcKeyPaddingMask?: Tensor | null;
  /** Attend only to earlier positions: the causal mask, when srcMask is not given (a given srcMask is taken to be it, PyTorch 2's hint). */
  isCausal?: boolean;
}

const TRANSFORMER_ENCODER_LAYER_FORWARD_OPTIONS = optionKeys<TransformerEncoderLayerForwardOptions>({
  srcMask: true,
  srcKeyPaddingMask: true,
  isCausal: true,
});

/** The feedforward nonlinearity a transformer layer option names (shared by the encoder and decoder layers). */
export function activationOf(layer: string, activation: TransformerEncoderLayerOptions['activation']): Activation | Module {
  if (activation === undefined || activation === 'relu') return relu;
  if (activation === 'gelu') return gelu;
  if (typeof activation === 'function' || activation instanceof Module) return activation;
  throw new RangeError(`${layer}: activation should be relu/gelu, not ${String(activation)}`);
}

/** Applies a layer's activation, a function or a registered module. */
export function applyActivation(activation: Activation | Module, x: Tensor): Tensor {
  return activation instanceof Module ? activation.forward(x) : activation(x);
}

/**
 * `nn.TransformerEncoderLayer(dModel, nhead, { dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst })`:
 * self-attention then a feedforward block (linear1, activation, dropout, linear2), each followed
 * by dropout and a residual add, with LayerNorm after each add (or, with normFirst, before each
 * block), as "Attention Is All You Need" and PyTorch 1.13.
 * Shapes: src (S, N, E) (batchFirst: (N, S, E); unbatched: (S, E)), output the same.
 *
 * ```ts
 * const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * layer.forward(torch.randn(2, 10, 32)).shape;   // [2, 10, 32]
 * ```
 */
export class TransformerEncoderLayer extends Module {
  declare self_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  readonly normFirst: boolean;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare activation: Activation | Module;

  constructor(...args: KeywordCall<[{ dModel: number }, { nhead: number }], TransformerEncoderLayerOptions>) {
    const [dModel, nhead, options = {}] = spreadKeywordCall(args, ['dModel', 'nhead']) as [number, number, TransformerEncoderLayerOptions?];
    checkOptions('TransformerEncoderLayer', options, TRANSFORMER_ENCODER_LAYER_OPTIONS);
    super();
    const dimFeedforward = options.dimFeedforward ?? 2048;
    checkFeatures('TransformerEncoderLayer', { dModel, dimFeedforward });
    const p = options.dropout ?? 0.1;
    const { device, batchFirst } = options;
    const eps = options.layerNormEps ?? 1e-5;
    // PyTorch's registration order, which is the printed and stateDict order.
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst, device });
    this.linear1 = new Linear(dModel, dimFeedforward, { device });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(dimFeedforward, dModel, { device });
    this.normFirst = options.normFirst ?? false;
    this.norm1 = new LayerNorm(dModel, { eps, device });
    this.norm2 = new LayerNorm(dModel, { eps, device });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.activation = activationOf('TransformerEncoderLayer', options.activation);
  }

  override forward(src: Tensor, options: TransformerEncoderLayerForwardOptions = {}): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['src', 'options']);
    checkOptions(`${this.getName()}.forward`, options, TRANSFORMER_ENCODER_LAYER_FORWARD_OPTIONS);
    const { srcKeyPaddingMask = null, isCausal = false } = options;
    return scope(() => {
      const srcMask =
        options.srcMask ?? (isCausal ? causalMask(src.shape[this.self_attn.batchFirst && src.dim() === 3 ? 1 : 0], src.device) : null);
      const attention = (x: Tensor) =>
        this.dropout1.forward(
          this.self_attn.forward(x, x, x, { attnMask: srcMask, keyPaddingMask: srcKeyPaddingMask, needWeights: false })[0],
        );
      const feedforward = (x: Tensor) =>
        this.dropout2.forward(this.linear2.forward(this.dropout.forward(applyActivation(this.activation, this.linear1.forward(x)))));
      if (this.normFirst) {
        const attended = add(src, attention(this.norm1.forward(src)));
        return add(attended, feedforward(this.norm2.forward(attended)));
      }
      const attended = this.norm1.forward(add(src, attention(src)));
      return this.norm2.forward(add(attended, feedforward(attended)));
    });
  }
}

export interface TransformerEncoderOptions {
  /** Applied to the last layer's output (a LayerNorm, usually); default none. */
  norm?: Module | null;
  /**
   * PyTorch's switch for its eval fast path, which runs the layers on a nested tensor of the real
   * positions and so returns zeros at the padded ones; webtorch has no nested tensors and zeroes
   * them under the same conditions (see TransformerEncoder). Default true.
   */
  enableNestedTensor?: boolean;
}

const TRANSFORMER_ENCODER_OPTIONS = optionKeys<TransformerEncoderOptions>({ norm: true, enableNestedTensor: true });

export interface TransformerEncoderForwardOptions {
  /** Passed to every layer as its srcMask. */
  mask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  /** Passed to every layer: the causal mask when `mask` is not given. */
  isCausal?: boolean;
}

const TRANSFORMER_ENCODER_FORWARD_OPTIONS = optionKeys<TransformerEncoderForwardOptions>({
  mask: true,
  srcKeyPaddingMask: true,
  isCausal: true,
});

/**
 * `nn.TransformerEncoder(encoderLayer, numLayers, { norm, enableNestedTensor })`: numLayers deep
 * copies of encoderLayer (as `layers.0`, `layers.1`, ...; the layer passed in is not registered),
 * applied in turn, then `norm`. Shapes: those of the layer.
 *
 * The outputs at padded positions are zeros (before `norm`) where PyTorch 1.13 takes its
 * nested-tensor fast path: enableNestedTensor, src batched (3-D), a srcKeyPaddingMask whose padding
 * ends every sequence (left-aligned), no mask nor isCausal, and the first layer a
 * TransformerEncoderLayer in eval mode with batchFirst, post-norm, relu or gelu, an even nhead,
 * and no gradient to record (grad mode off, or nothing among src and its weights requiring grad).
 * Elsewhere they hold what the layers computed from the padding tokens, as in PyTorch. PyTorch 1.13
 * also drops padding columns that every sequence shares (pytorch/pytorch#97111, fixed in 2.1); the
 * output here keeps src's shape, as 2.1's does.
 *
 * ```ts
 * const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64 });
 * const encoder = new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm(32) });
 * encoder.forward(torch.randn(10, 2, 32), { isCausal: true }).shape;   // [10, 2, 32]
 * ```
 */
export class TransformerEncoder extends Module {
  declare layers: ModuleList<TransformerEncoderLayer>;
  readonly numLayers: number;
  declare norm: Module | null;
  readonly enableNestedTensor: boolean;

  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, options: TransformerEncoderOptions = {}) {
    checkOptions('TransformerEncoder', options, TRANSFORMER_ENCODER_OPTIONS);
    super();
    if (!(encoderLayer instanceof Module))
      throw new TypeError(`TransformerEncoder: encoderLayer must be an nn.Module (a TransformerEncoderLayer), got ${typeof encoderLayer}`);
    if (!Number.isInteger(numLayers) || numLayers < 1)
      throw new RangeError(`TransformerEncoder: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.deepCopy()));
    this.numLayers = numLayers;
    this.norm = options.norm ?? null;
    this.enableNestedTensor = options.enableNestedTensor ?? true;
  }

  override forward(src: Tensor, options: TransformerEncoderForwardOptions = {}): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['src', 'options']);
    checkOptions(`${this.getName()}.forward`, options, TRANSFORMER_ENCODER_FORWARD_OPTIONS);
    const layerOptions = {
      srcMask: options.mask ?? null,
      srcKeyPaddingMask: options.srcKeyPaddingMask ?? null,
      isCausal: options.isCausal ?? false,
    };
    return scope(() => {
      let output = src;
      for (const layer of this.layers) output = layer.forward(output, layerOptions);
      if (layerOptions.srcKeyPaddingMask && takesFastPath(this, src, layerOptions))
        output = maskedFill(output, leftAlignedPadding(layerOptions.srcKeyPaddingMask).unsqueeze(2), 0);
      return this.norm ? this.norm.forward(output) : output;
    });
  }
}

/** PyTorch 1.13's conditions for its nested-tensor path, all but the mask's alignment (leftAlignedPadding checks that on the device). */
function takesFastPath(encoder: TransformerEncoder, src: Tensor, { srcMask, isCausal }: TransformerEncoderLayerForwardOptions): boolean {
  const layer = encoder.layers.at(0);
  if (!encoder.enableNestedTensor || src.dim() !== 3 || srcMask || isCausal || !(layer instanceof TransformerEncoderLayer)) return false;
  const attention = layer.self_attn;
  const reluOrGelu =
    [relu, gelu].includes(layer.activation as Activation) || layer.activation instanceof ReLU || layer.activation instanceof GELU;
  if (layer.training || layer.normFirst || !attention.batchFirst || !attention.qkvSameEmbedDim || !reluOrGelu) return false;
  if (layer.norm1.eps !== layer.norm2.eps || attention.numHeads % 2 === 1) return false;
  return !(isGradEnabled() && [src, ...layer.parameters()].some((tensor) => tensor.requiresGrad));
}

/**
 * The padding positions of a key padding mask (bool true, or float nonzero, at padding) where every
 * row's padding follows all its tokens; all false when some row's does not, as PyTorch then keeps
 * its padded path. Decided on the tensor's device, with no read back.
 */
function leftAlignedPadding(mask: Tensor): Tensor {
  const padding = mask.dtype === 'bool' ? mask : ne(mask, 0);
  const steps = padding.shape[1];
  const tokenAfterPadding = any(logicalAnd(padding.narrow(1, 0, steps - 1), logicalNot(padding.narrow(1, 1, steps - 1))));
  return logicalAnd(padding, logicalNot(tokenAfterPadding));
}
