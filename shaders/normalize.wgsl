// out = index with negative values counted from the end (v + size); walk operands out and index.
// A value outside [-size, size) reports a fault.

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.count) {
    return;
  }
  let at = stridedOffsets(i);
  let value = bitcast<i32>(index[at[1]]);
  if (value < -params.size || value >= params.size) {
    reportFaultValue(value);
  }
  out[at[0]] = bitcast<u32>(select(value, value + params.size, value < 0));
}
