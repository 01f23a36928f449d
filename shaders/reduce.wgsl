// Reductions: out[outOffset + k] = op over the run of output k, `reducedCount` elements
// `reducedStride` apart starting at the walk's offset of position k (the walk covers the kept
// dims; its one operand is x). OP is SUM, PROD, MAX, MIN, ARGMAX or ARGMIN; DTYPE is x's (float32
// or int32). As on the CPU: max and min propagate NaN; argmax and argmin return the first position of
// the extremum, a NaN counting as the extremum. float32 sums are compensated (each partial sum
// carries its rounding error), so they agree with the CPU's float64 accumulation to float32 rounding.
// int32 sums are exact in 64 bits (the low word in `bits`, the high word in `position`); a sum
// outside int32's range reports a fault (PyTorch would return int64) and writes the wrapped value.
// int32 products wrap in `bits` and flag in `position` whether a partial product left int32 and
// whether a factor was 0: a product without a 0 only grows, so it leaves int32 exactly when a
// partial product did, and reports the same fault.
//
// Two entry points: `main` gives each output one thread (short runs), `cooperative` gives each
// output a workgroup whose threads split the run and combine their partials as a tree (long runs).

const EMPTY = 0xffffffffu;

/**
 * A partial result: the best element's bits and its position; or for a float32 sum its high part
 * in `bits` and its rounding error in `low`; or for an int32 sum its low and high words; or for a
 * product its value (wrapped for int32) and, for int32, its PRODUCT_* flags.
 */
struct Partial {
  bits: u32,
  position: u32,
  low: f32,
}

const INT_SUM = OP == SUM && DTYPE != FLOAT32;
const INT_PROD = OP == PROD && DTYPE != FLOAT32;
const PRODUCT_OVERFLOWED = 1u;
const PRODUCT_HAS_ZERO = 2u;

fn element(position: u32, start: i32) -> Partial {
  let bits = x[start + i32(position) * params.reducedStride];
  if (INT_SUM) {
    return Partial(bits, select(0u, 0xffffffffu, bitcast<i32>(bits) < 0), 0.0);
  }
  if (INT_PROD) {
    return Partial(bits, select(0u, PRODUCT_HAS_ZERO, bits == 0u), 0.0);
  }
  return Partial(bits, position, 0.0);
}

/** Combining with it changes nothing: a zero sum, a product of 1, or "no element yet" for max and min. */
fn identity() -> Partial {
  if (OP == PROD) {
    return Partial(select(1u, bitcast<u32>(1.0), DTYPE == FLOAT32), 0u, 0.0);
  }
  return Partial(0u, select(EMPTY, 0u, INT_SUM), 0.0);
}

/** Whether `candidate` should replace `best` as the extremum. */
fn beats(candidate: Partial, best: Partial) -> bool {
  if (candidate.position == EMPTY) { return false; }
  if (best.position == EMPTY) { return true; }
  let largest = OP == MAX || OP == ARGMAX;
  var better: bool;
  var equal: bool;
  if (DTYPE == FLOAT32) {
    let c = bitcast<f32>(candidate.bits);
    let b = bitcast<f32>(best.bits);
    if (isNan(b)) { return isNan(c) && candidate.position < best.position; }
    if (isNan(c)) { return true; }
    better = select((c < b), (c > b), largest);
    equal = c == b;
  } else {
    let c = bitcast<i32>(candidate.bits);
    let b = bitcast<i32>(best.bits);
    better = select((c < b), (c > b), largest);
    equal = c == b;
  }
  return better || (equal && candidate.position < best.position);
}

fn combine(a: Partial, b: Partial) -> Partial {
  if (OP == SUM) {
    if (DTYPE == FLOAT32) {
      let s = twoSum(bitcast<f32>(a.bits), bitcast<f32>(b.bits));
      return Partial(bitcast<u32>(s.x), 0u, a.low + b.low + s.y);
    }
    let low = a.bits + b.bits;
    return Partial(low, a.position + b.position + select(0u, 1u, low < a.bits), 0.0);
  }
  if (OP == PROD) {
    if (DTYPE == FLOAT32) {
      return Partial(bitcast<u32>(bitcast<f32>(a.bits) * bitcast<f32>(b.bits)), 0u, 0.0);
    }
    let product = bitcast<i32>(a.bits) * bitcast<i32>(b.bits);
    let overflowed = productOverflows(bitcast<i32>(a.bits), bitcast<i32>(b.bits), product);
    return Partial(bitcast<u32>(product), a.position | b.position | select(0u, PRODUCT_OVERFLOWED, overflowed), 0.0);
  }
  if (beats(b, a)) { return b; }
  return a;
}

fn result(p: Partial) -> u32 {
  if (OP == ARGMAX || OP == ARGMIN) { return p.position; }
  if (OP == SUM && DTYPE == FLOAT32) { return bitcast<u32>(bitcast<f32>(p.bits) + p.low); }
  // In int32's range exactly when the high word is the low word's sign extended.
  if (INT_SUM && p.position != select(0u, 0xffffffffu, bitcast<i32>(p.bits) < 0)) {
    reportFault();
  }
  if (INT_PROD && p.position == PRODUCT_OVERFLOWED) {
    reportFault();
  }
  return p.bits;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let k = threadIndex(id, groups);
  if (k >= params.count) {
    return;
  }
  let start = stridedOffsets(k)[0];
  var acc = element(0u, start);
  for (var i = 1u; i < params.reducedCount; i++) {
    acc = combine(acc, element(i, start));
  }
  out[params.outOffset + k] = result(acc);
}

var<workgroup> partials: array<Partial, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn cooperative(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lane: u32) {
  let k = workgroupIndex(group, groups);
  if (k >= params.count) {
    return;
  }
  let start = stridedOffsets(k)[0];
  // Adjacent threads read adjacent elements; the identity of max/min is "no element yet".
  var acc = identity();
  for (var i = lane; i < params.reducedCount; i += WORKGROUP_SIZE) {
    acc = combine(acc, element(i, start));
  }
  partials[lane] = acc;
  workgroupBarrier();
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width /= 2u) {
    if (lane < width) {
      partials[lane] = combine(partials[lane], partials[lane + width]);
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    out[params.outOffset + k] = result(partials[0]);
  }
}
