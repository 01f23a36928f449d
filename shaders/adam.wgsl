// One Adam step, in place on param, expAvg and expAvgSq (float32; walk operands param, grad,
// expAvg, expAvgSq), with the rounding of src/optim/adam.ts's unfused ops, as assembly/optim.ts's
// adamStepF32 (see there): every product and quotient is its own f32 operation.

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.count) {
    return;
  }
  let at = stridedOffsets(i);
  let g = bitcast<f32>(grad[at[1]]);
  let m = bitcast<f32>(expAvg[at[2]]) * params.beta1 + g * params.oneMinusBeta1;
  let v = bitcast<f32>(expAvgSq[at[3]]) * params.beta2 + (g * params.oneMinusBeta2) * g;
  let denom = sqrt(v) / params.biasCorrection2Sqrt + params.eps;
  expAvg[at[2]] = bitcast<u32>(m);
  expAvgSq[at[3]] = bitcast<u32>(v);
  param[at[0]] = bitcast<u32>(bitcast<f32>(param[at[0]]) + (m * params.negativeStepSize) / denom);
}
