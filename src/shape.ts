/** Shape arithmetic shared by every op: sizes, strides, broadcasting, dim normalisation. */

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const size of shape) n *= size;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}

export function isContiguous(shape: Shape, strides: Shape): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((size, d) => size === b[d]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Wraps a possibly negative dim into [0, ndim), naming the op in the error as PyTorch does. */
export function normalizeDim(op: string, dim: number, ndim: number, argName = 'dim'): number {
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new RangeError(
      `${op}: ${argName} ${dim} is out of range for a tensor of ${ndim} dimension${ndim === 1 ? '' : 's'} (expected to be in range of [${lo}, ${hi}])`,
    );
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

export function broadcastShapes(op: string, a: Shape, b: Shape, names: [string, string] = ['input', 'other']): number[] {
  const ndim = Math.max(a.length, b.length);
  const out = new Array<number>(ndim);
  for (let i = 0; i < ndim; i++) {
    const sa = a[a.length - ndim + i] ?? 1;
    const sb = b[b.length - ndim + i] ?? 1;
    if (sa !== sb && sa !== 1 && sb !== 1) {
      throw new RangeError(
        `${op}: the shapes of ${names[0]} ${formatShape(a)} and ${names[1]} ${formatShape(b)} cannot be broadcast together (size ${sa} vs ${sb} at dimension ${i})`,
      );
    }
    out[i] = sa === 1 ? sb : sa;
  }
  return out;
}

/** Strides that read a tensor of `shape`/`strides` as if it had the (broadcast) shape `target`. */
export function broadcastStrides(shape: Shape, strides: Shape, target: Shape): number[] {
  const offset = target.length - shape.length;
  return target.map((size, d) => (d < offset || shape[d - offset] === 1 ? 0 : strides[d - offset]));
}

/** Resolves a single -1 in a requested shape and checks the element count, for view/reshape. */
export function inferShape(op: string, requested: Shape, count: number): number[] {
  let inferred = -1;
  let known = 1;
  requested.forEach((size, d) => {
    if (size === -1) {
      if (inferred !== -1) throw new RangeError(`${op}: only one dimension can be inferred, got ${formatShape(requested)}`);
      inferred = d;
    } else if (!Number.isInteger(size) || size < 0) {
      throw new RangeError(`${op}: invalid shape dimension ${size} in ${formatShape(requested)}`);
    } else {
      known *= size;
    }
  });
  const shape = [...requested];
  if (inferred !== -1) {
    if (known === 0 || count % known !== 0)
      throw new RangeError(`${op}: shape ${formatShape(requested)} is invalid for input of size ${count}`);
    shape[inferred] = count / known;
  } else if (known !== count) {
    throw new RangeError(`${op}: shape ${formatShape(requested)} is invalid for input of size ${count}`);
  }
  return shape;
}

/** Accepts both `f(2, 3)` and `f([2, 3])`, as PyTorch does for sizes. */
export function sizesFromArgs(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...(args[0] as readonly number[])];
  return args as number[];
}

/**
 * Strides for viewing a tensor as `newShape` without copying, or null when its memory layout
 * cannot express it (PyTorch's computeStride rule: each merged run of dims must be contiguous).
 */
export function viewStrides(shape: Shape, strides: Shape, newShape: Shape): number[] | null {
  const count = numel(shape);
  if (count === 0 || shape.length === 0) return contiguousStrides(newShape);
  const result = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1];
  let tensorElems = 1;
  let viewElems = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorElems *= shape[d];
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorElems * chunkBase)) {
      while (viewD >= 0 && (viewElems < tensorElems || newShape[viewD] === 1)) {
        result[viewD] = viewElems * chunkBase;
        viewElems *= newShape[viewD];
        viewD--;
      }
      if (viewElems !== tensorElems) return null;
      if (d > 0) {
        chunkBase = strides[d - 1];
        tensorElems = 1;
        viewElems = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return result;
}
