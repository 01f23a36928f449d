// Batch norm's per-channel statistics: mean[c] and variance[c] (biased) of input [N, C, *]. One
// workgroup per channel; the walk covers input with the channel dim moved first, so channel c is
// walk positions [c * size, (c + 1) * size). Two passes, as the CPU: the mean, then the mean
// squared deviation from it, both compensated sums (compensated.wgsl).

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lane: u32) {
  let channel = workgroupIndex(group, groups);
  if (channel >= params.channels) {
    return;
  }
  let first = channel * params.size;
  var sum = vec2f(0.0);
  for (var i = lane; i < params.size; i += WORKGROUP_SIZE) {
    sum = addTerm(sum, bitcast<f32>(input[stridedOffsets(first + i)[0]]));
  }
  let center = finalSum(sumPairAcrossWorkgroup(vec4f(sum, 0.0, 0.0), lane).xy) / f32(params.size);
  var squares = vec2f(0.0);
  for (var i = lane; i < params.size; i += WORKGROUP_SIZE) {
    let deviation = bitcast<f32>(input[stridedOffsets(first + i)[0]]) - center;
    squares = addTerm(squares, deviation * deviation);
  }
  let biasedVariance = finalSum(sumPairAcrossWorkgroup(vec4f(squares, 0.0, 0.0), lane).xy) / f32(params.size);
  if (lane == 0u) {
    mean[params.meanOffset + channel] = bitcast<u32>(center);
    variance[params.varianceOffset + channel] = bitcast<u32>(biasedVariance);
  }
}
