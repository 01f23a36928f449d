// multinomial as the CPU computes it (assembly/random.ts), float64 steps included (float64.wgsl),
// so the samples are the CPU's bit for bit. weights [rows, categories] (params.weightsOffset,
// rowStride, colStride); out [rows, samples] contiguous from params.outOffset; scratch holds per
// row the cumulative weights (float64, with replacement) or the keys (float32 bits, without).
// `checkWeights` (one thread per weight) reports a negative, infinite or NaN weight and `prepare`
// (one thread per row) a row of zeros, each through its launch's fault; then, with replacement,
// `draw` inverts the cumulative sum for each sample, and without, `keys` gives category j the key
// -log(u_j) / w_j and `rank` puts the categories of the `samples` smallest keys in order.

fn weightAt(row: u32, category: u32) -> f32 {
  return bitcast<f32>(weights[i32(params.weightsOffset) + i32(row) * params.rowStride + i32(category) * params.colStride]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn checkWeights(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.rows * params.categories) {
    return;
  }
  let w = weightAt(i / params.categories, i % params.categories);
  if (!isFinite(w) || w < 0.0) {
    reportFault();
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn prepare(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let row = threadIndex(id, groups);
  if (row >= params.rows) {
    return;
  }
  var positive = false;
  var total = vec2u(0u);
  for (var j = 0u; j < params.categories; j++) {
    let w = weightAt(row, j);
    positive = positive || w > 0.0;
    if (REPLACEMENT == 1u) {
      total = f64Add(total, f64FromF32(w));
      let at = 2u * (row * params.categories + j);
      scratch[at] = total.x;
      scratch[at + 1u] = total.y;
    }
  }
  if (!positive) {
    reportFault();
  }
}

fn cumulativeAt(row: u32, category: u32) -> vec2u {
  let at = 2u * (row * params.categories + category);
  return vec2u(scratch[at], scratch[at + 1u]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn draw(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.rows * params.samples) {
    return;
  }
  let row = i / params.samples;
  // word * 2^-32 * total; nonnegative float64s order as their bits.
  let goal = f64Mul(f64FromInteger(vec2u(streamWord(i), 0u), false, -32), cumulativeAt(row, params.categories - 1u));
  // The first category whose cumulative weight exceeds the goal; zero weights never qualify.
  var low = 0u;
  var high = params.categories - 1u;
  while (low < high) {
    let middle = (low + high) / 2u;
    if (less64(goal, cumulativeAt(row, middle))) {
      high = middle;
    } else {
      low = middle + 1u;
    }
  }
  out[params.outOffset + i] = low;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn keys(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.rows * params.categories) {
    return;
  }
  let w = weightAt(i / params.categories, i % params.categories);
  if (w == 0.0) {
    // -log(u) / +-0 is +-infinity: zero weights come last (-0 after +0, as the key bits order).
    scratch[i] = select(0x7f800000u, 0xff800000u, bitcast<u32>(w) != 0u);
    return;
  }
  // u = (word + 0.5) * 2^-32 = (2 word + 1) * 2^-33, exactly.
  let word = streamWord(i);
  let u = f64FromInteger(vec2u((word << 1u) | 1u, word >> 31u), false, -33);
  scratch[i] = bitcast<u32>(f64ToF32(f64Div(f64Negate(f64Log(u)), f64FromF32(w))));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn rank(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.rows * params.categories) {
    return;
  }
  let row = i / params.categories;
  let j = i % params.categories;
  let key = scratch[i];
  // Keys are positive floats (or infinities), which order as their bits; ties go by index.
  var before = 0u;
  for (var other = 0u; other < params.categories; other++) {
    let otherKey = scratch[row * params.categories + other];
    before += select(0u, 1u, otherKey < key || (otherKey == key && other < j));
  }
  if (before < params.samples) {
    out[params.outOffset + row * params.samples + before] = j;
  }
}
