// Float functions written out instead of WGSL's builtins, which only promise loose bounds (WebGPU
// allows sin an absolute error of 2^-11; lavapipe's log loses all relative precision near 1, its
// tanh near 0). These are musl's single-precision routines (exp, log, log1p, expm1, tanh; within
// 1 ulp) and Cephes' sinf/cosf after a Payne-Hanek reduction, so results agree with the CPU
// kernels to a few ulp on every device. They assume IEEE arithmetic without reassociation, as
// Vulkan's SPIR-V semantics give (fma need not be fused: lavapipe's is not).

fn signBit(x: f32) -> bool {
  return (bitcast<u32>(x) >> 31u) == 1u;
}

/** x * 2^k for k in [-151, 128], in two steps: ldexp is only defined for results of normal exponents. */
fn scaleByPowerOfTwo(x: f32, k: i32) -> f32 {
  let half = k / 2;
  return ldexp(ldexp(x, half), k - half);
}

const LN2_HI: f32 = 0.6931381225585938;    // 0x3f317180: k * LN2_HI is exact for |k| < 2^8
const LN2_LO: f32 = 9.05800061445916e-06;  // 0x3717f7d1
const INV_LN2: f32 = 1.4426950216293335;   // 0x3fb8aa3b

/** musl's expf (the fdlibm algorithm). */
fn expAccurate(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (x > 88.72283935546875) { return infinity(); }
  if (x < -103.97208404541016) { return 0.0; }
  let magnitude = bitcast<u32>(x) & 0x7fffffffu;
  var k = 0;
  var hi = x;
  var lo = 0.0f;
  if (magnitude > 0x3eb17218u) {
    // |x| > ln2 / 2: x = k ln2 + r with |r| <= ln2 / 2; 0x3f317200 is ln2 to 16 bits, so k * it is exact.
    if (magnitude > 0x3f851592u) {
      k = i32(INV_LN2 * x + select(0.5, -0.5, x < 0.0));
    } else {
      k = select(1, -1, x < 0.0);
    }
    hi = x - f32(k) * 0.693145751953125;
    lo = f32(k) * 1.428606765330187e-06;
  } else if (magnitude <= 0x39000000u) {
    return 1.0 + x;
  }
  let r = hi - lo;
  let rr = r * r;
  let c = r - rr * (0.16666625440120697 + rr * -0.0027667332906275988);
  let y = 1.0 + (r * c / (2.0 - c) - lo + hi);
  return select(scaleByPowerOfTwo(y, k), y, k == 0);
}

/** log(1 + f) - f for f in [sqrt(2)/2 - 1, sqrt(2) - 1], the shared core of log and log1p (musl). */
fn logCore(f: f32) -> vec2f {
  let s = f / (2.0 + f);
  let z = s * s;
  let w = z * z;
  let t1 = w * (0.40000972151756287 + w * 0.24279078841209412);
  let t2 = z * (0.6666666269302368 + w * 0.2849878668785095);
  let hfsq = 0.5 * f * f;
  return vec2f(s * (hfsq + t2 + t1), hfsq);
}

/** musl's logf. */
fn logAccurate(input: f32) -> f32 {
  var x = input;
  if (isNan(x)) { return x; }
  if (x == 0.0) { return -infinity(); }
  if (x < 0.0) { return nan(); }
  if (isInf(x)) { return x; }
  var k = 0;
  var bits = bitcast<u32>(x);
  if (bits < 0x00800000u) {
    k -= 25;
    x *= 33554432.0;
    bits = bitcast<u32>(x);
  }
  // x = 2^k m with m in [sqrt(2)/2, sqrt(2)).
  bits += 0x3f800000u - 0x3f3504f3u;
  k += i32(bits >> 23u) - 0x7f;
  let f = bitcast<f32>((bits & 0x007fffffu) + 0x3f3504f3u) - 1.0;
  let core = logCore(f);
  let dk = f32(k);
  return core.x + dk * LN2_LO - core.y + f + dk * LN2_HI;
}

/** musl's log1pf. */
fn log1pAccurate(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  let bits = bitcast<u32>(x);
  var k = 1;
  var c = 0.0f;
  var f = x;
  if (bits < 0x3ed413d0u || signBit(x)) {
    if (x == -1.0) { return -infinity(); }
    if (x < -1.0) { return nan(); }
    if ((bits << 1u) < (0x33800000u << 1u)) { return x; }
    if (bits <= 0xbe95f619u) { k = 0; }
  } else if (isInf(x)) {
    return x;
  }
  if (k != 0) {
    let u = 1.0 + x;
    var ubits = bitcast<u32>(u) + (0x3f800000u - 0x3f3504f3u);
    k = i32(ubits >> 23u) - 0x7f;
    // The rounding error of 1 + x, carried as a correction term.
    if (k < 25) {
      c = select(x - (u - 1.0), 1.0 - (u - x), k >= 2) / u;
    }
    f = bitcast<f32>((ubits & 0x007fffffu) + 0x3f3504f3u) - 1.0;
  }
  let core = logCore(f);
  let dk = f32(k);
  return core.x + (dk * LN2_LO + c) - core.y + f + dk * LN2_HI;
}

/** musl's expm1f. */
fn expm1Accurate(input: f32) -> f32 {
  var x = input;
  if (isNan(x)) { return x; }
  let magnitude = bitcast<u32>(x) & 0x7fffffffu;
  let negative = signBit(x);
  if (magnitude >= 0x4195b844u) {
    if (negative) { return -1.0; }
    if (x > 88.72167968750) { return infinity(); }
  }
  var k = 0;
  var c = 0.0f;
  if (magnitude > 0x3eb17218u) {
    var hi: f32;
    var lo: f32;
    if (magnitude < 0x3f851592u) {
      hi = select(x - LN2_HI, x + LN2_HI, negative);
      lo = select(LN2_LO, -LN2_LO, negative);
      k = select(1, -1, negative);
    } else {
      k = i32(INV_LN2 * x + select(0.5, -0.5, negative));
      hi = x - f32(k) * LN2_HI;
      lo = f32(k) * LN2_LO;
    }
    x = hi - lo;
    c = (hi - x) - lo;
  } else if (magnitude < 0x33000000u) {
    return x;
  }
  let hfx = 0.5 * x;
  let hxs = x * hfx;
  let r1 = 1.0 + hxs * (-0.03333321213722229 + hxs * 0.0015807170420885086);
  let t = 3.0 - r1 * hfx;
  var e = hxs * ((r1 - t) / (6.0 - x * t));
  if (k == 0) { return x - (x * e - hxs); }
  e = x * (e - c) - c;
  e -= hxs;
  if (k == -1) { return 0.5 * (x - e) - 0.5; }
  if (k == 1) {
    if (x < -0.25) { return -2.0 * (e - (x + 0.5)); }
    return 1.0 + 2.0 * (x - e);
  }
  if (k < 0 || k > 56) {
    return scaleByPowerOfTwo(x - e + 1.0, k) - 1.0;
  }
  let twoToMinusK = bitcast<f32>(u32(0x7f - k) << 23u);
  if (k < 23) {
    return scaleByPowerOfTwo(x - e + (1.0 - twoToMinusK), k);
  }
  return scaleByPowerOfTwo(x - (e + twoToMinusK) + 1.0, k);
}

/** musl's tanhf. */
fn tanhAccurate(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  let magnitude = bitcast<u32>(x) & 0x7fffffffu;
  let a = abs(x);
  var t: f32;
  if (magnitude > 0x3f0c9f54u) {
    // |x| > log(3) / 2
    if (magnitude > 0x41200000u) {
      t = 1.0;
    } else {
      t = 1.0 - 2.0 / (expm1Accurate(2.0 * a) + 2.0);
    }
  } else if (magnitude > 0x3e82c578u) {
    // |x| > log(5/3) / 2
    let e = expm1Accurate(2.0 * a);
    t = e / (e + 2.0);
  } else if (magnitude >= 0x00800000u) {
    let e = expm1Accurate(-2.0 * a);
    t = -e / (e + 2.0);
  } else {
    t = a;
  }
  return select(t, -t, signBit(x));
}

/** 1 / (1 + exp(-x)), arranged so that neither branch overflows (as the CPU kernel does). */
fn sigmoidAccurate(x: f32) -> f32 {
  if (x >= 0.0) {
    return 1.0 / (1.0 + expAccurate(-x));
  }
  let e = expAccurate(x);
  return e / (1.0 + e);
}

/**
 * erf as the CPU kernel computes it: the Maclaurin series below 1 (erf's relative precision near 0),
 * else 1 - erfc from Numerical Recipes' fit (relative error 1.2e-7 in erfc).
 */
fn erfAccurate(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  let z = abs(x);
  if (z < 1.0) {
    let x2 = x * x;
    var term = x;
    var series = x;
    for (var n = 1; n <= 12; n++) {
      term *= -x2 / f32(n);
      series += term / f32(2 * n + 1);
    }
    return series * 1.1283791670955126;
  }
  let t = 1.0 / (1.0 + 0.5 * z);
  let y = t * expAccurate(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(y - 1.0, 1.0 - y, x >= 0.0);
}

/** x = quadrant * pi/2 + r, |r| <= pi/4. */
struct QuarterTurns {
  quadrant: u32,
  r: f32,
}

/** 2/pi to 192 bits, in 32-bit words, least significant first. */
const TWO_OVER_PI = array<u32, 6>(0x3c439041u, 0xdb629599u, 0xf534ddc0u, 0xfc2757d1u, 0x4e441529u, 0xa2f9836eu);

/** a * b + c as 64 bits (low, high), from 16-bit halves: WGSL has no 64-bit integers. */
fn mulAdd64(a: u32, b: u32, c: u32) -> vec2u {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let middle = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  let low = (p00 & 0xffffu) | (middle << 16u);
  let high = a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (middle >> 16u);
  let sum = low + c;
  return vec2u(sum, high + select(0u, 1u, sum < low));
}

/**
 * Reduces finite x >= 0 by pi/2. Below 8192, Cephes' way: subtract a multiple of pi/4 split in
 * three parts, whose products are exact there. Above, Payne and Hanek's: x's 24-bit mantissa times
 * the bits of 2/pi around x's exponent, in integer arithmetic, gives the quadrant and the fraction
 * exactly however large x is (musl and CUDA reduce the same way).
 */
fn reduceByQuarterTurns(x: f32) -> QuarterTurns {
  if (x < 8192.0) {
    var octant = u32(1.27323954473516 * x);
    var y = f32(octant);
    if ((octant & 1u) == 1u) {
      octant += 1u;
      y += 1.0;
    }
    return QuarterTurns((octant >> 1u) & 3u, ((x - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8);
  }
  let bits = bitcast<u32>(x);
  // x = mantissa * 2^(e - 30), mantissa with its leading 1 at bit 31.
  let e = ((bits >> 23u) & 0xffu) - 128u;
  let mantissa = (bits << 8u) | 0x80000000u;
  var table = TWO_OVER_PI;
  var product: array<u32, 7>;
  var carry = 0u;
  for (var i = 0u; i < 6u; i++) {
    let p = mulAdd64(mantissa, table[i], carry);
    product[i] = p.x;
    carry = p.y;
  }
  product[6] = carry;
  // The 64 bits of x * 2/pi from its 2^1 place down: 2 bits of quadrant, then the fraction.
  let word = e >> 5u;
  let shift = e & 31u;
  var high = product[6u - word];
  var low = product[5u - word];
  if (shift != 0u) {
    high = (high << shift) | (low >> (32u - shift));
    low = (low << shift) | (product[4u - word] >> (32u - shift));
  }
  var quadrant = high >> 30u;
  high = (high << 2u) | (low >> 30u);
  low = low << 2u;
  // A fraction of a half or more is the next quadrant minus (1 - fraction).
  let roundsUp = (high >> 31u) == 1u;
  if (roundsUp) {
    quadrant += 1u;
    high = ~high;
    low = ~low;
  }
  var exponent = -32;
  if (high == 0u) {
    high = low;
    low = 0u;
    exponent -= 32;
  }
  if (high == 0u) {
    return QuarterTurns(quadrant & 3u, 0.0);
  }
  let leading = countLeadingZeros(high);
  if (leading != 0u) {
    high = (high << leading) | (low >> (32u - leading));
  }
  let fraction = ldexp(f32(high), exponent - i32(leading));
  // times pi/2, split in two so the product keeps float32 precision
  let r = fraction * 1.5707963705062866 + fraction * -4.371139000186241e-8;
  return QuarterTurns(quadrant & 3u, select(r, -r, roundsUp));
}

/** sin or cos: reduce by pi/2, then Cephes' polynomials for sin and cos on [-pi/4, pi/4]. */
fn sinCos(input: f32, cosine: bool) -> f32 {
  if (!isFinite(input)) { return nan(); }
  let reduced = reduceByQuarterTurns(abs(input));
  let r = reduced.r;
  let z = r * r;
  var result: f32;
  if (((reduced.quadrant & 1u) == 1u) != cosine) {
    result = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  } else {
    result = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  }
  // sin is negative in quadrants 2 and 3 and odd; cos is negative in quadrants 1 and 2.
  let negative = select(reduced.quadrant >= 2u, reduced.quadrant == 1u || reduced.quadrant == 2u, cosine);
  return select(result, -result, negative != (signBit(input) && !cosine));
}

fn isOddInteger(y: f32) -> bool {
  let a = abs(y);
  return a < 16777216.0 && trunc(a) == a && (u32(a) & 1u) == 1u;
}

/** C's powf, special cases included (pow(1, NaN) = 1, pow(-1, inf) = 1, pow(x, 0) = 1). */
fn powAccurate(x: f32, y: f32) -> f32 {
  if (y == 0.0 || x == 1.0) { return 1.0; }
  if (isNan(x) || isNan(y)) { return nan(); }
  if (y == 1.0) { return x; }
  if (y == 2.0) { return x * x; }
  if (y == -1.0) { return 1.0 / x; }
  let ax = abs(x);
  if (isInf(y)) {
    if (ax == 1.0) { return 1.0; }
    return select(0.0, infinity(), (ax > 1.0) == (y > 0.0));
  }
  let negative = signBit(x) && isOddInteger(y);
  var magnitude: f32;
  if (ax == 0.0 || isInf(ax)) {
    magnitude = select(0.0, infinity(), (ax == 0.0) == (y < 0.0));
  } else if (signBit(x) && trunc(y) != y) {
    return nan();
  } else if (y == 0.5) {
    magnitude = sqrt(ax);
  } else {
    magnitude = expAccurate(y * logAccurate(ax));
  }
  return select(magnitude, -magnitude, negative);
}
