// Batch norm's input gradient: gradInput = (grad * k1[c] + (input - mean[c]) * k2[c]) + k3[c], c
// the channel (dim 1) of grad and input [N, C, *]. One thread per element; the walk covers grad
// and input in their shape, so position i lies in channel (i / inner) % channels, and the
// contiguous gradInput holds it at outOffset + i.

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.count) {
    return;
  }
  let channel = i32((i / params.inner) % params.channels);
  let center = bitcast<f32>(mean[params.meanOffset + channel * params.meanStride]);
  let gradScale = bitcast<f32>(k1[params.k1Offset + channel * params.k1Stride]);
  let deviationScale = bitcast<f32>(k2[params.k2Offset + channel * params.k2Stride]);
  let offset = bitcast<f32>(k3[params.k3Offset + channel * params.k3Stride]);
  let at = stridedOffsets(i);
  let scaledGrad = bitcast<f32>(grad[at[0]]) * gradScale;
  let scaledDeviation = (bitcast<f32>(input[at[1]]) - center) * deviationScale;
  gradInput[params.outOffset + i] = bitcast<u32>((scaledGrad + scaledDeviation) + offset);
}
