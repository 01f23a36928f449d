// out[p with coordinate `dim` replaced by index[p]] = src[p], the last write winning where indices
// repeat, as on the CPU: `claim` stores in `claims` (zeroed, one word per element of out's span,
// which starts at params.claimBase) the largest walk position + 1 that targets each element, and
// `write` lets only that position write. Walk operands: out (stride 0 along dim), index, src.
// `claim` also checks every index, and `write` writes nothing once a fault is pending, so a bad
// index leaves out untouched.

/** The element of out that walk position `at` targets, for an index already checked. */
fn targetElement(at: array<i32, OPERANDS>) -> i32 {
  return at[0] + bitcast<i32>(index[at[1]]) * params.dimStride;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn claim(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.count) {
    return;
  }
  let at = stridedOffsets(i);
  if (checkedIndex(at[1]) >= 0) {
    atomicMax(&claims[targetElement(at) - params.claimBase], i + 1u);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn write(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.count || faultPending()) {
    return;
  }
  let at = stridedOffsets(i);
  let element = targetElement(at);
  if (atomicLoad(&claims[element - params.claimBase]) == i + 1u) {
    out[element] = src[at[2]];
  }
}
