/**
 * Autograd for in-place writes through views, as PyTorch does it. A write into view v of base b
 * changes b too, so b's graph is rebased onto a CopySlices node: in backward it hands b's
 * gradient through unchanged outside v's region, and routes the region through the in-place op's
 * backward. Views whose base was rebased after they were made regenerate their gradFn from the
 * base the next time they are used (PyTorch does the same lazily, by version).
 */
import type { TensorView } from '../devices/device.js';
import { copyView, fillView, zerosOn } from '../ops/unrecorded.js';
import { Tensor } from '../tensor.js';
import { type Edge, Node } from './node.js';

/**
 * How many times each base's history was replaced by an in-place write, and the count each view
 * last derived its gradFn at: a mismatch means the view must regenerate. (Comparing gradFn
 * identities would not do: disposing a base drops its gradFn without changing any history.)
 */
const rebases = new WeakMap<Tensor, number>();
const derivedAt = new WeakMap<Tensor, number>();

function rebaseCount(base: Tensor): number {
  return rebases.get(base) ?? 0;
}

/** Records that `base`'s history was replaced in place, so its existing views go stale. */
export function markRebased(base: Tensor): void {
  rebases.set(base, rebaseCount(base) + 1);
}

function edgeTo(tensor: Tensor): Edge {
  if (!tensor.requiresGrad) return null;
  return tensor.gradFn ? { node: tensor.gradFn } : { leaf: tensor };
}

/** A tensor laid out like `base` (same strides and offset) over fresh storage, holding `grad`. */
function likeBase(base: Tensor, grad: Tensor): Tensor {
  const storage = Tensor.empty([base.storage.bytes / 4], grad.dtype, grad.deviceObject);
  const out = new Tensor(storage.storage, base.shape, base.strides, base.offset, grad.dtype);
  storage.dispose();
  copyView(out, grad);
  return out;
}

/** `view`'s elements inside a tensor laid out like its base. */
function regionOf(view: Tensor, laidOutLikeBase: Tensor): TensorView {
  return { storage: laidOutLikeBase.storage, offset: view.offset, shape: view.shape, strides: view.strides, dtype: laidOutLikeBase.dtype };
}

/** Why createGraph cannot pass the nodes of this file: they copy gradients with unrecorded kernels. */
const IN_PLACE_REFUSAL =
  'an in-place write into a view routes its gradient with unrecorded copies; write out of place (torch.cat, indexPut) to take higher derivatives';

/** Gives `view` a node that takes its gradient from its base's current node. */
function deriveFromBase(view: Tensor): void {
  const base = view.base!;
  derivedAt.set(view, rebaseCount(base));
  if (!base.requiresGrad) {
    view.setGradFn(null);
    return;
  }
  const node = new Node(
    'AsStridedBackward0',
    [edgeTo(base)],
    [base.shape],
    (grad) => {
      const zeros = zerosOn(base.shape, grad.dtype, grad.deviceObject);
      const full = likeBase(base, zeros);
      zeros.dispose();
      copyView(regionOf(view, full), grad);
      return [full];
    },
    [],
  );
  node.noCreateGraph = IN_PLACE_REFUSAL;
  view.setGradFn(node);
}

/**
 * Records an in-place write into `view`: `node` is the recorded op that produced the new values
 * (null for writes that carry no gradient, like fill_), its input at the view's old node is the
 * old value of the region.
 */
export function rebaseView(view: Tensor, node: Node | null): void {
  const base = view.base!;
  const oldView = view.gradFn;
  const selfSlot = node && oldView ? node.edges.findIndex((edge) => edge !== null && 'node' in edge && edge.node === oldView) : -1;
  const others = node ? node.edges.map((edge, i) => ({ edge, shape: node.inputShapes[i], i })).filter(({ i }) => i !== selfSlot) : [];
  const copySlices = new Node(
    'CopySlices',
    [edgeTo(base), ...others.map(({ edge }) => edge)],
    [base.shape, ...others.map(({ shape }) => shape)],
    (grad) => {
      const full = likeBase(base, grad);
      const region = regionOf(view, full);
      const regionGrad = Tensor.empty(view.shape, grad.dtype, grad.deviceObject);
      copyView(regionGrad, region);
      const inputGrads = node ? node.apply(regionGrad) : [];
      const selfGrad = selfSlot >= 0 ? inputGrads[selfSlot] : null;
      if (selfGrad) copyView(region, selfGrad);
      else fillView(region, 0);
      return [full, ...others.map(({ i }) => inputGrads[i])];
    },
    [],
    node ? [node] : [],
  );
  copySlices.noCreateGraph = IN_PLACE_REFUSAL;
  base.setGradFn(copySlices);
  markRebased(base);
  deriveFromBase(view);
}

/** Notes which node of its base a new view's gradient history starts from. */
export function registerView(view: Tensor): void {
  derivedAt.set(view, rebaseCount(view.base!));
}

/** Called for each input an op records: a view made before its base was rebased is brought up to date. */
export function refreshView(tensor: Tensor): void {
  if (tensor.base !== null && derivedAt.get(tensor) !== rebaseCount(tensor.base)) deriveFromBase(tensor);
}
