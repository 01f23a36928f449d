// Merges a view's adjacent dims whose strides chain, so kernels walk fewer, longer loops.
import type { Shape } from '../shape.js';

/**
 * Merges adjacent dims that every operand walks contiguously and drops size-1 dims, so kernels get
 * the fewest, longest rows the layouts allow: a contiguous 4-D add becomes one flat row.
 */
export function coalesce(shape: Shape, stridesList: readonly Shape[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && stridesList.every((strides, k) => outStrides[k][last] === strides[d] * shape[d]);
    if (mergeable) {
      outShape[last] *= shape[d];
      stridesList.forEach((strides, k) => (outStrides[k][last] = strides[d]));
    } else {
      outShape.push(shape[d]);
      stridesList.forEach((strides, k) => outStrides[k].push(strides[d]));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: stridesList.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}
