/** dot and outer: products of two vectors, composed from elementwise products and sums. */
import { recordComposite } from '../graph/record.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { mul } from './elementwise.js';
import { sum } from './reduce.js';
import { checkTensor } from './util.js';
import { reshape } from './views.js';

function checkVectors(op: string, input: Tensor, other: Tensor): void {
  checkTensor(op, 'input', input);
  checkTensor(op, 'other', other);
  if (input.dim() !== 1 || other.dim() !== 1)
    throw new RangeError(`${op}: 1-D tensors expected, got shapes ${formatShape(input.shape)} and ${formatShape(other.shape)}`);
  if (input.dtype !== other.dtype)
    throw new TypeError(`${op}: input and other must have the same dtype, got ${input.dtype} and ${other.dtype}`);
}

/** `dot(input, other)`: the sum of the products of two vectors of one length, 0-d. Also `x.dot(other)`. */
export function dot(input: Tensor, other: Tensor): Tensor {
  checkVectors('dot', input, other);
  if (input.shape[0] !== other.shape[0])
    throw new RangeError(`dot: inconsistent tensor size, input has ${input.shape[0]} elements and other ${other.shape[0]}`);
  return recordComposite(
    'DotBackward0',
    [input, other],
    () => sum(mul(input, other)),
    (save) => {
      const a = save(input);
      const b = save(other);
      return (g) => [mul(g, b), mul(g, a)];
    },
  );
}

/** `outer(input, other)`: the matrix of products input[i] * other[j]. Also `x.outer(other)`. */
export function outer(input: Tensor, other: Tensor): Tensor {
  checkVectors('outer', input, other);
  return mul(reshape(input, [-1, 1]), other);
}

Object.assign(Tensor.prototype, {
  dot(this: Tensor, other: Tensor) {
    return dot(this, other);
  },
  outer(this: Tensor, other: Tensor) {
    return outer(this, other);
  },
});

declare module '../tensor.js' {
  interface Tensor {
    /** `torch.dot(this, other)`. */
    dot(other: Tensor): Tensor;
    /** `torch.outer(this, other)`. */
    outer(other: Tensor): Tensor;
  }
}
