// How matmul.wgsl reads b when its columns are contiguous, N is a multiple of 4 and every row
// starts on a multiple of 4 elements: b is bound as array<vec4<u32>> and a quad is one load. A
// quad past the edge reads the last one instead.

fn columnOffsets(column0: u32) -> vec4<i32> {
  return vec4<i32>(i32(min(column0, params.N - 4u)));
}

fn loadQuad(rowAt: i32, columns: vec4<i32>) -> vec4f {
  return bitcast<vec4f>(b[u32(rowAt + columns.x) / 4u]);
}
