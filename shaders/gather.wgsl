// out[p] = input[p with coordinate `dim` replaced by index[p]]; walk operands out, input (stride 0
// along dim) and index. A bad index reports a fault and leaves its element unwritten.

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.count) {
    return;
  }
  let at = stridedOffsets(i);
  let value = checkedIndex(at[2]);
  if (value >= 0) {
    out[at[0]] = input[at[1] + value * params.dimStride];
  }
}
