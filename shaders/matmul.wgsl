// out[batch, m, n] = sum over k of a[batch, m, k] * b[batch, k, n], float32. The walk covers the
// batch dims (operands out, a and b: a batch stride of 0 broadcasts), and rows and columns step by
// the strides in params, so transposed and strided inputs need no copy.
//
// Tiled and register-blocked: a workgroup of 16 x 16 threads computes a 64 x 64 block of out, each
// thread a 4 x 4 block held in registers; K advances DEPTH at a time through workgroup memory,
// where each thread loads 4 elements of a and of b per step, then does 64 multiply-adds.

const TILE = 64u;
const DEPTH = 16u;
const SIDE = 16u;

// [k][row / 4] and [k][column / 4]: one vec4 load gives a thread its 4 rows or 4 columns.
var<workgroup> aTile: array<vec4f, 256>;
var<workgroup> bTile: array<vec4f, 256>;

fn loadA(offset: i32, row: u32, k: u32) -> f32 {
  if (row >= params.M || k >= params.K) {
    return 0.0;
  }
  return bitcast<f32>(a[offset + i32(row) * params.aRowStride + i32(k) * params.aColStride]);
}

fn loadB(offset: i32, k: u32, column: u32) -> f32 {
  if (k >= params.K || column >= params.N) {
    return 0.0;
  }
  return bitcast<f32>(b[offset + i32(k) * params.bRowStride + i32(column) * params.bColStride]);
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_id) local: vec3u, @builtin(local_invocation_index) lane: u32) {
  let at = stridedOffsets(params.batchBase + group.z);
  let row0 = group.y * TILE;
  let column0 = group.x * TILE;
  // This thread's share of each tile load: 4 consecutive rows of a, 4 consecutive columns of b.
  let loadK = lane / SIDE;
  let loadQuad = (lane % SIDE) * 4u;
  var acc: array<vec4f, 4>;
  for (var k0 = 0u; k0 < params.K; k0 += DEPTH) {
    let k = k0 + loadK;
    let rows = row0 + loadQuad;
    aTile[lane] = vec4f(loadA(at[1], rows, k), loadA(at[1], rows + 1u, k), loadA(at[1], rows + 2u, k), loadA(at[1], rows + 3u, k));
    let columns = column0 + loadQuad;
    bTile[lane] = vec4f(loadB(at[2], k, columns), loadB(at[2], k, columns + 1u), loadB(at[2], k, columns + 2u), loadB(at[2], k, columns + 3u));
    workgroupBarrier();
    for (var step = 0u; step < DEPTH; step++) {
      let av = aTile[step * SIDE + local.y];
      let bv = bTile[step * SIDE + local.x];
      acc[0] += av.x * bv;
      acc[1] += av.y * bv;
      acc[2] += av.z * bv;
      acc[3] += av.w * bv;
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let row = row0 + local.y * 4u + i;
    for (var j = 0u; j < 4u; j++) {
      let column = column0 + local.x * 4u + j;
      if (row < params.M && column < params.N) {
        out[at[0] + i32(row) * params.outRowStride + i32(column) * params.outColStride] = bitcast<u32>(acc[i][j]);
      }
    }
  }
}
