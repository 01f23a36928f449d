// randomUniform (`drawUniform`), randomNormal (`drawNormal`) and randomInt (`drawInteger`): out[i]
// (contiguous, from params.outOffset, params.count elements) from word i of the stream, one thread
// per block of four words, with the CPU's arithmetic (assembly/random.ts) step for step. One set of
// uniforms serves the three, as on the CPU: p0 and p1 (low and high, or mean and std) for floats,
// low and range for integers.

/** Writes the elements of block `block` that exist: values[k] is element 4 * block + k. */
fn writeBlock(block: u32, values: vec4u) {
  for (var k = 0u; k < 4u; k++) {
    let i = block * 4u + k;
    if (i < params.count) {
      out[params.outOffset + i] = values[k];
    }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn drawUniform(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let block = threadIndex(id, groups);
  if (block * 4u >= params.count) {
    return;
  }
  let words = streamBlock(block);
  let width = params.p1 - params.p0;
  var values: vec4u;
  for (var k = 0u; k < 4u; k++) {
    values[k] = bitcast<u32>(params.p0 + width * unitUniform(words[k]));
  }
  writeBlock(block, values);
}

/** low + floor(word * range / 2^32); range 0 stands for 2^32. */
@compute @workgroup_size(WORKGROUP_SIZE)
fn drawInteger(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let block = threadIndex(id, groups);
  if (block * 4u >= params.count) {
    return;
  }
  let words = streamBlock(block);
  var values: vec4u;
  for (var k = 0u; k < 4u; k++) {
    let scaled = select(mulAdd64(words[k], params.range, 0u).y, words[k], params.range == 0u);
    values[k] = bitcast<u32>(params.low) + scaled;
  }
  writeBlock(block, values);
}

// ---- Box-Muller: the CPU's Cephes polynomials, in the same order of operations ----------------

/** ln x for normal x > 0 (Box-Muller feeds it uniforms in [2^-24, 1]). */
fn logBoxMuller(x: f32) -> f32 {
  let bits = bitcast<u32>(x);
  var exponent = f32(i32(bits >> 23u) - 126);
  var m = bitcast<f32>((bits & 0x007FFFFFu) | 0x3F000000u);
  // m in [0.5, 1): fold into [sqrt(1/2), sqrt(2)) - 1 so the polynomial argument stays small.
  if (m < 0.707106781186547524) {
    exponent -= 1.0;
    m = (m + m) - 1.0;
  } else {
    m = m - 1.0;
  }
  let z = m * m;
  var p = 7.0376836292e-2;
  p = p * m + -1.1514610310e-1;
  p = p * m + 1.1676998740e-1;
  p = p * m + -1.2420140846e-1;
  p = p * m + 1.4249322787e-1;
  p = p * m + -1.6668057665e-1;
  p = p * m + 2.0000714765e-1;
  p = p * m + -2.4999993993e-1;
  p = p * m + 3.3333331174e-1;
  var y = (p * m) * z;
  y = y + exponent * -2.12194440e-4;
  y = y - z * 0.5;
  return (m + y) + exponent * 0.693359375;
}

/** sin(a) for |a| <= pi/4, given z = a^2. */
fn sinNear0(a: f32, z: f32) -> f32 {
  var p = -1.9515295891e-4;
  p = p * z + 8.3321608736e-3;
  p = p * z + -1.6666654611e-1;
  return (p * z) * a + a;
}

/** cos(a) for |a| <= pi/4, given z = a^2. */
fn cosNear0(z: f32) -> f32 {
  var p = 2.443315711809948e-5;
  p = p * z + -1.388731625493765e-3;
  p = p * z + 4.166664568298827e-2;
  return (1.0 - z * 0.5) + (z * z) * p;
}

/**
 * (r cos theta, r sin theta) from a radius word and an angle word: r = sqrt(-2 ln u), u in (0, 1],
 * theta = 2 pi v. The angle is reduced to its quadrant exactly, in integers: in quarter turns
 * 4v = q + f, q the nearest integer (a quarter turn is 2^22 units), |f| <= 1/2.
 */
fn boxMuller(radiusWord: u32, angleWord: u32) -> vec2f {
  let u = f32((radiusWord >> 8u) + 1u) * 5.9604644775390625e-8;
  let radius = sqrt(logBoxMuller(u) * -2.0);
  let units = angleWord >> 8u;
  let quadrant = (units + (1u << 21u)) >> 22u;
  // pi/2 / 2^22, rounded to float32 as the CPU's constant is.
  let angle = f32(i32(units) - i32(quadrant << 22u)) * 3.7450703871400037e-7;
  let z = angle * angle;
  let s = sinNear0(angle, z);
  let c = cosNear0(z);
  // Odd quadrants swap sin and cos; bit 1 of q (sin) or of q + 1 (cos) flips the sign.
  let odd = (quadrant & 1u) == 1u;
  let sinTheta = bitcast<f32>(bitcast<u32>(select(s, c, odd)) ^ ((quadrant & 2u) << 30u));
  let cosTheta = bitcast<f32>(bitcast<u32>(select(c, s, odd)) ^ (((quadrant + 1u) & 2u) << 30u));
  return vec2f(radius * cosTheta, radius * sinTheta);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn drawNormal(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let block = threadIndex(id, groups);
  if (block * 4u >= params.count) {
    return;
  }
  let words = streamBlock(block);
  let z = vec4f(boxMuller(words[0], words[1]), boxMuller(words[2], words[3]));
  var values: vec4u;
  for (var k = 0u; k < 4u; k++) {
    values[k] = bitcast<u32>(params.p0 + params.p1 * z[k]);
  }
  writeBlock(block, values);
}
