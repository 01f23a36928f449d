// `record`, through which every differentiable op adds its node to the graph.
import { keep, scope } from '../memory.js';
import { Tensor } from '../tensor.js';
import { isGradEnabled, noGrad } from './grad-mode.js';
import { type BackwardFn, type Edge, Node, type SavedTensor } from './node.js';
import { refreshView } from './views.js';

/** Keeps a tensor for backward: an alias of its storage, owned by the node, freed with it. */
export type Save = (tensor: Tensor) => Tensor;

/**
 * Records `out` as produced from `inputs` when grad mode is on and an input requires grad. The
 * backward formula is built only then, by `makeBackward`, which calls `save` on every tensor it
 * needs (`out` included, when the formula uses the result): forward passes under noGrad save nothing. Gradients returned for broadcast inputs may
 * have the output's shape; the engine sums them back to each input's shape.
 */
export function record(
  name: string,
  out: Tensor,
  inputs: readonly (Tensor | null)[],
  makeBackward: (save: Save, out: Tensor) => BackwardFn,
): Tensor {
  if (!isGradEnabled() || !inputs.some((input) => input?.requiresGrad)) return out;
  const saved: SavedTensor[] = [];
  const save: Save = (tensor) => {
    const alias = keep(new Tensor(tensor.storage, tensor.shape, tensor.strides, tensor.offset, tensor.dtype));
    const source = tensor === out ? 'output' : (tensor.gradFn ?? (tensor.requiresGrad ? tensor : null));
    saved.push({ tensor: alias, version: tensor.storage.version, source });
    return alias;
  };
  for (const input of inputs) if (input) refreshView(input);
  const edges: Edge[] = inputs.map((input) => {
    if (!input?.requiresGrad) return null;
    return input.gradFn ? { node: input.gradFn } : { leaf: input };
  });
  const shapes = inputs.map((input) => input?.shape ?? []);
  out.setGradFn(new Node(name, edges, shapes, makeBackward(save, out), saved));
  return out;
}

/** True when an op on these inputs would be recorded. */
export function needsGrad(...inputs: readonly (Tensor | null)[]): boolean {
  return isGradEnabled() && inputs.some((input) => input?.requiresGrad);
}

/**
 * Records an op whose forward is a composition of other ops as one node: the inner ops run
 * without recording and their temporaries are freed, so backward runs the given formula instead
 * of one node per inner op (and the node carries PyTorch's name, e.g. 'MeanBackward0').
 */
export function recordComposite(
  name: string,
  inputs: readonly (Tensor | null)[],
  forward: () => Tensor,
  makeBackward: (save: Save, out: Tensor) => BackwardFn,
): Tensor {
  const out = scope(() => noGrad(forward));
  return record(name, out, inputs, makeBackward);
}
