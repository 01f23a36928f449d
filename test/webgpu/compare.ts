// Helpers for the differential tests: the same values laid out the same way on cpu and webgpu, and
// comparisons of results read back from both.
import { expect } from 'vitest';
import * as torch from '../../src/index.js';
import { Choices } from '../helpers/choices.js';

export { Choices };

type Tensor = torch.Tensor;

/**
 * How an operand is laid out: contiguous; `permuted` (reversed dims of a contiguous base, a
 * transpose); `strided` (every other element of a base twice as long in the last dim); or
 * `broadcast` (size-1 dims of a smaller base expanded, stride 0).
 */
export type Layout = 'contiguous' | 'permuted' | 'strided' | 'broadcast';
export const LAYOUTS: readonly Layout[] = ['contiguous', 'permuted', 'strided', 'broadcast'];

/** The same view of the same values on both devices; `leaves` are the bases (for gradients). */
export interface Pair {
  cpu: Tensor;
  gpu: Tensor;
  cpuLeaf: Tensor;
  gpuLeaf: Tensor;
  /** The view `cpu` and `gpu` take of their leaves, for taking it of other bases of the leaves' shape. */
  view: (base: Tensor) => Tensor;
}

/**
 * A view of `shape` over values from `make(baseShape)` (a CPU tensor), laid out as `layout`, on
 * cpu and on webgpu. With `requiresGrad` the bases are leaves that require grad.
 */
export function pair(
  shape: readonly number[],
  layout: Layout,
  make: (shape: number[]) => Tensor,
  options: { requiresGrad?: boolean; choices?: Choices } = {},
): Pair {
  const ndim = shape.length;
  let baseShape = [...shape];
  if (layout === 'permuted') baseShape = [...shape].reverse();
  if (layout === 'strided' && ndim > 0) baseShape[ndim - 1] *= 2;
  if (layout === 'broadcast') baseShape = shape.map((size) => (size > 1 && (options.choices?.next() ?? 0) < 0.5 ? 1 : size));
  const values = make(baseShape);
  const cpuLeaf = values.detach().requiresGrad_(options.requiresGrad ?? false);
  const gpuLeaf = values.to('webgpu').requiresGrad_(options.requiresGrad ?? false);
  values.dispose();
  const view = (base: Tensor): Tensor => {
    if (layout === 'permuted') return base.permute(base.shape.map((_, d) => ndim - 1 - d));
    if (layout === 'strided' && ndim > 0) return base.index('...', '::2');
    if (layout === 'broadcast') return base.expand(shape as number[]);
    return base;
  };
  return { cpu: view(cpuLeaf), gpu: view(gpuLeaf), cpuLeaf, gpuLeaf, view };
}

/** |gpu - cpu| <= rtol * |cpu| + atol[i] elementwise; NaN matches NaN and infinities match exactly. */
export interface Tolerance {
  rtol: number;
  /** An absolute allowance: a number, or per element (the same op on |inputs|, for sums). */
  atol?: number | Float32Array | Int32Array;
}

export const EXACT: Tolerance = { rtol: 0 };

/**
 * Sums and products, which each device accumulates in its own order: relative 1e-5, plus 1e-5 of
 * `scale`, the same op on the magnitudes of the inputs (the standard error bound of a float sum).
 */
export function accumulated(scale: Tensor): Tolerance {
  return { rtol: 1e-5, atol: scale.abs().mul(1e-5).dataSync() as Float32Array };
}

/** Reads both results and checks shape, dtype and values; `what` names the case in failures. */
export async function expectAgree(what: string, gpu: Tensor, cpu: Tensor, tolerance: Tolerance): Promise<void> {
  expect(gpu.device, `${what}: device`).toBe('webgpu');
  expect(gpu.shape, `${what}: shape`).toEqual(cpu.shape);
  expect(gpu.dtype, `${what}: dtype`).toBe(cpu.dtype);
  const [got, want] = [await gpu.data(), cpu.dataSync()];
  const failures: string[] = [];
  want.forEach((w, i) => {
    const g = got[i];
    const atol = typeof tolerance.atol === 'number' ? tolerance.atol : (tolerance.atol?.[i] ?? 0);
    const ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= tolerance.rtol * Math.abs(w) + atol;
    if (!ok && failures.length < 8) failures.push(`[${i}] webgpu ${g}, cpu ${w}`);
  });
  expect(failures, `${what}: values outside rtol ${tolerance.rtol}`).toEqual([]);
}

/** The largest |g - c| / |c| over elements where c is finite and nonzero (for measuring). */
export async function worstRelativeError(gpu: Tensor, cpu: Tensor): Promise<number> {
  const [got, want] = [await gpu.data(), cpu.dataSync()];
  let worst = 0;
  want.forEach((w, i) => {
    if (Number.isFinite(w) && w !== 0) worst = Math.max(worst, Math.abs(got[i] - w) / Math.abs(w));
  });
  return worst;
}

export interface AccumulatedOptions {
  /**
   * What the error bound is computed from: the operands' magnitudes (the default, for sums of
   * products: convolution, average pooling) or the operands themselves (max pooling, whose
   * gradient goes where the values' order sends it).
   */
  bound?: 'magnitudes' | 'values';
  /** Forward results that only select values (max pooling) must agree exactly. */
  exactForward?: boolean;
  rtol?: number;
}

/**
 * Runs `fn` on both devices' operands and compares the outputs, then backpropagates one upstream
 * gradient on both and compares the gradient of every leaf that requires grad. Each result may
 * differ by rtol times the same computation on the bound's operands (with the upstream
 * gradient's magnitude): the standard error bound of a float sum, which the devices accumulate
 * in different orders.
 */
export async function agreeAccumulated(
  what: string,
  fn: (...xs: Tensor[]) => Tensor,
  pairs: readonly Pair[],
  options: AccumulatedOptions = {},
): Promise<void> {
  const rtol = options.rtol ?? 1e-5;
  const within = (bound: Tensor): Tolerance => ({ rtol, atol: bound.abs().mul(rtol).dataSync() as Float32Array });
  const cpu = fn(...pairs.map((p) => p.cpu));
  const gpu = fn(...pairs.map((p) => p.gpu));
  const bases = pairs.map((p) =>
    (options.bound === 'values' ? p.cpuLeaf.detach() : p.cpuLeaf.detach().abs()).requiresGrad_(p.cpuLeaf.requiresGrad),
  );
  const bound = fn(...bases.map((base, k) => pairs[k].view(base)));
  await expectAgree(what, gpu, cpu, options.exactForward ? EXACT : within(bound));
  const upstream = torch.randn(cpu.shape as number[]);
  cpu.backward(upstream);
  gpu.backward(upstream.to('webgpu'));
  bound.backward(upstream.abs());
  for (const [k, p] of pairs.entries()) {
    if (!p.cpuLeaf.requiresGrad) continue;
    await expectAgree(`${what}: gradient of operand ${k}`, p.gpuLeaf.grad!, p.cpuLeaf.grad!, within(bases[k].grad!));
  }
}

/**
 * No more live tensors and no more GPU bytes than `before`. Only growth is a leak: the garbage
 * collector may free tensors earlier tests left behind at any moment (the registry backstop).
 */
export function expectNoGrowth(before: ReturnType<typeof torch.memory>, after: ReturnType<typeof torch.memory>): void {
  expect(after.tensors, 'live tensors').toBeLessThanOrEqual(before.tensors);
  expect(after.bytes.webgpu, 'webgpu bytes in use').toBeLessThanOrEqual(before.bytes.webgpu);
}
