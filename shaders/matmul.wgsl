// out[batch, m, n] = sum over k of a[batch, m, k] * b[batch, k, n], float32, summed in order of k
// with each product rounded (no fused multiply-add). The walk covers the batch dims (operands out,
// a and b: a batch stride of 0 broadcasts), and rows and columns step by the strides in params, so
// transposed and strided inputs need no copy.
//
// Register-blocked, without workgroup memory: a workgroup of WORKGROUP_SIZE threads owns ROWS rows
// of out and WORKGROUP_SIZE * QUADS * 4 columns; each thread holds ROWS x QUADS quads of 4
// columns in registers. Per step of k a thread reads the block's ROWS values of a (the same for
// the whole workgroup) and its QUADS * 4 values of b, then does ROWS * QUADS * 4 multiply-adds.
// Rows and columns past the edge read the last row or column instead (no branch in the loop) and
// are not written. Every thread reads its own b columns, so staging b in workgroup memory would
// save nothing, and on software adapters (lavapipe runs a workgroup's invocations as SIMD lanes)
// barriers cost more than sharing a's rows would save: measured, the blocked loop alone is faster.
//
// How b is read is in the include: matmulStrided.wgsl (any column stride) or matmulQuads.wgsl
// (contiguous columns, one vec4 load per quad). Both give `columnOffsets(column0)` (where the quad
// starting at column0 sits in a row of b, clamped to the matrix) and `loadQuad(rowAt, columns)`.
//
// The grid: x and y hold rowBlocks * columnBlocks workgroups (row block fastest, so neighbouring
// workgroups read the same columns of b), z the batch.

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = workgroupIndex(group, groups);
  if (block >= params.rowBlocks * params.columnBlocks) {
    return;
  }
  let at = stridedOffsets(params.batchBase + group.z);
  let row0 = (block % params.rowBlocks) * ROWS;
  let columnBlock = block / params.rowBlocks;
  var rows: array<i32, ROWS>;
  for (var r = 0u; r < ROWS; r++) {
    rows[r] = i32(min(row0 + r, params.M - 1u)) * params.aRowStride;
  }
  var columns: array<vec4<i32>, QUADS>;
  for (var q = 0u; q < QUADS; q++) {
    columns[q] = columnOffsets(quadColumn(columnBlock, local.x, q));
  }
  var acc: array<vec4f, ROWS * QUADS>;
  var aAt = at[1];
  var bAt = at[2];
  for (var k = 0u; k < params.K; k++) {
    var bk: array<vec4f, QUADS>;
    for (var q = 0u; q < QUADS; q++) {
      bk[q] = loadQuad(bAt, columns[q]);
    }
    for (var r = 0u; r < ROWS; r++) {
      let ak = bitcast<f32>(a[aAt + rows[r]]);
      for (var q = 0u; q < QUADS; q++) {
        acc[r * QUADS + q] += ak * bk[q];
      }
    }
    aAt += params.aColStride;
    bAt += params.bRowStride;
  }
  for (var r = 0u; r < ROWS; r++) {
    let row = row0 + r;
    for (var q = 0u; q < QUADS; q++) {
      let column0 = quadColumn(columnBlock, local.x, q);
      for (var c = 0u; c < 4u; c++) {
        if (row < params.M && column0 + c < params.N) {
          out[at[0] + i32(row) * params.outRowStride + i32(column0 + c) * params.outColStride] = bitcast<u32>(acc[r * QUADS + q][c]);
        }
      }
    }
  }
}

/** The first column of quad `q` of this thread: neighbouring threads take neighbouring quads. */
fn quadColumn(columnBlock: u32, lane: u32, q: u32) -> u32 {
  return ((columnBlock * QUADS + q) * WORKGROUP_SIZE + lane) * 4u;
}
