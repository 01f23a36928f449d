/**
 * Bind groups of storage buffers by what they bind: a layout and the buffers. Creating a bind
 * group is the dearest call of a dispatch, and WebGPU cannot destroy one: it lives, with a driver
 * descriptor set (a memory mapping on lavapipe), until the garbage collector takes its wrapper.
 * So a loop that runs the same ops on the same pooled buffers (a training step, a recurrent
 * layer's time steps) must find its groups here instead of making new ones. Uniforms are bound in
 * a group of their own (see WebGpuDevice), so where a launch's uniforms sit is not part of the key.
 *
 * The cache holds at most `limit` groups; past that it forgets the least recently used one, so a
 * working set that fits is never dropped (emptying the whole cache would make the next step
 * recreate all of it), and groups of buffers no longer in use age out.
 */
export class BindGroupCache {
  private readonly root = new Slot(null, null);
  /** Filled slots from most to least recently used, through `newer`/`older` links. */
  private newest: Slot | null = null;
  private oldest: Slot | null = null;
  private filled = 0;

  constructor(private readonly limit: number) {}

  /** Groups held. */
  get size(): number {
    return this.filled;
  }

  /**
   * Where the group for `layout` and `buffers[0..count)` is kept: a slot holding it (now the most
   * recently used), or an empty one to fill().
   */
  slot(layout: GPUBindGroupLayout, buffers: readonly GPUBuffer[], count: number): Slot {
    let node = this.root.child(layout);
    for (let i = 0; i < count; i++) node = node.child(buffers[i]);
    if (node.group && node !== this.newest) {
      this.unlink(node);
      this.pushNewest(node);
    }
    return node;
  }

  /** Keeps `group` in `slot` (an empty one from slot()) and returns it, forgetting the least recently used group if full. */
  fill(slot: Slot, group: GPUBindGroup): GPUBindGroup {
    slot.group = group;
    this.pushNewest(slot);
    if (++this.filled > this.limit) this.evict(this.oldest!);
    return group;
  }

  private evict(slot: Slot): void {
    this.unlink(slot);
    slot.group = null;
    this.filled--;
    // Prune the path nothing else goes through, so keys of forgotten buffers do not pile up.
    let node = slot;
    while (node.parent && !node.group && node.next.size === 0) {
      node.parent.next.delete(node.key!);
      node = node.parent;
    }
  }

  private pushNewest(slot: Slot): void {
    slot.older = this.newest;
    slot.newer = null;
    if (this.newest) this.newest.newer = slot;
    this.newest = slot;
    this.oldest ??= slot;
  }

  private unlink(slot: Slot): void {
    if (slot.newer) slot.newer.older = slot.older;
    else this.newest = slot.older;
    if (slot.older) slot.older.newer = slot.newer;
    else this.oldest = slot.newer;
    slot.newer = slot.older = null;
  }
}

type SlotKey = GPUBindGroupLayout | GPUBuffer;

export class Slot {
  readonly next = new Map<SlotKey, Slot>();
  group: GPUBindGroup | null = null;
  newer: Slot | null = null;
  older: Slot | null = null;

  constructor(
    readonly parent: Slot | null,
    readonly key: SlotKey | null,
  ) {}

  child(key: SlotKey): Slot {
    let next = this.next.get(key);
    if (!next) {
      next = new Slot(this, key);
      this.next.set(key, next);
    }
    return next;
  }
}
