/**
 * GPUBuffers reused by size. Sizes are rounded up to buckets (quarter steps between powers of two,
 * so at most 25% is wasted) and freed buffers wait in their bucket for the next request of that
 * size: creating buffers is slow, and a training step frees and requests the same sizes each time.
 */
export class BufferPool {
  private readonly idle = new Map<number, GPUBuffer[]>();
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
    return this.create({ size, usage: this.usage });
  }

  /** Returns a buffer for reuse. Work already issued that uses it still runs before any new use. */
  release(buffer: GPUBuffer): void {
    if (this.idleBytes + buffer.size > this.maxIdleBytes) {
      this.retired.push(buffer);
      return;
    }
    let bucket = this.idle.get(buffer.size);
    if (!bucket) this.idle.set(buffer.size, (bucket = []));
    bucket.push(buffer);
    this.idleBytes += buffer.size;
  }

  /** Destroys retired buffers; call once the commands that used them have been submitted. */
  destroyRetired(): void {
    for (const buffer of this.retired) buffer.destroy();
    this.retired = [];
  }
}
