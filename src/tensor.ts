// `Tensor`: shape, strides, dtype, device, reads, and the autograd fields; ops add its methods.
import type { Device, Storage, TensorView } from './devices/device.js';
import { getDevice } from './devices/registry.js';
import type { DType } from './dtype.js';
import type { Node } from './graph/node.js';
import { trackCreated, trackDisposed, unscoped } from './memory.js';
import { contiguousStrides, formatShape, isContiguous, normalizeDim, numel, type Shape, shapesEqual } from './shape.js';
import { allocateStorage, releaseStorage, retainStorage } from './storage.js';

/** Nested arrays of numbers or booleans, as `tolist()` returns and `tensor()` accepts. */
export type NestedArray = number | boolean | NestedArray[];

// Backstop only: a tensor nobody disposed still frees its storage when the JS object is collected.
// Its node is left to the collector too: once no tensor or later node reaches it, it goes, and its
// saved tensors free their storage through this same registry. (Holding the node here, weakly so
// that its backward closure, which may reach the tensor, cannot keep the tensor alive, and
// decRef-ing it on collection freed those a collection sooner, but a WeakRef per recorded op
// took 40% of a small op's time: V8 keeps each WeakRef's target alive until the current task
// ends, so a loop that never yields piled up garbage.) workerd before compatibility date
// 2025-05-05 has no FinalizationRegistry: there only dispose and scope free.
const finalizer =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Storage>((storage) => {
        trackDisposed(orphan);
        releaseStorage(storage, true);
      })
    : null;
const orphan = { dispose() {}, isDisposed: true };

// Tensor's declaration names `Symbol.dispose`, which a user's TypeScript lib has only from
// esnext.disposable on; declaring it here keeps the shipped declarations checking under an ES2022
// lib. TypeScript's lib and @types/node declare the same member, and the declarations merge.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/**
 * An n-dimensional array: a view (shape, strides, offset, dtype) over refcounted storage on one
 * device. Views share storage, so writing through a view changes its base. Op methods (`add`,
 * `view`, `sum`, ...) are attached by the modules in src/ops/, each beside its backward.
 */
export class Tensor implements TensorView {
  private disposed = false;
  /** Registered with the finalizer (see [unscoped]). */
  private watched = false;
  private leafRequiresGrad = false;
  private node: Node | null = null;
  private gradient: Tensor | null = null;
  /** For views made by view ops, the tensor they view (PyTorch's `_base`); null otherwise. */
  base: Tensor | null = null;

  constructor(
    readonly storage: Storage,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    readonly offset: number,
    readonly dtype: DType,
  ) {
    retainStorage(storage);
    trackCreated(this);
  }

  /**
   * Registers with the finalizer once no scope holds this tensor (memory.ts calls it). A tensor
   * inside a scope is disposed when the scope ends, so registering every tensor at creation cost
   * small ops a fifth to a third of their time for nothing (the registration and the weak cells it
   * leaves the collector).
   * @internal
   */
  [unscoped](): void {
    if (this.watched || this.disposed) return;
    this.watched = true;
    finalizer?.register(this, this.storage, this);
  }

  /** A new contiguous tensor with uninitialised contents. */
  static empty(shape: Shape, dtype: DType, device: Device | string): Tensor {
    const target = typeof device === 'string' ? getDevice(device) : device;
    return new Tensor(allocateStorage(target, numel(shape)), [...shape], contiguousStrides(shape), 0, dtype);
  }

  get device(): string {
    return this.storage.device.name;
  }

  get deviceObject(): Device {
    return this.storage.device;
  }

  size(): number[];
  size(dim: number): number;
  size(dim?: number): number | number[] {
    if (dim === undefined) return [...this.shape];
    return this.shape[normalizeDim('size', dim, this.shape.length)];
  }

  dim(): number {
    return this.shape.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  numel(): number {
    return numel(this.shape);
  }

  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  // ---- autograd state -------------------------------------------------------------------------

  /** The node that produced this tensor, or null for leaves. */
  /**
   * The accumulated gradient, created by backward for leaves that require grad (and retainGrad
   * tensors). Assigning one checks it as PyTorch does: a Tensor (or null) of this tensor's shape,
   * dtype and device, so a bad gradient fails here rather than halfway through an optimizer step.
   */
  get grad(): Tensor | null {
    return this.gradient;
  }

  set grad(value: Tensor | null) {
    if (value !== null) {
      if (!(value instanceof Tensor))
        throw new TypeError(
          `grad: assigned grad expected to be a Tensor or null but got ${value === undefined ? 'undefined' : typeof value}`,
        );
      value.assertAlive('grad', 'the assigned grad');
      if (value === this) throw new Error(`grad: can't assign a tensor as its own grad`);
      if (!shapesEqual(value.shape, this.shape))
        throw new RangeError(
          `grad: assigned grad has data of a different size: grad shape ${formatShape(value.shape)}, tensor shape ${formatShape(this.shape)}`,
        );
      if (value.dtype !== this.dtype)
        throw new TypeError(`grad: assigned grad has data of a different type: grad is ${value.dtype}, tensor is ${this.dtype}`);
      if (value.device !== this.device)
        throw new Error(`grad: assigned grad has data located on a different device: grad is on ${value.device}, tensor on ${this.device}`);
    }
    this.gradient = value;
  }

  get gradFn(): Node | null {
    return this.node;
  }

  /** Attaches the producing node; used by ops when they record, and by in-place ops when they rebase. */
  setGradFn(node: Node | null): void {
    node?.incRef();
    this.node?.decRef();
    this.node = node;
  }

  get isLeaf(): boolean {
    return this.node === null;
  }

  get requiresGrad(): boolean {
    return this.node !== null || this.leafRequiresGrad;
  }

  set requiresGrad(value: boolean) {
    this.requiresGrad_(value);
  }

  requiresGrad_(value = true): this {
    if (!this.isLeaf) {
      if (value) return this;
      throw new Error(
        `requiresGrad_: you can only change requiresGrad of leaf tensors; use detach() to get a tensor that does not require grad`,
      );
    }
    if (value && this.dtype !== 'float32') {
      throw new TypeError(`requiresGrad_: only float32 tensors can require gradients, got ${this.dtype}`);
    }
    this.leafRequiresGrad = value;
    return this;
  }

  /** Makes backward store this non-leaf tensor's gradient in `.grad`. */
  retainGrad(): this {
    if (this.node) this.node.retainers.add(this);
    else if (!this.requiresGrad) throw new Error(`retainGrad: can't retain the gradient of a tensor that does not require grad`);
    return this;
  }

  // ---- lifetime -------------------------------------------------------------------------------

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees this tensor's reference to its storage now (the memory goes when no view uses it). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.watched) finalizer?.unregister(this);
    trackDisposed(this);
    releaseStorage(this.storage);
    this.node?.decRef();
    this.node = null;
    this.gradient?.dispose();
    this.gradient = null;
  }

  /** `using x = torch.randn(3)` (TypeScript 5.2+) disposes `x` when its block ends, however it ends. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Throws a clear error when an op receives a disposed tensor. */
  assertAlive(op: string, argName: string): void {
    if (this.disposed)
      throw new Error(
        `${op}: ${argName} is a disposed tensor (shape [${this.shape.join(', ')}]); it cannot be used after dispose() or after the scope that created it ended`,
      );
  }

  /** Throws when the values are still being copied from another device (see `to`), which a synchronous op cannot wait for. */
  assertReady(op: string, argName: string): void {
    if (this.storage.pending) {
      throw new Error(
        `${op}: ${argName} is still being copied to ${this.device} from another device (to() returns before the copy lands); await it first: await t.data(), or make it with await t.toAsync('${this.device}')`,
      );
    }
  }

  // ---- reading values ---------------------------------------------------------------------------

  /** The elements in row-major order, after all pending work on the device. */
  async data(): Promise<Float32Array | Int32Array> {
    this.assertAlive('data', 'tensor');
    if (this.storage.pending) await this.storage.pending;
    const source = this.isContiguous() ? this : contiguousCopy(this);
    try {
      return await this.storage.device.read(source.storage.buffer, source.offset, this.numel(), this.dtype);
    } finally {
      if (source !== this) source.dispose();
    }
  }

  /** `data()` for devices that run synchronously (the main-thread CPU); others throw. */
  dataSync(): Float32Array | Int32Array {
    this.assertAlive('dataSync', 'tensor');
    this.assertReady('dataSync', 'tensor');
    const source = this.isContiguous() ? this : contiguousCopy(this);
    try {
      return this.storage.device.readSync(source.storage.buffer, source.offset, this.numel(), this.dtype);
    } finally {
      if (source !== this) source.dispose();
    }
  }

  async tolist(): Promise<NestedArray> {
    this.assertAlive('tolist', 'tensor');
    return nest(await this.data(), this.shape, this.dtype);
  }

  tolistSync(): NestedArray {
    this.assertAlive('tolistSync', 'tensor');
    return nest(this.dataSync(), this.shape, this.dtype);
  }

  async item(): Promise<number | boolean> {
    this.checkSingleElement('item');
    return scalarOf(await this.data(), this.dtype);
  }

  itemSync(): number | boolean {
    this.checkSingleElement('itemSync');
    return scalarOf(this.dataSync(), this.dtype);
  }

  private checkSingleElement(op: string): void {
    this.assertAlive(op, 'tensor');
    if (this.numel() !== 1)
      throw new RangeError(
        `${op}: a Tensor with ${this.numel()} elements cannot be converted to a scalar (shape [${this.shape.join(', ')}])`,
      );
  }
}

function contiguousCopy(source: Tensor): Tensor {
  const out = Tensor.empty(source.shape, source.dtype, source.deviceObject);
  source.deviceObject.kernels.copy(out, source);
  return out;
}

function scalarOf(values: Float32Array | Int32Array, dtype: DType): number | boolean {
  return dtype === 'bool' ? values[0] !== 0 : values[0];
}

function nest(values: Float32Array | Int32Array, shape: Shape, dtype: DType): NestedArray {
  const convert = (v: number): number | boolean => (dtype === 'bool' ? v !== 0 : v);
  if (shape.length === 0) return convert(values[0]);
  const build = (dim: number, start: number): NestedArray[] => {
    const size = shape[dim];
    const inner = numel(shape.slice(dim + 1));
    const out: NestedArray[] = new Array(size);
    for (let i = 0; i < size; i++) out[i] = dim === shape.length - 1 ? convert(values[start + i]) : build(dim + 1, start + i * inner);
    return out;
  };
  return build(0, 0);
}
