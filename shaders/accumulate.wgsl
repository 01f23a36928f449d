// out[p with coordinate `dim` replaced by index[p]] += src[p], duplicates adding up (in no fixed
// order: float sums may differ from the CPU's in the last bits). DTYPE is out's dtype; float32
// adds by compare-exchange on the bits, int32 and bool (0/1 integers, as on the CPU) by
// atomicAdd. Walk operands: out (stride 0 along dim), index, src. `check` checks every index
// first, and `add` adds nothing once a fault is pending, so a bad index leaves out untouched.

@compute @workgroup_size(WORKGROUP_SIZE)
fn check(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.count) {
    return;
  }
  checkedIndex(stridedOffsets(i)[1]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn add(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.count || faultPending()) {
    return;
  }
  let at = stridedOffsets(i);
  let element = at[0] + bitcast<i32>(index[at[1]]) * params.dimStride;
  let value = src[at[2]];
  if (DTYPE != FLOAT32) {
    atomicAdd(&out[element], value);
    return;
  }
  var old = atomicLoad(&out[element]);
  loop {
    let swap = atomicCompareExchangeWeak(&out[element], old, bitcast<u32>(bitcast<f32>(old) + bitcast<f32>(value)));
    if (swap.exchanged) {
      break;
    }
    old = swap.old_value;
  }
}
