// Matrix products: matmul, mm, bmm.
import { record } from '../graph/record.js';
import { broadcastShapes, formatShape, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastView } from './elementwise.js';
import { checkDtype, checkSameDevice, checkTensor } from './util.js';
import { squeeze, transpose, unsqueeze } from './views.js';

/**
 * Batched product of operands that are both at least 2-D; batch dims broadcast. Errors name
 * `callerShapes`, the shapes the user passed before 1-D operands were promoted.
 */
function batchedMatmul(op: string, a: Tensor, b: Tensor, callerShapes: readonly [Shape, Shape] = [a.shape, b.shape]): Tensor {
  const [M, K] = a.shape.slice(-2);
  const [K2, N] = b.shape.slice(-2);
  if (K !== K2) {
    throw new RangeError(
      `${op}: inner dimensions must match, got input ${formatShape(callerShapes[0])} and other ${formatShape(callerShapes[1])} (${K} != ${K2})`,
    );
  }
  const batch = broadcastShapes(op, a.shape.slice(0, -2), b.shape.slice(0, -2), ['input batch dims', 'other batch dims']);
  const out = Tensor.empty([...batch, M, N], 'float32', a.deviceObject);
  if (out.numel() > 0) {
    if (K === 0) out.deviceObject.kernels.fill(out, 0);
    else out.deviceObject.kernels.matmul(out, broadcastView(a, [...batch, M, K]), broadcastView(b, [...batch, K, N]));
  }
  return record(op === 'mm' ? 'MmBackward0' : op === 'bmm' ? 'BmmBackward0' : 'MatmulBackward0', out, [a, b], (save) => {
    const x = save(a);
    const y = save(b);
    // Gradients come back with the broadcast batch shape; the engine sums them to each input's.
    return (g) => [batchedMatmul(op, g, transpose(y, -1, -2)), batchedMatmul(op, transpose(x, -1, -2), g)];
  });
}

function checkOperands(op: string, input: Tensor, other: Tensor): void {
  checkTensor(op, 'input', input);
  checkTensor(op, 'other', other);
  checkSameDevice(op, { input, other });
  checkDtype(op, 'input', input, ['float32']);
  checkDtype(op, 'other', other, ['float32']);
}

/**
 * PyTorch's matmul: 1-D x 1-D is a dot product, a 1-D operand is treated as a row (left) or
 * column (right) vector and that dim is dropped from the result, and batch dims broadcast.
 */
export function matmul(input: Tensor, other: Tensor): Tensor {
  checkOperands('matmul', input, other);
  if (input.shape.length === 0 || other.shape.length === 0) {
    throw new RangeError(
      `matmul: both arguments need at least 1 dimension, got input ${formatShape(input.shape)} and other ${formatShape(other.shape)}`,
    );
  }
  const a = input.shape.length === 1 ? unsqueeze(input, 0) : input;
  const b = other.shape.length === 1 ? unsqueeze(other, -1) : other;
  try {
    let out = batchedMatmul('matmul', a, b, [input.shape, other.shape]);
    if (input.shape.length === 1) out = squeezeAndRelease(out, -2);
    if (other.shape.length === 1) out = squeezeAndRelease(out, -1);
    return out;
  } finally {
    if (a !== input) a.dispose();
    if (b !== other) b.dispose();
  }
}

function squeezeAndRelease(x: Tensor, dim: number): Tensor {
  const out = squeeze(x, dim);
  x.dispose();
  return out;
}

/** Matrix product of two 2-D tensors. */
export function mm(input: Tensor, other: Tensor): Tensor {
  checkOperands('mm', input, other);
  if (input.shape.length !== 2) throw new RangeError(`mm: input must be a matrix (2-D), got shape ${formatShape(input.shape)}`);
  if (other.shape.length !== 2) throw new RangeError(`mm: other must be a matrix (2-D), got shape ${formatShape(other.shape)}`);
  return batchedMatmul('mm', input, other);
}

/** Batched matrix product of two 3-D tensors with equal batch sizes (no broadcasting). */
export function bmm(input: Tensor, other: Tensor): Tensor {
  checkOperands('bmm', input, other);
  if (input.shape.length !== 3) throw new RangeError(`bmm: input must be a 3-D tensor, got shape ${formatShape(input.shape)}`);
  if (other.shape.length !== 3) throw new RangeError(`bmm: other must be a 3-D tensor, got shape ${formatShape(other.shape)}`);
  if (input.shape[0] !== other.shape[0])
    throw new RangeError(`bmm: batch sizes must match, got input ${formatShape(input.shape)} and other ${formatShape(other.shape)}`);
  return batchedMatmul('bmm', input, other);
}

declare module '../tensor.js' {
  interface Tensor {
    matmul(other: Tensor): Tensor;
    mm(other: Tensor): Tensor;
    bmm(other: Tensor): Tensor;
  }
}

Object.assign(Tensor.prototype, {
  matmul(this: Tensor, other: Tensor) {
    return matmul(this, other);
  },
  mm(this: Tensor, other: Tensor) {
    return mm(this, other);
  },
  bmm(this: Tensor, other: Tensor) {
    return bmm(this, other);
  },
});
