// Max and average pooling and their gradients over [N, C, H, W] -> [N, C, Ho, Wo] (1-D pooling
// runs with height 1). One thread per element of `out` (contiguous, `count` elements); x is read
// through its 4 strides. The windows come as a table (int32, `windows`, see pool.ts): per axis the
// start, end and divisor of each output window, then for each input position the range
// [first, last) of outputs whose windows may cover it, rows first, then columns. MODE:
//
//   MAX_INDICES       out = the position h * W + w of each window's largest input (x); ties keep
//                     the first, NaN counts as largest and a later NaN wins, as on the CPU.
//   MAX_VALUES        out = x at those positions (`indices`).
//   AVERAGE           out = each window's sum over x, in row-major order, / its divisors.
//   AVERAGE_BACKWARD  out = gradInput: the sum over the windows covering the position of grad (x)
//                     / their divisors, in row-major order of the windows.
//   MAX_BACKWARD      out = gradInput: the sum of grad (x) over the outputs whose index names the
//                     position, in row-major order.
//
// Gradients are gathered per input position rather than scattered, so no two threads write one
// element and every sum has a fixed order. `indices` is bound in every mode (a stand-in buffer
// where unused), because WGSL checks every branch of the shader.

/** One axis's part of the window table. */
struct Axis {
  base: u32,
  outSize: u32,
  inSize: u32,
}

fn table(i: u32) -> i32 {
  return bitcast<i32>(windows[i]);
}

fn windowStart(axis: Axis, i: u32) -> i32 { return table(axis.base + i); }
fn windowEnd(axis: Axis, i: u32) -> i32 { return table(axis.base + axis.outSize + i); }
fn windowDivisor(axis: Axis, i: u32) -> i32 { return table(axis.base + 2u * axis.outSize + i); }
fn firstCovering(axis: Axis, p: u32) -> u32 { return u32(table(axis.base + 3u * axis.outSize + p)); }
fn lastCovering(axis: Axis, p: u32) -> u32 { return u32(table(axis.base + 3u * axis.outSize + axis.inSize + p)); }

fn rowsAxis() -> Axis {
  return Axis(0u, params.outHeight, params.height);
}

fn colsAxis() -> Axis {
  return Axis(3u * params.outHeight + 2u * params.height, params.outWidth, params.width);
}

/** x[n, c, h, w] where plane = n * channels + c. */
fn xAt(plane: u32, h: u32, w: u32) -> f32 {
  let s = params.xStrides[0];
  let n = i32(plane / params.channels);
  let c = i32(plane % params.channels);
  return bitcast<f32>(x[params.xOffset + n * s.x + c * s.y + i32(h) * s.z + i32(w) * s.w]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let o = threadIndex(id, groups);
  if (o >= params.count) {
    return;
  }
  let rows = rowsAxis();
  let cols = colsAxis();
  // Forward kernels walk the output plane, gradients the input plane.
  let backward = MODE == AVERAGE_BACKWARD || MODE == MAX_BACKWARD;
  let planeHeight = select(params.outHeight, params.height, backward);
  let planeWidth = select(params.outWidth, params.width, backward);
  let plane = o / (planeHeight * planeWidth);
  let i = o / planeWidth % planeHeight;
  let j = o % planeWidth;
  var result: u32;
  if (MODE == MAX_INDICES) {
    let h0 = windowStart(rows, i);
    let w0 = windowStart(cols, j);
    var best = -infinity();
    var bestIndex = h0 * i32(params.width) + w0;
    for (var h = h0; h < windowEnd(rows, i); h += i32(params.rowStep)) {
      for (var w = w0; w < windowEnd(cols, j); w += i32(params.colStep)) {
        let value = xAt(plane, u32(h), u32(w));
        if (isNan(value) || (!isNan(best) && value > best)) {
          best = value;
          bestIndex = h * i32(params.width) + w;
        }
      }
    }
    result = bitcast<u32>(bestIndex);
  } else if (MODE == MAX_VALUES) {
    let index = indices[params.indicesOffset + o];
    result = bitcast<u32>(xAt(plane, index / params.width, index % params.width));
  } else if (MODE == AVERAGE) {
    var sum = 0.0;
    for (var h = windowStart(rows, i); h < windowEnd(rows, i); h++) {
      for (var w = windowStart(cols, j); w < windowEnd(cols, j); w++) {
        sum += xAt(plane, u32(h), u32(w));
      }
    }
    result = bitcast<u32>(sum / f32(windowDivisor(rows, i) * windowDivisor(cols, j)));
  } else {
    // i, j is the input position (h, w); the loops run over the output windows (oi, oj).
    let position = i * params.width + j;
    let outPlane = params.outHeight * params.outWidth;
    var sum = 0.0;
    for (var oi = firstCovering(rows, i); oi < lastCovering(rows, i); oi++) {
      for (var oj = firstCovering(cols, j); oj < lastCovering(cols, j); oj++) {
        if (MODE == MAX_BACKWARD) {
          if (indices[params.indicesOffset + plane * outPlane + oi * params.outWidth + oj] == position) {
            sum += xAt(plane, oi, oj);
          }
        } else if (windowStart(rows, oi) <= i32(i) && i32(i) < windowEnd(rows, oi) && windowStart(cols, oj) <= i32(j) && i32(j) < windowEnd(cols, oj)) {
          sum += xAt(plane, oi, oj) / f32(windowDivisor(rows, oi) * windowDivisor(cols, oj));
        }
      }
    }
    result = bitcast<u32>(sum);
  }
  out[params.outOffset + o] = result;
}
