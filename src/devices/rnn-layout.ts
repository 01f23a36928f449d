// How a recurrent layer's packed rows, gates and reserve are laid out, worked out once for every device.
import type { RnnMode } from './device.js';

/** Gates per hidden unit: the row width of weight_ih / weight_hh is this times hidden. */
export function rnnGateCount(mode: RnnMode): number {
  return mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1;
}

/** Per-row values rnnForward keeps beside the gates (LSTM c_t, GRU W_hn h + b_hn): 0 or 1 blocks of hidden. */
function rnnExtraCount(mode: RnnMode): number {
  return mode === 'lstm' || mode === 'gru' ? 1 : 0;
}

/** Elements of the reserve rnnForward fills for `rows` packed rows (see Kernels.rnnForward). */
export function rnnReserveElements(mode: RnnMode, rows: number, hidden: number): number {
  return rows * hidden * (rnnGateCount(mode) + rnnExtraCount(mode));
}

/**
 * The sizes of one layer-direction and where its rows lie (see RnnLayer), which every device's
 * kernels index by. The op computes it once per layer and both passes read it from the layer.
 */
export interface RnnPlan {
  /** G: gates per hidden unit. */
  readonly gates: number;
  readonly hidden: number;
  /** G * hidden: the row width of the gates and of weight_ih / weight_hh. */
  readonly width: number;
  /** The state's size: the projection size of an LSTM with one, else hidden. */
  readonly state: number;
  readonly inputSize: number;
  /** Packed rows of all steps. */
  readonly rows: number;
  /** batchSizes[0]: the sequences at step 0. */
  readonly batch: number;
  readonly steps: number;
  /** The first row of time step t: the rows of steps 0..t-1. */
  readonly offsets: readonly number[];
  /** Where the per-row extras start in the reserve, in elements: after every row's gates. */
  readonly extraOffset: number;
}

/** The plan of a layer-direction over `batchSizes` (non-increasing, as the op checks). */
export function rnnPlan(mode: RnnMode, batchSizes: readonly number[], inputSize: number, hidden: number, state: number): RnnPlan {
  const gates = rnnGateCount(mode);
  const offsets: number[] = [];
  let rows = 0;
  for (const size of batchSizes) {
    offsets.push(rows);
    rows += size;
  }
  const width = gates * hidden;
  return {
    gates,
    hidden,
    width,
    state,
    inputSize,
    rows,
    batch: batchSizes[0],
    steps: batchSizes.length,
    offsets,
    extraOffset: rows * width,
  };
}
