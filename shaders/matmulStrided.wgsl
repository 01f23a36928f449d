// How matmul.wgsl reads b with any column stride: four loads per quad, each column clamped to the
// last one (the quad's columns past the edge are computed but not written).

fn columnOffsets(column0: u32) -> vec4<i32> {
  return vec4<i32>(min(vec4u(column0) + vec4u(0u, 1u, 2u, 3u), vec4u(params.N - 1u))) * params.bColStride;
}

fn loadQuad(rowAt: i32, columns: vec4<i32>) -> vec4f {
  return vec4f(bitcast<f32>(b[rowAt + columns.x]), bitcast<f32>(b[rowAt + columns.y]), bitcast<f32>(b[rowAt + columns.z]), bitcast<f32>(b[rowAt + columns.w]));
}
