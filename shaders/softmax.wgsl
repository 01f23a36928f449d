// Softmax and log-softmax (LOG = 1) along one dim, forward and backward. The walk covers the rows
// (every position of the other dims) with two operands, `a` and `b`: the forward reads x as `a`
// (and binds it as `b` too, so the file has one binding layout), the backward reads the upstream
// gradient as `a` and the forward output as `b`. Element i of row r sits `i * aStride` (`bStride`)
// after the row's start; the contiguous result row starts at outRowStart(r), its elements `inner`
// apart.
//
// Forward, as the CPU: max (NaN-propagating), then sum(exp(x - max)), then exp(x - max) * (1 / sum)
// or (x - max) - log(sum). A row whose max is not finite (it holds NaN or +inf, or only -inf)
// becomes NaN, as it does in PyTorch. Backward: y * (g - sum(g * y)), or g - exp(y) * sum(g).
// Sums are compensated (compensated.wgsl), like the reduce kernel's, so long rows stay accurate.
// exp and log are math.wgsl's, with the CPU's accuracy.
//
// `forward` and `backward` give each row one thread (short rows); `forwardCooperative` and
// `backwardCooperative` give each row a workgroup whose threads split it and combine their
// partials as a tree (long rows).

fn outRowStart(row: u32) -> u32 {
  return params.outOffset + (row / params.inner) * params.size * params.inner + row % params.inner;
}

fn elementA(start: i32, i: u32) -> f32 {
  return bitcast<f32>(a[start + i32(i) * params.aStride]);
}

fn elementB(start: i32, i: u32) -> f32 {
  return bitcast<f32>(b[start + i32(i) * params.bStride]);
}

/** The larger of two values, NaN if either is (WGSL's max leaves NaN unspecified). */
fn maxOrNan(x: f32, y: f32) -> f32 {
  if (isNan(x) || isNan(y)) { return nan(); }
  return max(x, y);
}

// ---- the row pieces each entry point runs over elements lane, lane + lanes, ... ----------------

fn partialMax(start: i32, lane: u32, lanes: u32) -> f32 {
  var best = -infinity();
  for (var i = lane; i < params.size; i += lanes) {
    best = maxOrNan(best, elementA(start, i));
  }
  return best;
}

fn partialExpSum(start: i32, rowMax: f32, lane: u32, lanes: u32) -> vec2f {
  var sum = vec2f(0.0);
  if (!isFinite(rowMax)) { return sum; }
  for (var i = lane; i < params.size; i += lanes) {
    sum = addTerm(sum, expAccurate(elementA(start, i) - rowMax));
  }
  return sum;
}

fn writeForward(row: u32, start: i32, rowMax: f32, sum: f32, lane: u32, lanes: u32) {
  let at = outRowStart(row);
  let logSum = logAccurate(sum);
  let scale = 1.0 / sum;
  for (var i = lane; i < params.size; i += lanes) {
    var y = nan();
    if (isFinite(rowMax)) {
      let shifted = elementA(start, i) - rowMax;
      // (x - max) - log(sum), as PyTorch: x - (max + log(sum)) would round log(sum) to max's ulp.
      y = select(expAccurate(shifted) * scale, shifted - logSum, LOG == 1u);
    }
    out[at + i * params.inner] = bitcast<u32>(y);
  }
}

fn partialBackwardSum(starts: array<i32, OPERANDS>, lane: u32, lanes: u32) -> vec2f {
  var sum = vec2f(0.0);
  for (var i = lane; i < params.size; i += lanes) {
    let g = elementA(starts[0], i);
    sum = addTerm(sum, select(g * elementB(starts[1], i), g, LOG == 1u));
  }
  return sum;
}

fn writeBackward(row: u32, starts: array<i32, OPERANDS>, total: f32, lane: u32, lanes: u32) {
  let at = outRowStart(row);
  for (var i = lane; i < params.size; i += lanes) {
    let g = elementA(starts[0], i);
    let y = elementB(starts[1], i);
    let dx = select(y * (g - total), g - expAccurate(y) * total, LOG == 1u);
    out[at + i * params.inner] = bitcast<u32>(dx);
  }
}

// ---- one thread per row ------------------------------------------------------------------------

@compute @workgroup_size(WORKGROUP_SIZE)
fn forward(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let row = threadIndex(id, groups);
  if (row >= params.count) {
    return;
  }
  let start = stridedOffsets(row)[0];
  let rowMax = partialMax(start, 0u, 1u);
  writeForward(row, start, rowMax, finalSum(partialExpSum(start, rowMax, 0u, 1u)), 0u, 1u);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn backward(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let row = threadIndex(id, groups);
  if (row >= params.count) {
    return;
  }
  let starts = stridedOffsets(row);
  writeBackward(row, starts, finalSum(partialBackwardSum(starts, 0u, 1u)), 0u, 1u);
}

// ---- one workgroup per row ---------------------------------------------------------------------

var<workgroup> partials: array<vec2f, WORKGROUP_SIZE>;

/** Every thread's partial combined (max of x, or compensated sums when `summing`), seen by all threads. */
fn combineAcrossWorkgroup(partial: vec2f, lane: u32, summing: bool) -> vec2f {
  partials[lane] = partial;
  workgroupBarrier();
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width /= 2u) {
    if (lane < width) {
      let other = partials[lane + width];
      partials[lane] = select(vec2f(maxOrNan(partials[lane].x, other.x), 0.0), addSums(partials[lane], other), summing);
    }
    workgroupBarrier();
  }
  let combined = partials[0];
  // The next combine overwrites the partials: every thread must have read this one first.
  workgroupBarrier();
  return combined;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn forwardCooperative(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lane: u32) {
  let row = workgroupIndex(group, groups);
  if (row >= params.count) {
    return;
  }
  let start = stridedOffsets(row)[0];
  let rowMax = combineAcrossWorkgroup(vec2f(partialMax(start, lane, WORKGROUP_SIZE), 0.0), lane, false).x;
  let sum = combineAcrossWorkgroup(partialExpSum(start, rowMax, lane, WORKGROUP_SIZE), lane, true);
  writeForward(row, start, rowMax, finalSum(sum), lane, WORKGROUP_SIZE);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn backwardCooperative(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lane: u32) {
  let row = workgroupIndex(group, groups);
  if (row >= params.count) {
    return;
  }
  let starts = stridedOffsets(row);
  let sum = combineAcrossWorkgroup(partialBackwardSum(starts, lane, WORKGROUP_SIZE), lane, true);
  writeBackward(row, starts, finalSum(sum), lane, WORKGROUP_SIZE);
}
