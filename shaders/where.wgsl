// out = cond ? a : b elementwise over 32-bit words of any dtype; walk operands out, cond, a, b.

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.count) {
    return;
  }
  let at = stridedOffsets(i);
  out[at[0]] = select(b[at[3]], a[at[2]], cond[at[1]] != 0u);
}
