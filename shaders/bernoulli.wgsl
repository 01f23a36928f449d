// out[i] = u_i < p_i ? 1 : 0 (float32) with u_i from word i of the stream, as on the CPU; walk
// operands out and probabilities (any strides, 0 to broadcast one value), one thread per block of
// four words. A NaN probability gives 0, as the CPU's comparison does.

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let block = threadIndex(id, groups);
  let words = streamBlock(block);
  for (var k = 0u; k < 4u; k++) {
    let i = block * 4u + k;
    if (i >= params.count) {
      return;
    }
    let at = stridedOffsets(i);
    let p = bitcast<f32>(probabilities[at[1]]);
    out[at[0]] = bitcast<u32>(select(0.0, 1.0, unitUniform(words[k]) < p && !isNan(p)));
  }
}
