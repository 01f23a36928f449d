// Fused optimizer updates: one pass over a parameter and its state instead of one kernel per op.

@inline function ptr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/**
 * One Adam step over `count` contiguous float32 elements, in place on param, expAvg and expAvgSq,
 * with the rounding of src/optim/adam.ts's unfused ops (each op rounds to float32, in that order,
 * with these float32 scalars, and there is no fused multiply-add), so both give the same bits:
 *   m = m * beta1 + g * oneMinusBeta1
 *   v = v * beta2 + (g * oneMinusBeta2) * g
 *   param = param + (m * negativeStepSize) / (sqrt(v) / biasCorrection2Sqrt + eps)
 */
export function adamStepF32(count: i32, param: usize, grad: usize, expAvg: usize, expAvgSq: usize,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, negativeStepSize: f32, biasCorrection2Sqrt: f32, eps: f32): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(oneMinusBeta1), b2 = f32x4.splat(beta2), c2 = f32x4.splat(oneMinusBeta2);
  const step = f32x4.splat(negativeStepSize), bc2 = f32x4.splat(biasCorrection2Sqrt), e = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const g = v128.load(ptr(grad, i));
    const m = f32x4.add(f32x4.mul(v128.load(ptr(expAvg, i)), b1), f32x4.mul(g, c1));
    const v = f32x4.add(f32x4.mul(v128.load(ptr(expAvgSq, i)), b2), f32x4.mul(f32x4.mul(g, c2), g));
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(v), bc2), e);
    v128.store(ptr(expAvg, i), m);
    v128.store(ptr(expAvgSq, i), v);
    v128.store(ptr(param, i), f32x4.add(v128.load(ptr(param, i)), f32x4.div(f32x4.mul(m, step), denom)));
  }
  for (; i < count; i++) {
    const g = load<f32>(ptr(grad, i));
    const m = load<f32>(ptr(expAvg, i)) * beta1 + g * oneMinusBeta1;
    const v = load<f32>(ptr(expAvgSq, i)) * beta2 + g * oneMinusBeta2 * g;
    store<f32>(ptr(expAvg, i), m);
    store<f32>(ptr(expAvgSq, i), v);
    store<f32>(ptr(param, i), load<f32>(ptr(param, i)) + m * negativeStepSize / (Mathf.sqrt(v) / biasCorrection2Sqrt + eps));
  }
}
