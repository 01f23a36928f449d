/**
 * Bind groups by what they bind. Creating a bind group is the dearest call of a dispatch, and a
 * loop that runs the same ops on the same pooled buffers (a training step, a recurrent layer's time
 * steps) binds the same buffers, with its uniforms at the same arena offsets, again and again. The
 * cache holds at most `limit` groups and is emptied when full, so groups of buffers since destroyed
 * do not pile up.
 */
export class BindGroupCache {
  private roots = new Map<GPUBindGroupLayout, Map<number, Slot>>();
  private size = 0;

  constructor(private readonly limit: number) {}

  /**
   * Where the group for `layout`, uniforms at `uniformOffset` and `buffers[0..count)` is kept: a
   * slot holding it, or an empty one to fill().
   */
  slot(layout: GPUBindGroupLayout, uniformOffset: number, buffers: readonly GPUBuffer[], count: number): Slot {
    const found = this.walk(layout, uniformOffset, buffers, count);
    if (found.group || this.size < this.limit) return found;
    this.roots = new Map();
    this.size = 0;
    return this.walk(layout, uniformOffset, buffers, count);
  }

  /** Keeps `group` in `slot` (an empty one from slot()) and returns it. */
  fill(slot: Slot, group: GPUBindGroup): GPUBindGroup {
    this.size++;
    slot.group = group;
    return group;
  }

  private walk(layout: GPUBindGroupLayout, uniformOffset: number, buffers: readonly GPUBuffer[], count: number): Slot {
    let byOffset = this.roots.get(layout);
    if (!byOffset) {
      byOffset = new Map();
      this.roots.set(layout, byOffset);
    }
    let node = byOffset.get(uniformOffset);
    if (!node) {
      node = new Slot();
      byOffset.set(uniformOffset, node);
    }
    for (let i = 0; i < count; i++) {
      let next: Slot | undefined = node.next.get(buffers[i]);
      if (!next) {
        next = new Slot();
        node.next.set(buffers[i], next);
      }
      node = next;
    }
    return node;
  }
}

export class Slot {
  readonly next = new Map<GPUBuffer, Slot>();
  group: GPUBindGroup | null = null;
}
