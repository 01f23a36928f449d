// WebGPU glue for the matmul shaders and the tile plan that picks one.
import { numel } from '../../../shape.js';
import type { Kernels, TensorView } from '../../device.js';
import type { WebGpuDevice } from '../device.js';
import { defineShader, gridOf, stridedWalk, type Walk } from '../launch.js';

// One shader file, two ways of reading b (see shaders/matmul.wgsl).
const stridedShader = defineShader('matmul', { includes: ['matmulStrided'] });
const quadsShader = defineShader('matmul', { includes: ['matmulQuads'] });

/** Threads per workgroup; each owns QUADS quads of 4 columns. */
const WORKGROUP_SIZE = 32;
/** The most rows a workgroup owns (its threads hold ROWS x 4 * QUADS sums each). */
const MAX_ROWS = 16;
const MAX_BATCHES_PER_LAUNCH = 65535;

/** The shape of one workgroup's block of out: the constants the shader text is specialised on. */
export interface MatmulTile {
  readonly rows: number;
  readonly quads: number;
}

/** One matrix operand's last two strides: [row stride, column stride]. */
type MatrixStrides = readonly [number, number];

/** The 2-D problem a launch solves per batch: out (M x N) = a (M x K) @ b (K x N). */
export interface Problem {
  readonly M: number;
  readonly N: number;
  readonly out: MatrixStrides;
  readonly a: MatrixStrides;
  readonly b: MatrixStrides;
  /** Whether out^T = b^T a^T is what runs (a and b swap, and rows with columns). */
  readonly transposed: boolean;
}

/**
 * The tile for an M x N output: as many rows as M needs up to MAX_ROWS (a power of two, so few
 * pipelines), and one quad per thread when N fits in 128 columns, else two.
 */
function matmulTile(M: number, N: number): MatmulTile {
  return { rows: Math.min(MAX_ROWS, 2 ** Math.ceil(Math.log2(Math.max(M, 1)))), quads: N <= WORKGROUP_SIZE * 4 ? 1 : 2 };
}

/** Rows and columns the tiles of an M x N output cover, edges included. */
function paddedArea(M: number, N: number): number {
  const tile = matmulTile(M, N);
  const columns = WORKGROUP_SIZE * tile.quads * 4;
  return Math.ceil(M / tile.rows) * tile.rows * Math.ceil(N / columns) * columns;
}

/**
 * Threads run along the columns of out, so a narrow, tall out (a matrix times a vector) runs as
 * out^T = b^T a^T instead: the same products summed in the same order (a * b == b * a exactly),
 * with the long side across the threads.
 */
function problemOf(M: number, N: number, out: MatrixStrides, a: MatrixStrides, b: MatrixStrides): Problem {
  const flip = (strides: MatrixStrides): MatrixStrides => [strides[1], strides[0]];
  if (paddedArea(N, M) < paddedArea(M, N)) return { M: N, N: M, out: flip(out), a: flip(b), b: flip(a), transposed: true };
  return { M, N, out, a, b, transposed: false };
}

/** b read as vec4 quads: contiguous columns, rows and every batch's start on multiples of 4. */
function readsQuads(problem: Problem, walk: Walk): boolean {
  const [rowStride, columnStride] = problem.b;
  return (
    columnStride === 1 &&
    problem.N % 4 === 0 &&
    rowStride % 4 === 0 &&
    walk.offsets[2] % 4 === 0 &&
    walk.strides[2].every((stride) => stride % 4 === 0)
  );
}

type Layout = Pick<TensorView, 'shape' | 'strides' | 'offset'>;

/** How one matmul runs: which tile, which way round, how b is read, and the batch walk. */
export interface MatmulPlan {
  readonly problem: Problem;
  readonly tile: MatmulTile;
  readonly quads: boolean;
  /** Over the batch dims, operands out, the kernel's a and its b (b and a when transposed). */
  readonly walk: Walk;
}

/** The plan for out = a @ b (views already broadcast to out's batch shape, as the kernel gets them). */
export function matmulPlan(out: Layout, a: Layout, b: Layout): MatmulPlan {
  const ndim = out.shape.length;
  const matrix = (view: Layout): MatrixStrides => [view.strides[ndim - 2], view.strides[ndim - 1]];
  const problem = problemOf(out.shape[ndim - 2], out.shape[ndim - 1], matrix(out), matrix(a), matrix(b));
  const batchOf = (view: Layout) => ({ strides: view.strides.slice(0, -2), offset: view.offset });
  const [first, second] = problem.transposed ? [b, a] : [a, b];
  const walk = stridedWalk('matmul', out.shape.slice(0, -2), [batchOf(out), batchOf(first), batchOf(second)]);
  return { problem, tile: matmulTile(problem.M, problem.N), quads: readsQuads(problem, walk), walk };
}

export function matmulKernels(gpu: WebGpuDevice): Pick<Kernels, 'matmul'> {
  return {
    matmul(out, a, b) {
      if (numel(out.shape) === 0) return;
      const batches = numel(out.shape.slice(0, -2));
      const { problem, tile, quads, walk } = matmulPlan(out, a, b);
      const rowBlocks = Math.ceil(problem.M / tile.rows);
      const columnBlocks = Math.ceil(problem.N / (WORKGROUP_SIZE * tile.quads * 4));
      const [x, y] = gridOf(rowBlocks * columnBlocks);
      for (let batchBase = 0; batchBase < batches; batchBase += MAX_BATCHES_PER_LAUNCH) {
        gpu.run({
          shader: quads ? quadsShader : stridedShader,
          constants: { ROWS: tile.rows, QUADS: tile.quads },
          workgroupSize: WORKGROUP_SIZE,
          outputs: { out },
          inputs: problem.transposed ? { a: b, b: a } : { a, b },
          quadInputs: quads ? ['b'] : undefined,
          walk,
          uniforms: {
            M: ['u32', problem.M],
            N: ['u32', problem.N],
            K: ['u32', a.shape[a.shape.length - 1]],
            batchBase: ['u32', batchBase],
            rowBlocks: ['u32', rowBlocks],
            columnBlocks: ['u32', columnBlocks],
            aRowStride: ['i32', problem.a[0]],
            aColStride: ['i32', problem.a[1]],
            bRowStride: ['i32', problem.b[0]],
            bColStride: ['i32', problem.b[1]],
            outRowStride: ['i32', problem.out[0]],
            outColStride: ['i32', problem.out[1]],
          },
          workgroups: [x, y, Math.min(MAX_BATCHES_PER_LAUNCH, batches - batchBase)],
        });
      }
    },
  };
}
