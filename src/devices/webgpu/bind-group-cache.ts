/**
 * Bind groups by the buffers they bind. Creating a bind group is the dearest call of a dispatch,
 * and a loop that runs the same ops on the same pooled buffers (a training step, a recurrent
 * layer's time steps) binds the same buffers again and again. The cache holds at most `limit`
 * groups and is emptied when full, so groups of buffers since destroyed do not pile up.
 */
export class BindGroupCache {
  private roots = new Map<GPUBindGroupLayout, Map<number, TrieNode>>();
  private size = 0;

  constructor(private readonly limit: number) {}

  /**
   * The group for `layout` binding the uniforms at `uniformOffset` and `buffers[0..count)`, made by
   * `create` the first time.
   */
  get(layout: GPUBindGroupLayout, uniformOffset: number, buffers: readonly GPUBuffer[], count: number, create: () => GPUBindGroup): GPUBindGroup {
    let byOffset = this.roots.get(layout);
    if (!byOffset) {
      byOffset = new Map();
      this.roots.set(layout, byOffset);
    }
    let node = byOffset.get(uniformOffset);
    if (!node) {
      node = new TrieNode();
      byOffset.set(uniformOffset, node);
    }
    for (let i = 0; i < count; i++) {
      let next: TrieNode | undefined = node.children.get(buffers[i]);
      if (!next) {
        next = new TrieNode();
        node.children.set(buffers[i], next);
      }
      node = next;
    }
    if (node.group) return node.group;
    if (this.size >= this.limit) {
      this.roots = new Map();
      this.size = 0;
      return this.get(layout, uniformOffset, buffers, count, create);
    }
    this.size++;
    return (node.group = create());
  }
}

class TrieNode {
  readonly children = new Map<GPUBuffer, TrieNode>();
  group: GPUBindGroup | null = null;
}
