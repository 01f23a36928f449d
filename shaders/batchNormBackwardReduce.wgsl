// Batch norm's backward sums: gradSum[c] = sum(grad) and dot[c] = sum(grad * (input - mean[c]))
// over channel c of grad and input [N, C, *]. One workgroup per channel; the walk covers grad and
// input with the channel dim moved first, so channel c is walk positions [c * size, (c + 1) *
// size). Both sums compensated (compensated.wgsl), from one read of each element.

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lane: u32) {
  let channel = workgroupIndex(group, groups);
  if (channel >= params.channels) {
    return;
  }
  let first = channel * params.size;
  let center = bitcast<f32>(mean[params.meanOffset + i32(channel) * params.meanStride]);
  var sums = vec4f(0.0);
  for (var i = lane; i < params.size; i += WORKGROUP_SIZE) {
    let at = stridedOffsets(first + i);
    let g = bitcast<f32>(grad[at[0]]);
    sums = vec4f(addTerm(sums.xy, g), addTerm(sums.zw, g * (bitcast<f32>(input[at[1]]) - center)));
  }
  let total = sumPairAcrossWorkgroup(sums, lane);
  if (lane == 0u) {
    gradSum[params.gradSumOffset + channel] = bitcast<u32>(finalSum(total.xy));
    dot[params.dotOffset + channel] = bitcast<u32>(finalSum(total.zw));
  }
}
