// nn.TransformerDecoderLayer and nn.TransformerDecoder: the decoder half of PyTorch 1.13's transformer.
import { scope } from '../memory.js';
import { add } from '../ops/elementwise.js';
import { checkDtype, checkSameDevice, checkTensor } from '../ops/util.js';
import { checkArgumentCount, checkOptions, type KeywordCall, optionKeys, spreadKeywordCall } from '../options.js';
import { formatShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { MultiheadAttention } from './attention.js';
import { ModuleList } from './container.js';
import { Dropout } from './dropout.js';
import { checkFeatures, Linear } from './linear.js';
import { Module } from './module.js';
import { LayerNorm } from './normalization.js';
import {
  type Activation,
  activationOf,
  applyActivation,
  TRANSFORMER_ENCODER_LAYER_OPTIONS,
  type TransformerEncoderLayerOptions,
} from './transformer.js';

/** The same settings as the encoder layer's: dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, device. */
export type TransformerDecoderLayerOptions = TransformerEncoderLayerOptions;

export interface TransformerDecoderForwardOptions {
  /** Self-attention mask, (T, T) or (N * nhead, T, T): bool true blocks a position, a float mask is added. */
  tgtMask?: Tensor | null;
  /** Attention mask over memory, (T, S) or (N * nhead, T, S). */
  memoryMask?: Tensor | null;
  /** (N, T), or (T) unbatched: bool true marks a padding position of tgt, a float mask is added. */
  tgtKeyPaddingMask?: Tensor | null;
  /** (N, S), or (S) unbatched: the padding positions of memory. */
  memoryKeyPaddingMask?: Tensor | null;
}

export const TRANSFORMER_DECODER_FORWARD_OPTIONS = optionKeys<TransformerDecoderForwardOptions>({
  tgtMask: true,
  memoryMask: true,
  tgtKeyPaddingMask: true,
  memoryKeyPaddingMask: true,
});

/**
 * Checks tgt, memory and the masks against each other, so a mismatch is named with the decoder's
 * own argument names rather than the attention's (query, key, attnMask) it would surface as.
 */
function checkDecoderInputs(
  op: string,
  layer: TransformerDecoderLayer,
  tgt: Tensor,
  memory: Tensor,
  masks: TransformerDecoderForwardOptions,
): void {
  checkTensor(op, 'tgt', tgt);
  checkTensor(op, 'memory', memory);
  checkDtype(op, 'tgt', tgt, ['float32']);
  checkDtype(op, 'memory', memory, ['float32']);
  checkSameDevice(op, { tgt, memory });
  const batchFirst = layer.self_attn.batchFirst;
  const letters = (length: string) => (tgt.dim() === 2 ? `(${length}, E)` : batchFirst ? `(N, ${length}, E)` : `(${length}, N, E)`);
  if (tgt.dim() !== 2 && tgt.dim() !== 3)
    throw new RangeError(
      `${op}: tgt must be 2-D (T, E) unbatched or 3-D ${batchFirst ? '(N, T, E)' : '(T, N, E)'} batched, got shape ${formatShape(tgt.shape)}`,
    );
  if (memory.dim() !== tgt.dim())
    throw new RangeError(
      `${op}: memory must have as many dims as tgt ${letters('S')}, got tgt ${formatShape(tgt.shape)} and memory ${formatShape(memory.shape)}`,
    );
  const dModel = layer.self_attn.embedDim;
  for (const [name, tensor] of [
    ['tgt', tgt],
    ['memory', memory],
  ] as const) {
    if (tensor.shape[tensor.dim() - 1] !== dModel)
      throw new RangeError(`${op}: ${name} must have dModel = ${dModel} features in its last dim, got shape ${formatShape(tensor.shape)}`);
  }
  const batched = tgt.dim() === 3;
  const sequenceDim = batched && batchFirst ? 1 : 0;
  const batch = batched ? tgt.shape[batchFirst ? 0 : 1] : null;
  if (batched && memory.shape[batchFirst ? 0 : 1] !== batch)
    throw new RangeError(
      `${op}: tgt and memory must have the same batch size N, got tgt ${formatShape(tgt.shape)} and memory ${formatShape(memory.shape)} ${letters('T|S')}`,
    );
  const targetLength = tgt.shape[sequenceDim];
  const sourceLength = memory.shape[sequenceDim];
  const heads = (batch ?? 1) * layer.self_attn.numHeads;
  const headsLetters = batch === null ? 'nhead' : 'N * nhead';
  const expectMask = (name: keyof TransformerDecoderForwardOptions, shapes: [number[], string][]) => {
    const mask = masks[name];
    if (mask === undefined || mask === null) return;
    checkTensor(op, name, mask);
    if (mask.dtype !== 'bool' && mask.dtype !== 'float32')
      throw new TypeError(`${op}: ${name} must be a bool or float32 tensor, got ${mask.dtype} (shape ${formatShape(mask.shape)})`);
    checkSameDevice(op, { tgt, [name]: mask });
    if (shapes.some(([shape]) => shapesEqual(mask.shape, shape))) return;
    const accepted = shapes.map(([shape, named]) => `${formatShape(shape)} ${named}`).join(' or ');
    throw new RangeError(`${op}: ${name} must have shape ${accepted}, got ${formatShape(mask.shape)}`);
  };
  expectMask('tgtMask', [
    [[targetLength, targetLength], '(T, T)'],
    [[heads, targetLength, targetLength], `(${headsLetters}, T, T)`],
  ]);
  expectMask('memoryMask', [
    [[targetLength, sourceLength], '(T, S)'],
    [[heads, targetLength, sourceLength], `(${headsLetters}, T, S)`],
  ]);
  expectMask('tgtKeyPaddingMask', [batch === null ? [[targetLength], '(T)'] : [[batch, targetLength], '(N, T)']]);
  expectMask('memoryKeyPaddingMask', [batch === null ? [[sourceLength], '(S)'] : [[batch, sourceLength], '(N, S)']]);
}

/**
 * `nn.TransformerDecoderLayer(dModel, nhead, { dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst })`:
 * self-attention over tgt, attention from tgt to memory (the encoder's output), then the
 * feedforward block (linear1, activation, dropout, linear2); each block is followed by dropout and
 * a residual add, with LayerNorm after each add (or, with normFirst, before each block), as PyTorch 1.13.
 * Shapes: tgt (T, N, E), memory (S, N, E) (batchFirst: (N, T, E), (N, S, E); unbatched: (T, E),
 * (S, E)), output like tgt.
 *
 * ```ts
 * const layer = new nn.TransformerDecoderLayer(16, 4, { dimFeedforward: 32 });
 * const mask = nn.Transformer.generateSquareSubsequentMask(5);
 * layer.forward(torch.randn(5, 2, 16), torch.randn(7, 2, 16), { tgtMask: mask }).shape;   // [5, 2, 16]
 * ```
 */
export class TransformerDecoderLayer extends Module {
  declare self_attn: MultiheadAttention;
  declare multihead_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  readonly normFirst: boolean;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare norm3: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare dropout3: Dropout;
  declare activation: Activation | Module;

  constructor(...args: KeywordCall<[{ dModel: number }, { nhead: number }], TransformerDecoderLayerOptions>) {
    const [dModel, nhead, options = {}] = spreadKeywordCall(args, ['dModel', 'nhead']) as [number, number, TransformerDecoderLayerOptions?];
    checkOptions('TransformerDecoderLayer', options, TRANSFORMER_ENCODER_LAYER_OPTIONS);
    super();
    const dimFeedforward = options.dimFeedforward ?? 2048;
    checkFeatures('TransformerDecoderLayer', { dModel, dimFeedforward });
    const p = options.dropout ?? 0.1;
    const { device, batchFirst } = options;
    const eps = options.layerNormEps ?? 1e-5;
    // PyTorch's registration order, which is the printed and stateDict order.
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst, device });
    this.multihead_attn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst, device });
    this.linear1 = new Linear(dModel, dimFeedforward, { device });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(dimFeedforward, dModel, { device });
    this.normFirst = options.normFirst ?? false;
    this.norm1 = new LayerNorm(dModel, { eps, device });
    this.norm2 = new LayerNorm(dModel, { eps, device });
    this.norm3 = new LayerNorm(dModel, { eps, device });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.dropout3 = new Dropout(p);
    this.activation = activationOf('TransformerDecoderLayer', options.activation);
  }

  override forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderForwardOptions = {}): Tensor {
    const op = `${this.getName()}.forward`;
    checkArgumentCount(op, arguments.length, ['tgt', 'memory', 'options']);
    checkOptions(op, options, TRANSFORMER_DECODER_FORWARD_OPTIONS);
    checkDecoderInputs(op, this, tgt, memory, options);
    const { tgtMask = null, memoryMask = null, tgtKeyPaddingMask = null, memoryKeyPaddingMask = null } = options;
    return scope(() => {
      const selfAttention = (x: Tensor) =>
        this.dropout1.forward(
          this.self_attn.forward(x, x, x, { attnMask: tgtMask, keyPaddingMask: tgtKeyPaddingMask, needWeights: false })[0],
        );
      const memoryAttention = (x: Tensor) =>
        this.dropout2.forward(
          this.multihead_attn.forward(x, memory, memory, {
            attnMask: memoryMask,
            keyPaddingMask: memoryKeyPaddingMask,
            needWeights: false,
          })[0],
        );
      const feedforward = (x: Tensor) =>
        this.dropout3.forward(this.linear2.forward(this.dropout.forward(applyActivation(this.activation, this.linear1.forward(x)))));
      let x = tgt;
      if (this.normFirst) {
        x = add(x, selfAttention(this.norm1.forward(x)));
        x = add(x, memoryAttention(this.norm2.forward(x)));
        return add(x, feedforward(this.norm3.forward(x)));
      }
      x = this.norm1.forward(add(x, selfAttention(x)));
      x = this.norm2.forward(add(x, memoryAttention(x)));
      return this.norm3.forward(add(x, feedforward(x)));
    });
  }
}

export interface TransformerDecoderOptions {
  /** Applied to the last layer's output (a LayerNorm, usually); default none. */
  norm?: Module | null;
}

const TRANSFORMER_DECODER_OPTIONS = optionKeys<TransformerDecoderOptions>({ norm: true });

/**
 * `nn.TransformerDecoder(decoderLayer, numLayers, { norm })`: numLayers deep copies of
 * decoderLayer (as `layers.0`, `layers.1`, ...; the layer passed in is not registered), each
 * given the same memory and masks, then `norm`. Shapes: those of the layer.
 *
 * ```ts
 * const layer = new nn.TransformerDecoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true });
 * const decoder = new nn.TransformerDecoder(layer, 2, { norm: new nn.LayerNorm(16) });
 * decoder.forward(torch.randn(2, 5, 16), torch.randn(2, 7, 16)).shape;   // [2, 5, 16]
 * ```
 */
export class TransformerDecoder extends Module {
  declare layers: ModuleList<TransformerDecoderLayer>;
  readonly numLayers: number;
  declare norm: Module | null;

  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, options: TransformerDecoderOptions = {}) {
    checkOptions('TransformerDecoder', options, TRANSFORMER_DECODER_OPTIONS);
    super();
    if (!(decoderLayer instanceof Module))
      throw new TypeError(`TransformerDecoder: decoderLayer must be an nn.Module (a TransformerDecoderLayer), got ${typeof decoderLayer}`);
    if (!Number.isInteger(numLayers) || numLayers < 1)
      throw new RangeError(`TransformerDecoder: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.deepCopy()));
    this.numLayers = numLayers;
    this.norm = options.norm ?? null;
  }

  override forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderForwardOptions = {}): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['tgt', 'memory', 'options']);
    checkOptions(`${this.getName()}.forward`, options, TRANSFORMER_DECODER_FORWARD_OPTIONS);
    return scope(() => {
      let output = tgt;
      for (const layer of this.layers) output = layer.forward(output, memory, options);
      return this.norm ? this.norm.forward(output) : output;
    });
  }
}
