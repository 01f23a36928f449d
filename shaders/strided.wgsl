// Strided N-d walks, shared by every kernel that reads or writes views: transposes, slices and
// broadcasts (stride 0) need no copy first. A walking launch's uniforms hold `count` (positions),
// `ndim` and `shape` (innermost last, adjacent dims already merged where every operand allows, see
// src/devices/coalesce.ts), and per operand k its first element `offsets[k]` and its `strides`
// (OPERANDS blocks of RANK_SLOTS vec4s). Shapes have at most 4 * RANK_SLOTS dims.

fn shapeAt(d: u32) -> u32 {
  return params.shape[d / 4u][d % 4u];
}

/** The element offset, in every operand, of row-major position `index` of the shape. */
fn stridedOffsets(index: u32) -> array<i32, OPERANDS> {
  var at: array<i32, OPERANDS>;
  for (var k = 0u; k < OPERANDS; k++) {
    at[k] = params.offsets[k / 4u][k % 4u];
  }
  var rest = index;
  for (var d = params.ndim; d > 0u; d--) {
    let size = shapeAt(d - 1u);
    let coordinate = i32(rest % size);
    rest /= size;
    for (var k = 0u; k < OPERANDS; k++) {
      at[k] += coordinate * params.strides[k * RANK_SLOTS + (d - 1u) / 4u][(d - 1u) % 4u];
    }
  }
  return at;
}
