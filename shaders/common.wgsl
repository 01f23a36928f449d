// Helpers every kernel shares. Elements of every dtype are 32-bit words (float32, int32, and bool
// as 0/1), so storage buffers are array<u32> and kernels bitcast: one binding layout serves every
// dtype. The preamble before this file declares WORKGROUP_SIZE, the launch's constants, `params`
// (its uniforms) and its storage buffers (src/devices/webgpu/launch.ts).

/** This thread's position in a 1-D launch; grids wider than 65535 workgroups wrap into rows (y). */
fn threadIndex(id: vec3u, groups: vec3u) -> u32 {
  return id.x + id.y * groups.x * WORKGROUP_SIZE;
}

/** The workgroup's position in a launch of one workgroup per item, wrapped the same way. */
fn workgroupIndex(group: vec3u, groups: vec3u) -> u32 {
  return group.x + group.y * groups.x;
}

// NaN and infinity tests look at the bits: GPU compilers may assume floats are never NaN and fold
// `x != x` to false (lavapipe does), so comparisons cannot be trusted with NaN.
fn isNan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

fn isInf(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u;
}

fn isFinite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// A WGSL constant expression may not evaluate to NaN or infinity, so these are built at run time
// from bits held in private variables.
var<private> nanBits: u32 = 0x7fc00000u;
var<private> infinityBits: u32 = 0x7f800000u;

fn nan() -> f32 {
  return bitcast<f32>(nanBits);
}

fn infinity() -> f32 {
  return bitcast<f32>(infinityBits);
}

/**
 * Knuth's two-sum: a + b rounded, and its rounding error exactly (IEEE arithmetic); the error of an
 * infinite or NaN sum is 0, so it adds nothing to what the sum already says.
 */
fn twoSum(a: f32, b: f32) -> vec2f {
  let s = a + b;
  let finite = isFinite(s);
  // The error terms go through a select the compiler cannot see through: lavapipe's NIR rewrites
  // (a + b) - a to b for float ops not marked exact, which would make every error term 0.
  let opaque = select(0.0, s, finite);
  let bVirtual = opaque - a;
  let error = (a - (opaque - bVirtual)) + (b - bVirtual);
  return vec2f(s, select(0.0, error, finite));
}

/** Whether a * b, wrapped to `product`, left int32: the truncating division undoes it exactly when not. */
fn productOverflows(a: i32, b: i32, product: i32) -> bool {
  if (a == 0) { return false; }
  // -1 * INT_MIN is the one product whose check would divide INT_MIN by -1.
  if (a == -1) { return b == -2147483647 - 1; }
  return product / a != b;
}
