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
  /** Idle buffers by bucket size, newest first (so the oldest pops off the end). */
  private readonly idle = new Map<number, GPUBuffer[]>();
  /** Creation order of the pool's buffers. */
  private readonly age = new WeakMap<GPUBuffer, number>();
  private created = 0;
  private idleBytes = 0;
  /** Released beyond the cap, destroyed after the commands that may still use them are submitted. */
  private retired: GPUBuffer[] = [];

  constructor(
    private readonly device: GPUDevice,
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
    if (!bucket) this.idle.set(buffer.size, (bucket = []));
    const age = this.age.get(buffer)!;
    let at = bucket.length;
    while (at > 0 && this.age.get(bucket[at - 1])! < age) at--;
    bucket.splice(at, 0, buffer);
    this.idleBytes += buffer.size;
  }

  /** Destroys retired buffers; call once the commands that used them have been submitted. */
  destroyRetired(): void {
    for (const buffer of this.retired) buffer.destroy();
    this.retired = [];
  }
}
