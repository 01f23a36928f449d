// a * b + c four lanes at a time: fused, with one rounding, in the relaxed-SIMD build; a multiply then an add in the plain one.

/**
 * The GEMM tile's multiply-accumulate. `f32x4.relaxed_madd` may fuse or not, as the machine does it
 * fastest (x86 with FMA and ARM fuse), so the relaxed build's products can differ from the plain
 * build's in the last bits; a build is one or the other for the whole process, so results do not
 * change from run to run or with the thread count.
 */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
