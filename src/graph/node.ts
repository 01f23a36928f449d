// One recorded op of the autograd graph: its backward, its saved tensors and its edges to inputs.
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** Where a gradient flows: into another node, into a leaf's `.grad`, or nowhere. */
export type Edge = { readonly node: Node } | { readonly leaf: Tensor } | null;

/** Given the gradient of the node's output, the gradients of its inputs (null where none flows). */
export type BackwardFn = (grad: Tensor) => readonly (Tensor | null | undefined)[];

/**
 * Where a saved tensor's own gradient goes: the node that produced it (held by the saved tensor),
 * the leaf it aliases, 'output' for the recording node's own result, or null for a constant.
 */
export type SavedSource = Node | Tensor | 'output' | null;

/**
 * A tensor kept for backward, with the storage version it had, to detect in-place changes, and
 * its source, so that a backward recorded with createGraph differentiates through it.
 */
export interface SavedTensor {
  readonly tensor: Tensor;
  readonly version: number;
  readonly source: SavedSource;
}

/**
 * One recorded op of the autograd graph: its backward formula, the tensors that formula needs, and
 * an edge per input. Nodes are refcounted by the tensors whose gradFn they are and by the nodes that
 * point to them, so a graph nobody can reach any more releases its saved tensors at once.
 */
export class Node {
  private refs = 0;
  private backwardFn: BackwardFn | null;
  /** Tensors that asked for their gradient with retainGrad(). */
  readonly retainers = new Set<Tensor>();
  /**
   * Set on nodes whose backward has no recorded form (the recurrent layers' fused kernels, in-place
   * writes through views): why, so that a createGraph backward refuses before it starts instead
   * of returning gradients without a graph.
   */
  noCreateGraph: string | null = null;

  constructor(
    /** PyTorch's name for the node, e.g. 'MulBackward0'. */
    readonly name: string,
    readonly edges: readonly Edge[],
    readonly inputShapes: readonly Shape[],
    backwardFn: BackwardFn,
    private readonly saved: readonly SavedTensor[],
    /** Nodes this one runs inside its own backward (CopySlices wraps the in-place op's node). */
    private readonly wrapped: readonly Node[] = [],
  ) {
    this.backwardFn = backwardFn;
    for (const edge of edges) if (edge && 'node' in edge) edge.node.incRef();
    for (const node of wrapped) node.incRef();
    for (const { source } of saved) if (source instanceof Node) source.incRef();
  }

  get released(): boolean {
    return this.backwardFn === null;
  }

  /**
   * The input gradients for `grad`. With `createGraph` (grad mode on) the saved tensors take their
   * sources' history while the formula runs, so the ops it records reach back into the graph;
   * they drop it after, as a node referenced from its own saved output would never be freed.
   */
  apply(grad: Tensor, createGraph = false): readonly (Tensor | null | undefined)[] {
    if (this.backwardFn === null) {
      throw new Error(
        `backward: trying to backward through the graph a second time (through ${this.name}); its saved tensors were freed after the first backward. Pass { retainGraph: true } to the first backward call if you need to backward twice.`,
      );
    }
    for (const { tensor, version } of this.saved) {
      if (tensor.storage.version !== version) {
        throw new Error(
          `backward: a tensor needed by ${this.name} to compute gradients was modified by an in-place operation (its version is ${tensor.storage.version}, expected ${version})`,
        );
      }
    }
    if (!createGraph) return this.backwardFn(grad);
    const bound = this.saved.filter(({ source }) => source !== null);
    for (const { tensor, source } of bound)
      tensor.setGradFn(source === 'output' ? this : source instanceof Node ? source : aliasOf(source!));
    try {
      return this.backwardFn(grad);
    } finally {
      for (const { tensor } of bound) tensor.setGradFn(null);
    }
  }

  /** Frees the saved tensors; the node can no longer run backward. */
  release(): void {
    if (this.backwardFn === null) return;
    this.backwardFn = null;
    for (const { tensor, source } of this.saved) {
      tensor.dispose();
      if (source instanceof Node) source.decRef();
    }
    for (const node of this.wrapped) node.release();
  }

  incRef(): void {
    this.refs++;
  }

  decRef(): void {
    if (--this.refs > 0) return;
    this.release();
    this.retainers.clear();
    for (const edge of this.edges) if (edge && 'node' in edge) edge.node.decRef();
    for (const node of this.wrapped) node.decRef();
  }
}

/** A node passing a saved alias's gradient on to the leaf it aliases. */
function aliasOf(leaf: Tensor): Node {
  return new Node('AliasBackward0', [{ leaf }], [leaf.shape], (grad) => [grad], []);
}
