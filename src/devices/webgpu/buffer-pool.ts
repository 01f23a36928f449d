/**
 * GPUBuffers reused by size. Sizes are rounded up to buckets (quarter steps between powers of two,
 * so at most 25% is wasted) and freed buffers wait in their bucket for the next request of that
 * size: creating buffers is slow, and a training step frees and requests the same sizes each time.
 *
 * A request gets the bucket's oldest idle buffer (the one created first), whatever order buffers
 * were freed in. So a step that requests and frees the same sizes as the one before, from the same
 * idle buffers, gets the very same buffers, and its dispatches find their bind groups in the cache
 * (see BindGroupCache) instead of creating new ones. Taking the last freed instead would hand them
 * out in an order that changes from step to step with the order of frees.
 */
export class BufferPool {
  private readonly idle = new Map<number, OldestFirst>();
  /** Creation order of the pool's buffers. */
  private readonly age = new WeakMap<GPUBuffer, number>();
  private created = 0;
  private idleBytes = 0;
  /** Released beyond the cap, destroyed after the commands that may still use them are submitted. */
  private retired: GPUBuffer[] = [];

  constructor(
    device: GPUDevice,
    private readonly usage: GPUBufferUsageFlags,
    /** Idle bytes kept for reuse; beyond them released buffers are destroyed. */
    private readonly maxIdleBytes: number,
    private readonly create: (descriptor: GPUBufferDescriptor) => GPUBuffer = (descriptor) => device.createBuffer(descriptor),
  ) {}

  static bucketSize(bytes: number): number {
    if (bytes <= 16) return 16;
    const step = 2 ** Math.max(2, Math.floor(Math.log2(bytes - 1)) - 2);
    return Math.ceil(bytes / step) * step;
  }

  acquire(bytes: number): GPUBuffer {
    const size = BufferPool.bucketSize(bytes);
    const reused = this.idle.get(size)?.pop();
    if (reused) {
      this.idleBytes -= size;
      return reused;
    }
    const buffer = this.create({ size, usage: this.usage });
    this.age.set(buffer, this.created++);
    return buffer;
  }

  /** Returns a buffer for reuse. Work already issued that uses it still runs before any new use. */
  release(buffer: GPUBuffer): void {
    if (this.idleBytes + buffer.size > this.maxIdleBytes) {
      this.retired.push(buffer);
      return;
    }
    let bucket = this.idle.get(buffer.size);
    if (!bucket) this.idle.set(buffer.size, (bucket = new OldestFirst()));
    bucket.push(buffer, this.age.get(buffer)!);
    this.idleBytes += buffer.size;
  }

  /** Destroys retired buffers; call once the commands that used them have been submitted. */
  destroyRetired(): void {
    for (const buffer of this.retired) buffer.destroy();
    this.retired = [];
  }
}

/**
 * Idle buffers of one bucket as a binary min-heap on age: a scope that ends frees hundreds of
 * buffers at once, so keeping them sorted by insertion would cost a scan per free.
 */
class OldestFirst {
  private readonly buffers: GPUBuffer[] = [];
  private readonly ages: number[] = [];

  push(buffer: GPUBuffer, age: number): void {
    let at = this.buffers.length;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (this.ages[parent] <= age) break;
      this.buffers[at] = this.buffers[parent];
      this.ages[at] = this.ages[parent];
      at = parent;
    }
    this.buffers[at] = buffer;
    this.ages[at] = age;
  }

  pop(): GPUBuffer | undefined {
    const count = this.buffers.length;
    if (count === 0) return undefined;
    const oldest = this.buffers[0];
    const lastBuffer = this.buffers.pop()!;
    const lastAge = this.ages.pop()!;
    if (count > 1) {
      let at = 0;
      const size = count - 1;
      for (;;) {
        let child = 2 * at + 1;
        if (child >= size) break;
        if (child + 1 < size && this.ages[child + 1] < this.ages[child]) child++;
        if (this.ages[child] >= lastAge) break;
        this.buffers[at] = this.buffers[child];
        this.ages[at] = this.ages[child];
        at = child;
      }
      this.buffers[at] = lastBuffer;
      this.ages[at] = lastAge;
    }
    return oldest;
  }
}
