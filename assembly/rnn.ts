// Recurrent cells, one fused call per time step: the hidden GEMM (recurrent weights packed once
// per layer by gemmPackBF32), the gate nonlinearities and the state update, and in backward the
// gate gradients and the GEMM that carries the gradient to the previous step.
//
// Layout shared by every step function. A step works on the first `rows` rows of the batch
// (packed sequences are sorted by decreasing length, so the sequences still running are a prefix).
// `gates` points at this step's rows of the [steps*batch, G*hidden] gate buffer (G = 1 for RNN, 4
// for LSTM in PyTorch's order i, f, g, o, 3 for GRU in order r, z, n); on entry it holds the
// input projection x @ W_ih^T (no bias), on exit the activations, which backward reads.
// `hState` [batch, stateSize] and `cState` [batch, hidden] hold each sequence's latest state: a
// step reads rows 0..rows-1 as h_{t-1} and overwrites them with h_t, so rows past `rows` keep the
// final state of sequences that already ended. Biases are always valid pointers (zeros when the
// layer has none). `work` is gemm scratch of gemmWorkspaceBytes() bytes. All pointers are byte
// addresses of contiguous row-major f32 data.
import { gemmPackedF32 } from './gemm';

@inline function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** Lanes [0, lanes) of the four f32 at `address`, the rest 0: the tail of a row that is not a
 *  multiple of 4 runs the same vector code without reading past the row. */
@inline function loadLanes(address: usize, lanes: i32): v128 {
  if (lanes >= 4) return v128.load(address);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(address));
  if (lanes > 1) v = f32x4.replace_lane(v, 1, load<f32>(address, 4));
  if (lanes > 2) v = f32x4.replace_lane(v, 2, load<f32>(address, 8));
  return v;
}

@inline function storeLanes(address: usize, v: v128, lanes: i32): void {
  if (lanes >= 4) {
    v128.store(address, v);
    return;
  }
  store<f32>(address, f32x4.extract_lane(v, 0));
  if (lanes > 1) store<f32>(address, f32x4.extract_lane(v, 1), 4);
  if (lanes > 2) store<f32>(address, f32x4.extract_lane(v, 2), 8);
}

/**
 * 1 / (1 + e^-x) per lane: simd-math's exp polynomial, without its handling of results outside
 * the normal range, which clamping e^-x's argument to [-87, 88] makes unnecessary (the sigmoid is
 * then within an ulp of 0 or 1 anyway). NaN stays NaN.
 */
@inline function sigmoidV(x: v128): v128 {
  const t = f32x4.pmin(f32x4.pmax(f32x4.neg(x), f32x4.splat(-87)), f32x4.splat(88));
  const n = f32x4.nearest(f32x4.mul(t, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(t, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const expR = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  // n is integral in [-126, 127]: adding 1.5 * 2^23 puts it in the low mantissa bits, and shifted
  // into the exponent field it is 2^n.
  const magic = f32x4.splat(12582912.0);
  const scale = i32x4.shl(i32x4.add(i32x4.sub(f32x4.add(n, magic), magic), i32x4.splat(127)), 23);
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(expR, scale)));
}

/**
 * tanh per lane as a rational function (odd degree-13 numerator over even degree-6 denominator,
 * Eigen's and XLA's fast tanh), the input clamped to +-7.9053 where it reaches 1 in float32:
 * relative error under 4e-7, at half the cost of simd-math's exp-based tanhV.
 */
@inline function tanhV(x: v128): v128 {
  const bound = f32x4.splat(7.90531110763549805);
  const clamped = f32x4.pmax(f32x4.pmin(x, bound), f32x4.neg(bound));
  const x2 = f32x4.mul(clamped, clamped);
  let p = f32x4.splat(-2.76076847742355e-16);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.00018790482477e-13));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-8.60467152213735e-11));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(5.12229709037114e-8));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.48572235717979e-5));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(6.37261928875436e-4));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(4.89352455891786e-3));
  let q = f32x4.splat(1.19825839466702e-6);
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(1.18534705686654e-4));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(2.26843463243900e-3));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(4.89352518554385e-3));
  // Below 4e-4 tanh(x) rounds to x, which the rational form misses by an ulp.
  return v128.bitselect(x, f32x4.div(f32x4.mul(clamped, p), q), f32x4.lt(f32x4.abs(x), f32x4.splat(0.0004)));
}

@inline function ones(): v128 {
  return f32x4.splat(1);
}

// ---------------------------------------------------------------------------------------------
// forward

/**
 * Elman RNN step: h_t = act(x W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or (relu != 0)
 * ReLU. Writes h_t to gates (kept for backward), hState and output [rows, hidden].
 */
export function rnnForwardStep(relu: i32, rows: i32, hidden: i32, gates: usize, hState: usize, output: usize,
  packedWhh: usize, biasIh: usize, biasHh: usize, work: usize): void {
  gemmPackedF32(rows, hidden, hidden, hState, hidden, 1, packedWhh, gates, hidden, 1, work);
  for (let r = 0; r < rows; r++) {
    const row = r * hidden;
    for (let j = 0; j < hidden; j += 4) {
      const lanes = hidden - j;
      const pre = preActivation(at(gates, row), biasIh, biasHh, j, lanes);
      const h = relu ? f32x4.max(pre, f32x4.splat(0)) : tanhV(pre);
      storeLanes(at(gates, row + j), h, lanes);
      storeLanes(at(hState, row + j), h, lanes);
      storeLanes(at(output, row + j), h, lanes);
    }
  }
}

/**
 * LSTM step: i, f, g, o = σ, σ, tanh, σ of (x W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh);
 * c_t = f c_{t-1} + i g; h_t = o tanh(c_t), projected by W_hr when packedWhr is not 0
 * (stateSize = proj size; hRaw is [rows, hidden] scratch for the unprojected h_t). Writes c_t to
 * cells [rows, hidden] (kept for backward) and cState, h_t to hState and output [rows, stateSize].
 */
export function lstmForwardStep(rows: i32, hidden: i32, stateSize: i32, gates: usize, cells: usize,
  hState: usize, cState: usize, output: usize, packedWhh: usize, biasIh: usize, biasHh: usize,
  packedWhr: usize, hRaw: usize, work: usize): void {
  const width = 4 * hidden;
  gemmPackedF32(rows, width, stateSize, hState, stateSize, 1, packedWhh, gates, width, 1, work);
  const projected = packedWhr != 0;
  for (let r = 0; r < rows; r++) {
    const gateRow = at(gates, r * width);
    const cellRow = r * hidden;
    for (let j = 0; j < hidden; j += 4) {
      const lanes = hidden - j;
      const i = sigmoidV(preActivation(gateRow, biasIh, biasHh, j, lanes));
      const f = sigmoidV(preActivation(gateRow, biasIh, biasHh, hidden + j, lanes));
      const g = tanhV(preActivation(gateRow, biasIh, biasHh, 2 * hidden + j, lanes));
      const o = sigmoidV(preActivation(gateRow, biasIh, biasHh, 3 * hidden + j, lanes));
      const c = f32x4.add(f32x4.mul(f, loadLanes(at(cState, cellRow + j), lanes)), f32x4.mul(i, g));
      storeLanes(at(gateRow, j), i, lanes);
      storeLanes(at(gateRow, hidden + j), f, lanes);
      storeLanes(at(gateRow, 2 * hidden + j), g, lanes);
      storeLanes(at(gateRow, 3 * hidden + j), o, lanes);
      storeLanes(at(cells, cellRow + j), c, lanes);
      storeLanes(at(cState, cellRow + j), c, lanes);
      const h = f32x4.mul(o, tanhV(c));
      if (projected) {
        storeLanes(at(hRaw, cellRow + j), h, lanes);
      } else {
        storeLanes(at(hState, cellRow + j), h, lanes);
        storeLanes(at(output, cellRow + j), h, lanes);
      }
    }
  }
  if (projected) {
    gemmPackedF32(rows, stateSize, hidden, hRaw, hidden, 1, packedWhr, hState, stateSize, 0, work);
    memory.copy(output, hState, <usize>(rows * stateSize) << 2);
  }
}

/** One vector of a gate row plus both biases: a gate's pre-activation (RNN, LSTM). */
@inline function preActivation(gateRow: usize, biasIh: usize, biasHh: usize, column: i32, lanes: i32): v128 {
  return f32x4.add(withBias(gateRow, biasIh, column, lanes), loadLanes(at(biasHh, column), lanes));
}

/** row[column..] + bias[column..]: one vector of a projection with its bias. */
@inline function withBias(row: usize, bias: usize, column: i32, lanes: i32): v128 {
  return f32x4.add(loadLanes(at(row, column), lanes), loadLanes(at(bias, column), lanes));
}

/**
 * GRU step (PyTorch's form): with a = x W_ih^T + b_ih and b = h_{t-1} W_hh^T + b_hh (computed
 * into `hiddenGates` [rows, 3*hidden] scratch), r = σ(a_r + b_r), z = σ(a_z + b_z),
 * n = tanh(a_n + r b_n), h_t = (h_{t-1} - n) z + n. Writes b_n to newGateHidden [rows, hidden]
 * (kept for backward) and h_t to hState and output.
 */
export function gruForwardStep(rows: i32, hidden: i32, gates: usize, newGateHidden: usize, hState: usize,
  output: usize, packedWhh: usize, biasIh: usize, biasHh: usize, hiddenGates: usize, work: usize): void {
  const width = 3 * hidden;
  gemmPackedF32(rows, width, hidden, hState, hidden, 1, packedWhh, hiddenGates, width, 0, work);
  for (let r = 0; r < rows; r++) {
    const gateRow = at(gates, r * width);
    const hiddenRow = at(hiddenGates, r * width);
    const stateRow = r * hidden;
    for (let j = 0; j < hidden; j += 4) {
      const lanes = hidden - j;
      const reset = sigmoidV(f32x4.add(withBias(gateRow, biasIh, j, lanes), withBias(hiddenRow, biasHh, j, lanes)));
      const update = sigmoidV(f32x4.add(withBias(gateRow, biasIh, hidden + j, lanes), withBias(hiddenRow, biasHh, hidden + j, lanes)));
      const hiddenNew = withBias(hiddenRow, biasHh, 2 * hidden + j, lanes);
      const n = tanhV(f32x4.add(withBias(gateRow, biasIh, 2 * hidden + j, lanes), f32x4.mul(reset, hiddenNew)));
      const previous = loadLanes(at(hState, stateRow + j), lanes);
      const h = f32x4.add(f32x4.mul(f32x4.sub(previous, n), update), n);
      storeLanes(at(gateRow, j), reset, lanes);
      storeLanes(at(gateRow, hidden + j), update, lanes);
      storeLanes(at(gateRow, 2 * hidden + j), n, lanes);
      storeLanes(at(newGateHidden, stateRow + j), hiddenNew, lanes);
      storeLanes(at(hState, stateRow + j), h, lanes);
      storeLanes(at(output, stateRow + j), h, lanes);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// backward
//
// A backward step runs in the opposite order of the forward steps. `dhState` [batch, stateSize]
// and `dcState` [batch, hidden] carry dL/dh and dL/dc of each sequence's state: on entry to the
// first backward step they hold the gradients of the final states (hN, cN); a step reads rows
// 0..rows-1 and leaves in them the gradient w.r.t. the previous state, so after the last step they
// hold the gradients of h0 and c0. The previous state of row r is row r of the step before
// (`previousOutput` / `previousCells`) when r < continuing, else row r of h0 / c0.

/**
 * Shared first part of every backward step: copies h_{t-1} into hPrevious [rows, stateSize] (for
 * dW_hh) and dh = dhState + gradOutput into dh [rows, stateSize].
 */
function beginBackwardStep(rows: i32, stateSize: i32, continuing: i32, previousOutput: usize, h0: usize,
  hPrevious: usize, dhState: usize, gradOutput: usize, dh: usize): void {
  const rowBytes = <usize>stateSize << 2;
  for (let r = 0; r < rows; r++) {
    const source = r < continuing ? previousOutput : h0;
    memory.copy(hPrevious + <usize>r * rowBytes, source + <usize>r * rowBytes, rowBytes);
  }
  const count = rows * stateSize;
  for (let k = 0; k < count; k += 4) {
    const lanes = count - k;
    storeLanes(at(dh, k), f32x4.add(loadLanes(at(dhState, k), lanes), loadLanes(at(gradOutput, k), lanes)), lanes);
  }
}

/**
 * Elman RNN backward step: dPre = dh (1 - h^2) for tanh, dh [h > 0] for ReLU, written to
 * gradGates [rows, hidden]; then dhState = dPre W_hh (packedWhh packs W_hh as B[hidden, hidden]).
 * `dh` is [rows, hidden] scratch.
 */
export function rnnBackwardStep(relu: i32, rows: i32, hidden: i32, gates: usize, gradOutput: usize,
  continuing: i32, previousOutput: usize, h0: usize, hPrevious: usize, dhState: usize, dh: usize,
  gradGates: usize, packedWhh: usize, work: usize): void {
  beginBackwardStep(rows, hidden, continuing, previousOutput, h0, hPrevious, dhState, gradOutput, dh);
  const count = rows * hidden;
  for (let k = 0; k < count; k += 4) {
    const lanes = count - k;
    const h = loadLanes(at(gates, k), lanes);
    const grad = loadLanes(at(dh, k), lanes);
    const dPre = relu
      ? v128.and(grad, f32x4.gt(h, f32x4.splat(0)))
      : f32x4.mul(grad, f32x4.sub(ones(), f32x4.mul(h, h)));
    storeLanes(at(gradGates, k), dPre, lanes);
  }
  gemmPackedF32(rows, hidden, hidden, gradGates, hidden, 1, packedWhh, dhState, hidden, 0, work);
}

/**
 * LSTM backward step. With a projection (packedWhr packs W_hr as B[stateSize, hidden], not 0),
 * dh [rows, stateSize] is kept (the caller points it into the dW_hr operand), the unprojected
 * h_t = o tanh(c_t) is recomputed into hRaw [rows, hidden] for dW_hr, and dhRaw [rows, hidden]
 * scratch receives dh W_hr. Gate gradients go to gradGates [rows, 4*hidden]; dcState becomes
 * dL/dc_{t-1} and dhState = gradGates W_hh (packedWhh packs W_hh as B[4*hidden, stateSize]).
 */
export function lstmBackwardStep(rows: i32, hidden: i32, stateSize: i32, gates: usize, cells: usize,
  gradOutput: usize, continuing: i32, previousOutput: usize, previousCells: usize, h0: usize, c0: usize,
  hPrevious: usize, dhState: usize, dcState: usize, dh: usize, gradGates: usize, packedWhh: usize,
  packedWhr: usize, hRaw: usize, dhRaw: usize, work: usize): void {
  const width = 4 * hidden;
  beginBackwardStep(rows, stateSize, continuing, previousOutput, h0, hPrevious, dhState, gradOutput, dh);
  const projected = packedWhr != 0;
  if (projected) gemmPackedF32(rows, hidden, stateSize, dh, stateSize, 1, packedWhr, dhRaw, hidden, 0, work);
  const dhCell = projected ? dhRaw : dh;
  for (let r = 0; r < rows; r++) {
    const gateRow = at(gates, r * width);
    const gradRow = at(gradGates, r * width);
    const cellRow = r * hidden;
    const previousCellRow = at(r < continuing ? previousCells : c0, cellRow);
    for (let j = 0; j < hidden; j += 4) {
      const lanes = hidden - j;
      const i = loadLanes(at(gateRow, j), lanes);
      const f = loadLanes(at(gateRow, hidden + j), lanes);
      const g = loadLanes(at(gateRow, 2 * hidden + j), lanes);
      const o = loadLanes(at(gateRow, 3 * hidden + j), lanes);
      const tanhC = tanhV(loadLanes(at(cells, cellRow + j), lanes));
      if (projected) storeLanes(at(hRaw, cellRow + j), f32x4.mul(o, tanhC), lanes);
      const dhValue = loadLanes(at(dhCell, cellRow + j), lanes);
      const dc = f32x4.add(loadLanes(at(dcState, cellRow + j), lanes),
        f32x4.mul(f32x4.mul(dhValue, o), f32x4.sub(ones(), f32x4.mul(tanhC, tanhC))));
      const dOut = f32x4.mul(dhValue, tanhC);
      const dIn = f32x4.mul(dc, g);
      const dCandidate = f32x4.mul(dc, i);
      const dForget = f32x4.mul(dc, loadLanes(at(previousCellRow, j), lanes));
      storeLanes(at(dcState, cellRow + j), f32x4.mul(dc, f), lanes);
      storeLanes(at(gradRow, j), sigmoidGrad(dIn, i), lanes);
      storeLanes(at(gradRow, hidden + j), sigmoidGrad(dForget, f), lanes);
      storeLanes(at(gradRow, 2 * hidden + j), f32x4.mul(dCandidate, f32x4.sub(ones(), f32x4.mul(g, g))), lanes);
      storeLanes(at(gradRow, 3 * hidden + j), sigmoidGrad(dOut, o), lanes);
    }
  }
  gemmPackedF32(rows, stateSize, width, gradGates, width, 1, packedWhh, dhState, stateSize, 0, work);
}

/** grad * s (1 - s): the gradient through a sigmoid whose output is s. */
@inline function sigmoidGrad(grad: v128, s: v128): v128 {
  return f32x4.mul(grad, f32x4.mul(s, f32x4.sub(ones(), s)));
}

/**
 * GRU backward step. gradInputGates [rows, 3*hidden] receives the gradient w.r.t. a (the input
 * projection, for dX, dW_ih and db_ih) and gradHiddenGates the gradient w.r.t. b (for dW_hh and
 * db_hh); they differ in the n block, where db_n = da_n * r. Then
 * dhState = dh z + gradHiddenGates W_hh (packedWhh packs W_hh as B[3*hidden, hidden]).
 */
export function gruBackwardStep(rows: i32, hidden: i32, gates: usize, newGateHidden: usize, gradOutput: usize,
  continuing: i32, previousOutput: usize, h0: usize, hPrevious: usize, dhState: usize, dh: usize,
  gradInputGates: usize, gradHiddenGates: usize, packedWhh: usize, work: usize): void {
  const width = 3 * hidden;
  beginBackwardStep(rows, hidden, continuing, previousOutput, h0, hPrevious, dhState, gradOutput, dh);
  for (let r = 0; r < rows; r++) {
    const gateRow = at(gates, r * width);
    const inputRow = at(gradInputGates, r * width);
    const hiddenRow = at(gradHiddenGates, r * width);
    const stateRow = r * hidden;
    for (let j = 0; j < hidden; j += 4) {
      const lanes = hidden - j;
      const reset = loadLanes(at(gateRow, j), lanes);
      const update = loadLanes(at(gateRow, hidden + j), lanes);
      const n = loadLanes(at(gateRow, 2 * hidden + j), lanes);
      const grad = loadLanes(at(dh, stateRow + j), lanes);
      const previous = loadLanes(at(hPrevious, stateRow + j), lanes);
      const dPreN = f32x4.mul(f32x4.mul(grad, f32x4.sub(ones(), update)), f32x4.sub(ones(), f32x4.mul(n, n)));
      const dPreZ = sigmoidGrad(f32x4.mul(grad, f32x4.sub(previous, n)), update);
      const dPreR = sigmoidGrad(f32x4.mul(dPreN, loadLanes(at(newGateHidden, stateRow + j), lanes)), reset);
      storeLanes(at(inputRow, j), dPreR, lanes);
      storeLanes(at(inputRow, hidden + j), dPreZ, lanes);
      storeLanes(at(inputRow, 2 * hidden + j), dPreN, lanes);
      storeLanes(at(hiddenRow, j), dPreR, lanes);
      storeLanes(at(hiddenRow, hidden + j), dPreZ, lanes);
      storeLanes(at(hiddenRow, 2 * hidden + j), f32x4.mul(dPreN, reset), lanes);
      storeLanes(at(dhState, stateRow + j), f32x4.mul(grad, update), lanes);
    }
  }
  gemmPackedF32(rows, hidden, width, gradHiddenGates, width, 1, packedWhh, dhState, hidden, 1, work);
}

/** out[j] = sum over r of matrix[r, j] for a row-major [rows, cols] matrix: bias gradients. Row
 *  by row, so the matrix streams once and the running sums stay in L1. */
export function columnSumsF32(rows: i32, cols: i32, matrix: usize, out: usize): void {
  memory.fill(out, 0, <usize>cols << 2);
  for (let r = 0; r < rows; r++) {
    const row = at(matrix, r * cols);
    for (let j = 0; j < cols; j += 4) {
      const lanes = cols - j;
      storeLanes(at(out, j), f32x4.add(loadLanes(at(out, j), lanes), loadLanes(at(row, j), lanes)), lanes);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// step programs
//
// The directions of a bidirectional layer are independent, so the pool runs each one's steps
// whole on its own thread: the glue records a direction's step calls as a program (each entry the
// kernel's id, in STEP_KERNEL_IDS' order in src/devices/cpu/kernels/rnn.ts, then its arguments as
// i32 words) and a thread runs it with one call, where splitting each small step over the batch
// would cost a wake-up per step.

@inline function word(entry: usize, i: i32): i32 {
  return load<i32>(entry + (<usize>i << 2));
}

@inline function address(entry: usize, i: i32): usize {
  return load<u32>(entry + (<usize>i << 2));
}

/** Runs the `count` step calls recorded at `program`, in order. */
export function rnnRunSteps(program: usize, count: i32): void {
  let entry = program;
  for (let k = 0; k < count; k++) {
    const id = load<i32>(entry);
    const a = entry + 4;
    let words = 0;
    if (id == 0) {
      rnnForwardStep(word(a, 0), word(a, 1), word(a, 2), address(a, 3), address(a, 4), address(a, 5), address(a, 6),
        address(a, 7), address(a, 8), address(a, 9));
      words = 10;
    } else if (id == 1) {
      lstmForwardStep(word(a, 0), word(a, 1), word(a, 2), address(a, 3), address(a, 4), address(a, 5), address(a, 6),
        address(a, 7), address(a, 8), address(a, 9), address(a, 10), address(a, 11), address(a, 12), address(a, 13));
      words = 14;
    } else if (id == 2) {
      gruForwardStep(word(a, 0), word(a, 1), address(a, 2), address(a, 3), address(a, 4), address(a, 5), address(a, 6),
        address(a, 7), address(a, 8), address(a, 9), address(a, 10));
      words = 11;
    } else if (id == 3) {
      rnnBackwardStep(word(a, 0), word(a, 1), word(a, 2), address(a, 3), address(a, 4), word(a, 5), address(a, 6),
        address(a, 7), address(a, 8), address(a, 9), address(a, 10), address(a, 11), address(a, 12), address(a, 13));
      words = 14;
    } else if (id == 4) {
      lstmBackwardStep(word(a, 0), word(a, 1), word(a, 2), address(a, 3), address(a, 4), address(a, 5), word(a, 6),
        address(a, 7), address(a, 8), address(a, 9), address(a, 10), address(a, 11), address(a, 12), address(a, 13),
        address(a, 14), address(a, 15), address(a, 16), address(a, 17), address(a, 18), address(a, 19), address(a, 20));
      words = 21;
    } else {
      gruBackwardStep(word(a, 0), word(a, 1), address(a, 2), address(a, 3), address(a, 4), word(a, 5), address(a, 6),
        address(a, 7), address(a, 8), address(a, 9), address(a, 10), address(a, 11), address(a, 12), address(a, 13),
        address(a, 14));
      words = 15;
    }
    entry = a + (<usize>words << 2);
  }
}
