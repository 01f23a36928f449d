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
