// out = input * scale[c] + shift[c], c the channel (dim 1) of input [N, C, *]: batch norm's
// normalisation with its statistics folded into scale and shift. One thread per element; the walk
// covers input in its own shape, so position i lies in channel (i / inner) % channels, and the
// contiguous out holds it at outOffset + i.

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.count) {
    return;
  }
  let channel = i32((i / params.inner) % params.channels);
  let s = bitcast<f32>(scale[params.scaleOffset + channel * params.scaleStride]);
  let t = bitcast<f32>(shift[params.shiftOffset + channel * params.shiftStride]);
  let product = bitcast<f32>(input[stridedOffsets(i)[0]]) * s;
  out[params.outOffset + i] = bitcast<u32>(product + t);
}
