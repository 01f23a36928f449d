// Compensated sums, for kernels whose sums must stay accurate over long runs (softmax, batch
// norm): each partial carries the rounding error it has dropped, so a float32 sum agrees with the
// CPU's float64 accumulation to float32 rounding.

/** A compensated sum: the rounded sum (x) and the rounding error it has dropped so far (y). */
fn addTerm(sum: vec2f, term: f32) -> vec2f {
  let s = twoSum(sum.x, term);
  return vec2f(s.x, sum.y + s.y);
}

fn addSums(p: vec2f, q: vec2f) -> vec2f {
  let s = twoSum(p.x, q.x);
  return vec2f(s.x, p.y + q.y + s.y);
}

fn finalSum(sum: vec2f) -> f32 {
  return sum.x + sum.y;
}

var<workgroup> sumPartials: array<vec4f, WORKGROUP_SIZE>;

/**
 * Two compensated sums (xy and zw) of every thread of the workgroup combined as a tree, seen by
 * all threads; every thread of the workgroup must call it.
 */
fn sumPairAcrossWorkgroup(partial: vec4f, lane: u32) -> vec4f {
  sumPartials[lane] = partial;
  workgroupBarrier();
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width /= 2u) {
    if (lane < width) {
      let mine = sumPartials[lane];
      let other = sumPartials[lane + width];
      sumPartials[lane] = vec4f(addSums(mine.xy, other.xy), addSums(mine.zw, other.zw));
    }
    workgroupBarrier();
  }
  let combined = sumPartials[0];
  // A later call overwrites the partials: every thread must have read this result first.
  workgroupBarrier();
  return combined;
}
