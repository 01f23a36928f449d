// Recurrent layers (RNN, LSTM, GRU; multi-layer, bidirectional, packed input) and their cells.
import type { RnnMode } from '../devices/device.js';
import { scope } from '../memory.js';
import { zeros } from '../ops/creation.js';
import { indexSelect } from '../ops/gather-scatter.js';
import { dropout } from '../ops/random.js';
import { rnnGateCount, rnnLayer, rnnLayers } from '../ops/rnn.js';
import { checkDtype, checkTensor } from '../ops/util.js';
import { cat, reshape, select, squeeze, stack, transpose, unsqueeze } from '../ops/views.js';
import { checkArgumentCount, checkOptions, type KeywordCall, optionKeys, spreadKeywordCall } from '../options.js';
import { formatShape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { uniform_ } from './init.js';
import { Module } from './module.js';
import { emptyParameter, type Parameter } from './parameter.js';
import { formatBool, formatFloat } from './repr.js';
import { PackedSequence } from './utils/rnn.js';

export interface RNNBaseOptions {
  /** Stacked layers; layer k > 0 reads the outputs of layer k - 1. Default 1. */
  numLayers?: number;
  /** Learn b_ih and b_hh; default true. */
  bias?: boolean;
  /** Input and output are [N, L, *] instead of [L, N, *] (initial and final states never are). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode; default 0. */
  dropout?: number;
  /** Add a layer running from the last step to the first; outputs concatenate. Default false. */
  bidirectional?: boolean;
  device?: string;
}

const RNN_BASE_OPTIONS = optionKeys<RNNBaseOptions>({
  numLayers: true,
  bias: true,
  batchFirst: true,
  dropout: true,
  bidirectional: true,
  device: true,
});

export interface RNNOptions extends RNNBaseOptions {
  nonlinearity?: 'tanh' | 'relu';
}

const RNN_OPTIONS = optionKeys<RNNOptions>({
  numLayers: true,
  bias: true,
  batchFirst: true,
  dropout: true,
  bidirectional: true,
  device: true,
  nonlinearity: true,
});

export interface LSTMOptions extends RNNBaseOptions {
  /** Project h_t to this size with weight_hr (PyTorch's proj_size); 0 (default) for none. */
  projSize?: number;
}

const LSTM_OPTIONS = optionKeys<LSTMOptions>({
  numLayers: true,
  bias: true,
  batchFirst: true,
  dropout: true,
  bidirectional: true,
  device: true,
  projSize: true,
});

type Input = Tensor | PackedSequence;
type LstmState = [Tensor, Tensor];

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Tensor) return `a Tensor of shape ${formatShape(value.shape)}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value;
}

function checkSize(layer: string, name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) throw new RangeError(`${layer}: ${name} must be an integer >= ${minimum}, got ${value}`);
}

/** PyTorch's `(2, 3, 20)` form of an expected shape. */
function tuple(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}

/**
 * The stacked, optionally bidirectional recurrent layers behind nn.RNN, nn.LSTM and nn.GRU.
 * Parameters are PyTorch's: for layer k and direction suffix ('' or '_reverse'),
 * weight_ih_l{k} [G*hidden, in], weight_hh_l{k} [G*hidden, H_out], bias_ih_l{k}, bias_hh_l{k}
 * [G*hidden], and for an LSTM with projSize weight_hr_l{k} [projSize, hidden]; G = 1 (RNN), 4
 * (LSTM, gates i, f, g, o) or 3 (GRU, gates r, z, n). All start U(-1/sqrt(hidden), 1/sqrt(hidden)).
 * Each layer-direction runs as one fused op (src/ops/rnn.ts).
 */
class RNNBase extends Module {
  /** The parameters under PyTorch's names: weight_ih_l0, bias_hh_l1_reverse, weight_hr_l0, ... */
  [parameter: `weight_${string}` | `bias_${string}`]: Parameter;
  readonly mode: RnnMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;

  /** `accepted`: the option keys of the concrete layer, checked after projSize, whose misuse has its own message. */
  constructor(layer: string, mode: RnnMode, inputSize: number, hiddenSize: number, options: LSTMOptions, accepted: readonly string[]) {
    super();
    const { numLayers = 1, bias = true, batchFirst = false, dropout: p = 0, bidirectional = false, projSize = 0 } = options;
    checkSize(layer, 'inputSize', inputSize, 0);
    checkSize(layer, 'hiddenSize', hiddenSize, 1);
    checkSize(layer, 'numLayers', numLayers, 1);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new RangeError(
        `${layer}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${p}`,
      );
    checkSize(layer, 'projSize', projSize, 0);
    if (projSize > 0 && mode !== 'lstm') throw new RangeError(`${layer}: projSize is only supported for LSTM, not RNN or GRU`);
    checkOptions(layer, options, accepted);
    if (projSize >= hiddenSize && projSize > 0)
      throw new RangeError(`${layer}: projSize (${projSize}) has to be smaller than hiddenSize (${hiddenSize})`);
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.dropout = p;
    this.bidirectional = bidirectional;
    this.projSize = projSize;
    const width = rnnGateCount(mode) * hiddenSize;
    const outputSize = projSize || hiddenSize;
    for (let k = 0; k < numLayers; k++) {
      for (const suffix of this.directionSuffixes()) {
        const layerInput = k === 0 ? inputSize : outputSize * this.numDirections;
        const add = (name: string, shape: number[]) =>
          this.registerParameter(`${name}_l${k}${suffix}`, emptyParameter(shape, options.device));
        add('weight_ih', [width, layerInput]);
        add('weight_hh', [width, outputSize]);
        if (bias) {
          add('bias_ih', [width]);
          add('bias_hh', [width]);
        }
        if (projSize > 0) add('weight_hr', [projSize, hiddenSize]);
      }
    }
    this.resetParameters();
  }

  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  private directionSuffixes(): string[] {
    return this.bidirectional ? ['', '_reverse'] : [''];
  }

  /** Draws every parameter from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), PyTorch's default. */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const param of this.parameters()) uniform_(param, -bound, bound);
  }

  /** PyTorch's `all_weights`: the parameters of each layer-direction, in parameter order. */
  get allWeights(): Parameter[][] {
    const groups: Parameter[][] = [];
    for (let k = 0; k < this.numLayers; k++) {
      for (const suffix of this.directionSuffixes()) {
        groups.push(
          ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh', 'weight_hr']
            .map((name) => this.param(`${name}_l${k}${suffix}`))
            .filter((p): p is Parameter => p !== null),
        );
      }
    }
    return groups;
  }

  /** A no-op kept for PyTorch code that calls it (cuDNN weight compaction has no counterpart here). */
  flattenParameters(): void {}

  private param(name: string): Parameter | null {
    return (Reflect.get(this, name) as Parameter | undefined) ?? null;
  }

  /** Runs the network on a padded or packed batch; `hx` is [h0] or [h0, c0] or null. */
  protected run(input: Input, hx: Tensor[] | null): [Input, Tensor[]] {
    const name = this.getName();
    return scope(() => {
      const packed = input instanceof PackedSequence ? input : null;
      const { data, batchSizes, steps, unbatched } = packed
        ? { data: packed.data, batchSizes: packed.batchSizeList(), steps: 0, unbatched: false }
        : this.timeMajorRows(input);
      if (data.dim() !== 2)
        throw new RangeError(`${name}: a PackedSequence's data must be 2-D [rows, inputSize], got ${formatShape(data.shape)}`);
      checkDtype(name, 'input', data, ['float32']);
      if (data.shape[1] !== this.inputSize)
        throw new RangeError(`${name}: input.size(-1) must be equal to inputSize. Expected ${this.inputSize}, got ${data.shape[1]}`);
      const batch = batchSizes[0];
      const states = this.initialStates(hx, batch, unbatched, data.device, packed);
      const [rows, sortedFinals] = this.runLayers(data, batchSizes, states);
      const finals = packed?.unsortedIndices ? sortedFinals.map((state) => indexSelect(state, 1, packed.unsortedIndices!)) : sortedFinals;
      if (packed) return [packed.withData(rows), finals];
      let output = reshape(rows, [steps, batch, rows.shape[1]]);
      if (this.batchFirst) output = transpose(output, 0, 1);
      if (unbatched) return [squeeze(output, this.batchFirst ? 0 : 1), finals.map((state) => squeeze(state, 1))];
      return [output, finals];
    });
  }

  /** A padded input as packed rows: [L, N, *] (or [N, L, *], or unbatched [L, *]) read as [L*N, *], every step N rows. */
  private timeMajorRows(input: Input) {
    const name = this.getName();
    if (!(input instanceof Tensor)) throw new TypeError(`${name}: input must be a Tensor or a PackedSequence, got ${describe(input)}`);
    checkTensor(name, 'input', input);
    if (input.dim() !== 2 && input.dim() !== 3) {
      throw new RangeError(
        `${name}: expected input to be 2-D (unbatched [L, H_in]) or 3-D ([L, N, H_in], or [N, L, H_in] with batchFirst), got ${formatShape(input.shape)}`,
      );
    }
    const unbatched = input.dim() === 2;
    const batched = unbatched ? unsqueeze(input, this.batchFirst ? 0 : 1) : input;
    const timeMajor = this.batchFirst ? transpose(batched, 0, 1) : batched;
    const [steps, batch, features] = timeMajor.shape;
    if (steps === 0)
      throw new RangeError(`${name}: expected sequence length to be larger than 0, got input of shape ${formatShape(input.shape)}`);
    return { data: reshape(timeMajor, [steps * batch, features]), batchSizes: new Array<number>(steps).fill(batch), steps, unbatched };
  }

  /**
   * Every layer as one fused op over its directions, dropout between layers when training. Returns the last
   * layer's output rows and the final states stacked [numLayers * numDirections, batch, *], in
   * the packed (sorted) order.
   */
  private runLayers(data: Tensor, batchSizes: number[], states: Tensor[]): [Tensor, Tensor[]] {
    // An empty batch has nothing to run: empty outputs, and the initial states are the final ones.
    if (batchSizes[0] === 0) return [zeros([0, (this.projSize || this.hiddenSize) * this.numDirections], { device: data.device }), states];
    const finals: Tensor[][] = states.map(() => []);
    let rows = data;
    for (let k = 0; k < this.numLayers; k++) {
      const directions = this.directionSuffixes().map((suffix, direction) => {
        const index = k * this.numDirections + direction;
        return {
          h0: select(states[0], 0, index),
          c0: this.mode === 'lstm' ? select(states[1], 0, index) : null,
          weights: {
            weightIh: this.param(`weight_ih_l${k}${suffix}`)!,
            weightHh: this.param(`weight_hh_l${k}${suffix}`)!,
            biasIh: this.param(`bias_ih_l${k}${suffix}`),
            biasHh: this.param(`bias_hh_l${k}${suffix}`),
            weightHr: this.param(`weight_hr_l${k}${suffix}`),
          },
          reverse: direction === 1,
        };
      });
      const outputs = rnnLayers(this.mode, rows, batchSizes, directions).map((result) => {
        finals[0].push(result.hN);
        if (result.cN) finals[1].push(result.cN);
        return result.output;
      });
      rows = outputs.length === 1 ? outputs[0] : cat(outputs, 1);
      if (this.training && this.dropout > 0 && k < this.numLayers - 1) rows = dropout(rows, this.dropout, true);
    }
    return [rows, finals.map((parts) => stack(parts, 0))];
  }

  /**
   * h0 [numLayers * numDirections, batch, H_out] (and c0 [.., hidden]) from the caller, in packed
   * (sorted) order, or zeros. Initial states are never batch-first, as in PyTorch.
   */
  private initialStates(hx: Tensor[] | null, batch: number, unbatched: boolean, device: string, packed: PackedSequence | null): Tensor[] {
    const name = this.getName();
    const layers = this.numLayers * this.numDirections;
    const shapes = [
      [layers, batch, this.projSize || this.hiddenSize],
      [layers, batch, this.hiddenSize],
    ].slice(0, this.mode === 'lstm' ? 2 : 1);
    if (!hx) return shapes.map((shape) => zeros(shape, { device }));
    return hx.map((state, i) => {
      const label = this.mode === 'lstm' ? (i === 0 ? 'h0' : 'c0') : 'hx';
      checkTensor(name, label, state);
      if (unbatched && state.dim() !== 2)
        throw new RangeError(
          `${name}: for unbatched 2-D input, ${label} should also be 2-D but got ${state.dim()}-D tensor (shape ${formatShape(state.shape)})`,
        );
      if (!unbatched && state.dim() !== 3)
        throw new RangeError(
          `${name}: for batched 3-D input, ${label} should also be 3-D but got ${state.dim()}-D tensor (shape ${formatShape(state.shape)})`,
        );
      const batched = unbatched ? unsqueeze(state, 1) : state;
      if (!shapesEqual(batched.shape, shapes[i])) {
        const expected = unbatched ? [shapes[i][0], shapes[i][2]] : shapes[i];
        throw new RangeError(
          `${name}: expected ${label} of size ${tuple(expected)} = (numLayers * numDirections, ${unbatched ? '' : 'batch, '}${i === 0 && this.projSize ? 'projSize' : 'hiddenSize'}), got ${formatShape(state.shape)}; initial states are never batch-first`,
        );
      }
      return packed?.sortedIndices ? indexSelect(batched, 1, packed.sortedIndices) : batched;
    });
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += `, bias=${formatBool(this.bias)}`;
    if (this.batchFirst) s += `, batch_first=${formatBool(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${formatFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${formatBool(this.bidirectional)}`;
    return s;
  }
}

/** Refuses an [h0, c0] pair where one tensor is expected (course material passes one to nn.RNN). */
function singleState(layer: string, hx: unknown): Tensor[] | null {
  if (hx === undefined || hx === null) return null;
  if (hx instanceof Tensor) return [hx];
  throw new TypeError(
    `${layer}: hx must be a Tensor (numLayers * numDirections, batch, hiddenSize), got ${describe(hx)}; an [h0, c0] pair is an LSTM's state`,
  );
}

/** The kernel mode of an Elman cell with this nonlinearity, which PyTorch limits to tanh and relu. */
function elmanMode(module: string, nonlinearity: string): RnnMode {
  if (nonlinearity !== 'tanh' && nonlinearity !== 'relu')
    throw new RangeError(`${module}: unknown nonlinearity '${nonlinearity}'; select from 'tanh' or 'relu'`);
  return nonlinearity === 'tanh' ? 'rnnTanh' : 'rnnRelu';
}

/** A recurrent layer's or cell's constructor arguments: positional, or PyTorch's all-keyword call as one object. */
type SizedArgs<O> = KeywordCall<[{ inputSize: number }, { hiddenSize: number }], O>;

/** inputSize, hiddenSize and the options of either call form (see spreadKeywordCall). */
function sizedArgs<O>(args: SizedArgs<O>): [number, number, O] {
  const [inputSize, hiddenSize, options = {}] = spreadKeywordCall(args, ['inputSize', 'hiddenSize']);
  return [inputSize as number, hiddenSize as number, options as O];
}

/**
 * `nn.RNN(inputSize, hiddenSize, { nonlinearity, numLayers, bias, batchFirst, dropout, bidirectional })`:
 * h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh (default) or relu.
 * Shapes (D = 2 if bidirectional else 1): input (L, N, H_in), (N, L, H_in) with batchFirst,
 * (L, H_in) unbatched, or a PackedSequence; hx (D * numLayers, N, H_out), never batch-first.
 * `forward` returns [output, hN]: output (L, N, D * H_out) (a PackedSequence for packed input),
 * hN (D * numLayers, N, H_out), each sequence's state after its own last step.
 *
 * ```ts
 * const rnn = new nn.RNN(10, 20, { numLayers: 2 });
 * const [output, hN] = rnn.forward(torch.randn(5, 3, 10), torch.randn(2, 3, 20));   // [5, 3, 20], [2, 3, 20]
 * ```
 */
export class RNN extends RNNBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(...args: SizedArgs<RNNOptions>) {
    const [inputSize, hiddenSize, options] = sizedArgs(args);
    const nonlinearity = options.nonlinearity ?? 'tanh';
    super('RNN', elmanMode('RNN', nonlinearity), inputSize, hiddenSize, options, RNN_OPTIONS);
    this.nonlinearity = nonlinearity;
  }

  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  override forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  override forward(input: Input, hx?: Tensor | null): [Input, Tensor] {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'hx']);
    const [output, [hN]] = this.run(input, singleState('RNN', hx));
    return [output, hN];
  }
}

/**
 * `nn.GRU(inputSize, hiddenSize, { numLayers, bias, batchFirst, dropout, bidirectional })`, PyTorch's
 * cell: r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
 * n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h. Shapes as nn.RNN.
 *
 * ```ts
 * const gru = new nn.GRU(10, 20, { numLayers: 2 });
 * const [output, hN] = gru.forward(torch.randn(5, 3, 10));   // [5, 3, 20], [2, 3, 20]
 * ```
 */
export class GRU extends RNNBase {
  constructor(...args: SizedArgs<RNNBaseOptions>) {
    super('GRU', 'gru', ...sizedArgs(args), RNN_BASE_OPTIONS);
  }

  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  override forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  override forward(input: Input, hx?: Tensor | null): [Input, Tensor] {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'hx']);
    const [output, [hN]] = this.run(input, singleState('GRU', hx));
    return [output, hN];
  }
}

/** The [h0, c0] pair of an LSTM (or cell), refusing a lone tensor. */
function statePair(layer: string, hx: unknown): Tensor[] | null {
  if (hx === undefined || hx === null) return null;
  if (Array.isArray(hx) && hx.length === 2) return hx as Tensor[];
  throw new TypeError(`${layer}: hx must be an array [h0, c0] of two Tensors, got ${describe(hx)}`);
}

/**
 * `nn.LSTM(inputSize, hiddenSize, { numLayers, bias, batchFirst, dropout, bidirectional, projSize })`:
 * i, f, g, o = σ, σ, tanh, σ of (W_i* x + b_i* + W_h* h + b_h*); c' = f c + i g; h' = o tanh(c'),
 * times W_hr^T with projSize (then H_out = projSize). Shapes as nn.RNN, with c0 and cN
 * (D * numLayers, N, hiddenSize). `forward(input, [h0, c0]?)` returns [output, [hN, cN]].
 *
 * ```ts
 * const lstm = new nn.LSTM(10, 20, { numLayers: 2 });
 * const [output, [hN, cN]] = lstm.forward(torch.randn(5, 3, 10), [torch.randn(2, 3, 20), torch.randn(2, 3, 20)]);
 * ```
 */
export class LSTM extends RNNBase {
  constructor(...args: SizedArgs<LSTMOptions>) {
    super('LSTM', 'lstm', ...sizedArgs(args), LSTM_OPTIONS);
  }

  override forward(input: Tensor, hx?: LstmState | null): [Tensor, LstmState];
  override forward(input: PackedSequence, hx?: LstmState | null): [PackedSequence, LstmState];
  override forward(input: Input, hx?: LstmState | null): [Input, LstmState] {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'hx']);
    const [output, [hN, cN]] = this.run(input, statePair('LSTM', hx));
    return [output, [hN, cN]];
  }
}

// ---- cells ----------------------------------------------------------------------------------------

export interface RNNCellOptions {
  bias?: boolean;
  nonlinearity?: 'tanh' | 'relu';
  device?: string;
}

const RNN_CELL_OPTIONS = optionKeys<RNNCellOptions>({ bias: true, nonlinearity: true, device: true });

/** LSTMCell's and GRUCell's options: their gates fix the nonlinearity. */
type GatedCellOptions = Omit<RNNCellOptions, 'nonlinearity'>;
const GATED_CELL_OPTIONS = RNN_CELL_OPTIONS.filter((key) => key !== 'nonlinearity');

/**
 * One step of a recurrent cell, for loops written by hand: weight_ih [G*hidden, in],
 * weight_hh [G*hidden, hidden], bias_ih, bias_hh [G*hidden], all U(-1/sqrt(hidden), 1/sqrt(hidden)).
 * Runs the same fused kernels as the layers, for one step.
 */
class RNNCellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  declare weight_ih: Parameter;
  declare weight_hh: Parameter;
  declare bias_ih: Parameter | null;
  declare bias_hh: Parameter | null;

  constructor(
    layer: string,
    protected readonly mode: RnnMode,
    inputSize: number,
    hiddenSize: number,
    options: RNNCellOptions,
  ) {
    super();
    checkSize(layer, 'inputSize', inputSize, 0);
    checkSize(layer, 'hiddenSize', hiddenSize, 1);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    const bias = options.bias ?? true;
    this.bias = bias;
    const width = rnnGateCount(mode) * hiddenSize;
    this.registerParameter('weight_ih', emptyParameter([width, inputSize], options.device));
    this.registerParameter('weight_hh', emptyParameter([width, hiddenSize], options.device));
    this.registerParameter('bias_ih', bias ? emptyParameter([width], options.device) : null);
    this.registerParameter('bias_hh', bias ? emptyParameter([width], options.device) : null);
    this.resetParameters();
  }

  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const param of this.parameters()) uniform_(param, -bound, bound);
  }

  /** One step: input [N, in] or [in]; states [N, hidden] or [hidden] (zeros when not given). */
  protected step(input: Tensor, hx: Tensor[] | null): Tensor[] {
    const name = this.getName();
    return scope(() => {
      checkTensor(name, 'input', input);
      if (input.dim() !== 1 && input.dim() !== 2)
        throw new RangeError(
          `${name}: expected input to be 1-D or 2-D but received ${input.dim()}-D tensor (shape ${formatShape(input.shape)})`,
        );
      const unbatched = input.dim() === 1;
      const x = unbatched ? unsqueeze(input, 0) : input;
      if (x.shape[1] !== this.inputSize)
        throw new RangeError(`${name}: input has inconsistent input_size: got ${x.shape[1]} expected ${this.inputSize}`);
      const batch = x.shape[0];
      const count = this.mode === 'lstm' ? 2 : 1;
      const states = hx ?? Array.from({ length: count }, () => zeros([batch, this.hiddenSize], { device: x.device }));
      const [h0, c0] = states.map((state, i) => {
        const label = this.mode === 'lstm' ? (i === 0 ? 'hx[0]' : 'hx[1]') : 'hx';
        checkTensor(name, label, state);
        if (state.dim() !== input.dim())
          throw new RangeError(`${name}: ${label} must be ${input.dim()}-D like the input, got shape ${formatShape(state.shape)}`);
        const batched = unbatched ? unsqueeze(state, 0) : state;
        if (batched.shape[0] !== batch)
          throw new RangeError(`${name}: input batch size ${batch} doesn't match ${label} batch size ${batched.shape[0]}`);
        if (batched.shape[1] !== this.hiddenSize)
          throw new RangeError(`${name}: ${label} has inconsistent hidden_size: got ${batched.shape[1]}, expected ${this.hiddenSize}`);
        return batched;
      });
      const result = rnnLayer(this.mode, x, [batch], h0, c0 ?? null, {
        weightIh: this.weight_ih,
        weightHh: this.weight_hh,
        biasIh: this.bias_ih,
        biasHh: this.bias_hh,
      });
      const out = result.cN ? [result.hN, result.cN] : [result.hN];
      return unbatched ? out.map((state) => squeeze(state, 0)) : out;
    });
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (!this.bias) s += `, bias=${formatBool(this.bias)}`;
    return s;
  }
}

/**
 * `nn.RNNCell(inputSize, hiddenSize, { bias, nonlinearity })`: h' = act(W_ih x + b_ih + W_hh h + b_hh).
 * Shapes: input (N, H_in) or (H_in), hx (N, H) or (H) (zeros when omitted), output like hx.
 *
 * ```ts
 * const cell = new nn.RNNCell(10, 20);
 * let h = torch.zeros(3, 20);
 * for (const x of torch.randn(6, 3, 10).unbind(0)) h = cell.forward(x, h);
 * ```
 */
export class RNNCell extends RNNCellBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(...args: SizedArgs<RNNCellOptions>) {
    const [inputSize, hiddenSize, options] = sizedArgs(args);
    checkOptions('RNNCell', options, RNN_CELL_OPTIONS);
    const nonlinearity = options.nonlinearity ?? 'tanh';
    super('RNNCell', elmanMode('RNNCell', nonlinearity), inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'hx']);
    return this.step(input, singleState('RNNCell', hx))[0];
  }

  override extraRepr(): string {
    return this.nonlinearity === 'tanh' ? super.extraRepr() : `${super.extraRepr()}, nonlinearity=${this.nonlinearity}`;
  }
}

/**
 * `nn.LSTMCell(inputSize, hiddenSize, { bias })`: one LSTM step; `forward(input, [h, c]?)` returns [h', c'].
 *
 * ```ts
 * const cell = new nn.LSTMCell(10, 20);
 * const [h, c] = cell.forward(torch.randn(3, 10));   // each [3, 20]
 * ```
 */
export class LSTMCell extends RNNCellBase {
  constructor(...args: SizedArgs<GatedCellOptions>) {
    const sized = sizedArgs(args);
    checkOptions('LSTMCell', sized[2], GATED_CELL_OPTIONS);
    super('LSTMCell', 'lstm', ...sized);
  }

  override forward(input: Tensor, hx?: LstmState | null): LstmState {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'hx']);
    const [h, c] = this.step(input, statePair('LSTMCell', hx));
    return [h, c];
  }
}

/**
 * `nn.GRUCell(inputSize, hiddenSize, { bias })`: one GRU step (PyTorch's cell, as nn.GRU).
 *
 * ```ts
 * const cell = new nn.GRUCell(10, 20);
 * const h = cell.forward(torch.randn(3, 10), torch.zeros(3, 20));   // [3, 20]
 * ```
 */
export class GRUCell extends RNNCellBase {
  constructor(...args: SizedArgs<GatedCellOptions>) {
    const sized = sizedArgs(args);
    checkOptions('GRUCell', sized[2], GATED_CELL_OPTIONS);
    super('GRUCell', 'gru', ...sized);
  }

  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'hx']);
    return this.step(input, singleState('GRUCell', hx))[0];
  }
}
