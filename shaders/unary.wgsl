// out = op(x), walk operands out and x. OP is an opcode constant (NEG, EXP, ...; see the UnaryOp
// type); float32 ops take params.p0 and params.p1 (clamp bounds, exponent, slope, scale and shift,
// elu's alpha and scale, softplus's beta and threshold).
// int32 and bool inputs have neg, abs, sign, square and logicalNot. NaN behaves as on the CPU:
// relu and clamp keep it, sign(NaN) is 0.

fn unaryFloat(x: f32, p0: f32, p1: f32) -> f32 {
  switch OP {
    case NEG: { return -x; }
    case ABS: { return bitcast<f32>(bitcast<u32>(x) & 0x7fffffffu); }
    case EXP: { return expAccurate(x); }
    case LOG: { return logAccurate(x); }
    case LOG2: {
      // log's result (within 1 ulp) times 1 / ln 2 stays within 2 ulp, and a power of two (a
      // mantissa of exactly 0.5) gets its exact exponent, as C's log2f gives on the CPU.
      let parts = frexp(x);
      return select(logAccurate(x) * 1.4426950408889634, f32(parts.exp - 1), parts.fract == 0.5);
    }
    case SQRT: { return sqrt(x); }
    case RSQRT: { return 1.0 / sqrt(x); }
    case SIN: { return sinCos(x, false); }
    case COS: { return sinCos(x, true); }
    case TANH: { return tanhAccurate(x); }
    case SIGMOID: { return sigmoidAccurate(x); }
    case RELU: { return select(0.0, x, x > 0.0 || isNan(x)); }
    case SIGN: { return select(select(0.0, -1.0, x < 0.0), 1.0, x > 0.0); }
    case FLOOR: { return floor(x); }
    case CEIL: { return ceil(x); }
    case ROUND: { return round(x); }
    case TRUNC: { return trunc(x); }
    case RECIPROCAL: { return 1.0 / x; }
    case SQUARE: { return x * x; }
    case CLAMP: { return select(min(max(x, p0), p1), x, isNan(x)); }
    case POW_SCALAR: { return powAccurate(x, p0); }
    case RPOW_SCALAR: { return powAccurate(p0, x); }
    case AFFINE: { return x * p0 + p1; }
    case LEAKY_RELU: { return select(x * p0, x, x > 0.0); }
    case GT_SCALAR: { return select(0.0, 1.0, x > p0 && !isNan(x)); }
    case ERF: { return erfAccurate(x); }
    case LOG1P: { return log1pAccurate(x); }
    case EXPM1: { return expm1Accurate(x); }
    case SILU: { return x / (1.0 + expAccurate(-x)); }
    case ELU: { return select((expAccurate(x) - 1.0) * (p0 * p1), x * p1, x > 0.0); }
    case SOFTPLUS: { return select(log1pAccurate(expAccurate(x * p0)) / p0, x, x * p0 > p1); }
    case MISH: { return x * tanhAccurate(log1pAccurate(expAccurate(x))); }
    case LOG_SIGMOID: { return min(x, 0.0) - log1pAccurate(expAccurate(-abs(x))); }
    default: { return x; }
  }
}

fn unaryInt(x: i32) -> i32 {
  switch OP {
    case NEG: { return -x; }
    case ABS: { return abs(x); }
    case SIGN: { return sign(x); }
    case SQUARE: { return x * x; }
    case LOGICAL_NOT: { return select(0, 1, x == 0); }
    default: { return x; }
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
    out[at[0]] = bitcast<u32>(unaryFloat(bitcast<f32>(x[at[1]]), params.p0, params.p1));
  } else {
    out[at[0]] = bitcast<u32>(unaryInt(bitcast<i32>(x[at[1]])));
  }
}
