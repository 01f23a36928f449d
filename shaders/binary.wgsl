// out = a op b, walk operands out, a and b (already broadcast: stride 0). OP is an opcode constant
// (ADD, EQ, ...; see the BinaryOp type); DTYPE is the inputs' dtype. Comparisons write bool (0/1).
// As on the CPU: maximum and minimum propagate NaN, comparisons with NaN are false (ne true),
// remainder and floorDivide round toward negative infinity (Python's semantics), fmod toward zero
// (C's). An int32 divisor of 0 reports a fault (PyTorch raises ZeroDivisionError) and writes 0;
// INT_MIN // -1 wraps to INT_MIN and INT_MIN % -1 is 0 for remainder and fmod (PyTorch's CPU dies
// of SIGFPE there). int32 pow is PyTorch's powi (see powInt).

// C's int fmod: a zero divisor is a fault, and x % -1 is 0 (INT_MIN % -1 is undefined in WGSL).
fn fmodInt(a: i32, b: i32) -> i32 {
  if (b == 0) {
    reportFault();
    return 0;
  }
  if (b == -1) {
    return 0;
  }
  return a % b;
}

/**
 * Square-and-multiply in wrapping int32 arithmetic, as PyTorch's int32 pow overflows. A negative
 * exponent gives what 1 / a^-b truncates to: 1 for a = 1, +-1 for a = -1 by parity, else 0.
 */
fn powInt(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) != 0); }
    return 0;
  }
  var result = 1;
  var base = a;
  var exponent = u32(b);
  while (exponent != 0u) {
    if ((exponent & 1u) != 0u) {
      result *= base;
    }
    exponent >>= 1u;
    base *= base;
  }
  return result;
}

// An infinite divisor leaves a finite dividend whole, or, where the signs differ, gives the divisor
// as remainder and -1 as quotient; an infinite dividend has neither (NaN): PyTorch's fmod-based kernels.
fn signsDiffer(a: f32, b: f32) -> bool {
  return a != 0.0 && (a < 0.0) != (b < 0.0);
}

fn binaryFloat(a: f32, b: f32) -> u32 {
  let unordered = isNan(a) || isNan(b);
  switch OP {
    case ADD: { return bitcast<u32>(a + b); }
    case SUB: { return bitcast<u32>(a - b); }
    case MUL: { return bitcast<u32>(a * b); }
    case DIV: { return bitcast<u32>(a / b); }
    case POW: { return bitcast<u32>(powAccurate(a, b)); }
    case MAXIMUM: { return select(bitcast<u32>(max(a, b)), bitcast<u32>(nan()), unordered); }
    case MINIMUM: { return select(bitcast<u32>(min(a, b)), bitcast<u32>(nan()), unordered); }
    case REMAINDER: {
      if (isInf(b) && isFinite(a)) { return bitcast<u32>(select(a, b, signsDiffer(a, b))); }
      return bitcast<u32>(a - floor(a / b) * b);
    }
    case FLOOR_DIVIDE: {
      if (isInf(a) && b != 0) { return bitcast<u32>(nan()); }
      if (isInf(b) && isFinite(a)) { return bitcast<u32>(select(a / b, -1.0, signsDiffer(a, b))); }
      return bitcast<u32>(floor(a / b));
    }
    case FMOD: {
      // C's fmod. WGSL's f32 % is a - b * trunc(a / b), which needs an infinite divisor's case, a
      // zero result given the dividend's sign bit, and a quotient rounded up by a / b undone.
      if (isInf(b) && isFinite(a)) { return bitcast<u32>(a); }
      var r = a - trunc(a / b) * b;
      if (r != 0.0 && (r < 0.0) != (a < 0.0)) { r += abs(b) * sign(a); }
      return select(bitcast<u32>(r), bitcast<u32>(a) & 0x80000000u, r == 0.0);
    }
    case RELU_BACKWARD: { return select(bitcast<u32>(a), 0u, b <= 0.0 && !isNan(b)); }
    case EQ: { return select(0u, 1u, a == b && !unordered); }
    case NE: { return select(1u, 0u, a == b && !unordered); }
    case LT: { return select(0u, 1u, a < b && !unordered); }
    case LE: { return select(0u, 1u, a <= b && !unordered); }
    case GT: { return select(0u, 1u, a > b && !unordered); }
    case GE: { return select(0u, 1u, a >= b && !unordered); }
    default: { return 0u; }
  }
}

fn binaryInt(a: i32, b: i32) -> i32 {
  switch OP {
    case ADD: { return a + b; }
    case SUB: { return a - b; }
    case MUL: { return a * b; }
    case POW: { return powInt(a, b); }
    case MAXIMUM: { return max(a, b); }
    case MINIMUM: { return min(a, b); }
    case EQ: { return select(0, 1, a == b); }
    case NE: { return select(0, 1, a != b); }
    case LT: { return select(0, 1, a < b); }
    case LE: { return select(0, 1, a <= b); }
    case GT: { return select(0, 1, a > b); }
    case GE: { return select(0, 1, a >= b); }
    case LOGICAL_AND: { return select(0, 1, a != 0 && b != 0); }
    case LOGICAL_OR: { return select(0, 1, a != 0 || b != 0); }
    case REMAINDER: {
      // Flooring: the truncated remainder moved to the divisor's sign.
      let r = fmodInt(a, b);
      return select(r, r + b, r != 0 && (r ^ b) < 0);
    }
    case FMOD: { return fmodInt(a, b); }
    case FLOOR_DIVIDE: {
      if (b == 0) {
        reportFault();
        return 0;
      }
      // INT_MIN / -1 overflows: negate instead of trusting every driver with WGSL's defined result.
      if (b == -1) {
        return -a;
      }
      let q = a / b;
      return select(q, q - 1, a % b != 0 && (a ^ b) < 0);
    }
    default: { return 0; }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = threadIndex(id, groups);
  if (i >= params.count) {
    return;
  }
  let at = stridedOffsets(i);
  if (DTYPE == FLOAT32) {
    out[at[0]] = binaryFloat(bitcast<f32>(a[at[1]]), bitcast<f32>(b[at[2]]));
  } else {
    out[at[0]] = bitcast<u32>(binaryInt(bitcast<i32>(a[at[1]]), bitcast<i32>(b[at[2]])));
  }
}
