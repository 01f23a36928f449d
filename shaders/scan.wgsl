// Running sums and products (OP is CUMSUM or CUMPROD) along one dim: one thread per line, each
// line the elements along that dim at one position of the other dims. The walk covers the lines
// with one operand, x; element i of line r sits `i * xStride` after the line's start, and the
// contiguous output line starts at outLineStart(r), its elements `inner` apart. REVERSE = 1 runs
// each line from its last element (the gradient of cumsum). DTYPE is x's, float32 or int32.
//
// float32 sums are compensated (the running sum carries its rounding error, added back in each
// output), so they agree with the CPU's float64 accumulation to float32 rounding; products carry
// the rounding error of each multiply the same way, through fma. A partial result past float32's
// range stays infinite (the CPU's float64 accumulator can come back from it). An int32 result
// outside int32's range reports a fault (PyTorch would return int64) and is written wrapped.

fn outLineStart(line: u32) -> u32 {
  return params.outOffset + (line / params.inner) * params.size * params.inner + line % params.inner;
}

/** Whether a + b, wrapped to `sum`, left int32: the sum's sign differs from both operands'. */
fn sumOverflows(a: i32, b: i32, sum: i32) -> bool {
  return ((a ^ sum) & (b ^ sum)) < 0;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let line = threadIndex(id, groups);
  if (line >= params.count) {
    return;
  }
  let start = stridedOffsets(line)[0];
  let at = outLineStart(line);
  // The running result, and for float32 the rounding error it has dropped so far.
  var acc = select(0.0, 1.0, OP == CUMPROD);
  var error = 0.0;
  var accInt = select(0, 1, OP == CUMPROD);
  for (var step = 0u; step < params.size; step++) {
    let i = select(step, params.size - 1u - step, REVERSE == 1u);
    let bits = x[start + i32(i) * params.xStride];
    var result: u32;
    if (DTYPE == FLOAT32) {
      let v = bitcast<f32>(bits);
      if (OP == CUMSUM) {
        let s = twoSum(acc, v);
        acc = s.x;
        error += s.y;
      } else {
        let product = acc * v;
        // Past infinity the error means nothing, and infinity times it could turn inf into NaN.
        error = select(0.0, error * v + fma(acc, v, -product), isFinite(product));
        acc = product;
      }
      result = bitcast<u32>(acc + error);
    } else {
      let v = bitcast<i32>(bits);
      if (OP == CUMSUM) {
        let sum = accInt + v;
        if (sumOverflows(accInt, v, sum)) { reportFault(); }
        accInt = sum;
      } else {
        let product = accInt * v;
        if (productOverflows(accInt, v, product)) { reportFault(); }
        accInt = product;
      }
      result = bitcast<u32>(accInt);
    }
    out[at + i * params.inner] = result;
  }
}
