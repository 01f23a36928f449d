// Every element of dst (the walk's one operand, any strides) = params.bits, a value already in
// dst's dtype.

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.count) {
    return;
  }
  dst[stridedOffsets(i)[0]] = params.bits;
}
