// Shared by gather, scatter and scatter-add. They walk the index's shape (their first walk operand
// is the indexed tensor with its stride along `dim` zeroed): the stride along `dim`, params.dimStride,
// multiplies the index value instead of a coordinate, as on the CPU (assembly/indexing.ts).
// Every launch binds `index` (int32) and has the uniforms dimStride and dimSize.

/** The index value at element `at` of `index`; outside [0, dimSize) it reports a fault and gives -1. */
fn checkedIndex(at: i32) -> i32 {
  let value = bitcast<i32>(index[at]);
  if (value < 0 || value >= params.dimSize) {
    reportFaultValue(value);
    return -1;
  }
  return value;
}
