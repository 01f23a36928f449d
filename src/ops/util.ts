// Argument checks and helpers the ops share: tensors, dtypes, devices, scalars.
import type { Device } from '../devices/device.js';
import { defaultDevice, getDevice } from '../devices/registry.js';
import { type DType, resolveDtype } from '../dtype.js';
import { isGradEnabled } from '../graph/grad-mode.js';
import type { Node } from '../graph/node.js';
import { markRebased, rebaseView } from '../graph/views.js';
import { checkOptions, describeValue, optionKeys } from '../options.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Options every creation function takes. */
export interface TensorOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}

export const TENSOR_OPTIONS = optionKeys<TensorOptions>({ dtype: true, device: true, requiresGrad: true });

/** Checks the options of a creation function (see checkOptions) and resolves its dtype alias. */
export function checkTensorOptions(
  op: string,
  options: TensorOptions | undefined,
  accepted: readonly string[] = TENSOR_OPTIONS,
): TensorOptions {
  const checked = checkOptions(op, options, accepted);
  return checked.dtype === undefined ? checked : { ...checked, dtype: resolveDtype(op, checked.dtype) };
}

export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | Scalar;

export function resolveDevice(device?: string | Device): Device {
  if (device === undefined) return defaultDevice();
  return typeof device === 'string' ? getDevice(device) : device;
}

/** Validates a tensor argument: the right kind of value, and not disposed. */
export function checkTensor(op: string, argName: string, value: unknown): Tensor {
  if (!(value instanceof Tensor)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new TypeError(`${op}: argument '${argName}' must be a Tensor, got ${got}`);
  }
  value.assertAlive(op, `argument '${argName}'`);
  value.assertReady(op, `argument '${argName}'`);
  return value;
}

/** Checks that tensors live on one device, naming both when they do not. */
export function checkSameDevice(op: string, named: Record<string, Tensor>): Device {
  const entries = Object.entries(named);
  const [firstName, first] = entries[0];
  for (const [name, tensor] of entries.slice(1)) {
    if (tensor.storage.device !== first.storage.device) {
      throw new Error(
        `${op}: expected all tensors to be on the same device, but '${firstName}' is on ${first.device} and '${name}' is on ${tensor.device}`,
      );
    }
  }
  return first.storage.device;
}

export function checkDtype(op: string, argName: string, tensor: Tensor, allowed: readonly DType[]): void {
  if (!allowed.includes(tensor.dtype)) {
    throw new TypeError(
      `${op}: argument '${argName}' must have dtype ${allowed.join(' or ')}, got ${tensor.dtype} (shape ${formatShape(tensor.shape)})`,
    );
  }
}

/**
 * Validates an operand that may be a scalar: JavaScript would turn a string, undefined, null or
 * an array into NaN or 0 and compute on, where Python raises.
 */
export function checkTensorOrScalar(op: string, argName: string, value: unknown): TensorOrScalar {
  if (value instanceof Tensor) return checkTensor(op, argName, value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  throw new TypeError(`${op}: ${argName} must be a Tensor, a number or a boolean, got ${describeValue(value)}`);
}

/** The dtype PyTorch gives a Python scalar: int for integral numbers, float otherwise. */
export function scalarDtype(value: Scalar): DType {
  if (typeof value === 'boolean') return 'bool';
  return Number.isInteger(value) ? 'int32' : 'float32';
}

/** A 0-d tensor holding `value`, for scalar operands. */
export function scalarTensor(value: Scalar, dtype: DType, device: Device): Tensor {
  const out = Tensor.empty([], dtype, device);
  device.kernels.fill(out, Number(value));
  return out;
}

/**
 * Bumps the storage version after an in-place write (so saved-for-backward copies can detect it)
 * and, with grad mode on, gives the written tensor its new history: `node` produced the new
 * values, or null when they carry no gradient (fill_, a constant copy_), which cuts the tensor off
 * from what came before. A write into a view rebases the view's base as well.
 */
export function markModified(tensor: Tensor, node: Node | null = null): void {
  tensor.storage.version++;
  if (!isGradEnabled()) return;
  if (tensor.base && (tensor.base.requiresGrad || node)) {
    rebaseView(tensor, node);
  } else if (node || tensor.gradFn) {
    tensor.setGradFn(node);
    markRebased(tensor);
  }
}

/**
 * Refuses in-place writes into a tensor where several elements share memory (an expanded view):
 * the result would depend on write order. PyTorch refuses the same.
 */
function assertWritable(op: string, tensor: Tensor): void {
  if (tensor.shape.some((size, d) => size > 1 && tensor.strides[d] === 0)) {
    throw new Error(
      `${op}: unsupported operation: more than one element of the written-to tensor (shape ${formatShape(tensor.shape)}, strides ${formatShape(tensor.strides)}) refers to a single memory location; clone() it before writing in place`,
    );
  }
}

/**
 * Checks an in-place write before it happens: no overlapping elements, and no leaf that requires
 * grad (nor a view of one) written while grad mode is on, as PyTorch refuses.
 */
export function checkInPlace(op: string, self: Tensor): void {
  assertWritable(op, self);
  if (!isGradEnabled()) return;
  if (self.isLeaf && self.requiresGrad) {
    throw new Error(`${op}: a leaf tensor that requires grad is being used in an in-place operation; wrap it in torch.noGrad(() => ...)`);
  }
  if (self.base?.isLeaf && self.base.requiresGrad) {
    throw new Error(
      `${op}: a view of a leaf tensor that requires grad is being used in an in-place operation; wrap it in torch.noGrad(() => ...)`,
    );
  }
}
