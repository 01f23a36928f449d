// Vectorised transcendental functions (f32x4) for the kernels that spend their time in them:
// activations, softmax and the recurrent cells. Polynomials and range reduction follow Cephes'
// single-precision expf/tanhf, accurate to about 2 ulp, well inside the 1e-5 relative error we
// allow against PyTorch (which uses SLEEF's 1-ulp versions).

const EXP_HIGH: f32 = 88.72283935546875;
const EXP_LOW: f32 = -87.33654022216797;

/** e^x per lane; +inf above the f32 range, 0 below the normal range. */
@inline export function expV(x: v128): v128 {
  const overflow = f32x4.gt(x, f32x4.splat(EXP_HIGH));
  const underflow = f32x4.lt(x, f32x4.splat(EXP_LOW));
  // pmin/pmax are single instructions (min/max carry NaN fix-ups); a NaN x passes through as NaN.
  const clamped = f32x4.pmin(f32x4.pmax(x, f32x4.splat(EXP_LOW)), f32x4.splat(EXP_HIGH));
  // x = n ln2 + r, |r| <= ln2 / 2, with ln2 split in two so n ln2 is exact.
  const n = f32x4.nearest(f32x4.mul(clamped, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(clamped, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  const r2 = f32x4.mul(r, r);
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const er = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1));
  // 2^n from exponent bits, applied in two halves so that n = 128 (at EXP_HIGH) and n = -126
  // (near EXP_LOW) never need an exponent field outside the normal range.
  // n is integral and small, so adding 1.5 * 2^23 puts it in the low mantissa bits: a cheaper
  // float-to-int conversion than the saturating one.
  const magic = f32x4.splat(12582912.0);
  const whole = i32x4.sub(f32x4.add(n, magic), magic);
  const half = i32x4.shr_s(whole, 1);
  const rest = i32x4.sub(whole, half);
  const scaleA = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const scaleB = i32x4.shl(i32x4.add(rest, i32x4.splat(127)), 23);
  const result = f32x4.mul(f32x4.mul(er, scaleA), scaleB);
  return v128.bitselect(f32x4.splat(Infinity), v128.andnot(result, underflow), overflow);
}

/** 1 / (1 + e^-x) per lane. */
@inline export function sigmoidV(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expV(f32x4.neg(x))));
}

/** tanh per lane: an odd polynomial near 0 (where 1 - 2/(e^2x + 1) cancels), the exp form elsewhere. */
@inline export function tanhV(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const e = expV(f32x4.mul(ax, f32x4.splat(2)));
  const large = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  const signedLarge = v128.or(large, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, signedLarge, f32x4.lt(ax, f32x4.splat(0.625)));
}
