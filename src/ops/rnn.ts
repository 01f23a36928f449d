// The fused recurrent layer op over packed steps, forward and backward, on the device kernels.
import type { RnnGradients, RnnLayer, RnnMode, TensorView } from '../devices/device.js';
import { rnnGateCount, rnnPlan, rnnReserveElements } from '../devices/rnn-layout.js';
import { record } from '../graph/record.js';
import { formatShape, type Shape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { add } from './elementwise.js';
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

/** One direction of a layer for rnnLayers: its initial states, its weights and its order. */
export interface RnnDirection {
  h0: Tensor;
  /** For LSTM; null otherwise. */
  c0: Tensor | null;
  weights: RnnLayerWeights;
  /** Run the steps from last to first (the reverse direction of a bidirectional layer). */
  reverse?: boolean;
}

/**
 * One direction of one recurrent layer over packed rows, recorded as ONE autograd node with a
 * fused backward: the input projection of every step is a single GEMM, then each step is one
 * fused kernel (hidden GEMM, gates and state update) touching only the batchSizes[t] sequences
 * still running. `input` is [rows, inputSize] with step t's rows after those of steps 0..t-1 (a
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
  return rnnLayers(mode, input, batchSizes, [{ h0, c0, weights, reverse: options.reverse }])[0];
}

/** Checks one direction's tensors against the input and mode; returns its hidden and state sizes. */
function checkDirection(mode: RnnMode, direction: RnnDirection, label: string, inputSize: number, batch: number) {
  const { h0, c0, weights } = direction;
  const name = (field: string) => field + label;
  const { weightIh, weightHh } = weights;
  const biasIh = weights.biasIh ?? null;
  const biasHh = weights.biasHh ?? null;
  const weightHr = weights.weightHr ?? null;
  const gates = rnnGateCount(mode);
  if (weightIh.shape.length !== 2 || weightIh.shape[0] % gates !== 0 || weightIh.shape[0] === 0) {
    throw new RangeError(
      `rnnLayer: ${name('weightIh')} must be [${gates} * hidden, inputSize] for ${mode}, got ${formatShape(weightIh.shape)}`,
    );
  }
  const hidden = weightIh.shape[0] / gates;
  const state = weightHr ? weightHr.shape[0] : hidden;
  if (weightHr && mode !== 'lstm') throw new RangeError(`rnnLayer: only an LSTM takes a projection (weightHr), not ${mode}`);
  if (weightHr) expectShape(name('weightHr'), weightHr, [weightHr.shape[0], hidden]);
  expectShape(name('weightIh'), weightIh, [gates * hidden, inputSize]);
  expectShape(name('weightHh'), weightHh, [gates * hidden, state]);
  if (biasIh) expectShape(name('biasIh'), biasIh, [gates * hidden]);
  if (biasHh) expectShape(name('biasHh'), biasHh, [gates * hidden]);
  expectShape(name('h0'), h0, [batch, state]);
  if (mode === 'lstm') {
    if (!c0) throw new TypeError(`rnnLayer: an LSTM needs ${name('c0')}`);
    expectShape(name('c0'), c0, [batch, hidden]);
  } else if (c0) {
    throw new TypeError(`rnnLayer: only an LSTM takes c0, not ${mode}`);
  }
  return { hidden, state };
}

/**
 * The directions of one recurrent layer over the same packed rows (see rnnLayer), recorded as ONE
 * autograd node: the directions are independent, so a device may run them at once (the CPU runs
 * a bidirectional layer's two directions on two threads), in forward and in backward. Returns
 * each direction's results in the order given.
 */
export function rnnLayers(
  mode: RnnMode,
  input: Tensor,
  batchSizes: readonly number[],
  directions: readonly RnnDirection[],
): RnnLayerResult[] {
  const named: Record<string, Tensor> = { input };
  const labels = directions.map((_, d) => (d === 0 ? '' : ` (direction ${d})`));
  for (const [d, { h0, c0, weights }] of directions.entries()) {
    const fields: Record<string, Tensor | null | undefined> = { h0, c0, ...weights };
    for (const [field, tensor] of Object.entries(fields)) if (tensor) named[field + labels[d]] = tensor;
  }
  for (const [name, tensor] of Object.entries(named)) {
    checkTensor('rnnLayer', name, tensor);
    checkDtype('rnnLayer', name, tensor, ['float32']);
  }
  const device = checkSameDevice('rnnLayer', named);
  if (input.shape.length !== 2) throw new RangeError(`rnnLayer: input must be 2-D [rows, inputSize], got ${formatShape(input.shape)}`);
  const [rows, inputSize] = input.shape;
  checkBatchSizes(batchSizes, rows);
  const batch = batchSizes[0];
  const sizes = directions.map((direction, d) => checkDirection(mode, direction, labels[d], inputSize, batch));
  const hasCells = mode === 'lstm';

  const x = contiguous(input);
  // Per direction, the tensors given (h0, c0, then the weights in RnnLayer's order) and contiguous operands of them.
  const given = directions.map(({ h0, c0, weights }) => [
    h0,
    c0,
    weights.weightIh,
    weights.weightHh,
    weights.biasIh ?? null,
    weights.biasHh ?? null,
    weights.weightHr ?? null,
  ]);
  const operands = given.map((tensors) => tensors.map((t) => (t ? contiguous(t) : null)));
  const layerOf = (d: number, [h, c, wIh, wHh, bIh, bHh, wHr]: (Tensor | null)[], input: Tensor): RnnLayer => ({
    mode,
    batchSizes: [...batchSizes],
    reverse: directions[d].reverse ?? false,
    input,
    h0: h!,
    c0: c,
    weightIh: wIh!,
    weightHh: wHh!,
    biasIh: bIh,
    biasHh: bHh,
    weightHr: wHr,
    plan: rnnPlan(mode, batchSizes, inputSize, sizes[d].hidden, sizes[d].state),
  });
  const layers = operands.map((tensors, d) => layerOf(d, tensors, x));
  // Every direction's output, hN and cN in one flat result, direction after direction.
  const resultSize = ({ hidden, state }: { hidden: number; state: number }) =>
    rows * state + batch * state + (hasCells ? batch * hidden : 0);
  const starts: number[] = [];
  let total = 0;
  for (const size of sizes) {
    starts.push(total);
    total += resultSize(size);
  }
  const result = Tensor.empty([total], 'float32', device);
  const partsOf = (flat: TensorView, d: number) => resultViews(flat, starts[d], rows, batch, sizes[d].state, sizes[d].hidden, hasCells);
  const reserves = layers.map(({ plan }) => Tensor.empty([rnnReserveElements(mode, rows, plan.hidden)], 'float32', device));
  device.kernels.rnnForward(layers.map((layer, d) => ({ layer, ...partsOf(result, d), reserve: reserves[d] })));

  const inputs = [input, ...given.flat()];
  record(NODE_NAMES[mode], result, inputs, (save) => {
    const wanted = inputs.map((t) => t?.requiresGrad ?? false);
    // The layers as backward sees them: every operand saved, so in-place changes are detected.
    const savedInput = save(x);
    const saved = operands.map((tensors) => tensors.map((t) => (t ? save(t) : null)));
    const savedLayers = saved.map((tensors, d) => layerOf(d, tensors, savedInput));
    const savedResult = save(result);
    const savedReserves = reserves.map((reserve) => save(reserve));
    return (grad) => {
      const g = contiguous(grad);
      const gradOf = (t: Tensor | null, wantedHere: boolean) => (t && wantedHere ? Tensor.empty(t.shape, 'float32', device) : null);
      const inputGrads = directions.map(() => gradOf(savedInput, wanted[0]));
      const directionGrads = saved.map((tensors, d) => tensors.map((t, i) => gradOf(t, wanted[1 + d * tensors.length + i])));
      device.kernels.rnnBackward(
        savedLayers.map((layer, d) => {
          const gradParts = partsOf(g, d);
          const [h0, c0, weightIh, weightHh, biasIh, biasHh, weightHr] = directionGrads[d];
          const grads: RnnGradients = { input: inputGrads[d], h0, c0, weightIh, weightHh, biasIh, biasHh, weightHr };
          return {
            layer,
            output: partsOf(savedResult, d).output,
            reserve: savedReserves[d],
            gradOutput: gradParts.output,
            gradHN: gradParts.hN,
            gradCN: gradParts.cN,
            grads,
          };
        }),
      );
      if (g !== grad) g.dispose();
      return [sumOf(inputGrads), ...directionGrads.flat()];
    };
  });
  if (result.gradFn) {
    const layer = LAYER_NAMES[mode];
    result.gradFn.noCreateGraph = `nn.${layer} and nn.${layer}Cell run a fused backward kernel that records no graph; write the cell's math in tensor ops to take higher derivatives`;
  }
  for (const reserve of reserves) reserve.dispose();
  if (x !== input) x.dispose();
  for (const [d, tensors] of operands.entries())
    for (const [i, operand] of tensors.entries()) if (operand && operand !== given[d][i]) operand.dispose();

  const results = sizes.map(({ hidden, state }, d) => ({
    output: sliceOf(result, starts[d], [rows, state]),
    hN: sliceOf(result, starts[d] + rows * state, [batch, state]),
    cN: hasCells ? sliceOf(result, starts[d] + (rows + batch) * state, [batch, hidden]) : null,
  }));
  result.dispose();
  return results;
}

/** The input's gradient: the sum of every direction's, each disposed once summed. */
function sumOf(grads: (Tensor | null)[]): Tensor | null {
  if (grads[0] === null) return null;
  let total = grads[0];
  for (const next of grads.slice(1)) {
    const sum = add(total, next!);
    total.dispose();
    next!.dispose();
    total = sum;
  }
  return total;
}

/** The output, hN and cN regions of one direction's part of the flat result (or of its gradient), from `first` on, as kernel views. */
function resultViews(flat: TensorView, first: number, rows: number, batch: number, state: number, hidden: number, hasCells: boolean) {
  const region = (start: number, shape: Shape): TensorView => ({
    storage: flat.storage,
    offset: flat.offset + first + start,
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
