// Recurrent layers, one dispatch per time step (src/devices/webgpu/kernels/rnn.ts encodes every
// step of a layer-direction into one command buffer). A dispatch computes tiles of products of
// this step's rows with a weight matrix, each tile finished in registers by the cell's elementwise
// part, so the gates never make a round trip through memory between the product and the
// nonlinearities. The products, and what finishes them:
//   HIDDEN_GATES    h_{t-1} W_hh^T, all G gates of each hidden unit in one tile, finished by the
//                   cell: activations, c_t, h_t (LSTM i, f, g, o; GRU r, z, n with r applied to
//                   W_hn h + b_hn, as PyTorch); with a projection, hRaw = o tanh(c_t) instead of h_t.
//   PROJECTION      h_t = hRaw W_hr^T, for an LSTM with projSize.
//   STATE_GRADIENT  dh_t = dGates_{t+1} W_hh (+ dh_{t+1} z_{t+1} for GRU) + the output's gradient,
//                   then, without a projection, the gate gradients of the cell.
//   CELL_GRADIENT   dhRaw = dh_t W_hr, then the LSTM gate gradients, with a projection.
//
// STAGE (a launch constant) is FORWARD (HIDDEN_GATES, then PROJECTION with a projection) or
// BACKWARD (STATE_GRADIENT, then CELL_GRADIENT). Without a projection a stage is one product over
// a grid of workgroups, one tile each (entry point main; x: column tiles, y: row tiles): the fast
// path. With one, the second product of a row needs the first's result in every column of that
// row, which a grid of tiles would spread over workgroups. So each workgroup owns a block of
// TILE_ROWS rows across all columns (entry point rowBlock; y: row blocks): it computes every column
// tile of the first product, then, after a barrier among its own threads, every column tile of the
// second. A row never reads the other rows of its step, so no workgroup waits on another and the
// step stays one dispatch.
//
// Every launch binds the same buffers: `result` (forward: output rows, hN and cN; backward: the
// forward's output rows, read), `reserve` (per row: G gate activations, then c_t for LSTM or
// W_hn h + b_hn for GRU), `work` (the kernel's scratch, see the region offsets in params),
// `weightHh` and `weightHr` (W_hh again for a layer without a projection). Rows: this step's rows
// are params.rowOffset + r for r < params.size (the sequences still running are a prefix of the
// batch); r < params.previousSize continue from the previous step's rows at params.previousOffset,
// the others start from h0 / c0; and r < params.laterSize go on into the next step (at
// params.laterOffset), the others end here.

const TILE_ROWS = 16u;
const TILE_COLUMNS = 16u;
const DEPTH = 16u;
/**
 * A tile's columns: COLUMN_GROUPS groups of TILE_COLUMNS. For HIDDEN_GATES the groups are the G
 * gates of the same hidden units (gate g of unit u is column g H + u of W_hh^T); for the other
 * products they are consecutive, so a tile spans TILE_WIDTH output columns.
 */
const TILE_WIDTH = COLUMN_GROUPS * TILE_COLUMNS;
/** A thread's 2 rows x 2 columns in each group. */
const ACCUMULATORS = 4u * COLUMN_GROUPS;

const HIDDEN_GATES = 0u;
const PROJECTION = 1u;
const STATE_GRADIENT = 2u;
const CELL_GRADIENT = 3u;
const FIRST_PRODUCT = select(STATE_GRADIENT, HIDDEN_GATES, STAGE == FORWARD);
const SECOND_PRODUCT = select(CELL_GRADIENT, PROJECTION, STAGE == FORWARD);

// [k][row] and [k][column]: the inner loop reads one k of both.
var<workgroup> aTile: array<f32, 256>;
var<workgroup> bTile: array<f32, 256u * COLUMN_GROUPS>;

/** Without a projection: one column tile (x) of one row tile (y) of the stage's only product. */
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_id) local: vec3u, @builtin(local_invocation_index) lane: u32) {
  computeTile(FIRST_PRODUCT, group.x, group.y * TILE_ROWS, local, lane);
}

/** With a projection: every column tile of both products for one block of rows (y). */
@compute @workgroup_size(8, 8)
fn rowBlock(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_id) local: vec3u, @builtin(local_invocation_index) lane: u32) {
  let row0 = group.y * TILE_ROWS;
  for (var tile = 0u; tile < tileCount(FIRST_PRODUCT); tile++) {
    computeTile(FIRST_PRODUCT, tile, row0, local, lane);
  }
  // The second product reads, of these rows only, what this workgroup's threads just wrote (hRaw,
  // dh_t). The tiles in workgroup memory are already free: every product ends at a barrier.
  storageBarrier();
  for (var tile = 0u; tile < tileCount(SECOND_PRODUCT); tile++) {
    computeTile(SECOND_PRODUCT, tile, row0, local, lane);
  }
}

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

/** Rows of the product: this step's, and for STATE_GRADIENT those starting at the next (h0's gradient). */
fn productRows(product: u32) -> u32 {
  if (product == STATE_GRADIENT) {
    return max(params.size, params.laterSize);
  }
  return params.size;
}

/** Output columns of the product (for HIDDEN_GATES hidden units, G gate columns each). */
fn productColumns(product: u32) -> u32 {
  if (product == HIDDEN_GATES || product == CELL_GRADIENT) {
    return params.hidden;
  }
  return params.stateSize;
}

/** The product's K: the width of its left operand. */
fn productDepth(product: u32) -> u32 {
  switch product {
    case HIDDEN_GATES, CELL_GRADIENT: {
      return params.stateSize;
    }
    case PROJECTION: {
      return params.hidden;
    }
    default: {
      return params.width;
    }
  }
}

/** Output column c < TILE_COLUMNS of group g of column tile `tile` (HIDDEN_GATES: the hidden unit). */
fn tileColumn(product: u32, tile: u32, g: u32, c: u32) -> u32 {
  if (product == HIDDEN_GATES) {
    return tile * TILE_COLUMNS + c;
  }
  return (tile * COLUMN_GROUPS + g) * TILE_COLUMNS + c;
}

fn tileCount(product: u32) -> u32 {
  let span = select(TILE_WIDTH, TILE_COLUMNS, product == HIDDEN_GATES);
  return (productColumns(product) + span - 1u) / span;
}

/** Element (r, k) of the product's left operand; r < productRows, k < productDepth. */
fn loadA(product: u32, r: u32, k: u32) -> f32 {
  switch product {
    case HIDDEN_GATES: {
      return previousState(r, k);
    }
    case PROJECTION: {
      return readWork(params.rawState + r * params.hidden + k);
    }
    case STATE_GRADIENT: {
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

/** Element (k, column) of the right operand (for HIDDEN_GATES, of gate g): W_hh^T, W_hr^T, W_hh or W_hr. */
fn loadB(product: u32, k: u32, g: u32, column: u32) -> f32 {
  let H = params.hidden;
  let S = params.stateSize;
  switch product {
    case HIDDEN_GATES: {
      return bitcast<f32>(weightHh[params.weightHhOffset + (g * H + column) * S + k]);
    }
    case PROJECTION: {
      return bitcast<f32>(weightHr[params.weightHrOffset + column * H + k]);
    }
    case STATE_GRADIENT: {
      return bitcast<f32>(weightHh[params.weightHhOffset + k * S + column]);
    }
    default: {
      return bitcast<f32>(weightHr[params.weightHrOffset + k * H + column]);
    }
  }
}

/**
 * This thread's 2 x 2 block (per column group) of column tile `tile` of the product for rows
 * row0.., K advancing DEPTH at a time through workgroup memory. Out-of-range elements count as 0.
 */
fn tileProduct(product: u32, tile: u32, row0: u32, local: vec3u, lane: u32) -> array<f32, ACCUMULATORS> {
  let rows = productRows(product);
  let columns = productColumns(product);
  let depth = productDepth(product);
  var acc: array<f32, ACCUMULATORS>;
  for (var k0 = 0u; k0 < depth; k0 += DEPTH) {
    for (var i = 0u; i < 4u; i++) {
      let index = lane + i * 64u;
      let k = index % DEPTH;
      let r = index / DEPTH;
      var value = 0.0;
      if (row0 + r < rows && k0 + k < depth) {
        value = loadA(product, row0 + r, k0 + k);
      }
      aTile[k * TILE_ROWS + r] = value;
    }
    for (var i = 0u; i < 4u * COLUMN_GROUPS; i++) {
      let index = lane + i * 64u;
      let k = index % DEPTH;
      let c = index / DEPTH;
      let g = c / TILE_COLUMNS;
      let column = tileColumn(product, tile, g, c % TILE_COLUMNS);
      var value = 0.0;
      if (column < columns && k0 + k < depth) {
        value = loadB(product, k0 + k, g, column);
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

/** Column tile `tile` of the product for the TILE_ROWS rows from row0, finished by its part of the cell. */
fn computeTile(product: u32, tile: u32, row0: u32, local: vec3u, lane: u32) {
  let acc = tileProduct(product, tile, row0, local, lane);
  let rows = productRows(product);
  let columns = productColumns(product);
  for (var i = 0u; i < 2u; i++) {
    let r = row0 + 2u * local.y + i;
    if (r >= rows) {
      continue;
    }
    for (var j = 0u; j < 2u; j++) {
      let c = 2u * local.x + j;
      if (product == HIDDEN_GATES) {
        let u = tileColumn(product, tile, 0u, c);
        if (u < columns) {
          var gates = vec4f(0.0);
          for (var g = 0u; g < COLUMN_GROUPS; g++) {
            gates[g] = acc[4u * g + 2u * i + j];
          }
          forwardCell(r, u, gates);
        }
        continue;
      }
      for (var g = 0u; g < COLUMN_GROUPS; g++) {
        let column = tileColumn(product, tile, g, c);
        if (column < columns) {
          let value = acc[4u * g + 2u * i + j];
          switch product {
            case PROJECTION: {
              emitState(r, column, value);
            }
            case STATE_GRADIENT: {
              backwardState(r, column, value);
            }
            default: {
              backwardCell(r, column, value, 0.0);
            }
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
 * where a later product reads it (CELL_GRADIENT, GRU's next step).
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
