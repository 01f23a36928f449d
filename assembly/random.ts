// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as
// 1, 2, 3", the generator PyTorch's CUDA backend uses). A stream is a key (the 64-bit seed) and a
// starting counter (the generator's offset, in 128-bit blocks). Word j of the stream is word j % 4
// of the block at counter offset + floor(j / 4), and element i of every kernel reads only its own
// words, so each output is a pure function of (seed, offset, i): a WGSL kernel evaluating the same
// formula per invocation produces the same integers, uniforms and masks.
import { sortPairs } from './sort';
// multinomialF32's statuses, generated from src/devices/opcodes.ts.
import { OK, INVALID_WEIGHT, ZERO_ROW } from '../build/opcodes';

const M0: u32 = 0xD2511F53, M1: u32 = 0xCD9E8D57;
const W0: u32 = 0x9E3779B9, W1: u32 = 0xBB67AE85;

/** Words per SIMD evaluation of Philox: eight blocks. */
const GROUP = 32;
/** The words of one evaluation, in stream order (in the calling thread's scratch, as are the next three). */
let streamWords: usize = 0;
/** The group that one-word-at-a-time reads (multinomial) last evaluated. */
let staging: usize = 0;
/** Scratch for the last partial group: outputs and (Bernoulli) its probabilities, padded. */
let tailOut: usize = 0;
let tailProbs: usize = 0;
export const RANDOM_SCRATCH_BYTES: usize = 4 * GROUP * 4;

/** `base` must be 16-byte aligned. */
export function placeRandomScratch(base: usize): void {
  streamWords = base;
  staging = base + GROUP * 4;
  tailOut = base + 2 * GROUP * 4;
  tailProbs = base + 3 * GROUP * 4;
}

/** 2^-24: uniforms keep the top 24 bits of a word, the precision of a float32 in [0, 1). */
const UNIT: f32 = 5.9604644775390625e-8;

/** 32-bit lanes of the 64-bit counters block + first .. block + first + 3: low words, or high words. */
@inline function counterWords(block: u64, first: u64, high: bool): v128 {
  const shift: u64 = high ? 32 : 0;
  return i32x4(<i32>((block + first) >> shift), <i32>((block + first + 1) >> shift), <i32>((block + first + 2) >> shift), <i32>((block + first + 3) >> shift));
}

@inline function mulHigh(products: v128, productsHigh: v128): v128 {
  return v128.shuffle<i32>(products, productsHigh, 1, 3, 5, 7);
}

@inline function mulLow(products: v128, productsHigh: v128): v128 {
  return v128.shuffle<i32>(products, productsHigh, 0, 2, 4, 6);
}

/** Stores four blocks in stream order; lane l of cw holds word w of block l. */
@inline function storeBlocks(at: usize, c0: v128, c1: v128, c2: v128, c3: v128): void {
  const t0 = v128.shuffle<i32>(c0, c1, 0, 4, 1, 5), t1 = v128.shuffle<i32>(c0, c1, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(c2, c3, 0, 4, 1, 5), t3 = v128.shuffle<i32>(c2, c3, 2, 6, 3, 7);
  v128.store(at, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
  v128.store(at, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7), 16);
  v128.store(at, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5), 32);
  v128.store(at, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7), 48);
}

/**
 * Philox4x32-10 of the counter blocks block..block+7, written to streamWords in stream order. Two
 * sets of four blocks (a and b) go through the rounds side by side: a round is a chain of
 * dependent multiplies and shuffles, and the second chain fills its latency.
 */
function philoxGroup(block: u64, seedLow: u32, seedHigh: u32): void {
  let a0 = counterWords(block, 0, false), a1 = counterWords(block, 0, true), a2 = i32x4.splat(0), a3 = a2;
  let b0 = counterWords(block, 4, false), b1 = counterWords(block, 4, true), b2 = a2, b3 = a2;
  const m0 = i32x4.splat(M0), m1 = i32x4.splat(M1);
  let k0 = seedLow, k1 = seedHigh;
  for (let round = 0; round < 10; round++) {
    const key0 = i32x4.splat(k0), key1 = i32x4.splat(k1);
    // 32x32 -> 64-bit products of the four lanes, split into low and high words.
    const pa0 = i64x2.extmul_low_i32x4_u(a0, m0), pa0High = i64x2.extmul_high_i32x4_u(a0, m0);
    const pa2 = i64x2.extmul_low_i32x4_u(a2, m1), pa2High = i64x2.extmul_high_i32x4_u(a2, m1);
    const pb0 = i64x2.extmul_low_i32x4_u(b0, m0), pb0High = i64x2.extmul_high_i32x4_u(b0, m0);
    const pb2 = i64x2.extmul_low_i32x4_u(b2, m1), pb2High = i64x2.extmul_high_i32x4_u(b2, m1);
    a0 = v128.xor(v128.xor(mulHigh(pa2, pa2High), a1), key0);
    a2 = v128.xor(v128.xor(mulHigh(pa0, pa0High), a3), key1);
    a1 = mulLow(pa2, pa2High);
    a3 = mulLow(pa0, pa0High);
    b0 = v128.xor(v128.xor(mulHigh(pb2, pb2High), b1), key0);
    b2 = v128.xor(v128.xor(mulHigh(pb0, pb0High), b3), key1);
    b1 = mulLow(pb2, pb2High);
    b3 = mulLow(pb0, pb0High);
    k0 += W0;
    k1 += W1;
  }
  storeBlocks(streamWords, a0, a1, a2, a3);
  storeBlocks(streamWords + 64, b0, b1, b2, b3);
}

/** Uniform floats in [0, 1) from the top 24 bits of each word. */
@inline function unitUniform(words: v128): v128 {
  // 24-bit integers convert exactly with the signed conversion, one instruction where the unsigned one is many.
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(words, 8)), f32x4.splat(UNIT));
}

// ---- f32x4 log and sin/cos for Box-Muller (Cephes single-precision polynomials) -----------------

/** ln x per lane for normal, positive x (the uniforms Box-Muller feeds it are in [2^-24, 1]). */
@inline function logV(x: v128): v128 {
  let exponent = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(126)));
  let m = v128.or(v128.and(x, i32x4.splat(0x007FFFFF)), i32x4.splat(0x3F000000));
  // m in [0.5, 1): fold into [sqrt(1/2), sqrt(2)) - 1 so the polynomial argument stays small.
  const low = f32x4.lt(m, f32x4.splat(0.707106781186547524));
  exponent = f32x4.sub(exponent, v128.and(f32x4.splat(1), low));
  m = f32x4.sub(f32x4.add(m, v128.and(m, low)), f32x4.splat(1));
  const z = f32x4.mul(m, m);
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, m), f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = f32x4.add(y, f32x4.mul(exponent, f32x4.splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  return f32x4.add(f32x4.add(m, y), f32x4.mul(exponent, f32x4.splat(0.693359375)));
}

/** sin(a) for |a| <= pi/4. */
@inline function sinNear0(a: v128, z: v128): v128 {
  let p = f32x4.splat(-1.9515295891e-4);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(8.3321608736e-3));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-1.6666654611e-1));
  return f32x4.add(f32x4.mul(f32x4.mul(p, z), a), a);
}

/** cos(a) for |a| <= pi/4, given z = a^2. */
@inline function cosNear0(z: v128): v128 {
  let p = f32x4.splat(2.443315711809948e-5);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-1.388731625493765e-3));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(4.166664568298827e-2));
  return f32x4.add(f32x4.sub(f32x4.splat(1), f32x4.mul(z, f32x4.splat(0.5))), f32x4.mul(f32x4.mul(z, z), p));
}

/**
 * Box-Muller on pairs of words: lanes 0 and 2 of the result are r cos(theta), lanes 1 and 3 are
 * r sin(theta), where (r, theta) come from the words in lanes (0, 1) and (2, 3) of a and of b:
 * `a` gives output elements 0..3, `b` elements 4..7. The angle is reduced to its quadrant
 * exactly, in integers, so no large-argument reduction is needed.
 */
@inline function boxMullerPair(a: v128, b: v128, mean: v128, std: v128, second: bool): v128 {
  const radiusWords = v128.shuffle<i32>(a, b, 0, 2, 4, 6);
  const angleWords = v128.shuffle<i32>(a, b, 1, 3, 5, 7);
  // u1 in (0, 1] keeps log finite.
  const u1 = f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(i32x4.shr_u(radiusWords, 8), i32x4.splat(1))), f32x4.splat(UNIT));
  const radius = f32x4.sqrt(f32x4.mul(logV(u1), f32x4.splat(-2)));
  // theta = 2 pi v with v = a / 2^24: in quarter turns 4v = q + f, q the nearest integer, found
  // exactly in integers (a quarter turn is 2^22 units), and |f| <= 1/2.
  const angleUnits = i32x4.shr_u(angleWords, 8);
  const quadrant = i32x4.shr_u(i32x4.add(angleUnits, i32x4.splat(1 << 21)), 22);
  const fraction = i32x4.sub(angleUnits, i32x4.shl(quadrant, 22));
  const angle = f32x4.mul(f32x4.convert_i32x4_s(fraction), f32x4.splat(<f32>(1.5707963267948966 / 4194304.0)));
  const z = f32x4.mul(angle, angle);
  const s = sinNear0(angle, z), c = cosNear0(z);
  // Rotate by the quadrant: odd quadrants swap sin and cos, and bit 1 of q (sin) or of q + 1 (cos) flips the sign.
  const odd = i32x4.ne(v128.and(quadrant, i32x4.splat(1)), i32x4.splat(0));
  const sinTheta = v128.xor(v128.bitselect(c, s, odd), i32x4.shl(v128.and(quadrant, i32x4.splat(2)), 30));
  const cosTheta = v128.xor(v128.bitselect(s, c, odd), i32x4.shl(v128.and(i32x4.add(quadrant, i32x4.splat(1)), i32x4.splat(2)), 30));
  const zc = f32x4.add(mean, f32x4.mul(std, f32x4.mul(radius, cosTheta)));
  const zs = f32x4.add(mean, f32x4.mul(std, f32x4.mul(radius, sinTheta)));
  return second ? v128.shuffle<i32>(zc, zs, 2, 6, 3, 7) : v128.shuffle<i32>(zc, zs, 0, 4, 1, 5);
}

// ---- kernels --------------------------------------------------------------------------------------

const UNIFORM = 0, NORMAL = 1, INTEGER = 2, BERNOULLI = 3;

/** Sixteen outputs from the sixteen words at `words`; `probs` points at their probabilities (Bernoulli only). */
@inline function transformWords(kind: i32, words: usize, out: usize, p0: f32, p1: f32, intLow: i32, range: u32, fullRange: bool, probs: usize, probStride: i32): void {
  const w0 = v128.load(words), w1 = v128.load(words, 16);
  const w2 = v128.load(words, 32), w3 = v128.load(words, 48);
  if (kind == NORMAL) {
    const mean = f32x4.splat(p0), std = f32x4.splat(p1);
    v128.store(out, boxMullerPair(w0, w1, mean, std, false));
    v128.store(out, boxMullerPair(w0, w1, mean, std, true), 16);
    v128.store(out, boxMullerPair(w2, w3, mean, std, false), 32);
    v128.store(out, boxMullerPair(w2, w3, mean, std, true), 48);
  } else if (kind == UNIFORM) {
    const low = f32x4.splat(p0), width = f32x4.splat(p1 - p0);
    v128.store(out, f32x4.add(low, f32x4.mul(width, unitUniform(w0))));
    v128.store(out, f32x4.add(low, f32x4.mul(width, unitUniform(w1))), 16);
    v128.store(out, f32x4.add(low, f32x4.mul(width, unitUniform(w2))), 32);
    v128.store(out, f32x4.add(low, f32x4.mul(width, unitUniform(w3))), 48);
  } else if (kind == INTEGER) {
    const low = i32x4.splat(intLow);
    v128.store(out, i32x4.add(low, scaleWords(w0, range, fullRange)));
    v128.store(out, i32x4.add(low, scaleWords(w1, range, fullRange)), 16);
    v128.store(out, i32x4.add(low, scaleWords(w2, range, fullRange)), 32);
    v128.store(out, i32x4.add(low, scaleWords(w3, range, fullRange)), 48);
  } else {
    v128.store(out, bernoulliMask(w0, probs, probStride, 0));
    v128.store(out, bernoulliMask(w1, probs, probStride, 4), 16);
    v128.store(out, bernoulliMask(w2, probs, probStride, 8), 32);
    v128.store(out, bernoulliMask(w3, probs, probStride, 12), 48);
  }
}

/** floor(word * range / 2^32): an integer in [0, range), without division. */
@inline function scaleWords(words: v128, range: u32, fullRange: bool): v128 {
  if (fullRange) return words;
  const r = i32x4.splat(range);
  return v128.shuffle<i32>(i64x2.extmul_low_i32x4_u(words, r), i64x2.extmul_high_i32x4_u(words, r), 1, 3, 5, 7);
}

@inline function bernoulliMask(words: v128, probs: usize, probStride: i32, first: i32): v128 {
  const p = probStride == 0 ? v128.load32_splat(probs) : v128.load(probs + (<usize>first << 2));
  return v128.and(f32x4.lt(unitUniform(words), p), f32x4.splat(1));
}


@inline function generate(kind: i32, out: usize, n: i32, seedLow: u32, seedHigh: u32, offset: f64, p0: f32, p1: f32, intLow: i32, range: u32, fullRange: bool, probs: usize, probStride: i32): void {
  const first = <u64>offset;
  const half = <usize>(GROUP / 2) << 2;
  for (let base = 0; base < n; base += GROUP) {
    philoxGroup(first + <u64>(base >> 2), seedLow, seedHigh);
    const count = min(GROUP, n - base);
    let target = out + (<usize>base << 2);
    let groupProbs = probs + (<usize>(base * probStride) << 2);
    if (count < GROUP) {
      // Never write or read past the caller's buffers: the last group goes through padded scratch.
      target = tailOut;
      if (kind == BERNOULLI && probStride != 0) {
        memory.fill(tailProbs, 0, GROUP * 4);
        memory.copy(tailProbs, groupProbs, <usize>count << 2);
        groupProbs = tailProbs;
      }
    }
    transformWords(kind, streamWords, target, p0, p1, intLow, range, fullRange, groupProbs, probStride);
    transformWords(kind, streamWords + half, target + half, p0, p1, intLow, range, fullRange, groupProbs + half * probStride, probStride);
    if (count < GROUP) memory.copy(out + (<usize>base << 2), tailOut, <usize>count << 2);
  }
}

/** out[i] = low + (high - low) * u_i, u_i uniform in [0, 1); n float32 outputs, contiguous. */
export function randomUniformF32(out: usize, n: i32, seedLow: u32, seedHigh: u32, offset: f64, low: f32, high: f32): void {
  generate(UNIFORM, out, n, seedLow, seedHigh, offset, low, high, 0, 0, false, 0, 0);
}

/** out[i] = mean + std * z_i, z_i standard normal (Box-Muller on words 2k, 2k+1); n float32 outputs. */
export function randomNormalF32(out: usize, n: i32, seedLow: u32, seedHigh: u32, offset: f64, mean: f32, std: f32): void {
  generate(NORMAL, out, n, seedLow, seedHigh, offset, mean, std, 0, 0, false, 0, 0);
}

/** out[i] = low + floor(word_i * range / 2^32), int32 in [low, low + range); range <= 2^32. */
export function randomIntI32(out: usize, n: i32, seedLow: u32, seedHigh: u32, offset: f64, low: i32, range: f64): void {
  generate(INTEGER, out, n, seedLow, seedHigh, offset, 0, 0, low, <u32><u64>range, range >= 4294967296.0, 0, 0);
}

/** out[i] = u_i < p_i ? 1 : 0 (float32); p is one float (probStride 0) or n contiguous floats (probStride 1). */
export function bernoulliF32(out: usize, n: i32, probs: usize, probStride: i32, seedLow: u32, seedHigh: u32, offset: f64): void {
  generate(BERNOULLI, out, n, seedLow, seedHigh, offset, 0, 0, 0, 0, false, probs, probStride);
}

// ---- multinomial ------------------------------------------------------------------------------------

let stagedGroup: i64 = -1;

/** Word j of the stream, for kernels that read words one at a time. */
function streamWord(j: i64, seedLow: u32, seedHigh: u32, first: u64): u32 {
  const group = j / GROUP;
  if (group != stagedGroup) {
    philoxGroup(first + <u64>group * (GROUP / 4), seedLow, seedHigh);
    memory.copy(staging, streamWords, GROUP * 4);
    stagedGroup = group;
  }
  return load<u32>(staging + (<usize>(j % GROUP) << 2));
}

/** Bytes of scratch multinomialF32 needs for rows of `categories` weights. */
export function multinomialScratchBytes(categories: i32): i32 {
  return categories * 16;
}

/**
 * Draws `samples` category indices per row of `weights` (contiguous [rows, categories], not
 * necessarily normalised) into out (int32 [rows, samples]). With replacement, sample s of row r
 * inverts the row's cumulative sum at word r * samples + s. Without, row r gives category j the key
 * -log(u_j) / w_j, an exponential variable of rate w_j, from word r * categories + j and takes the
 * `samples` smallest keys in order (the exponential race, equivalent to drawing one category at a
 * time and removing it); zero weights (key +inf) come last, in index order. Returns 1 when a weight
 * is negative, infinite or NaN, 2 when a row sums to zero, and writes nothing then. `scratch` holds
 * multinomialScratchBytes(categories) bytes.
 */
export function multinomialF32(out: usize, weights: usize, rows: i32, categories: i32, samples: i32, replacement: bool, scratch: usize, seedLow: u32, seedHigh: u32, offset: f64): i32 {
  for (let r = 0; r < rows; r++) {
    let total: f64 = 0;
    for (let j = 0; j < categories; j++) {
      const w = load<f32>(weights + (<usize>(r * categories + j) << 2));
      if (!(w >= 0) || !isFinite(w)) return INVALID_WEIGHT;
      total += w;
    }
    if (total <= 0) return ZERO_ROW;
  }
  stagedGroup = -1;
  const first = <u64>offset;
  for (let r = 0; r < rows; r++) {
    const row = weights + (<usize>(r * categories) << 2);
    const rowOut = out + (<usize>(r * samples) << 2);
    if (replacement) {
      const cumulative = scratch;
      let total: f64 = 0;
      for (let j = 0; j < categories; j++) {
        total += <f64>load<f32>(row + (<usize>j << 2));
        store<f64>(cumulative + (<usize>j << 3), total);
      }
      for (let s = 0; s < samples; s++) {
        const target = <f64>streamWord(<i64>r * samples + s, seedLow, seedHigh, first) * 2.3283064365386963e-10 * total;
        // The first category whose cumulative weight exceeds the target; zero weights never qualify.
        let lo = 0, hi = categories - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (load<f64>(cumulative + (<usize>mid << 3)) > target) hi = mid;
          else lo = mid + 1;
        }
        store<i32>(rowOut + (<usize>s << 2), lo);
      }
    } else {
      const keys = scratch, indices = scratch + (<usize>categories << 2);
      for (let j = 0; j < categories; j++) {
        const w = <f64>load<f32>(row + (<usize>j << 2));
        const u = (<f64>streamWord(<i64>r * categories + j, seedLow, seedHigh, first) + 0.5) * 2.3283064365386963e-10;
        // Keys are positive (or +inf), and positive floats order as their bit patterns.
        store<u32>(keys + (<usize>j << 2), reinterpret<u32>(<f32>(-Math.log(u) / w)));
        store<i32>(indices + (<usize>j << 2), j);
      }
      sortPairs(keys, indices, categories, scratch + (<usize>categories << 3), scratch + (<usize>categories * 12));
      memory.copy(rowOut, indices, <usize>samples << 2);
    }
  }
  return OK;
}
