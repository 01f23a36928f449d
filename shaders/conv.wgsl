// 2-D convolution (1-D runs with height 1) and its two gradients as implicit GEMMs: per group g,
// C[M, N] = A[M, K] B[K, N], where neither operand is materialised: each tile load computes its
// elements from the tensors (input patches straight from the image, zeros in the padding). MODE:
//
//   FORWARD          out[n, co, oh, ow]: M = Cout/groups output channels, N = batch*Ho*Wo output
//                    pixels, K = Cin/groups*kh*kw taps (c, ki, kj). A = weight (lhs), B = the
//                    input patches (rhs), plus bias[co] (HAS_BIAS).
//   BACKWARD_INPUT   gradInput[n, c, h, w], a transposed convolution, run once per stride phase:
//                    the input pixels with (h + padH) % strideH and (w + padW) % strideW fixed
//                    are read exactly through the taps whose ki*dilationH and kj*dilationW are
//                    congruent to them, so no term is a zero from between the strides.
//                    M = Cin/groups input channels, N = batch * the phase's pixels (nb, i, j),
//                    h = phaseRow + i*strideH, w = phaseCol + j*strideW; K = Cout/groups * its
//                    taps (co, a, b), ki = tapRow + a*tapRowStep, kj = tapCol + b*tapColStep.
//                    A = the weight transposed (lhs), B = grad (rhs) at the output pixel that
//                    reads (h, w) through (ki, kj), 0 past the output's edges.
//   BACKWARD_WEIGHT  gradWeight[co, c, ki, kj]: M = Cout/groups, N = Cin/groups*kh*kw, K = the
//                    batch*Ho*Wo output pixels (nb, oh, ow), split into chunks of kChunk: chunk s
//                    writes its partial sums to image s of out, and the caller adds the chunks.
//                    A = grad (lhs), B = the input patches (rhs).
//
// lhs and rhs are read through their 4 strides (lhsStrides, rhsStrides), so transposed and sliced
// views need no copy. K indices split as (k / (kMiddle*kInner), k / kInner % kMiddle, k % kInner)
// and N indices likewise with nMiddle, nInner; the rhs is an image of rhsHeight x rhsWidth. out is
// [images, groups*M, outPlane] contiguous, an image holding `plane` values of N.
//
// Tiled like matmul.wgsl: a workgroup of THREADS_M x THREADS_N threads computes a TILE_M x TILE_N
// block of C, each thread REG_M rows x 4 columns in registers; K advances DEPTH at a time through
// workgroup memory, each thread loading quads (4 consecutive rows of A or columns of B) whose
// fixed coordinates (the Anchor) it works out once. Every output sums its K terms in increasing
// k, so results do not depend on the launch. `bias` is bound in every mode (a stand-in buffer
// when there is none), because WGSL checks every branch of the shader.

const TILE_M = THREADS_M * REG_M;
const TILE_N = THREADS_N * 4u;
const A_QUADS = TILE_M / 4u;
const B_QUADS = TILE_N / 4u;
/** Rows of K one round of the workgroup loads into each tile. */
const A_ROWS = WORKGROUP_SIZE / A_QUADS;
const B_ROWS = WORKGROUP_SIZE / B_QUADS;
const A_ROUNDS = (DEPTH + A_ROWS - 1u) / A_ROWS;
const B_ROUNDS = (DEPTH + B_ROWS - 1u) / B_ROWS;

// [k][m / 4] and [k][n / 4].
var<workgroup> aTile: array<vec4f, DEPTH * A_QUADS>;
var<workgroup> bTile: array<vec4f, DEPTH * B_QUADS>;

/** The part of an operand element's address fixed by its row of A or column of B. */
struct Anchor {
  base: i32,
  row: i32,
  col: i32,
  inside: bool,
}

fn splitIndex(index: u32, middle: u32, inner: u32) -> vec3i {
  return vec3i(i32(index / (middle * inner)), i32(index / inner % middle), i32(index % inner));
}

fn strideH() -> i32 { return i32(params.strideH); }
fn strideW() -> i32 { return i32(params.strideW); }
fn dilationH() -> i32 { return i32(params.dilationH); }
fn dilationW() -> i32 { return i32(params.dilationW); }

/** Row m of A in group g. */
fn anchorA(m: u32, g: u32) -> Anchor {
  let s = params.lhsStrides[0];
  if (MODE == BACKWARD_INPUT) {
    // weight[g*Cout/groups + co, m, ki, kj]
    return Anchor(params.lhsOffset + i32(g * params.groupOutChannels) * s.x + i32(m) * s.y, 0, 0, m < params.M);
  }
  // FORWARD: weight[g*M + m, c, ki, kj]; BACKWARD_WEIGHT: grad[nb, g*M + m, oh, ow].
  let channel = i32(g * params.M + m);
  return Anchor(params.lhsOffset + channel * select(s.y, s.x, MODE == FORWARD), 0, 0, m < params.M);
}

fn loadA(anchor: Anchor, t: vec3i) -> f32 {
  let s = params.lhsStrides[0];
  // FORWARD: t = (c, ki, kj); BACKWARD_INPUT: (co, ki, kj); BACKWARD_WEIGHT: (nb, oh, ow).
  let first = select(s.x, s.y, MODE == FORWARD);
  return bitcast<f32>(lhs[anchor.base + t.x * first + t.y * s.z + t.z * s.w]);
}

/** Column n of B in group g. */
fn anchorB(n: u32, g: u32) -> Anchor {
  let s = params.rhsStrides[0];
  let u = splitIndex(n, params.nMiddle, params.nInner);
  let inside = n < params.N;
  if (MODE == FORWARD) {
    // u = (nb, oh, ow): the window's corner in input image nb, channels of group g.
    return Anchor(params.rhsOffset + u.x * s.x + i32(g * params.groupInChannels) * s.y, u.y * strideH() - i32(params.padH), u.z * strideW() - i32(params.padW), inside);
  }
  if (MODE == BACKWARD_INPUT) {
    // u = (nb, i, j): the phase's input pixel in the padded frame, grad of image nb, channels of group g.
    let padded = inputPixel(u) + vec2i(i32(params.padH), i32(params.padW));
    return Anchor(params.rhsOffset + u.x * s.x + i32(g * params.groupOutChannels) * s.y, padded.x, padded.y, inside);
  }
  // BACKWARD_WEIGHT: u = (c, ki, kj): the tap's offset from each window's corner, input channel g*Cin/groups + c.
  return Anchor(params.rhsOffset + (i32(g * params.groupInChannels) + u.x) * s.y, u.y * dilationH() - i32(params.padH), u.z * dilationW() - i32(params.padW), inside);
}

/** BACKWARD_INPUT: the input pixel (h, w) of a column of B split as u = (nb, i, j). */
fn inputPixel(u: vec3i) -> vec2i {
  return vec2i(i32(params.phaseRow) + u.y * strideH(), i32(params.phaseCol) + u.z * strideW());
}

/** A K index split as t, with BACKWARD_INPUT's phase taps (co, a, b) made (co, ki, kj). */
fn taps(t: vec3i) -> vec3i {
  if (MODE == BACKWARD_INPUT) {
    return vec3i(t.x, i32(params.tapRow) + t.y * i32(params.tapRowStep), i32(params.tapCol) + t.z * i32(params.tapColStep));
  }
  return t;
}

fn loadB(anchor: Anchor, t: vec3i) -> f32 {
  let s = params.rhsStrides[0];
  var h: i32;
  var w: i32;
  var first: i32;
  if (MODE == BACKWARD_INPUT) {
    // t = (co, ki, kj): the output pixel whose window reads this input pixel through tap (ki, kj);
    // the phase makes th and tw multiples of the strides.
    let th = anchor.row - t.y * dilationH();
    let tw = anchor.col - t.z * dilationW();
    if (th < 0 || tw < 0) {
      return 0.0;
    }
    h = th / strideH();
    w = tw / strideW();
    first = s.y;
  } else if (MODE == FORWARD) {
    // t = (c, ki, kj)
    h = anchor.row + t.y * dilationH();
    w = anchor.col + t.z * dilationW();
    first = s.y;
  } else {
    // t = (nb, oh, ow)
    h = anchor.row + t.y * strideH();
    w = anchor.col + t.z * strideW();
    first = s.x;
  }
  if (h < 0 || w < 0 || h >= i32(params.rhsHeight) || w >= i32(params.rhsWidth)) {
    return 0.0;
  }
  return bitcast<f32>(rhs[anchor.base + t.x * first + h * s.z + w * s.w]);
}

/** This thread's 4 rows of A (fromA) or 4 columns of B, and their elements at K index k (0 from kEnd on). */
var<private> anchorsA: array<Anchor, 4>;
var<private> anchorsB: array<Anchor, 4>;

fn loadQuad(fromA: bool, k: u32, kEnd: u32) -> vec4f {
  var quad = vec4f(0.0);
  if (k >= kEnd) {
    return quad;
  }
  let t = taps(splitIndex(k, params.kMiddle, params.kInner));
  for (var i = 0u; i < 4u; i++) {
    if (fromA && anchorsA[i].inside) {
      quad[i] = loadA(anchorsA[i], t);
    } else if (!fromA && anchorsB[i].inside) {
      quad[i] = loadB(anchorsB[i], t);
    }
  }
  return quad;
}

fn store(m: u32, n: u32, g: u32, split: u32, value: f32) {
  // BACKWARD_WEIGHT's images are the K chunks; the others split n into (image, pixel).
  var image = split;
  var position = n;
  if (MODE != BACKWARD_WEIGHT) {
    image = n / params.plane;
    position = n % params.plane;
  }
  if (MODE == BACKWARD_INPUT) {
    let pixel = inputPixel(vec3i(0, i32(position / params.nInner), i32(position % params.nInner)));
    position = u32(pixel.x) * params.outWidth + u32(pixel.y);
  }
  let channel = g * params.M + m;
  var result = value;
  if (MODE == FORWARD && HAS_BIAS == 1u) {
    result += bitcast<f32>(bias[params.biasOffset + i32(channel) * params.biasStride]);
  }
  out[params.outOffset + ((image * params.groups * params.M + channel) * params.outPlane + position)] = bitcast<u32>(result);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lane: u32) {
  let id = workgroupIndex(group, groups);
  if (id >= params.tiles) {
    return;
  }
  let nTile = id % params.nTiles;
  let mTile = id / params.nTiles % params.mTiles;
  let g = id / (params.nTiles * params.mTiles) % params.groups;
  let split = id / (params.nTiles * params.mTiles * params.groups);
  let kBegin = split * params.kChunk;
  let kEnd = min(params.K, kBegin + params.kChunk);

  let aQuad = lane % A_QUADS;
  let bQuad = lane % B_QUADS;
  for (var i = 0u; i < 4u; i++) {
    anchorsA[i] = anchorA(mTile * TILE_M + aQuad * 4u + i, g);
    anchorsB[i] = anchorB(nTile * TILE_N + bQuad * 4u + i, g);
  }

  let tx = lane % THREADS_N;
  let ty = lane / THREADS_N;
  var acc: array<vec4f, REG_M>;
  for (var k0 = kBegin; k0 < kEnd; k0 += DEPTH) {
    for (var round = 0u; round < A_ROUNDS; round++) {
      let row = lane / A_QUADS + round * A_ROWS;
      if (row < DEPTH) {
        aTile[row * A_QUADS + aQuad] = loadQuad(true, k0 + row, kEnd);
      }
    }
    for (var round = 0u; round < B_ROUNDS; round++) {
      let row = lane / B_QUADS + round * B_ROWS;
      if (row < DEPTH) {
        bTile[row * B_QUADS + bQuad] = loadQuad(false, k0 + row, kEnd);
      }
    }
    workgroupBarrier();
    // Thread row ty's REG_M rows of A sit in one quad: all of it (REG_M = 4) or one lane of it.
    let aIndex = ty * REG_M / 4u;
    let aLane = ty * REG_M % 4u;
    for (var step = 0u; step < DEPTH; step++) {
      let a = aTile[step * A_QUADS + aIndex];
      let b = bTile[step * B_QUADS + tx];
      for (var i = 0u; i < REG_M; i++) {
        acc[i] += a[aLane + i] * b;
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < REG_M; i++) {
    let m = mTile * TILE_M + ty * REG_M + i;
    for (var j = 0u; j < 4u; j++) {
      let n = nTile * TILE_N + tx * 4u + j;
      if (m < params.M && n < params.N) {
        store(m, n, g, split, acc[i][j]);
      }
    }
  }
}
