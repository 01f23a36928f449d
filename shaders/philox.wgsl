// The CPU kernels' counter-based stream (assembly/random.ts, RandomStream in src/devices/device.ts):
// Philox4x32-10 keyed by the 64-bit seed, block b of a stream at counter offset + b. Each thread
// evaluates the blocks of its own elements, so every device draws the same words. Launches have
// the uniforms seedLow, seedHigh, offsetLow and offsetHigh (the stream's counter offset in halves).

/** The four words of block `block` of the stream. */
fn streamBlock(block: u32) -> vec4u {
  let low = params.offsetLow + block;
  var c = vec4u(low, params.offsetHigh + select(0u, 1u, low < block), 0u, 0u);
  var key = vec2u(params.seedLow, params.seedHigh);
  for (var round = 0u; round < 10u; round++) {
    let p0 = mulAdd64(0xD2511F53u, c.x, 0u);
    let p1 = mulAdd64(0xCD9E8D57u, c.z, 0u);
    c = vec4u(p1.y ^ c.y ^ key.x, p1.x, p0.y ^ c.w ^ key.y, p0.x);
    key += vec2u(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}

/** Word j of the stream, for kernels that read words one at a time. */
fn streamWord(j: u32) -> u32 {
  return streamBlock(j / 4u)[j % 4u];
}

/** A uniform float in [0, 1) from the top 24 bits of a word (exactly, as on the CPU). */
fn unitUniform(word: u32) -> f32 {
  return f32(word >> 8u) * 5.9604644775390625e-8;
}
