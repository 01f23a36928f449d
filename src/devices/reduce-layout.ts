// How a reduction over some dims maps onto [outer, reduced, inner] loops, shared by both devices.
import { contiguousStrides, type Shape } from '../shape.js';
import { coalesce } from './coalesce.js';

/** How a reduction walks its input: kept dims N-d, and the reduced dims as one strided run. */
export interface ReduceLayout {
  keptShape: number[];
  keptStrides: number[];
  count: number;
  stride: number;
}

/**
 * Splits x's dims into kept and reduced, and returns the walk when the reduced dims form one
 * strided run; null when they do not (the caller copies x with reduced dims innermost and retries).
 */
export function reduceLayout(shape: Shape, strides: Shape, dims: readonly number[]): ReduceLayout | null {
  const reduced = new Set(dims);
  const keptDims = shape.map((_, d) => d).filter((d) => !reduced.has(d));
  const run = coalesce(
    dims.map((d) => shape[d]),
    [dims.map((d) => strides[d])],
  );
  if (run.shape.length !== 1) return null;
  const keptShapeFull = keptDims.map((d) => shape[d]);
  const kept = coalesce(keptShapeFull, [keptDims.map((d) => strides[d]), contiguousStrides(keptShapeFull)]);
  return { keptShape: kept.shape, keptStrides: kept.strides[0], count: run.shape[0], stride: run.strides[0][0] };
}

/** The permutation that moves `dims` innermost, keeping the order of the rest. */
export function reducedInnermost(ndim: number, dims: readonly number[]): number[] {
  const reduced = new Set(dims);
  return [...Array.from({ length: ndim }, (_, d) => d).filter((d) => !reduced.has(d)), ...dims];
}
