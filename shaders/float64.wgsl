// float64 arithmetic in integers, for kernels that must reproduce what the CPU computes in f64
// (multinomial): WGSL has no f64, and integers are exact on every device. A float64 travels as
// its IEEE bits, vec2u(low word, high word). add, sub, mul and div round to nearest even as IEEE
// does, for finite operands and results in the normal range (their callers stay inside it); log
// is AssemblyScript's Math.log (musl's table-driven log) step for step, so the results are the
// CPU's bit for bit.

// ---- 64-bit integers as vec2u(low, high) ---------------------------------------------------------

fn add64(a: vec2u, b: vec2u) -> vec2u {
  let low = a.x + b.x;
  return vec2u(low, a.y + b.y + select(0u, 1u, low < a.x));
}

fn sub64(a: vec2u, b: vec2u) -> vec2u {
  return vec2u(a.x - b.x, a.y - b.y - select(0u, 1u, a.x < b.x));
}

fn less64(a: vec2u, b: vec2u) -> bool {
  return a.y < b.y || (a.y == b.y && a.x < b.x);
}

fn isZero64(a: vec2u) -> bool {
  return (a.x | a.y) == 0u;
}

// WGSL shifts take their amount modulo 32, so amounts of 0 and 32 or more need their own cases.
fn shiftLeft64(a: vec2u, n: u32) -> vec2u {
  if (n == 0u) { return a; }
  if (n >= 64u) { return vec2u(0u); }
  if (n >= 32u) { return vec2u(0u, a.x << (n - 32u)); }
  return vec2u(a.x << n, (a.y << n) | (a.x >> (32u - n)));
}

fn shiftRight64(a: vec2u, n: u32) -> vec2u {
  if (n == 0u) { return a; }
  if (n >= 64u) { return vec2u(0u); }
  if (n >= 32u) { return vec2u(a.y >> (n - 32u), 0u); }
  return vec2u((a.x >> n) | (a.y << (32u - n)), a.y >> n);
}

/** a >> n with every bit shifted out ORed into bit 0 ("jamming"), so rounding still sees them. */
fn shiftRightJam64(a: vec2u, n: u32) -> vec2u {
  let kept = shiftRight64(a, n);
  let lost = !isZero64(sub64(a, shiftLeft64(kept, n)));
  return vec2u(kept.x | select(0u, 1u, lost), kept.y);
}

fn leadingZeros64(a: vec2u) -> u32 {
  return select(countLeadingZeros(a.y), 32u + countLeadingZeros(a.x), a.y == 0u);
}

// ---- unpacked floats --------------------------------------------------------------------------------

/** sign * significand * 2^(exponent - 62), the significand's leading 1 at bit 62 (or 0 for zero). */
struct Unpacked {
  negative: bool,
  exponent: i32,
  significand: vec2u,
}

fn unpack(bits: vec2u) -> Unpacked {
  let field = i32((bits.y >> 20u) & 0x7ffu);
  if (field == 0) {
    return Unpacked(bits.y >= 0x80000000u, 0, vec2u(0u));
  }
  let mantissa = vec2u(bits.x, (bits.y & 0xfffffu) | 0x100000u);
  return Unpacked(bits.y >= 0x80000000u, field - 1023, shiftLeft64(mantissa, 10u));
}

/** Moves any nonzero significand's leading 1 to bit 62 (jamming a bit shifted out at 63). */
fn normalize(value: Unpacked) -> Unpacked {
  if (isZero64(value.significand)) { return value; }
  let zeros = i32(leadingZeros64(value.significand));
  if (zeros == 0) {
    return Unpacked(value.negative, value.exponent + 1, shiftRightJam64(value.significand, 1u));
  }
  return Unpacked(value.negative, value.exponent - (zeros - 1), shiftLeft64(value.significand, u32(zeros - 1)));
}

/** The float64 nearest a normalized value (ties to even), which must lie in the normal range. */
fn roundPack(value: Unpacked) -> vec2u {
  let sign = select(0u, 0x80000000u, value.negative);
  if (isZero64(value.significand)) { return vec2u(0u, sign); }
  var mantissa = shiftRight64(value.significand, 10u);
  let rest = value.significand.x & 0x3ffu;
  if (rest > 0x200u || (rest == 0x200u && (mantissa.x & 1u) == 1u)) {
    mantissa = add64(mantissa, vec2u(1u, 0u));
  }
  var exponent = value.exponent;
  if (mantissa.y >= 0x200000u) {
    mantissa = shiftRight64(mantissa, 1u);
    exponent += 1;
  }
  return vec2u(mantissa.x, sign | (u32(exponent + 1023) << 20u) | (mantissa.y & 0xfffffu));
}

// ---- arithmetic --------------------------------------------------------------------------------------

fn f64Add(x: vec2u, y: vec2u) -> vec2u {
  let a = unpack(x);
  let b = unpack(y);
  if (isZero64(a.significand)) {
    return select(y, vec2u(0u, select(0u, 0x80000000u, a.negative && b.negative)), isZero64(b.significand));
  }
  if (isZero64(b.significand)) { return x; }
  var large = a;
  var small = b;
  if (b.exponent > a.exponent || (b.exponent == a.exponent && less64(a.significand, b.significand))) {
    large = b;
    small = a;
  }
  let aligned = shiftRightJam64(small.significand, u32(min(large.exponent - small.exponent, 64)));
  if (large.negative == small.negative) {
    return roundPack(normalize(Unpacked(large.negative, large.exponent, add64(large.significand, aligned))));
  }
  let difference = sub64(large.significand, aligned);
  if (isZero64(difference)) { return vec2u(0u); }
  return roundPack(normalize(Unpacked(large.negative, large.exponent, difference)));
}

fn f64Negate(x: vec2u) -> vec2u {
  return vec2u(x.x, x.y ^ 0x80000000u);
}

fn f64Sub(x: vec2u, y: vec2u) -> vec2u {
  return f64Add(x, f64Negate(y));
}

fn f64Mul(x: vec2u, y: vec2u) -> vec2u {
  let a = unpack(x);
  let b = unpack(y);
  let negative = a.negative != b.negative;
  if (isZero64(a.significand) || isZero64(b.significand)) { return vec2u(0u, select(0u, 0x80000000u, negative)); }
  // The 53-bit mantissas' 106-bit product in words w0..w3, from 32 x 32 -> 64-bit pieces.
  let m = shiftRight64(a.significand, 10u);
  let n = shiftRight64(b.significand, 10u);
  let p00 = mulAdd64(m.x, n.x, 0u);
  let p01 = mulAdd64(m.x, n.y, p00.y);
  let p10 = mulAdd64(m.y, n.x, p01.x);
  let p11 = mulAdd64(m.y, n.y, p01.y);
  let w2 = p11.x + p10.y;
  let w3 = p11.y + select(0u, 1u, w2 < p11.x);
  // product >> 42, jammed: the leading 1 lands at bit 62 or 63.
  let lost = p00.x != 0u || (p10.x & 0x3ffu) != 0u;
  let significand = vec2u((p10.x >> 10u) | (w2 << 22u) | select(0u, 1u, lost), (w2 >> 10u) | (w3 << 22u));
  return roundPack(normalize(Unpacked(negative, a.exponent + b.exponent, significand)));
}

fn f64Div(x: vec2u, y: vec2u) -> vec2u {
  let a = unpack(x);
  let b = unpack(y);
  let negative = a.negative != b.negative;
  if (isZero64(a.significand)) { return vec2u(0u, select(0u, 0x80000000u, negative)); }
  let divisor = shiftRight64(b.significand, 10u);
  var remainder = shiftRight64(a.significand, 10u);
  var exponent = a.exponent - b.exponent;
  if (less64(remainder, divisor)) {
    remainder = shiftLeft64(remainder, 1u);
    exponent -= 1;
  }
  // Long division: 63 quotient bits, the first one 1, then the remainder as a sticky bit.
  var quotient = vec2u(0u);
  for (var bit = 0u; bit < 63u; bit++) {
    quotient = shiftLeft64(quotient, 1u);
    if (!less64(remainder, divisor)) {
      remainder = sub64(remainder, divisor);
      quotient.x |= 1u;
    }
    remainder = shiftLeft64(remainder, 1u);
  }
  quotient.x |= select(0u, 1u, !isZero64(remainder));
  return roundPack(Unpacked(negative, exponent, quotient));
}

// ---- conversions -------------------------------------------------------------------------------------

/** An integer magnitude times 2^scale (exact for magnitudes below 2^53). */
fn f64FromInteger(magnitude: vec2u, negative: bool, scale: i32) -> vec2u {
  return roundPack(normalize(Unpacked(negative, 62 + scale, magnitude)));
}

fn f64FromF32(value: f32) -> vec2u {
  let bits = bitcast<u32>(value);
  let negative = bits >= 0x80000000u;
  let field = i32((bits >> 23u) & 0xffu);
  let mantissa = bits & 0x7fffffu;
  if (field == 0) {
    // zero or subnormal: mantissa * 2^-149
    return f64FromInteger(vec2u(mantissa, 0u), negative, -149);
  }
  return f64FromInteger(vec2u(mantissa | 0x800000u, 0u), negative, field - 150);
}

/** The float32 nearest x (ties to even), with float32's overflow to infinity and gradual underflow. */
fn f64ToF32(x: vec2u) -> f32 {
  let a = unpack(x);
  let sign = select(0u, 0x80000000u, a.negative);
  if (isZero64(a.significand)) { return bitcast<f32>(sign); }
  // Keep 24 bits (fewer below float32's normal range), rounding the `drop` bits below them.
  let drop = u32(39 + max(-126 - a.exponent, 0));
  if (drop >= 64u) { return bitcast<f32>(sign); }
  var kept = shiftRight64(a.significand, drop).x;
  let lost = sub64(a.significand, shiftLeft64(vec2u(kept, 0u), drop));
  let half = shiftLeft64(vec2u(1u, 0u), drop - 1u);
  if (less64(half, lost) || (!less64(lost, half) && (kept & 1u) == 1u)) {
    kept += 1u;
  }
  if (a.exponent < -126) {
    // Subnormal: the exponent field is 0, and rounding up into 2^23 carries into it correctly.
    return bitcast<f32>(sign | kept);
  }
  if (a.exponent > 127) { return bitcast<f32>(sign | 0x7f800000u); }
  // kept is in [2^23, 2^24]: adding it to the field below carries 2^24 into the next exponent.
  return bitcast<f32>(sign | min((u32(a.exponent + 126) << 23u) + kept, 0x7f800000u));
}

// ---- log: AssemblyScript's Math.log (musl's log.c, 128-entry tables), operation for operation ------

const LOG_B0 = vec2u(0x00000000u, 0xbfe00000u);
const LOG_B1 = vec2u(0x55555577u, 0x3fd55555u);
const LOG_B2 = vec2u(0xfffffdcbu, 0xbfcfffffu);
const LOG_B3 = vec2u(0x9995dd0cu, 0x3fc99999u);
const LOG_B4 = vec2u(0x556745a7u, 0xbfc55555u);
const LOG_B5 = vec2u(0xa344de30u, 0x3fc24924u);
const LOG_B6 = vec2u(0xa4423d65u, 0xbfbfffffu);
const LOG_B7 = vec2u(0x282ad6cau, 0x3fbc7184u);
const LOG_B8 = vec2u(0x43b068ffu, 0xbfb999ebu);
const LOG_B9 = vec2u(0xf7afd085u, 0x3fb78182u);
const LOG_B10 = vec2u(0x75d145cdu, 0xbfb55213u);
const LOG_A0 = vec2u(0x00000001u, 0xbfe00000u);
const LOG_A1 = vec2u(0x5551305bu, 0x3fd55555u);
const LOG_A2 = vec2u(0xffeb4590u, 0xbfcfffffu);
const LOG_A3 = vec2u(0x24f10111u, 0x3fc999b3u);
const LOG_A4 = vec2u(0xe506c89fu, 0xbfc55575u);
const LOG_LN2_HIGH = vec2u(0xfefa3800u, 0x3fe62e42u);
const LOG_LN2_LOW = vec2u(0x93c76730u, 0x3d2ef357u);
const ONE = vec2u(0u, 0x3ff00000u);
const TWO_TO_27 = vec2u(0u, 0x41a00000u);
/** log(x) near 1 has its own polynomial: x in [1 - 2^-4, 1 + 0x1.09p-4). */
const NEAR_ONE_LOW = vec2u(0u, 0x3fee0000u);
const NEAR_ONE_HIGH = vec2u(0u, 0x3ff10900u);
/** The tables' subintervals start at 0x3fe6000000000000 (about 0.69). */
const LOG_TABLE_START = vec2u(0u, 0x3fe60000u);

/** log x for finite x > 0 in float64's normal range. */
fn f64Log(x: vec2u) -> vec2u {
  if (less64(sub64(x, NEAR_ONE_LOW), sub64(NEAR_ONE_HIGH, NEAR_ONE_LOW))) {
    let r = f64Sub(x, ONE);
    let r2 = f64Mul(r, r);
    let r3 = f64Mul(r2, r);
    let inner = f64Add(f64Add(f64Add(LOG_B7, f64Mul(r, LOG_B8)), f64Mul(r2, LOG_B9)), f64Mul(r3, LOG_B10));
    let middle = f64Add(f64Add(f64Add(LOG_B4, f64Mul(r, LOG_B5)), f64Mul(r2, LOG_B6)), f64Mul(r3, inner));
    let y = f64Mul(r3, f64Add(f64Add(f64Add(LOG_B1, f64Mul(r, LOG_B2)), f64Mul(r2, LOG_B3)), f64Mul(r3, middle)));
    // r split into 27 high bits and the rest, so r^2 / 2 is carried with extra precision.
    var w = f64Mul(r, TWO_TO_27);
    let rHigh = f64Sub(f64Add(r, w), w);
    let rLow = f64Sub(r, rHigh);
    w = f64Mul(f64Mul(rHigh, rHigh), LOG_B0);
    let high = f64Add(r, w);
    var low = f64Add(f64Sub(r, high), w);
    low = f64Add(low, f64Mul(f64Mul(LOG_B0, rLow), f64Add(rHigh, r)));
    return f64Add(f64Add(y, low), high);
  }
  // x = 2^k z with z in the subinterval i of [0x3fe6000000000000, 2 * that), near its center c.
  let tmp = sub64(x, LOG_TABLE_START);
  let i = (tmp.y >> 13u) & 127u;
  let k = bitcast<i32>(tmp.y) >> 20u;
  let z = vec2u(x.x, x.y - (tmp.y & 0xfff00000u));
  let inverseAndLog = LOG_INVERSE_AND_LOG[i];
  let center = LOG_CENTERS[i];
  // r ~= z / c - 1, with c = chi + clo
  let r = f64Mul(f64Sub(f64Sub(z, center.xy), center.zw), inverseAndLog.xy);
  let kd = f64FromInteger(vec2u(u32(abs(k)), 0u), k < 0, 0);
  let w = f64Add(f64Mul(kd, LOG_LN2_HIGH), inverseAndLog.zw);
  let high = f64Add(w, r);
  let low = f64Add(f64Add(f64Sub(w, high), r), f64Mul(kd, LOG_LN2_LOW));
  let r2 = f64Mul(r, r);
  let polynomial = f64Add(f64Add(LOG_A1, f64Mul(r, LOG_A2)), f64Mul(r2, f64Add(LOG_A3, f64Mul(r, LOG_A4))));
  return f64Add(f64Add(f64Add(low, f64Mul(r2, LOG_A0)), f64Mul(f64Mul(r, r2), polynomial)), high);
}

/** Its invc and logc per subinterval (float64 bits, vec4u(invc, logc)). */
const LOG_INVERSE_AND_LOG = array<vec4u, 128>(
  vec4u(0xc3e0de9fu, 0x3ff734f0u, 0x79e69000u, 0xbfd7cc7fu),
  vec4u(0x6a2ce91fu, 0x3ff71378u, 0xc20d0000u, 0xbfd76feeu),
  vec4u(0x08fab5a0u, 0x3ff6f260u, 0x1351e000u, 0xbfd713e3u),
  vec4u(0x1f138c7du, 0x3ff6d1a6u, 0x38287800u, 0xbfd6b85bu),
  vec4u(0x0bc5b4d1u, 0x3ff6b149u, 0x90807800u, 0xbfd65d55u),
  vec4u(0x332f0cbau, 0x3ff69147u, 0x76180000u, 0xbfd602d0u),
  vec4u(0x18224223u, 0x3ff6719fu, 0x86909000u, 0xbfd5a8cau),
  vec4u(0x99a51ed9u, 0x3ff6524fu, 0x56035000u, 0xbfd54f43u),
  vec4u(0xaa8f24c4u, 0x3ff63356u, 0xc36b4000u, 0xbfd4f637u),
  vec4u(0x6b9ddc14u, 0x3ff614b3u, 0xfda85000u, 0xbfd49da7u),
  vec4u(0x52c65c4cu, 0x3ff5f664u, 0x3989a800u, 0xbfd44592u),
  vec4u(0xb5912c4fu, 0x3ff5d867u, 0x39b0b800u, 0xbfd3edf4u),
  vec4u(0xcb5b90deu, 0x3ff5babcu, 0x448f7000u, 0xbfd396ceu),
  vec4u(0xf2d91a78u, 0x3ff59d61u, 0x17bda000u, 0xbfd3401eu),
  vec4u(0x12465687u, 0x3ff58056u, 0xef468000u, 0xbfd2e9e2u),
  vec4u(0xcee76bd3u, 0x3ff56397u, 0x3830e000u, 0xbfd2941bu),
  vec4u(0xe2a77f93u, 0x3ff54725u, 0x8cda8800u, 0xbfd23ec5u),
  vec4u(0x42064583u, 0x3ff52affu, 0x29279000u, 0xbfd1e9e1u),
  vec4u(0xdbb2bddfu, 0x3ff50f22u, 0x2b48f800u, 0xbfd1956du),
  vec4u(0x4734ded7u, 0x3ff4f38fu, 0x9ab9f800u, 0xbfd14167u),
  vec4u(0xcfde2840u, 0x3ff4d843u, 0x94ef9800u, 0xbfd0edd0u),
  vec4u(0xc078a3c8u, 0x3ff4bd3eu, 0x18db1000u, 0xbfd09aa5u),
  vec4u(0xc3e0258au, 0x3ff4a27fu, 0x5263b800u, 0xbfd047e6u),
  vec4u(0x24d48434u, 0x3ff48805u, 0x4586f000u, 0xbfcfeb22u),
  vec4u(0x1b192d0bu, 0x3ff46dceu, 0x7517b000u, 0xbfcf474au),
  vec4u(0xd3391854u, 0x3ff453d9u, 0x3d103000u, 0xbfcea444u),
  vec4u(0x44b4845au, 0x3ff43a27u, 0x44e9b000u, 0xbfce020du),
  vec4u(0x4115f8fbu, 0x3ff420b5u, 0x2977f000u, 0xbfcd60a2u),
  vec4u(0xda3ef4b1u, 0x3ff40782u, 0x04959000u, 0xbfccc001u),
  vec4u(0x5d57fe8fu, 0x3ff3ee8fu, 0x56891000u, 0xbfcc2029u),
  vec4u(0xa00b4ce9u, 0x3ff3d5d9u, 0x8d811000u, 0xbfcb8117u),
  vec4u(0xc010c12bu, 0x3ff3bd60u, 0xccd3d000u, 0xbfcae2c9u),
  vec4u(0x2b75dab8u, 0x3ff3a524u, 0x2e129000u, 0xbfca4540u),
  vec4u(0xcd9fd002u, 0x3ff38d22u, 0x681df000u, 0xbfc9a877u),
  vec4u(0xc5847a1cu, 0x3ff3755bu, 0x69483000u, 0xbfc90c6du),
  vec4u(0x49ad36e2u, 0x3ff35dceu, 0xa645c000u, 0xbfc87120u),
  vec4u(0x984dd440u, 0x3ff34679u, 0xb4143000u, 0xbfc7d68fu),
  vec4u(0xceffcb24u, 0x3ff32f5cu, 0x3c627000u, 0xbfc73cb8u),
  vec4u(0x75a10d49u, 0x3ff31877u, 0x9b376000u, 0xbfc6a39au),
  vec4u(0x373e3990u, 0x3ff301c8u, 0x54b7a000u, 0xbfc60b31u),
  vec4u(0xbb95f841u, 0x3ff2eb4eu, 0x76243000u, 0xbfc5737du),
  vec4u(0x0219a9d1u, 0x3ff2d50au, 0x8fc23000u, 0xbfc4dc7bu),
  vec4u(0xa8b7fd2au, 0x3ff2bef9u, 0x51d20000u, 0xbfc4462cu),
  vec4u(0x7a0c1babu, 0x3ff2a91cu, 0xbc830000u, 0xbfc3b08au),
  vec4u(0x6014b530u, 0x3ff29372u, 0x6b490000u, 0xbfc31b99u),
  vec4u(0x5757a1f5u, 0x3ff27dfau, 0x90a44000u, 0xbfc28754u),
  vec4u(0x9b1d3bbfu, 0x3ff268b3u, 0xf879a000u, 0xbfc1f3b9u),
  vec4u(0x838ff5bdu, 0x3ff2539du, 0x252ca000u, 0xbfc160c8u),
  vec4u(0xaac9083bu, 0x3ff23eb7u, 0x57f72000u, 0xbfc0ce7fu),
  vec4u(0x2ba940b6u, 0x3ff22a01u, 0x49fea000u, 0xbfc03cdcu),
  vec4u(0x96cc4132u, 0x3ff21579u, 0xbc4b8000u, 0xbfbf57bdu),
  vec4u(0x1dd2fc9bu, 0x3ff20120u, 0x96404000u, 0xbfbe3708u),
  vec4u(0x494d480bu, 0x3ff1ecf4u, 0x3ef94000u, 0xbfbd1798u),
  vec4u(0x528f6569u, 0x3ff1d8f5u, 0x4ed8a000u, 0xbfbbf967u),
  vec4u(0x11577e7cu, 0x3ff1c523u, 0x202f6000u, 0xbfbadc79u),
  vec4u(0x74cb26e9u, 0x3ff1b17cu, 0xe7288000u, 0xbfb9c0c3u),
  vec4u(0x0c2c1ab6u, 0x3ff19e01u, 0xb372c000u, 0xbfb8a646u),
  vec4u(0x7bb670bdu, 0x3ff18ab0u, 0xb3ac0000u, 0xbfb78d01u),
  vec4u(0x25efbcb6u, 0x3ff1778au, 0x45380000u, 0xbfb674f1u),
  vec4u(0x354c31dau, 0x3ff1648du, 0x6d878000u, 0xbfb55e0eu),
  vec4u(0x90275fddu, 0x3ff151b9u, 0xdea1e000u, 0xbfb4485cu),
  vec4u(0xa432d24cu, 0x3ff13f0eu, 0x4d6aa000u, 0xbfb333d9u),
  vec4u(0x7210f9dau, 0x3ff12c8bu, 0xf8c56000u, 0xbfb22079u),
  vec4u(0x28ecb531u, 0x3ff11a30u, 0x98622000u, 0xbfb10e46u),
  vec4u(0xda8434afu, 0x3ff107fbu, 0x6ad20000u, 0xbfaffa6cu),
  vec4u(0x0f4e6bb3u, 0x3ff0f5eeu, 0x4a774000u, 0xbfadda8du),
  vec4u(0x5d2a9fceu, 0x3ff0e406u, 0xe4850000u, 0xbfabbcecu),
  vec4u(0x632ca521u, 0x3ff0d244u, 0x4012c000u, 0xbfa9a189u),
  vec4u(0x7ce2981au, 0x3ff0c0a7u, 0x3302c000u, 0xbfa78858u),
  vec4u(0x83c636d1u, 0x3ff0af2fu, 0x67d68000u, 0xbfa5715eu),
  vec4u(0x98a01339u, 0x3ff09ddbu, 0x49658000u, 0xbfa35c8au),
  vec4u(0xaf52e7dfu, 0x3ff08cabu, 0x64154000u, 0xbfa149e3u),
  vec4u(0x2f4e28fbu, 0x3ff07b9fu, 0x82eb8000u, 0xbf9e72c0u),
  vec4u(0x8c358f19u, 0x3ff06ab5u, 0x52528000u, 0xbf9a55f1u),
  vec4u(0xa5ecf92cu, 0x3ff059eeu, 0xcf818000u, 0xbf963d62u),
  vec4u(0xcdd12c90u, 0x3ff04949u, 0x8caa0000u, 0xbf9228fbu),
  vec4u(0xc6f0ada9u, 0x3ff038c6u, 0x20f90000u, 0xbf8c317bu),
  vec4u(0x137932a9u, 0x3ff02865u, 0x5daa0000u, 0xbf841935u),
  vec4u(0x27ea7348u, 0x3ff01824u, 0xc2ec0000u, 0xbf781203u),
  vec4u(0x0614b195u, 0x3ff00804u, 0x79240000u, 0xbf600409u),
  vec4u(0xf726fa1au, 0x3fefe01fu, 0x84900000u, 0x3f6feff3u),
  vec4u(0xc261ea74u, 0x3fefa11cu, 0x353d0000u, 0x3f87dc41u),
  vec4u(0xb081992eu, 0x3fef6310u, 0xc4c28000u, 0x3f93cea3u),
  vec4u(0x3ceeadcdu, 0x3fef25f6u, 0x14890000u, 0x3f9b9fc1u),
  vec4u(0x039113e7u, 0x3feee9c8u, 0xce110000u, 0x3fa1b0d8u),
  vec4u(0x78cbb1abu, 0x3feeae80u, 0xd001c000u, 0x3fa58a5bu),
  vec4u(0xa29d0c9bu, 0x3fee741au, 0x40d88000u, 0x3fa95c83u),
  vec4u(0x830a99b5u, 0x3fee3a91u, 0xef578000u, 0x3fad276au),
  vec4u(0x09609a56u, 0x3fee01e0u, 0xe598c000u, 0x3fb07598u),
  vec4u(0xe577bb98u, 0x3fedca01u, 0xe30d2000u, 0x3fb253f5u),
  vec4u(0x0b7c9103u, 0x3fed92f2u, 0x8b380000u, 0x3fb42eddu),
  vec4u(0x66fb5cceu, 0x3fed5cacu, 0x8757c000u, 0x3fb60659u),
  vec4u(0xaa5ede9du, 0x3fed272cu, 0x356a0000u, 0x3fb7da76u),
  vec4u(0x3e6b2ccdu, 0x3fecf26eu, 0x4e1c6000u, 0x3fb9ab43u),
  vec4u(0xa2a77902u, 0x3fecbe6du, 0xbb0d6000u, 0x3fbb78c7u),
  vec4u(0x6d37086du, 0x3fec8b26u, 0x32e72000u, 0x3fbd4313u),
  vec4u(0xbd5d5804u, 0x3fec5894u, 0x71de6000u, 0x3fbf0a31u),
  vec4u(0x33bb9f8cu, 0x3fec26b5u, 0x2b914000u, 0x3fc06715u),
  vec4u(0xeeece73fu, 0x3febf583u, 0x8292b000u, 0x3fc14785u),
  vec4u(0x75db96c1u, 0x3febc4fdu, 0xcdca3000u, 0x3fc2266eu),
  vec4u(0x0c864a28u, 0x3feb951eu, 0xa6c55000u, 0x3fc303d7u),
  vec4u(0xc5ef3e2cu, 0x3feb65e2u, 0x3c331000u, 0x3fc3dfc3u),
  vec4u(0x67c9888bu, 0x3feb3748u, 0x6b7a8000u, 0x3fc4ba36u),
  vec4u(0x211d304au, 0x3feb094bu, 0x28d1f000u, 0x3fc59339u),
  vec4u(0x85f2ef7eu, 0x3feadbe8u, 0x2418f000u, 0x3fc66acdu),
  vec4u(0x31603da2u, 0x3feaaf1du, 0xec669000u, 0x3fc740f8u),
  vec4u(0x3fd358a7u, 0x3fea82e6u, 0xf51af000u, 0x3fc815c0u),
  vec4u(0xef09738bu, 0x3fea5740u, 0x54f68000u, 0x3fc8e929u),
  vec4u(0x90ab4b27u, 0x3fea2c2au, 0x02f84000u, 0x3fc9bb36u),
  vec4u(0x1393f2d1u, 0x3fea01a0u, 0x1c2c0000u, 0x3fca8bedu),
  vec4u(0x24db3c1bu, 0x3fe9d79fu, 0x5c01d000u, 0x3fcb5b51u),
  vec4u(0x05c7b190u, 0x3fe9ae25u, 0xccbcc000u, 0x3fcc2967u),
  vec4u(0xf297ce2fu, 0x3fe9852eu, 0xd5486000u, 0x3fccf635u),
  vec4u(0xeea44b75u, 0x3fe95cbau, 0x3446c000u, 0x3fcdc1bdu),
  vec4u(0x9de74838u, 0x3fe934c6u, 0xb8cfe000u, 0x3fce8c01u),
  vec4u(0x2f6752e6u, 0x3fe90d4fu, 0xc0179000u, 0x3fcf5509u),
  vec4u(0x8effd79du, 0x3fe8e652u, 0x121fb800u, 0x3fd00e6cu),
  vec4u(0x9fcc007cu, 0x3fe8bfceu, 0x0e93d000u, 0x3fd071b8u),
  vec4u(0xdabec30eu, 0x3fe899c0u, 0x9e867000u, 0x3fd0d46bu),
  vec4u(0xaa2317fbu, 0x3fe87427u, 0x334bd000u, 0x3fd13687u),
  vec4u(0xacb39a08u, 0x3fe84f00u, 0x67234800u, 0x3fd1980du),
  vec4u(0xe8653e55u, 0x3fe82a49u, 0xe0cc8000u, 0x3fd1f8ffu),
  vec4u(0x95f40260u, 0x3fe80601u, 0xd7636800u, 0x3fd2595fu),
  vec4u(0x63e0a329u, 0x3fe7e225u, 0x0914a800u, 0x3fd2b930u),
  vec4u(0x77dcb5adu, 0x3fe7beb3u, 0x10436000u, 0x3fd31872u),
  vec4u(0x679725c2u, 0x3fe79baau, 0x6dec1800u, 0x3fd37726u),
  vec4u(0xf2170657u, 0x3fe77907u, 0xfbaf3000u, 0x3fd3d54fu),
  vec4u(0xdbd6130cu, 0x3fe756cau, 0xe32fe000u, 0x3fd432eeu),
);

/** Its subinterval centers c = chi + clo (vec4u(chi, clo)). */
const LOG_CENTERS = array<vec4u, 128>(
  vec4u(0x014fb66bu, 0x3fe61000u, 0x91425b3cu, 0x3c7e026cu),
  vec4u(0x034db495u, 0x3fe63000u, 0x48005d41u, 0x3c8dbfeau),
  vec4u(0x0d94d478u, 0x3fe65000u, 0x86d6a5b7u, 0x3c8e7fa7u),
  vec4u(0x074e6fadu, 0x3fe67000u, 0x6b54254cu, 0x3c61fceau),
  vec4u(0xfedf0faeu, 0x3fe68fffu, 0x4c590efdu, 0xbc7c7e27u),
  vec4u(0x0763c5bcu, 0x3fe6b000u, 0x48dcda01u, 0xbc8ac168u),
  vec4u(0x1e5cc1f6u, 0x3fe6d000u, 0x9d499311u, 0x3c833f1cu),
  vec4u(0xeb05f63eu, 0x3fe6efffu, 0x1ae22d53u, 0xbc7e8004u),
  vec4u(0x0e869780u, 0x3fe71000u, 0x71097952u, 0x3c7bff66u),
  vec4u(0xfc67e912u, 0x3fe72fffu, 0x26bd8724u, 0x3c8c00e2u),
  vec4u(0xdf81116au, 0x3fe74fffu, 0x6ef101d2u, 0xbc6e0291u),
  vec4u(0x0f679c90u, 0x3fe77000u, 0xcd549c74u, 0xbc67fc71u),
  vec4u(0xfa7ec835u, 0x3fe78fffu, 0x9ef50483u, 0x3c81bec1u),
  vec4u(0xfe20c2e6u, 0x3fe7afffu, 0x29cc6465u, 0xbc707e17u),
  vec4u(0xed3fc900u, 0x3fe7cfffu, 0x087b8b1cu, 0xbc808072u),
  vec4u(0xe9261a76u, 0x3fe7efffu, 0x6d9df9aeu, 0x3c8dc028u),
  vec4u(0x049ca3e8u, 0x3fe81000u, 0x51e54c33u, 0x3c897fd2u),
  vec4u(0x17932c8fu, 0x3fe83000u, 0xb630f381u, 0xbc8afee9u),
  vec4u(0x0633739cu, 0x3fe85000u, 0x6b6535bcu, 0x3c89bfbfu),
  vec4u(0x204289c6u, 0x3fe87000u, 0xf3117b75u, 0xbc8bbf65u),
  vec4u(0xebf57904u, 0x3fe88fffu, 0xa23dcb57u, 0xbc89006eu),
  vec4u(0x22bc04dfu, 0x3fe8b000u, 0x38e04b0au, 0xbc7d00dfu),
  vec4u(0xe50c1b8au, 0x3fe8cfffu, 0x46ff9f05u, 0xbc880071u),
  vec4u(0xfc918e43u, 0x3fe8efffu, 0xd07a7038u, 0x3c83817bu),
  vec4u(0x1efa5fc7u, 0x3fe91000u, 0x76dfb403u, 0x3c893e91u),
  vec4u(0x13467bb9u, 0x3fe93000u, 0x4b980276u, 0x3c7f804eu),
  vec4u(0xe6ee076fu, 0x3fe94fffu, 0xd9ff622eu, 0xbc8f7ef0u),
  vec4u(0xde3c12d1u, 0x3fe96fffu, 0x962638bau, 0xbc7082aau),
  vec4u(0xf4458a0du, 0x3fe98fffu, 0x9164a8efu, 0xbc87801bu),
  vec4u(0xdd982e3eu, 0x3fe9afffu, 0x8a5a9337u, 0xbc8740e0u),
  vec4u(0xed49fb66u, 0x3fe9cfffu, 0xc19be000u, 0x3c3fce08u),
  vec4u(0x20f19c51u, 0x3fe9f000u, 0x27885b0au, 0xbc8a3faau),
  vec4u(0x1145b006u, 0x3fea1000u, 0x9958da56u, 0x3c74ff48u),
  vec4u(0x07bbf6fau, 0x3fea3000u, 0x8a2b6d18u, 0x3c8cbeabu),
  vec4u(0x10971d79u, 0x3fea5000u, 0xdd787930u, 0x3c88fecau),
  vec4u(0x1df52e48u, 0x3fea7000u, 0x3dd8abdbu, 0xbc8f4176u),
  vec4u(0x1c593352u, 0x3fea9000u, 0x84c27612u, 0xbc8ebf02u),
  vec4u(0x2a4f3e4bu, 0x3feab000u, 0x3cff3f5fu, 0xbc69fd04u),
  vec4u(0xd7ae1ed1u, 0x3feacfffu, 0x129070b4u, 0xbc823ee7u),
  vec4u(0xee510478u, 0x3feaefffu, 0xe00edea3u, 0x3c6a063eu),
  vec4u(0xdb650d5bu, 0x3feb0fffu, 0x381f0ab9u, 0x3c5a06c8u),
  vec4u(0xfeaaca57u, 0x3feb2fffu, 0x74233c1du, 0xbc79011eu),
  vec4u(0xd995badcu, 0x3feb4fffu, 0x68862a9fu, 0xbc79ff10u),
  vec4u(0x249e659cu, 0x3feb7000u, 0xd0864f3eu, 0x3c8aff45u),
  vec4u(0xf9871640u, 0x3feb8fffu, 0x96c2c3f9u, 0x3c7cfe77u),
  vec4u(0xd204cb4fu, 0x3febafffu, 0xeef22bc4u, 0xbc63ff27u),
  vec4u(0xd2415c45u, 0x3febcfffu, 0xee3bea21u, 0xbc6cffb7u),
  vec4u(0xf86309dfu, 0x3febefffu, 0x972e0b5cu, 0xbc814103u),
  vec4u(0xe1b57653u, 0x3fec0fffu, 0x94b76a19u, 0x3c8bc164u),
  vec4u(0xf1fa57e3u, 0x3fec2fffu, 0x8d30c6edu, 0xbc64feefu),
  vec4u(0xdcbfe424u, 0x3fec4fffu, 0xbcec4775u, 0xbc843f68u),
  vec4u(0xed54b9f7u, 0x3fec6fffu, 0xf053e0ecu, 0x3c847ea3u),
  vec4u(0xeb998fd5u, 0x3fec8fffu, 0x8df992f1u, 0x3c738306u),
  vec4u(0x2125219au, 0x3fecb000u, 0x64180e04u, 0xbc68fd8eu),
  vec4u(0xdd94469cu, 0x3feccfffu, 0x1cc7ea72u, 0x3c8e7ebeu),
  vec4u(0xeafdc476u, 0x3fecefffu, 0xad9f88feu, 0x3c8ebe39u),
  vec4u(0x169af82bu, 0x3fed1000u, 0xa8b95a71u, 0x3c757d91u),
  vec4u(0x0d0ff71du, 0x3fed3000u, 0x6970c7dau, 0x3c89c190u),
  vec4u(0xea790fc4u, 0x3fed4fffu, 0xc558fe0cu, 0xbc580e37u),
  vec4u(0x2edc87e5u, 0x3fed7000u, 0x4dc10f44u, 0xbc7f80d6u),
  vec4u(0x21dc82aau, 0x3fed9000u, 0x94fd5c5cu, 0xbc747c8fu),
  vec4u(0xd86b0283u, 0x3fedafffu, 0xc521617eu, 0x3c8c7f1du),
  vec4u(0x296c4739u, 0x3fedd000u, 0xb2ffb153u, 0x3c88019eu),
  vec4u(0xe54490f5u, 0x3fedefffu, 0xc652cc89u, 0x3c6e00d2u),
  vec4u(0xcdabf694u, 0x3fee0fffu, 0x202d69d2u, 0xbc7f8340u),
  vec4u(0xdb52c8ddu, 0x3fee2fffu, 0xca1b0864u, 0x3c7b00c1u),
  vec4u(0xf24216efu, 0x3fee4fffu, 0xb094ab51u, 0x3c72ffa8u),
  vec4u(0xe88a5e11u, 0x3fee6fffu, 0xb1efbe59u, 0xbc57f673u),
  vec4u(0x119eff0du, 0x3fee9000u, 0x5e0bc801u, 0xbc84808du),
  vec4u(0xdfa51744u, 0x3feeafffu, 0xd54320b5u, 0x3c780006u),
  vec4u(0x1a127fa1u, 0x3feed000u, 0x60565c92u, 0xbc5002f8u),
  vec4u(0x07babcc4u, 0x3feef000u, 0x5d35e611u, 0xbc854044u),
  vec4u(0xf57a8d02u, 0x3fef0fffu, 0x39ef9105u, 0xbc4ffb31u),
  vec4u(0x1ee58ac7u, 0x3fef3000u, 0xf2731155u, 0x3c8a81acu),
  vec4u(0xf5823494u, 0x3fef4fffu, 0xd4d7c743u, 0x3c8a3f41u),
  vec4u(0xfca94c6bu, 0x3fef6fffu, 0x1c987875u, 0xbc6202f4u),
  vec4u(0xe1f9c441u, 0x3fef8fffu, 0xf477e74bu, 0x3c777dd1u),
  vec4u(0xd2e0e37eu, 0x3fefafffu, 0x9a7ca331u, 0xbc6f0119u),
  vec4u(0x1c77e49eu, 0x3fefd000u, 0x4bceacb1u, 0x3c7181eeu),
  vec4u(0xf7e0c331u, 0x3fefefffu, 0x0170875au, 0xbc6e0537u),
  vec4u(0xf465606eu, 0x3ff00fffu, 0x491c0adau, 0xbc8a7eadu),
  vec4u(0xf3867a58u, 0x3ff02fffu, 0xc3fcb2e0u, 0xbc977f69u),
  vec4u(0xfdfc0d17u, 0x3ff04fffu, 0x34cb945bu, 0x3c97bffeu),
  vec4u(0x03cd4d82u, 0x3ff07000u, 0xc0e456cbu, 0x3c820083u),
  vec4u(0xf9f2cbe8u, 0x3ff08fffu, 0xbe37751au, 0xbc6dffdfu),
  vec4u(0x010cda65u, 0x3ff0b000u, 0xaee626ebu, 0xbc913f7fu),
  vec4u(0x01a4d338u, 0x3ff0d000u, 0x79489ff7u, 0x3c807dfau),
  vec4u(0xfadafdfdu, 0x3ff0efffu, 0x70d66bc0u, 0xbc770405u),
  vec4u(0x0bbafd96u, 0x3ff11000u, 0x846d0b62u, 0x3c8e80d4u),
  vec4u(0xfae5f45du, 0x3ff12fffu, 0x64fd36efu, 0x3c9dbffau),
  vec4u(0x0dd59ad9u, 0x3ff15000u, 0x701250aeu, 0x3c9a0077u),
  vec4u(0x0f21559au, 0x3ff17000u, 0xe2e3deeeu, 0x3c8dfdf9u),
  vec4u(0xfc275426u, 0x3ff18fffu, 0xdc3b7273u, 0x3c910030u),
  vec4u(0x123d3c59u, 0x3ff1b000u, 0x80030188u, 0x3c997f79u),
  vec4u(0xf8299eb7u, 0x3ff1cfffu, 0xab9f8c67u, 0xbc65f932u),
  vec4u(0xf48ad400u, 0x3ff1efffu, 0x9da75bebu, 0x3c937fbfu),
  vec4u(0x0c8b86a4u, 0x3ff21000u, 0x91fd5b22u, 0x3c9f806bu),
  vec4u(0x03854303u, 0x3ff23000u, 0xeb9fbf33u, 0x3c93ffc2u),
  vec4u(0xffbcf684u, 0x3ff24fffu, 0x7e2e2e72u, 0x3c7601e7u),
  vec4u(0xf52921d9u, 0x3ff26fffu, 0x767f0c61u, 0x3c7ffcbbu),
  vec4u(0x14933a3cu, 0x3ff29000u, 0x3c02412bu, 0xbc7202cau),
  vec4u(0x14556313u, 0x3ff2b000u, 0x33f21f02u, 0xbc928082u),
  vec4u(0xebfe523bu, 0x3ff2cfffu, 0x384fdcf2u, 0xbc88ff7eu),
  vec4u(0x0bb8ad96u, 0x3ff2f000u, 0x503041c5u, 0xbc85ff51u),
  vec4u(0xfb7ae2afu, 0x3ff30fffu, 0x885e289du, 0xbc810071u),
  vec4u(0xfeac5f7fu, 0x3ff32fffu, 0x3fb7b715u, 0xbc91ff5du),
  vec4u(0x0ca66756u, 0x3ff35000u, 0x228b82bdu, 0x3c957f82u),
  vec4u(0x11fbf721u, 0x3ff37000u, 0xc40dd5ccu, 0x3c8000bau),
  vec4u(0xf9592fb9u, 0x3ff38fffu, 0x2db2a751u, 0xbc943f9du),
  vec4u(0x04ddd242u, 0x3ff3b000u, 0x707638e1u, 0x3c857f6bu),
  vec4u(0xf5b2c957u, 0x3ff3cfffu, 0x10bf1231u, 0x3c7a023au),
  vec4u(0xeab0b418u, 0x3ff3efffu, 0x66b152b0u, 0x3c987f6du),
  vec4u(0x1532aff4u, 0x3ff41000u, 0x5f198524u, 0x3c67f837u),
  vec4u(0x17478b29u, 0x3ff43000u, 0x72dc5143u, 0x3c8301e6u),
  vec4u(0xe795b463u, 0x3ff44fffu, 0xb8b2895au, 0x3c89ff69u),
  vec4u(0xe80475e0u, 0x3ff46fffu, 0x9bc2f254u, 0xbc95c0b1u),
  vec4u(0xef6fc1e7u, 0x3ff48fffu, 0xf23a2a72u, 0x3c9b4009u),
  vec4u(0xe5bea704u, 0x3ff4afffu, 0xbf0d7d45u, 0xbc94ffb7u),
  vec4u(0x171027deu, 0x3ff4d000u, 0x71dc6a3du, 0xbc99c064u),
  vec4u(0x0ff03ee2u, 0x3ff4f000u, 0x0b85531cu, 0x3c977f89u),
  vec4u(0x12dc4bd1u, 0x3ff51000u, 0x7166a436u, 0x3c600465u),
  vec4u(0x1605277au, 0x3ff53000u, 0xce233209u, 0xbc96bfceu),
  vec4u(0xecdb704cu, 0x3ff54fffu, 0x0505a1d7u, 0xbc890272u),
  vec4u(0xef5f54a9u, 0x3ff56fffu, 0x0ec96412u, 0x3c9bbfe6u),
  vec4u(0x17e61012u, 0x3ff59000u, 0x81afef90u, 0x3c887ec5u),
  vec4u(0x03c93e92u, 0x3ff5b000u, 0x0abf0cc0u, 0xbc9f4108u),
  vec4u(0x1d4919bcu, 0x3ff5d000u, 0xfb254729u, 0xbc98812au),
  vec4u(0xe7b87a89u, 0x3ff5efffu, 0x80ed6904u, 0xbc947eb7u),
);
