// out[offset + i] = start + i * step for i < count. int32 wraps as the CPU's i32 arithmetic does.
// float32 matches the CPU, which computes in float64 and rounds once: start and step arrive as
// float32 pairs high + low (their float64 values split), i * stepHigh is formed exactly as four
// products of 12-bit halves, and a two-sum cascade carries every rounding error to the one final
// rounding (i < 2^24).

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.count) {
    return;
  }
  if (DTYPE == FLOAT32) {
    let iHigh = f32(i >> 12u) * 4096.0;
    let iLow = f32(i & 0xfffu);
    let stepHigh = bitcast<f32>(params.stepHigh);
    let stepHighHigh = bitcast<f32>(params.stepHigh & 0xfffff000u);
    let stepHighLow = stepHigh - stepHighHigh;
    var sum = twoSum(iHigh * stepHighHigh, bitcast<f32>(params.startHigh));
    var error = sum.y;
    sum = twoSum(sum.x, iHigh * stepHighLow);
    error += sum.y;
    sum = twoSum(sum.x, iLow * stepHighHigh);
    error += sum.y;
    error += iLow * stepHighLow + fma(f32(i), bitcast<f32>(params.stepLow), bitcast<f32>(params.startLow));
    out[params.offset + i] = bitcast<u32>(sum.x + error);
  } else {
    out[params.offset + i] = bitcast<u32>(bitcast<i32>(params.startHigh) + i32(i) * bitcast<i32>(params.stepHigh));
  }
}
