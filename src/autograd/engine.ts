// The autograd engine: `backward` and `grad` walk the recorded graph in reverse and deliver gradients.
import { enableGrad, noGrad } from '../graph/grad-mode.js';
import type { Node } from '../graph/node.js';
import { keep, scope } from '../memory.js';
import { onesLike } from '../ops/creation.js';
import { add } from '../ops/elementwise.js';
import { sumToShape } from '../ops/reduce.js';
import { checkOptions, describeValue, optionKeys } from '../options.js';
import { formatShape, type Shape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';

export interface BackwardOptions {
  /** Keep the saved tensors for another backward; defaults to createGraph. */
  retainGraph?: boolean;
  /** Record the backward pass, so the gradients have a graph of their own (for grad-of-grad). */
  createGraph?: boolean;
}

const BACKWARD_OPTIONS = optionKeys<BackwardOptions>({ retainGraph: true, createGraph: true });

/** Tensors whose gradients `grad()` returns instead of accumulating into `.grad`. */
type Capture = Map<Tensor | Node, Tensor | null>;

/** How a backward pass runs: `createGraph` records it (grad mode on) instead of running it bare. */
interface RunMode {
  retainGraph: boolean;
  createGraph: boolean;
}

/**
 * Runs backward from `roots` (seeded with `seeds`) through the recorded graph in reverse
 * topological order. Without `capture`, gradients accumulate into the `.grad` of leaves (and of
 * retainGrad tensors); with it, gradients of exactly the captured tensors are returned and no
 * `.grad` changes. Unless `retainGraph`, every visited node frees its saved tensors.
 */
function run(op: string, roots: readonly Tensor[], seeds: readonly Tensor[], mode: RunMode, capture: Capture | null): void {
  const order = topologicalOrder(roots);
  if (mode.createGraph) refuseUnrecordable(op, order);
  const accumulateGrad = mode.createGraph ? accumulateRecordedGrad : accumulateGradInPlace;
  const pending = new Map<Node, Tensor>();
  const accumulate = (node: Node, grad: Tensor) => {
    const existing = pending.get(node);
    pending.set(node, existing ? add(existing, grad) : grad);
  };
  const deliverToLeaf = (leaf: Tensor, grad: Tensor) => {
    if (capture) {
      if (capture.has(leaf)) capture.set(leaf, capture.get(leaf) ? add(capture.get(leaf)!, grad) : grad);
    } else {
      accumulateGrad(leaf, grad);
    }
  };
  roots.forEach((root, i) => {
    if (root.gradFn) accumulate(root.gradFn, seeds[i]);
    else deliverToLeaf(root, seeds[i]);
  });
  for (const node of order) {
    const grad = pending.get(node);
    if (!grad) continue;
    if (capture?.has(node)) capture.set(node, grad);
    if (!capture) for (const retainer of node.retainers) accumulateGrad(retainer, grad);
    if (grad.storage.pending) {
      throw new Error(
        `backward: the gradient of ${node.name} is still being copied to ${grad.device} by the backward of to(), and ${grad.device} runs backward synchronously; move the leaves to the other device before computing on them, so the whole graph runs there`,
      );
    }
    const inputGrads = node.apply(grad, mode.createGraph);
    if (!mode.retainGraph) node.release();
    node.edges.forEach((edge, i) => {
      const inputGrad = inputGrads[i];
      if (!edge || !inputGrad) return;
      const shaped = fitToShape(node, i, inputGrad);
      if ('node' in edge) accumulate(edge.node, shaped);
      else deliverToLeaf(edge.leaf, shaped);
    });
  }
}

function fitToShape(node: Node, input: number, grad: Tensor): Tensor {
  const shape: Shape = node.inputShapes[input];
  if (shapesEqual(grad.shape, shape)) return grad;
  try {
    return sumToShape(grad, shape);
  } catch {
    throw new Error(
      `backward: ${node.name} returned a gradient of shape ${formatShape(grad.shape)} for input ${input} of shape ${formatShape(shape)}`,
    );
  }
}

/** Refuses, before any work, a createGraph backward through a node whose backward records nothing. */
function refuseUnrecordable(op: string, order: readonly Node[]): void {
  const node = order.find((candidate) => candidate.noCreateGraph !== null);
  if (node) throw new Error(`${op}: createGraph is not supported through ${node.name}: ${node.noCreateGraph}`);
}

function accumulateGradInPlace(tensor: Tensor, grad: Tensor): void {
  if (tensor.isDisposed) return;
  if (tensor.grad && !tensor.grad.isDisposed) {
    tensor.grad.add_(grad);
  } else {
    // Own a contiguous copy: the incoming gradient may be a view or shared by several inputs. A
    // gradient still arriving from another device (to()'s backward) is its own fresh tensor, and
    // cannot be copied before it lands.
    tensor.grad = keep(grad.storage.pending ? grad : grad.clone());
  }
}

/**
 * PyTorch's accumulation under createGraph: the new `.grad` is out of place (a recorded clone, or
 * old + new), so it carries the graph of the backward that made it; the old tensor is left intact.
 */
function accumulateRecordedGrad(tensor: Tensor, grad: Tensor): void {
  if (tensor.isDisposed) return;
  const existing = tensor.grad && !tensor.grad.isDisposed ? tensor.grad : null;
  tensor.grad = keep(existing ? add(existing, grad) : grad.clone());
}

/** Nodes reachable from the roots, each after every node that feeds gradient into it. */
function topologicalOrder(roots: readonly Tensor[]): Node[] {
  const visited = new Set<Node>();
  const postorder: Node[] = [];
  const stack: [Node, number][] = [];
  for (const root of roots) {
    if (!root.gradFn || visited.has(root.gradFn)) continue;
    visited.add(root.gradFn);
    stack.push([root.gradFn, 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [node, next] = top;
      if (next < node.edges.length) {
        top[1]++;
        const edge = node.edges[next];
        if (edge && 'node' in edge && !visited.has(edge.node)) {
          visited.add(edge.node);
          stack.push([edge.node, 0]);
        }
      } else {
        postorder.push(node);
        stack.pop();
      }
    }
  }
  return postorder.reverse();
}

function seedFor(op: string, root: Tensor, gradient: Tensor | undefined): Tensor {
  if (!root.requiresGrad) {
    throw new Error(`${op}: element 0 of tensors does not require grad and does not have a gradFn (shape ${formatShape(root.shape)})`);
  }
  if (gradient === undefined) {
    if (root.numel() !== 1) {
      throw new Error(
        `${op}: grad can be implicitly created only for scalar outputs; got an output of shape ${formatShape(root.shape)}, so pass a gradient of that shape`,
      );
    }
    return onesLike(root);
  }
  gradient.assertAlive(op, 'gradient');
  if (!shapesEqual(gradient.shape, root.shape)) {
    throw new RangeError(`${op}: gradient has shape ${formatShape(gradient.shape)} but the output has shape ${formatShape(root.shape)}`);
  }
  if (gradient.dtype !== root.dtype)
    throw new TypeError(
      `${op}: invalid gradient - expected dtype ${root.dtype} but got ${gradient.dtype}, as PyTorch refuses; convert it with .float()`,
    );
  if (gradient.device !== root.device)
    throw new Error(`${op}: invalid gradient - expected device ${root.device} but got ${gradient.device}`);
  return gradient;
}

/** Runs `fn` recording (createGraph) or not, and frees the temporaries it makes. */
function inGradMode<T>(createGraph: boolean, fn: () => T): T {
  return scope(() => (createGraph ? enableGrad(fn) : noGrad(fn)));
}

/**
 * `tensor.backward(gradient?, { retainGraph, createGraph })`, or `tensor.backward({ ... })` for a
 * scalar (PyTorch's keyword arguments): accumulates d(tensor)/d(leaf) into each leaf's `.grad`.
 * With createGraph those gradients carry a gradFn, so a function of them (a gradient penalty) can
 * itself be backpropagated.
 */
export function backward(root: Tensor, gradientOrOptions?: Tensor | BackwardOptions, options: BackwardOptions = {}): void {
  root.assertAlive('backward', 'tensor');
  const optionsFirst = isPlainObject(gradientOrOptions) && arguments.length < 3;
  const gradient = optionsFirst ? undefined : gradientOrOptions;
  if (optionsFirst) options = gradientOrOptions as BackwardOptions;
  checkOptions('backward', options, BACKWARD_OPTIONS);
  if (gradient !== undefined && !(gradient instanceof Tensor))
    throw new TypeError(
      `backward: gradient must be a Tensor, got ${describeValue(gradient)}; options go in an object, as in backward({ retainGraph: true }) or backward(gradient, { retainGraph: true })`,
    );
  const createGraph = options.createGraph ?? false;
  const mode = { retainGraph: options.retainGraph ?? createGraph, createGraph };
  inGradMode(createGraph, () => run('backward', [root], [seedFor('backward', root, gradient)], mode, null));
}

export interface GradOptions {
  gradOutputs?: readonly (Tensor | undefined)[];
  /** Keep the saved tensors for another backward; defaults to createGraph. */
  retainGraph?: boolean;
  /** Record the backward pass, so the returned gradients can be differentiated again. */
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

const GRAD_OPTIONS = optionKeys<GradOptions>({ gradOutputs: true, retainGraph: true, createGraph: true, allowUnused: true });

/**
 * `torch.autograd.grad(outputs, inputs)`: the gradients of the outputs' sum w.r.t. each input.
 * With `{ createGraph: true }` they have a graph of their own: grad of a grad, Hessian-vector
 * products and gradient penalties.
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  checkOptions('autograd.grad', options, GRAD_OPTIONS);
  const outs = outputs instanceof Tensor ? [outputs] : [...outputs];
  const ins = inputs instanceof Tensor ? [inputs] : [...inputs];
  ins.forEach((input, i) => {
    input.assertAlive('autograd.grad', `inputs[${i}]`);
    if (!input.requiresGrad) throw new Error(`autograd.grad: inputs[${i}] does not require grad`);
  });
  const capture: Capture = new Map(ins.map((input) => [input.gradFn ?? input, null]));
  const createGraph = options.createGraph ?? false;
  const mode = { retainGraph: options.retainGraph ?? createGraph, createGraph };
  const result = inGradMode(createGraph, () => {
    const seeds = outs.map((out, i) => seedFor('autograd.grad', out, options.gradOutputs?.[i]));
    run('autograd.grad', outs, seeds, mode, capture);
    return ins.map((input) => {
      const found = capture.get(input.gradFn ?? input) ?? null;
      return found ? (found.storage.pending ? found : found.clone()) : null;
    });
  });
  result.forEach((found, i) => {
    if (!found && !options.allowUnused)
      throw new Error(
        `autograd.grad: inputs[${i}] was not used in the graph of the outputs; pass { allowUnused: true } to get null for it`,
      );
  });
  return result;
}

declare module '../tensor.js' {
  interface Tensor {
    /** Computes gradients of this tensor w.r.t. graph leaves; see torch.Tensor.backward. */
    backward(options?: BackwardOptions): void;
    backward(gradient?: Tensor, options?: BackwardOptions): void;
  }
}

Tensor.prototype.backward = function (this: Tensor, ...args: [(Tensor | BackwardOptions)?, BackwardOptions?]) {
  backward(this, ...args);
};

function isPlainObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}
