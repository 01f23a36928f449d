// The fused recurrent layer op over packed steps, forward and backward, on the device kernels.
import type { RnnGradients, RnnLayer, RnnMode, TensorView } from '../devices/device.js';
import { rnnGateCount, rnnPlan, rnnReserveElements } from '../devices/rnn-layout.js';
import { record } from '../graph/record.js';
import { formatShape, type Shape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkDtype, checkSameDevice, checkTensor } from './util.js';
import { contiguous, narrow, view } from './views.js';

/** Gates per hidden unit, which nn's recurrent layers size their weights by. */
export { rnnGateCount };

/** The weights of one direction of one recurrent layer, in PyTorch's layout (see RnnLayer). */
export interface RnnLayerWeights {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh?: Tensor | null;
  biasHh?: Tensor | null;
  /** The LSTM projection [projSize, hidden], or null. */
  weightHr?: Tensor | null;
}

export interface RnnLayerOptions {
  /** Run the steps from last to first (the reverse direction of a bidirectional layer). */
  reverse?: boolean;
}

/** What one layer-direction produces; cN is null except for LSTM. */
export interface RnnLayerResult {
  /** [rows, stateSize]: h_t for every packed row. */
  output: Tensor;
  /** [batch, stateSize]: each sequence's state after its last step, in the packed (sorted) order. */
  hN: Tensor;
  /** [batch, hidden] for LSTM, else null. */
  cN: Tensor | null;
}

/** The nn layer (and, with 'Cell', the cell) each mode runs for, as createGraph's refusal names them. */
const LAYER_NAMES: Record<RnnMode, string> = { rnnTanh: 'RNN', rnnRelu: 'RNN', lstm: 'LSTM', gru: 'GRU' };

const NODE_NAMES: Record<RnnMode, string> = {
  rnnTanh: 'RnnTanhLayerBackward0',
  rnnRelu: 'RnnReluLayerBackward0',
  lstm: 'LstmLayerBackward0',
  gru: 'GruLayerBackward0',
};

function expectShape(name: string, tensor: Tensor, shape: Shape): void {
  if (!shapesEqual(tensor.shape, shape))
    throw new RangeError(`rnnLayer: ${name} must have shape ${formatShape(shape)}, got ${formatShape(tensor.shape)}`);
}

function checkBatchSizes(batchSizes: readonly number[], rows: number): void {
  if (batchSizes.length === 0) throw new RangeError('rnnLayer: batchSizes must not be empty');
  let total = 0;
  batchSizes.forEach((size, t) => {
    if (!Number.isInteger(size) || size < 1 || (t > 0 && size > batchSizes[t - 1])) {
      throw new RangeError(`rnnLayer: batchSizes must be positive integers in non-increasing order, got [${batchSizes.join(', ')}]`);
    }
    total += size;
  });
  if (total !== rows) throw new RangeError(`rnnLayer: input has ${rows} rows but batchSizes [${batchSizes.join(', ')}] sum to ${total}`);
}

/**
 * One direction of one recurrent layer over packed rows, recorded as ONE autograd node with a
 * fused backward: the input projection of every step is a single GEMM, then each step is one
 * fused kernel (hidden GEMM, gates, state update) touching only the batchSizes[t] sequences still
 * running. `input` is [rows, inputSize] with step t's rows after those of steps 0..t-1 (a
 * PackedSequence's data, or a padded [T, B, *] input reshaped to [T*B, *] with every batch size
 * B). Gate order and cell formulas are PyTorch's (see RnnLayer in devices/device.ts).
 *
 * ```ts
 * const [w, u] = [torch.randn(16, 3), torch.randn(16, 4)];
 * const { output, hN, cN } = rnnLayer('lstm', torch.randn(6, 3), [2, 2, 2], torch.zeros(2, 4), torch.zeros(2, 4), { weightIh: w, weightHh: u });
 * ```
 */
export function rnnLayer(
  mode: RnnMode,
  input: Tensor,
  batchSizes: readonly number[],
  h0: Tensor,
  c0: Tensor | null,
  weights: RnnLayerWeights,
  options: RnnLayerOptions = {},
): RnnLayerResult {
  const biasIh = weights.biasIh ?? null;
  const biasHh = weights.biasHh ?? null;
  const weightHr = weights.weightHr ?? null;
  const named: Record<string, Tensor> = { input, h0, weightIh: weights.weightIh, weightHh: weights.weightHh };
  if (c0) named.c0 = c0;
  if (biasIh) named.biasIh = biasIh;
  if (biasHh) named.biasHh = biasHh;
  if (weightHr) named.weightHr = weightHr;
  for (const [name, tensor] of Object.entries(named)) {
    checkTensor('rnnLayer', name, tensor);
    checkDtype('rnnLayer', name, tensor, ['float32']);
  }
  const device = checkSameDevice('rnnLayer', named);
  if (input.shape.length !== 2) throw new RangeError(`rnnLayer: input must be 2-D [rows, inputSize], got ${formatShape(input.shape)}`);
  const [rows, inputSize] = input.shape;
  checkBatchSizes(batchSizes, rows);
  const batch = batchSizes[0];
  const gates = rnnGateCount(mode);
  if (weights.weightIh.shape.length !== 2 || weights.weightIh.shape[0] % gates !== 0 || weights.weightIh.shape[0] === 0) {
    throw new RangeError(
      `rnnLayer: weightIh must be [${gates} * hidden, inputSize] for ${mode}, got ${formatShape(weights.weightIh.shape)}`,
    );
  }
  const hidden = weights.weightIh.shape[0] / gates;
  const state = weightHr ? weightHr.shape[0] : hidden;
  if (weightHr && mode !== 'lstm') throw new RangeError(`rnnLayer: only an LSTM takes a projection (weightHr), not ${mode}`);
  if (weightHr) expectShape('weightHr', weightHr, [weightHr.shape[0], hidden]);
  expectShape('weightIh', weights.weightIh, [gates * hidden, inputSize]);
  expectShape('weightHh', weights.weightHh, [gates * hidden, state]);
  if (biasIh) expectShape('biasIh', biasIh, [gates * hidden]);
  if (biasHh) expectShape('biasHh', biasHh, [gates * hidden]);
  expectShape('h0', h0, [batch, state]);
  if (mode === 'lstm') {
    if (!c0) throw new TypeError('rnnLayer: an LSTM needs c0');
    expectShape('c0', c0, [batch, hidden]);
  } else if (c0) {
    throw new TypeError(`rnnLayer: only an LSTM takes c0, not ${mode}`);
  }

  const operands = [input, h0, c0, weights.weightIh, weights.weightHh, biasIh, biasHh, weightHr].map((t) => (t ? contiguous(t) : null));
  const [x, h, c, wIh, wHh, bIh, bHh, wHr] = operands;
  const layer: RnnLayer = {
    mode,
    batchSizes: [...batchSizes],
    reverse: options.reverse ?? false,
    input: x!,
    h0: h!,
    c0: c,
    weightIh: wIh!,
    weightHh: wHh!,
    biasIh: bIh,
    biasHh: bHh,
    weightHr: wHr,
    plan: rnnPlan(mode, batchSizes, inputSize, hidden, state),
  };
  const cellElements = mode === 'lstm' ? batch * hidden : 0;
  const result = Tensor.empty([rows * state + batch * state + cellElements], 'float32', device);
  const parts = resultViews(result, rows, batch, state, hidden, mode === 'lstm');
  const reserve = Tensor.empty([rnnReserveElements(mode, rows, hidden)], 'float32', device);
  device.kernels.rnnForward(layer, parts.output, parts.hN, parts.cN, reserve);

  const inputs = [input, h0, c0, weights.weightIh, weights.weightHh, biasIh, biasHh, weightHr];
  record(NODE_NAMES[mode], result, inputs, (save) => {
    const wanted = inputs.map((t) => t?.requiresGrad ?? false);
    // The layer as backward sees it: every operand saved, so in-place changes are detected.
    const saved = operands.map((t) => (t ? save(t) : null));
    const [sx, sh, sc, sWih, sWhh, sBih, sBhh, sWhr] = saved;
    const savedLayer: RnnLayer = {
      ...layer,
      input: sx!,
      h0: sh!,
      c0: sc,
      weightIh: sWih!,
      weightHh: sWhh!,
      biasIh: sBih,
      biasHh: sBhh,
      weightHr: sWhr,
    };
    const savedResult = save(result);
    const savedReserve = save(reserve);
    return (grad) => {
      const g = contiguous(grad);
      const gradParts = resultViews(g, rows, batch, state, hidden, mode === 'lstm');
      const outputs = saved.map((t, i) => (t && wanted[i] ? Tensor.empty(t.shape, 'float32', device) : null));
      const [gx, gh, gc, gWih, gWhh, gBih, gBhh, gWhr] = outputs;
      const grads: RnnGradients = { input: gx, h0: gh, c0: gc, weightIh: gWih, weightHh: gWhh, biasIh: gBih, biasHh: gBhh, weightHr: gWhr };
      device.kernels.rnnBackward(
        savedLayer,
        resultViews(savedResult, rows, batch, state, hidden, mode === 'lstm').output,
        savedReserve,
        gradParts.output,
        gradParts.hN,
        gradParts.cN,
        grads,
      );
      if (g !== grad) g.dispose();
      return outputs;
    };
  });
  if (result.gradFn) {
    const layer = LAYER_NAMES[mode];
    result.gradFn.noCreateGraph = `nn.${layer} and nn.${layer}Cell run a fused backward kernel that records no graph; write the cell's math in tensor ops to take higher derivatives`;
  }
  reserve.dispose();
  for (const [i, operand] of operands.entries()) if (operand && operand !== inputs[i]) operand.dispose();

  const output = sliceOf(result, 0, [rows, state]);
  const hN = sliceOf(result, rows * state, [batch, state]);
  const cN = mode === 'lstm' ? sliceOf(result, (rows + batch) * state, [batch, hidden]) : null;
  result.dispose();
  return { output, hN, cN };
}

/** The output, hN and cN regions of the flat result (or of its gradient) as kernel views. */
function resultViews(flat: TensorView, rows: number, batch: number, state: number, hidden: number, hasCells: boolean) {
  const region = (start: number, shape: Shape): TensorView => ({
    storage: flat.storage,
    offset: flat.offset + start,
    shape,
    strides: [shape[1], 1],
    dtype: 'float32',
  });
  return {
    output: region(0, [rows, state]),
    hN: region(rows * state, [batch, state]),
    cN: hasCells ? region((rows + batch) * state, [batch, hidden]) : null,
  };
}

/** A differentiable view of `shape` starting at element `start` of the flat result. */
function sliceOf(flat: Tensor, start: number, shape: Shape): Tensor {
  const part = narrow(flat, 0, start, shape[0] * shape[1]);
  const out = view(part, shape);
  part.dispose();
  return out;
}
