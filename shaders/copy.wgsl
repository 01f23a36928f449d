// dst = src converted from dtype FROM to dtype TO; the walk's operands are dst and src, each
// through its own strides.

fn convert(bits: u32) -> u32 {
  if (FROM == TO || (FROM == BOOL && TO == INT32)) {
    return bits;
  }
  if (TO == FLOAT32) {
    return bitcast<u32>(f32(bitcast<i32>(bits)));
  }
  if (TO == BOOL) {
    // Nonzero is true: NaN too, but not -0.
    return select(0u, 1u, select(bits, bits & 0x7fffffffu, FROM == FLOAT32) != 0u);
  }
  // float32 -> int32 truncates toward zero and saturates; NaN and infinities have no int32 value
  // and become 0, as on the CPU.
  let value = bitcast<f32>(bits);
  if (!isFinite(value)) {
    return 0u;
  }
  return bitcast<u32>(i32(clamp(trunc(value), -2147483648.0, 2147483520.0)));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.count) {
    return;
  }
  let at = stridedOffsets(i);
  dst[at[0]] = convert(src[at[1]]);
}
