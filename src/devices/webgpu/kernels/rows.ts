// How a row-wise kernel (softmax, sort) sees a view as rows along one dim, on WebGPU.
import { numel, type Shape } from '../../../shape.js';
import type { TensorView } from '../../device.js';
import { stridedWalk, type Walk } from '../launch.js';

/**
 * How a kernel that works on whole rows along one dim (softmax, sort) sees its operands: a row is
 * the elements along `dim` at one position of the other dims. Rows are numbered row-major over
 * those other dims, so row r of a contiguous output with `dim` resized to m starts at
 * (r / inner) * m * inner + r % inner, its elements `inner` apart.
 */
export interface RowLayout {
  /** The walk over the rows: stridedOffsets(r)[k] is where row r of operand k starts. */
  readonly walk: Walk;
  readonly rows: number;
  /** Elements per row. */
  readonly size: number;
  /** Each operand's stride along `dim`. */
  readonly strides: readonly number[];
  /** The product of the sizes after `dim`. */
  readonly inner: number;
}

/** The rows along `dim` of views of `shape` (a 0-d shape is one row of one element). */
export function rowsAlong(op: string, shape: Shape, dim: number, operands: readonly TensorView[]): RowLayout {
  const kept = shape.map((_, d) => d).filter((d) => d !== dim);
  const keptShape = kept.map((d) => shape[d]);
  const walk = stridedWalk(
    op,
    keptShape,
    operands.map((view) => ({ strides: kept.map((d) => view.strides[d]), offset: view.offset })),
  );
  return {
    walk,
    rows: numel(keptShape),
    size: shape[dim] ?? 1,
    strides: operands.map((view) => view.strides[dim] ?? 0),
    inner: numel(shape.slice(dim + 1)),
  };
}
