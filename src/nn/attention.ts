// Scaled dot-product attention and `nn.MultiheadAttention`.
import { scope } from '../memory.js';
import { arange, zeros } from '../ops/creation.js';
import { add, div, le, mul, where } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { dropout } from '../ops/random.js';
import { sum } from '../ops/reduce.js';
import { softmax } from '../ops/softmax.js';
import { checkDtype, checkSameDevice, checkTensor } from '../ops/util.js';
import { cat, chunk, expand, narrow, permute, reshape, transpose, unflatten, unsqueeze } from '../ops/views.js';
import { checkArgumentCount, checkOptions, type KeywordCall, optionKeys, spreadKeywordCall } from '../options.js';
import { broadcastShapes, formatShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { constant_, xavierNormal_, xavierUniform_ } from './init.js';
import { checkFeatures, Linear, linear } from './linear.js';
import { Module } from './module.js';
import { pad } from './padding.js';
import { emptyParameter, type Parameter } from './parameter.js';

/**
 * The attention core both APIs share: softmax(query key^T * scale + bias) with dropout, times
 * value. `bias` is an additive float mask (0 where a position takes part, -inf where it does not)
 * that broadcasts against the scores [..., L, S]. Returns the output [..., L, Ev] and the weights
 * [..., L, S] (after dropout, as MultiheadAttention returns them).
 */
function attend(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  bias: Tensor | null,
  dropoutP: number,
  scale: number,
): { output: Tensor; weights: Tensor } {
  const scores = matmul(mul(query, scale), transpose(key, -2, -1));
  const weights = dropout(softmax(bias ? add(scores, bias) : scores, -1), dropoutP);
  return { output: matmul(weights, value), weights };
}

/**
 * A bool mask as the additive float mask `attend` takes: -inf where `blocked` is true, 0 elsewhere.
 * Float masks are already additive and pass through.
 */
function additive(mask: Tensor, blocked: boolean): Tensor {
  if (mask.dtype !== 'bool') return mask;
  return blocked ? where(mask, -Infinity, 0) : where(mask, 0, -Infinity);
}

/** Bool [L, S], true where query i may attend to key j (j <= i): the lower triangle, top-left aligned. */
function causalKeep(targetLength: number, sourceLength: number, device: string): Tensor {
  return scope(() =>
    le(
      unsqueeze(arange(0, sourceLength, { dtype: 'int32', device }), 0),
      unsqueeze(arange(0, targetLength, { dtype: 'int32', device }), 1),
    ),
  );
}

/** The float [size, size] causal mask for MultiheadAttention's attnMask: -inf above the diagonal, 0 on and below it. */
export function causalMask(size: number, device: string): Tensor {
  return scope(() => additive(causalKeep(size, size, device), false));
}

function checkMask(op: string, name: string, mask: Tensor, query: Tensor): void {
  checkTensor(op, name, mask);
  if (mask.dtype !== 'bool' && mask.dtype !== 'float32')
    throw new TypeError(`${op}: ${name} must be a bool or float32 tensor, got ${mask.dtype} (shape ${formatShape(mask.shape)})`);
  checkSameDevice(op, { query, [name]: mask });
}

export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to [..., L, S]. Bool: true where a query may attend to a key (takes part).
   * Float: added to the scores (use -inf to block).
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights, applied whenever it is above 0 (PyTorch's functional contract: pass 0 in eval). */
  dropoutP?: number;
  /** Lets query i attend only to keys 0..i (a lower-triangular mask, top-left aligned); excludes attnMask. */
  isCausal?: boolean;
  /** Multiplies the scores; default 1 / sqrt(E). */
  scale?: number | null;
}

const SCALED_DOT_PRODUCT_ATTENTION_OPTIONS = optionKeys<ScaledDotProductAttentionOptions>({
  attnMask: true,
  dropoutP: true,
  isCausal: true,
  scale: true,
});

/**
 * `scaledDotProductAttention(query, key, value, { attnMask, dropoutP, isCausal, scale })`,
 * PyTorch 2's F.scaled_dot_product_attention:
 * softmax(query key^T / sqrt(E) + mask) (with dropout) times value.
 * Shapes: query (..., L, E), key (..., S, E), value (..., S, Ev), output (..., L, Ev); the batch
 * dims (...) broadcast. A row whose keys are all masked out gives NaN, as in PyTorch.
 *
 * ```ts
 * const q = torch.randn(2, 4, 5, 8);   // batch, heads, L, E
 * F.scaledDotProductAttention(q, q, q, { isCausal: true }).shape;   // [2, 4, 5, 8]
 * ```
 */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  options: ScaledDotProductAttentionOptions = {},
): Tensor {
  checkOptions('scaledDotProductAttention', options, SCALED_DOT_PRODUCT_ATTENTION_OPTIONS);
  const op = 'scaledDotProductAttention';
  const operands = { query, key, value };
  for (const [name, tensor] of Object.entries(operands)) {
    checkTensor(op, name, tensor);
    checkDtype(op, name, tensor, ['float32']);
    if (tensor.dim() < 2)
      throw new RangeError(
        `${op}: ${name} must have at least 2 dimensions (..., ${name === 'query' ? 'L' : 'S'}, E), got shape ${formatShape(tensor.shape)}`,
      );
  }
  checkSameDevice(op, operands);
  const [targetLength, embedding] = query.shape.slice(-2);
  const [sourceLength, keyEmbedding] = key.shape.slice(-2);
  if (keyEmbedding !== embedding)
    throw new RangeError(
      `${op}: query and key must have the same last dimension E, got query ${formatShape(query.shape)} and key ${formatShape(key.shape)}`,
    );
  if (value.shape[value.dim() - 2] !== sourceLength)
    throw new RangeError(
      `${op}: key and value must have the same sequence length S (dim -2), got key ${formatShape(key.shape)} and value ${formatShape(value.shape)}`,
    );
  const batch = broadcastShapes(
    op,
    broadcastShapes(op, query.shape.slice(0, -2), key.shape.slice(0, -2), ['query batch dims', 'key batch dims']),
    value.shape.slice(0, -2),
    ['query and key batch dims', 'value batch dims'],
  );
  const scoresShape = [...batch, targetLength, sourceLength];
  const { attnMask = null, dropoutP = 0, isCausal = false, scale = null } = options;
  if (!(dropoutP >= 0 && dropoutP <= 1)) throw new RangeError(`${op}: dropoutP has to be between 0 and 1, but got ${dropoutP}`);
  if (scale !== null && !Number.isFinite(scale)) throw new RangeError(`${op}: scale must be a finite number, got ${scale}`);
  if (attnMask !== null) {
    if (isCausal) throw new RangeError(`${op}: pass either attnMask or isCausal, not both (isCausal builds the causal mask itself)`);
    checkMask(op, 'attnMask', attnMask, query);
    const broadcast = attnMask.dim() <= scoresShape.length && broadcastsTo(attnMask.shape, scoresShape);
    if (!broadcast)
      throw new RangeError(
        `${op}: attnMask of shape ${formatShape(attnMask.shape)} cannot be broadcast to the attention scores' shape ${formatShape(scoresShape)} (..., L, S)`,
      );
  }
  return scope(() => {
    const keep = isCausal ? causalKeep(targetLength, sourceLength, query.device) : attnMask;
    return attend(query, key, value, keep && additive(keep, false), dropoutP, scale ?? 1 / Math.sqrt(embedding)).output;
  });
}

function broadcastsTo(from: readonly number[], to: readonly number[]): boolean {
  return from.every((size, i) => size === 1 || size === to[to.length - from.length + i]);
}

/** NonDynamicallyQuantizableLinear: MultiheadAttention's output projection, a Linear under PyTorch's class name. */
export class NonDynamicallyQuantizableLinear extends Linear {}

export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights while training; default 0. */
  dropout?: number;
  /** Biases in the input and output projections; default true. */
  bias?: boolean;
  /** Learned bias_k and bias_v [1, 1, E] appended to the keys and values as one more source position; default false. */
  addBiasKV?: boolean;
  /** Appends a zero key and value (after the head split) as one more source position; default false. */
  addZeroAttn?: boolean;
  /** Key features; default embedDim. Differing kdim or vdim stores q_proj_weight, k_proj_weight, v_proj_weight instead of in_proj_weight. */
  kdim?: number | null;
  /** Value features; default embedDim. */
  vdim?: number | null;
  /** Inputs and output are (N, L, E) instead of (L, N, E); default false. Ignored for unbatched input. */
  batchFirst?: boolean;
  device?: string;
}

const MULTIHEAD_ATTENTION_OPTIONS = optionKeys<MultiheadAttentionOptions>({
  dropout: true,
  bias: true,
  addBiasKV: true,
  addZeroAttn: true,
  kdim: true,
  vdim: true,
  batchFirst: true,
  device: true,
});

export interface MultiheadAttentionForwardOptions {
  /** (N, S), or (S) unbatched. Bool: true marks a padding key to ignore. Float: added to the scores. */
  keyPaddingMask?: Tensor | null;
  /** Also return the attention weights; default true. */
  needWeights?: boolean;
  /**
   * (L, S), broadcast over the batch, or (N * numHeads, L, S), or (numHeads, L, S) unbatched.
   * Bool: true blocks a position. Float: added to the scores.
   */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (N, L, S) rather than per head (N, numHeads, L, S); default true. */
  averageAttnWeights?: boolean;
}

const MULTIHEAD_ATTENTION_FORWARD_OPTIONS = optionKeys<MultiheadAttentionForwardOptions>({
  keyPaddingMask: true,
  needWeights: true,
  attnMask: true,
  averageAttnWeights: true,
});

/**
 * Where the projected inputs keep their dims: the sequence dim, and the permutation to and from
 * [...batch, heads, L, headDim] once the features are split as [heads, headDim].
 */
interface Layout {
  sequenceDim: number;
  batchDim: number | null;
  toHeads: number[];
  fromHeads: number[];
}

const LAYOUTS: Record<'sequenceFirst' | 'batchFirst' | 'unbatched', Layout> = {
  sequenceFirst: { sequenceDim: 0, batchDim: 1, toHeads: [1, 2, 0, 3], fromHeads: [2, 0, 1, 3] },
  batchFirst: { sequenceDim: 1, batchDim: 0, toHeads: [0, 2, 1, 3], fromHeads: [0, 2, 1, 3] },
  unbatched: { sequenceDim: 0, batchDim: null, toHeads: [1, 0, 2], fromHeads: [1, 0, 2] },
};

/**
 * `nn.MultiheadAttention(embedDim, numHeads, { dropout, bias, addBiasKV, addZeroAttn, kdim, vdim, batchFirst })`:
 * MultiHead(Q, K, V) = Concat(head_1, ..., head_h) W^O with head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V),
 * PyTorch 1.13's semantics and parameters: in_proj_weight [3E, E] (or q_proj_weight [E, E],
 * k_proj_weight [E, kdim], v_proj_weight [E, vdim]), in_proj_bias [3E], out_proj (E -> E),
 * bias_k and bias_v [1, 1, E]; Xavier-uniform projections, zero biases, Xavier-normal bias_k/v.
 *
 * forward(query, key, value, { keyPaddingMask, needWeights, attnMask, averageAttnWeights }) ->
 * [output, weights | null]. Shapes: query (L, N, E) (batchFirst: (N, L, E); unbatched: (L, E)),
 * key (S, N, kdim), value (S, N, vdim), output like query; weights (N, L, S) averaged over heads
 * or (N, numHeads, L, S), without N when unbatched.
 *
 * Masks combine by adding their float forms (bool true becomes -inf), which is PyTorch 1.13's
 * result wherever it accepts the pair; a float keyPaddingMask with an attnMask, which 1.13 refuses
 * (float attnMask) or reads as bool (bool attnMask), adds as PyTorch 2 does. A query whose keys
 * are all masked gets NaN, as in PyTorch.
 *
 * ```ts
 * const attn = new nn.MultiheadAttention(16, 4, { batchFirst: true });
 * const x = torch.randn(2, 5, 16);
 * const [out, weights] = attn.forward(x, x, x);   // [2, 5, 16], [2, 5, 5]
 * ```
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly kdim: number;
  readonly vdim: number;
  /** kdim and vdim equal embedDim: the three projections are packed in in_proj_weight. */
  readonly qkvSameEmbedDim: boolean;
  readonly numHeads: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly headDim: number;
  readonly addZeroAttn: boolean;
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare out_proj: NonDynamicallyQuantizableLinear;
  declare bias_k: Parameter | null;
  declare bias_v: Parameter | null;

  constructor(...args: KeywordCall<[{ embedDim: number }, { numHeads: number }], MultiheadAttentionOptions>) {
    const [embedDim, numHeads, options = {}] = spreadKeywordCall(args, ['embedDim', 'numHeads']) as [
      number,
      number,
      MultiheadAttentionOptions?,
    ];
    checkOptions('MultiheadAttention', options, MULTIHEAD_ATTENTION_OPTIONS);
    super();
    const kdim = options.kdim ?? embedDim;
    const vdim = options.vdim ?? embedDim;
    checkFeatures('MultiheadAttention', { embedDim, kdim, vdim });
    if (embedDim === 0) throw new RangeError('MultiheadAttention: embedDim must be positive, got 0');
    if (!Number.isInteger(numHeads) || numHeads <= 0)
      throw new RangeError(`MultiheadAttention: numHeads must be a positive integer, got ${numHeads}`);
    if (embedDim % numHeads !== 0)
      throw new RangeError(`MultiheadAttention: embedDim must be divisible by numHeads, got embedDim ${embedDim} and numHeads ${numHeads}`);
    const dropoutP = options.dropout ?? 0;
    if (!(dropoutP >= 0 && dropoutP <= 1))
      throw new RangeError(`MultiheadAttention: dropout probability has to be between 0 and 1, but got ${dropoutP}`);
    this.embedDim = embedDim;
    this.kdim = kdim;
    this.vdim = vdim;
    this.qkvSameEmbedDim = kdim === embedDim && vdim === embedDim;
    this.numHeads = numHeads;
    this.dropout = dropoutP;
    this.batchFirst = options.batchFirst ?? false;
    this.headDim = embedDim / numHeads;
    const device = options.device;
    const bias = options.bias ?? true;
    // Registration order is PyTorch's, so stateDict keys come in its order.
    const packed = this.qkvSameEmbedDim;
    this.registerParameter('in_proj_weight', packed ? emptyParameter([3 * embedDim, embedDim], device) : null);
    this.registerParameter('q_proj_weight', packed ? null : emptyParameter([embedDim, embedDim], device));
    this.registerParameter('k_proj_weight', packed ? null : emptyParameter([embedDim, kdim], device));
    this.registerParameter('v_proj_weight', packed ? null : emptyParameter([embedDim, vdim], device));
    this.registerParameter('in_proj_bias', bias ? emptyParameter([3 * embedDim], device) : null);
    this.out_proj = new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias, device });
    const biasKV = options.addBiasKV ?? false;
    this.bias_k = biasKV ? emptyParameter([1, 1, embedDim], device) : null;
    this.bias_v = biasKV ? emptyParameter([1, 1, embedDim], device) : null;
    this.addZeroAttn = options.addZeroAttn ?? false;
    this.resetParameters();
  }

  /** PyTorch's `_reset_parameters`: Xavier-uniform projections, zero in_proj_bias and out_proj.bias, Xavier-normal bias_k and bias_v. */
  resetParameters(): void {
    for (const weight of [this.in_proj_weight, this.q_proj_weight, this.k_proj_weight, this.v_proj_weight])
      if (weight) xavierUniform_(weight);
    if (this.in_proj_bias) {
      constant_(this.in_proj_bias, 0);
      constant_(this.out_proj.bias!, 0);
    }
    for (const bias of [this.bias_k, this.bias_v]) if (bias) xavierNormal_(bias);
  }

  override forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['query', 'key', 'value', 'options']);
    checkOptions(`${this.getName()}.forward`, options, MULTIHEAD_ATTENTION_FORWARD_OPTIONS);
    const { keyPaddingMask = null, needWeights = true, attnMask = null, averageAttnWeights = true } = options;
    const layout = this.layoutOf(query, key, value);
    const targetLength = query.shape[layout.sequenceDim];
    const sourceLength = key.shape[layout.sequenceDim];
    const batch = layout.batchDim === null ? null : query.shape[layout.batchDim];
    this.checkMasks(query, keyPaddingMask, attnMask, batch, targetLength, sourceLength);
    return scope(() => {
      let [q, k, v] = this.project(query, key, value);
      if (this.bias_k && this.bias_v) {
        const appended = k.shape.map((size, d) => (d === layout.sequenceDim ? 1 : size));
        const along = (x: Tensor, bias: Parameter) => cat([x, expand(reshape(bias, [this.embedDim]), appended)], layout.sequenceDim);
        k = along(k, this.bias_k);
        v = along(v, this.bias_v);
      }
      const heads = (x: Tensor) => permute(unflatten(x, -1, [this.numHeads, this.headDim]), layout.toHeads);
      [q, k, v] = [heads(q), heads(k), heads(v)];
      if (this.addZeroAttn) {
        const zero = zeros([...k.shape.slice(0, -2), 1, this.headDim], { device: k.device });
        [k, v] = [cat([k, zero], -2), cat([v, zero], -2)];
      }
      const extraColumns = k.shape[k.dim() - 2] - sourceLength;
      const bias = this.mergedMask(keyPaddingMask, attnMask, batch, extraColumns);
      const { output, weights } = attend(q, k, v, bias, this.training ? this.dropout : 0, 1 / Math.sqrt(this.headDim));
      const merged = reshape(permute(output, layout.fromHeads), [...query.shape.slice(0, -1), this.embedDim]);
      const result = this.out_proj.forward(merged);
      if (!needWeights) return [result, null];
      return [result, averageAttnWeights ? div(sum(weights, batch === null ? 0 : 1), this.numHeads) : weights];
    });
  }

  /** Checks the inputs' ranks and sizes (PyTorch's `_mha_shape_check` and more) and picks their layout. */
  private layoutOf(query: Tensor, key: Tensor, value: Tensor): Layout {
    const op = this.getName();
    const operands = { query, key, value };
    for (const [name, tensor] of Object.entries(operands)) {
      checkTensor(op, name, tensor);
      checkDtype(op, name, tensor, ['float32']);
    }
    checkSameDevice(op, {
      ...operands,
      [this.in_proj_weight ? 'in_proj_weight' : 'q_proj_weight']: (this.in_proj_weight ?? this.q_proj_weight)!,
    });
    if (query.dim() !== 2 && query.dim() !== 3)
      throw new RangeError(
        `${op}: query should be an unbatched 2-D or batched 3-D tensor but received a ${query.dim()}-D query tensor (shape ${formatShape(query.shape)})`,
      );
    const batched = query.dim() === 3;
    if (key.dim() !== query.dim() || value.dim() !== query.dim()) {
      throw new RangeError(
        `${op}: for ${batched ? 'batched (3-D)' : 'unbatched (2-D)'} query, expected key and value to be ${query.dim()}-D but found ${key.dim()}-D and ${value.dim()}-D tensors respectively`,
      );
    }
    const layout = LAYOUTS[!batched ? 'unbatched' : this.batchFirst ? 'batchFirst' : 'sequenceFirst'];
    const letters = !batched ? '(L, E)' : this.batchFirst ? '(N, L, E)' : '(L, N, E)';
    for (const [name, tensor, features] of [
      ['query', query, this.embedDim],
      ['key', key, this.kdim],
      ['value', value, this.vdim],
    ] as const) {
      const last = tensor.shape[tensor.dim() - 1];
      if (last !== features)
        throw new RangeError(
          `${op}: ${name} must have ${features} features in its last dimension (${name === 'query' ? 'embedDim' : name === 'key' ? 'kdim' : 'vdim'}), got shape ${formatShape(tensor.shape)} ${letters}`,
        );
    }
    if (!shapesEqual(key.shape.slice(0, -1), value.shape.slice(0, -1))) {
      throw new RangeError(
        `${op}: key's sequence and batch dims ${formatShape(key.shape.slice(0, -1))} do not match value's ${formatShape(value.shape.slice(0, -1))}`,
      );
    }
    if (layout.batchDim !== null && key.shape[layout.batchDim] !== query.shape[layout.batchDim]) {
      throw new RangeError(
        `${op}: query and key must have the same batch size N, got query ${formatShape(query.shape)} and key ${formatShape(key.shape)} ${letters}`,
      );
    }
    return layout;
  }

  private checkMasks(
    query: Tensor,
    keyPaddingMask: Tensor | null,
    attnMask: Tensor | null,
    batch: number | null,
    targetLength: number,
    sourceLength: number,
  ): void {
    const op = this.getName();
    if (keyPaddingMask !== null) {
      checkMask(op, 'keyPaddingMask', keyPaddingMask, query);
      const expected = batch === null ? [sourceLength] : [batch, sourceLength];
      if (!shapesEqual(keyPaddingMask.shape, expected))
        throw new RangeError(
          `${op}: keyPaddingMask must have shape ${formatShape(expected)} ${batch === null ? '(S)' : '(N, S)'}, got ${formatShape(keyPaddingMask.shape)}`,
        );
    }
    if (attnMask !== null) {
      checkMask(op, 'attnMask', attnMask, query);
      if (attnMask.dim() === 2) {
        if (!shapesEqual(attnMask.shape, [targetLength, sourceLength]))
          throw new RangeError(
            `${op}: the shape of the 2-D attnMask is ${formatShape(attnMask.shape)}, but should be ${formatShape([targetLength, sourceLength])} (L, S)`,
          );
      } else if (attnMask.dim() === 3) {
        const expected = [(batch ?? 1) * this.numHeads, targetLength, sourceLength];
        if (!shapesEqual(attnMask.shape, expected))
          throw new RangeError(
            `${op}: the shape of the 3-D attnMask is ${formatShape(attnMask.shape)}, but should be ${formatShape(expected)} (${batch === null ? 'numHeads' : 'N * numHeads'}, L, S)`,
          );
      } else {
        throw new RangeError(
          `${op}: attnMask must be 2-D (L, S) or 3-D (N * numHeads, L, S), got a ${attnMask.dim()}-D tensor of shape ${formatShape(attnMask.shape)}`,
        );
      }
    }
  }

  /**
   * The input projections, PyTorch's `_in_projection_packed`: one GEMM for self-attention (query,
   * key and value the same tensor), two when key and value are the same tensor, else three.
   */
  private project(query: Tensor, key: Tensor, value: Tensor): Tensor[] {
    const E = this.embedDim;
    const rows = (t: Tensor | null, start: number, count: number) => t && narrow(t, 0, start * E, count * E);
    const bias = this.in_proj_bias;
    if (!this.in_proj_weight) {
      return [
        linear(query, this.q_proj_weight!, rows(bias, 0, 1)),
        linear(key, this.k_proj_weight!, rows(bias, 1, 1)),
        linear(value, this.v_proj_weight!, rows(bias, 2, 1)),
      ];
    }
    const weight = this.in_proj_weight;
    const projection = (input: Tensor, start: number, count: number) =>
      linear(input, rows(weight, start, count)!, rows(bias, start, count));
    if (query === key && key === value) return chunk(projection(query, 0, 3), 3, -1);
    if (key === value) return [projection(query, 0, 1), ...chunk(projection(key, 1, 2), 2, -1)];
    return [projection(query, 0, 1), projection(key, 1, 1), projection(value, 2, 1)];
  }

  /**
   * keyPaddingMask and attnMask as one additive float mask that broadcasts against the scores
   * [...batch, heads, L, S + extraColumns] (the appended bias_k and zero-attention keys are never masked).
   */
  private mergedMask(keyPaddingMask: Tensor | null, attnMask: Tensor | null, batch: number | null, extraColumns: number): Tensor | null {
    const masks: Tensor[] = [];
    if (attnMask) {
      const perHead = attnMask.dim() === 3 && batch !== null ? unflatten(attnMask, 0, [batch, this.numHeads]) : attnMask;
      masks.push(additive(perHead, true));
    }
    if (keyPaddingMask) {
      const perKey = batch === null ? keyPaddingMask : reshape(keyPaddingMask, [batch, 1, 1, keyPaddingMask.shape[1]]);
      masks.push(additive(perKey, true));
    }
    if (masks.length === 0) return null;
    const mask = masks.length === 2 ? add(masks[0], masks[1]) : masks[0];
    return extraColumns > 0 ? pad(mask, [0, extraColumns]) : mask;
  }
}
