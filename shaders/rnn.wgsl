// Recurrent layers, one dispatch per time step (src/devices/webgpu/kernels/rnn.ts encodes every
// step of a layer-direction into one command buffer). Each dispatch is a tiled product of this
// step's rows with a weight matrix, finished in registers by the cell's elementwise part, so the
// gates never make a round trip through memory between the product and the nonlinearities.
//
// STAGE (a launch constant) picks what the product is and how it is finished:
//   FORWARD_CELL        h_{t-1} W_hh^T for a tile of rows x hidden units, all COLUMN_GROUPS (= G)
//                       gates of each unit, then the cell: activations, c_t, h_t (LSTM i, f, g, o;
//                       GRU r, z, n with r applied to W_hn h + b_hn, as PyTorch).
//   FORWARD_PROJECTION  h_t = hRaw W_hr^T for an LSTM with projSize: it needs every hidden unit of
//                       a row, which other workgroups of the cell dispatch produce, so it is a
//                       second dispatch.
//   BACKWARD_STATE      dh_t = dGates_{t+1} W_hh (+ dh_{t+1} z_{t+1} for GRU) + the output's
//                       gradient, then, without a projection, the gate gradients of the cell.
//   BACKWARD_CELL       dhRaw = dh_t W_hr and the LSTM gate gradients, with a projection.
//
// Every launch binds the same buffers: `result` (forward: output rows, hN and cN; backward: the
// forward's output rows, read), `reserve` (per row: G gate activations, then c_t for LSTM or
// W_hn h + b_hn for GRU), `work` (the kernel's scratch, see the region offsets in params) and
// `weights` (W_hh or W_hr). Rows: this step's rows are params.rowOffset + r for r < params.size
// (the sequences still running are a prefix of the batch); r < params.previousSize continue from
// the previous step's rows at params.previousOffset, the others start from h0 / c0; and
// r < params.laterSize go on into the next step (at params.laterOffset), the others end here.

const TILE_ROWS = 16u;
const TILE_COLUMNS = 16u;
const DEPTH = 16u;
/** Columns of a weight tile: COLUMN_GROUPS blocks of TILE_COLUMNS, params.groupStride apart in the matrix. */
const TILE_WIDTH = COLUMN_GROUPS * TILE_COLUMNS;
/** A thread's 2 rows x 2 columns in each group. */
const ACCUMULATORS = 4u * COLUMN_GROUPS;

// [k][row] and [k][column]: the inner loop reads one k of both.
var<workgroup> aTile: array<f32, 256>;
var<workgroup> bTile: array<f32, 256u * COLUMN_GROUPS>;

fn readResult(index: u32) -> f32 {
  return bitcast<f32>(result[index]);
}

fn readReserve(index: u32) -> f32 {
  return bitcast<f32>(reserve[index]);
}

fn readWork(index: u32) -> f32 {
  return bitcast<f32>(work[index]);
}

fn writeWork(index: u32, value: f32) {
  work[index] = bitcast<u32>(value);
}

fn writeReserve(index: u32, value: f32) {
  reserve[index] = bitcast<u32>(value);
}

/** h_{t-1}[r, column]: the previous step's output row, or h0 for a sequence starting at this step. */
fn previousState(r: u32, column: u32) -> f32 {
  if (r < params.previousSize) {
    return readResult(params.output + (params.previousOffset + r) * params.stateSize + column);
  }
  return readWork(params.h0 + r * params.stateSize + column);
}

/** Element (r, k) of the left operand of this stage's product; r < params.coveredRows, k < params.depth. */
fn loadA(r: u32, k: u32) -> f32 {
  switch STAGE {
    case FORWARD_CELL: {
      return previousState(r, k);
    }
    case FORWARD_PROJECTION: {
      return readWork(params.rawState + r * params.hidden + k);
    }
    case BACKWARD_STATE: {
      // The hidden-side gate gradients of the next step (only the rows that went on into it).
      if (r >= params.laterSize) {
        return 0.0;
      }
      return readWork(params.gradHiddenGates + (params.laterOffset + r) * params.width + k);
    }
    default: {
      return readWork(params.gradState + (params.rowOffset + r) * params.stateSize + k);
    }
  }
}

/** Element (k, column) of the right operand: the weight matrix read through its strides. */
fn loadB(k: u32, column: u32) -> f32 {
  return bitcast<f32>(weights[params.weightOffset + k * params.weightDepthStride + column * params.weightColumnStride]);
}

/**
 * This thread's 2 x 2 block (per column group) of A[rows row0.., :] @ B[:, columns column0..],
 * K advancing DEPTH at a time through workgroup memory. Out-of-range elements count as 0.
 */
fn tileProduct(local: vec3u, lane: u32, row0: u32, column0: u32) -> array<f32, ACCUMULATORS> {
  var acc: array<f32, ACCUMULATORS>;
  for (var k0 = 0u; k0 < params.depth; k0 += DEPTH) {
    for (var i = 0u; i < 4u; i++) {
      let index = lane + i * 64u;
      let k = index % DEPTH;
      let r = index / DEPTH;
      var value = 0.0;
      if (row0 + r < params.coveredRows && k0 + k < params.depth) {
        value = loadA(row0 + r, k0 + k);
      }
      aTile[k * TILE_ROWS + r] = value;
    }
    for (var i = 0u; i < 4u * COLUMN_GROUPS; i++) {
      let index = lane + i * 64u;
      let k = index % DEPTH;
      let c = index / DEPTH;
      let column = column0 + c % TILE_COLUMNS;
      var value = 0.0;
      if (column < params.columns && k0 + k < params.depth) {
        value = loadB(k0 + k, (c / TILE_COLUMNS) * params.groupStride + column);
      }
      bTile[k * TILE_WIDTH + c] = value;
    }
    workgroupBarrier();
    for (var k = 0u; k < DEPTH; k++) {
      let a0 = aTile[k * TILE_ROWS + 2u * local.y];
      let a1 = aTile[k * TILE_ROWS + 2u * local.y + 1u];
      for (var g = 0u; g < COLUMN_GROUPS; g++) {
        let b0 = bTile[k * TILE_WIDTH + g * TILE_COLUMNS + 2u * local.x];
        let b1 = bTile[k * TILE_WIDTH + g * TILE_COLUMNS + 2u * local.x + 1u];
        acc[4u * g] += a0 * b0;
        acc[4u * g + 1u] += a0 * b1;
        acc[4u * g + 2u] += a1 * b0;
        acc[4u * g + 3u] += a1 * b1;
      }
    }
    workgroupBarrier();
  }
  return acc;
}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_id) local: vec3u, @builtin(local_invocation_index) lane: u32) {
  let row0 = group.y * TILE_ROWS;
  let column0 = group.x * TILE_COLUMNS;
  let acc = tileProduct(local, lane, row0, column0);
  for (var i = 0u; i < 2u; i++) {
    let r = row0 + 2u * local.y + i;
    for (var j = 0u; j < 2u; j++) {
      let column = column0 + 2u * local.x + j;
      if (r < params.coveredRows && column < params.columns) {
        var product = vec4f(0.0);
        for (var g = 0u; g < COLUMN_GROUPS; g++) {
          product[g] = acc[4u * g + 2u * i + j];
        }
        switch STAGE {
          case FORWARD_CELL: {
            forwardCell(r, column, product);
          }
          case FORWARD_PROJECTION: {
            emitState(r, column, product.x);
          }
          case BACKWARD_STATE: {
            backwardState(r, column, product.x);
          }
          default: {
            backwardCell(r, column, product.x, 0.0);
          }
        }
      }
    }
  }
}

fn relu(x: f32) -> f32 {
  return select(0.0, x, x > 0.0 || isNan(x));
}

/** Writes h_t[r, column] to the output row, and to hN when the sequence ends at this step. */
fn emitState(r: u32, column: u32, h: f32) {
  let row = params.rowOffset + r;
  result[params.output + row * params.stateSize + column] = bitcast<u32>(h);
  if (r >= params.laterSize) {
    result[params.hN + r * params.stateSize + column] = bitcast<u32>(h);
  }
}

/**
 * The cell of hidden unit u of row r, given hiddenPart = (h_{t-1} W_hh^T) at u's gate columns.
 * The reserve's gate columns hold x W_ih^T on entry and the activations on exit.
 */
fn forwardCell(r: u32, u: u32, hiddenPart: vec4f) {
  let H = params.hidden;
  let row = params.rowOffset + r;
  let gate = params.gates + row * params.width + u;
  let extra = params.extra + row * H + u;
  var inputPart = vec4f(0.0);
  var biasIh = vec4f(0.0);
  var biasHh = vec4f(0.0);
  for (var g = 0u; g < COLUMN_GROUPS; g++) {
    inputPart[g] = readReserve(gate + g * H);
    biasIh[g] = readWork(params.biasIh + g * H + u);
    biasHh[g] = readWork(params.biasHh + g * H + u);
  }
  switch MODE {
    case LSTM: {
      let pre = inputPart + biasIh + hiddenPart + biasHh;
      let i = sigmoidAccurate(pre.x);
      let f = sigmoidAccurate(pre.y);
      let g = tanhAccurate(pre.z);
      let o = sigmoidAccurate(pre.w);
      var cPrevious: f32;
      if (r < params.previousSize) {
        cPrevious = readReserve(params.extra + (params.previousOffset + r) * H + u);
      } else {
        cPrevious = readWork(params.c0 + r * H + u);
      }
      let c = f * cPrevious + i * g;
      writeReserve(gate, i);
      writeReserve(gate + H, f);
      writeReserve(gate + 2u * H, g);
      writeReserve(gate + 3u * H, o);
      writeReserve(extra, c);
      if (r >= params.laterSize) {
        result[params.cN + r * H + u] = bitcast<u32>(c);
      }
      let h = o * tanhAccurate(c);
      if (PROJECTED == 1u) {
        writeWork(params.rawState + r * H + u, h);
      } else {
        emitState(r, u, h);
      }
    }
    case GRU: {
      let a = inputPart + biasIh;
      let b = hiddenPart + biasHh;
      let reset = sigmoidAccurate(a.x + b.x);
      let update = sigmoidAccurate(a.y + b.y);
      let n = tanhAccurate(a.z + reset * b.z);
      let h = (previousState(r, u) - n) * update + n;
      writeReserve(gate, reset);
      writeReserve(gate + H, update);
      writeReserve(gate + 2u * H, n);
      writeReserve(extra, b.z);
      emitState(r, u, h);
    }
    default: {
      let pre = inputPart.x + biasIh.x + hiddenPart.x + biasHh.x;
      var h: f32;
      if (MODE == RNN_RELU) {
        h = relu(pre);
      } else {
        h = tanhAccurate(pre);
      }
      writeReserve(gate, h);
      emitState(r, u, h);
    }
  }
}

/**
 * dL/dh_t[r, column] given recurrent = (dGates_{t+1} W_hh)[r, column]. Rows past params.size
 * started at the next step: their value is the gradient of h0. Keeps h_{t-1} for dW_hh, and dh
 * where a later stage reads it (the projection's cell stage, GRU's next step).
 */
fn backwardState(r: u32, column: u32, recurrent: f32) {
  let S = params.stateSize;
  var carried = recurrent;
  if (MODE == GRU && r < params.laterSize) {
    let later = params.laterOffset + r;
    carried += readWork(params.gradState + later * S + column) * readReserve(params.gates + later * params.width + params.hidden + column);
  }
  if (r >= params.size) {
    writeWork(params.gradH0 + r * S + column, carried);
    return;
  }
  let row = params.rowOffset + r;
  var dh = readWork(params.gradOutput + row * S + column);
  if (r < params.laterSize) {
    dh += carried;
  } else {
    dh += readWork(params.gradHN + r * S + column);
  }
  let hPrevious = previousState(r, column);
  writeWork(params.previousStates + row * S + column, hPrevious);
  if (PROJECTED == 1u || MODE == GRU) {
    writeWork(params.gradState + row * S + column, dh);
  }
  if (PROJECTED == 0u) {
    backwardCell(r, column, dh, hPrevious);
  }
}

/** grad * s (1 - s): the gradient through a sigmoid whose output is s. */
fn sigmoidGrad(grad: f32, s: f32) -> f32 {
  return grad * (s * (1.0 - s));
}

/**
 * The gate gradients of hidden unit u of row r given dh = dL/d(the cell's h_t)[r, u] (and, for
 * GRU, h_{t-1}[r, u]): into gradInputGates (the input side: dX, dW_ih, db_ih) and, for GRU,
 * gradHiddenGates (the hidden side: dW_hh, db_hh and the next backward step), whose n block is
 * scaled by r. LSTM carries dL/dc_{t-1} = dc f in cellCarry (into c0's gradient where the row starts).
 */
fn backwardCell(r: u32, u: u32, dh: f32, hPrevious: f32) {
  let H = params.hidden;
  let row = params.rowOffset + r;
  let gate = params.gates + row * params.width + u;
  let gradient = params.gradInputGates + row * params.width + u;
  switch MODE {
    case LSTM: {
      let i = readReserve(gate);
      let f = readReserve(gate + H);
      let g = readReserve(gate + 2u * H);
      let o = readReserve(gate + 3u * H);
      let tanhC = tanhAccurate(readReserve(params.extra + row * H + u));
      if (PROJECTED == 1u) {
        writeWork(params.rawState + row * H + u, o * tanhC);
      }
      var dc = dh * o * (1.0 - tanhC * tanhC);
      if (r < params.laterSize) {
        dc += readWork(params.cellCarry + (params.laterOffset + r) * H + u);
      } else {
        dc += readWork(params.gradCN + r * H + u);
      }
      var cPrevious: f32;
      if (r < params.previousSize) {
        cPrevious = readReserve(params.extra + (params.previousOffset + r) * H + u);
      } else {
        cPrevious = readWork(params.c0 + r * H + u);
      }
      writeWork(gradient, sigmoidGrad(dc * g, i));
      writeWork(gradient + H, sigmoidGrad(dc * cPrevious, f));
      writeWork(gradient + 2u * H, dc * i * (1.0 - g * g));
      writeWork(gradient + 3u * H, sigmoidGrad(dh * tanhC, o));
      writeWork(params.cellCarry + row * H + u, dc * f);
      if (r >= params.previousSize) {
        writeWork(params.gradC0 + r * H + u, dc * f);
      }
    }
    case GRU: {
      let reset = readReserve(gate);
      let update = readReserve(gate + H);
      let n = readReserve(gate + 2u * H);
      let dPreN = dh * (1.0 - update) * (1.0 - n * n);
      let dPreZ = sigmoidGrad(dh * (hPrevious - n), update);
      let dPreR = sigmoidGrad(dPreN * readReserve(params.extra + row * H + u), reset);
      writeWork(gradient, dPreR);
      writeWork(gradient + H, dPreZ);
      writeWork(gradient + 2u * H, dPreN);
      let hiddenGradient = params.gradHiddenGates + row * params.width + u;
      writeWork(hiddenGradient, dPreR);
      writeWork(hiddenGradient + H, dPreZ);
      writeWork(hiddenGradient + 2u * H, dPreN * reset);
    }
    default: {
      let h = readReserve(gate);
      if (MODE == RNN_RELU) {
        writeWork(gradient, select(0.0, dh, h > 0.0));
      } else {
        writeWork(gradient, dh * (1.0 - h * h));
      }
    }
  }
}
