// WebGPU glue for the convolution shaders of shaders/conv.wgsl.
import type { ConvGeometry, Kernels, TensorView } from '../../device.js';
import type { WebGpuDevice } from '../device.js';
import { defineShader, type Uniform } from '../launch.js';

const MODES = { forward: 0, backwardInput: 1, backwardWeight: 2 };
type Mode = keyof typeof MODES;
const convShader = defineShader('conv', { tables: [MODES] });

const WORKGROUP_SIZE = 256;

/** Tile shapes (shaders/conv.wgsl): TILE_M = THREADS_M * REG_M rows by TILE_N = 4 * THREADS_N columns. */
interface Tiling {
  readonly THREADS_M: number;
  readonly THREADS_N: number;
  readonly REG_M: number;
  readonly DEPTH: number;
}

// Workgroup memory: DEPTH * (TILE_M + TILE_N) floats, 8-9 KiB each. The narrower tiles keep the
// threads busy when a group has few channels (M), down to one channel per group (depthwise).
const WIDE: Tiling = { THREADS_M: 16, THREADS_N: 16, REG_M: 4, DEPTH: 16 };
const NARROW: Tiling = { THREADS_M: 4, THREADS_N: 64, REG_M: 4, DEPTH: 8 };
const THIN: Tiling = { THREADS_M: 4, THREADS_N: 64, REG_M: 1, DEPTH: 8 };

function tilingFor(m: number): Tiling {
  return m > 16 ? WIDE : m > 4 ? NARROW : THIN;
}

/** The weight gradient's K (output pixels) is split into chunks until about this many workgroups run. */
const TARGET_WORKGROUPS = 64;
/** ...but no chunk is shorter than this many pixels. */
const MIN_CHUNK = 256;

/**
 * BACKWARD_INPUT's stride phase along one axis: the input positions first, first + stride, ...
 * (count of them), read through the taps tap, tap + tapStep, ... (taps of them).
 */
interface Phase {
  first: number;
  count: number;
  tap: number;
  tapStep: number;
  taps: number;
}

/** The positions p in [0, size) with (p + padding) % stride == residue, and the taps k in [0, kernel) with k * dilation % stride == residue. */
function phaseOf(residue: number, stride: number, padding: number, dilation: number, kernel: number, size: number): Phase {
  const first = (((residue - padding) % stride) + stride) % stride;
  const tapStep = stride / gcd(dilation, stride);
  let tap = 0;
  while (tap < Math.min(kernel, tapStep) && (tap * dilation) % stride !== residue) tap++;
  const taps = tap < kernel && (tap * dilation) % stride === residue ? Math.ceil((kernel - tap) / tapStep) : 0;
  return { first, count: Math.max(0, Math.ceil((size - first) / stride)), tap, tapStep, taps };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** One GEMM of shaders/conv.wgsl: which operands, its sizes, and how its K and N indices split. */
interface Gemm {
  mode: Mode;
  out: TensorView;
  lhs: TensorView;
  rhs: TensorView;
  bias: TensorView | null;
  M: number;
  N: number;
  K: number;
  /** [middle, inner] sizes of the (outer, middle, inner) split of a K and an N index. */
  kSplit: readonly [number, number];
  nSplit: readonly [number, number];
  /** Height and width of the rhs image. */
  rhsImage: readonly [number, number];
  /** Values of N per image of out, and elements per channel of out ([images, channels, outPlane]). */
  plane: number;
  outPlane: number;
  /** Chunks of K (each written to its own image of out), and their length. */
  splits: number;
  kChunk: number;
  /** BACKWARD_INPUT's stride phase along rows and columns (out is then gradInput, [N, C, H, W]). */
  phases?: readonly [Phase, Phase];
}

/** The uniforms of a launch without stride phases. */
const NO_PHASE: Phase = { first: 0, count: 0, tap: 0, tapStep: 1, taps: 0 };

export function convKernels(gpu: WebGpuDevice): Pick<Kernels, 'conv2d' | 'conv2dBackwardInput' | 'conv2dBackwardWeight'> {
  const run = (gemm: Gemm, geometry: ConvGeometry, groupInChannels: number, groupOutChannels: number) => {
    const tiling = tilingFor(gemm.M);
    const mTiles = Math.ceil(gemm.M / (tiling.THREADS_M * tiling.REG_M));
    const nTiles = Math.ceil(gemm.N / (tiling.THREADS_N * 4));
    const tiles = mTiles * nTiles * geometry.groups * gemm.splits;
    const u32 = (value: number): Uniform => ['u32', value];
    const [rows, cols] = gemm.phases ?? [NO_PHASE, NO_PHASE];
    gpu.run({
      shader: convShader,
      constants: { MODE: MODES[gemm.mode], HAS_BIAS: gemm.bias ? 1 : 0, ...tiling },
      workgroupSize: WORKGROUP_SIZE,
      outputs: { out: gemm.out },
      inputs: { lhs: gemm.lhs, rhs: gemm.rhs, bias: gemm.bias ?? gemm.lhs },
      uniforms: {
        M: u32(gemm.M),
        N: u32(gemm.N),
        K: u32(gemm.K),
        kChunk: u32(gemm.kChunk),
        mTiles: u32(mTiles),
        nTiles: u32(nTiles),
        groups: u32(geometry.groups),
        tiles: u32(tiles),
        kMiddle: u32(gemm.kSplit[0]),
        kInner: u32(gemm.kSplit[1]),
        nMiddle: u32(gemm.nSplit[0]),
        nInner: u32(gemm.nSplit[1]),
        rhsHeight: u32(gemm.rhsImage[0]),
        rhsWidth: u32(gemm.rhsImage[1]),
        strideH: u32(geometry.stride[0]),
        strideW: u32(geometry.stride[1]),
        padH: u32(geometry.padding[0]),
        padW: u32(geometry.padding[1]),
        dilationH: u32(geometry.dilation[0]),
        dilationW: u32(geometry.dilation[1]),
        groupInChannels: u32(groupInChannels),
        groupOutChannels: u32(groupOutChannels),
        plane: u32(gemm.plane),
        outPlane: u32(gemm.outPlane),
        outWidth: u32(gemm.phases ? gemm.out.shape[3] : 0),
        phaseRow: u32(rows.first),
        phaseCol: u32(cols.first),
        tapRow: u32(rows.tap),
        tapCol: u32(cols.tap),
        tapRowStep: u32(rows.tapStep),
        tapColStep: u32(cols.tapStep),
        lhsOffset: ['i32', gemm.lhs.offset],
        rhsOffset: ['i32', gemm.rhs.offset],
        outOffset: u32(gemm.out.offset),
        biasOffset: ['i32', gemm.bias?.offset ?? 0],
        biasStride: ['i32', gemm.bias?.strides[0] ?? 0],
        lhsStrides: ['i32', gemm.lhs.strides],
        rhsStrides: ['i32', gemm.rhs.strides],
      },
      workgroups: tiles,
    });
  };

  return {
    conv2d(out, input, weight, bias, geometry) {
      const [batch, inChannels] = input.shape;
      const [outChannels, groupInChannels, kernelH, kernelW] = weight.shape;
      const [, , outHeight, outWidth] = out.shape;
      const M = outChannels / geometry.groups;
      const K = groupInChannels * kernelH * kernelW;
      const plane = outHeight * outWidth;
      run(
        {
          mode: 'forward',
          out,
          lhs: weight,
          rhs: input,
          bias,
          M,
          N: batch * plane,
          K,
          kSplit: [kernelH, kernelW],
          nSplit: [outHeight, outWidth],
          rhsImage: [input.shape[2], input.shape[3]],
          plane,
          outPlane: plane,
          splits: 1,
          kChunk: K,
        },
        geometry,
        inChannels / geometry.groups,
        M,
      );
    },
    conv2dBackwardInput(gradInput, grad, weight, geometry) {
      const [batch, inChannels, height, width] = gradInput.shape;
      const [outChannels, , kernelH, kernelW] = weight.shape;
      const groupOutChannels = outChannels / geometry.groups;
      for (let rowResidue = 0; rowResidue < geometry.stride[0]; rowResidue++) {
        const rows = phaseOf(rowResidue, geometry.stride[0], geometry.padding[0], geometry.dilation[0], kernelH, height);
        for (let colResidue = 0; colResidue < geometry.stride[1]; colResidue++) {
          const cols = phaseOf(colResidue, geometry.stride[1], geometry.padding[1], geometry.dilation[1], kernelW, width);
          if (rows.count === 0 || cols.count === 0) continue;
          // A phase no tap reaches still runs (K = 0): it writes its pixels' zeros.
          const K = groupOutChannels * rows.taps * cols.taps;
          run(
            {
              mode: 'backwardInput',
              out: gradInput,
              lhs: weight,
              rhs: grad,
              bias: null,
              M: inChannels / geometry.groups,
              N: batch * rows.count * cols.count,
              K,
              kSplit: [rows.taps, cols.taps],
              nSplit: [rows.count, cols.count],
              rhsImage: [grad.shape[2], grad.shape[3]],
              plane: rows.count * cols.count,
              outPlane: height * width,
              splits: 1,
              kChunk: K,
              phases: [rows, cols],
            },
            geometry,
            inChannels / geometry.groups,
            groupOutChannels,
          );
        }
      }
    },
    conv2dBackwardWeight(gradWeight, input, grad, geometry) {
      const [batch, , outHeight, outWidth] = grad.shape;
      const [outChannels, groupInChannels, kernelH, kernelW] = gradWeight.shape;
      const M = outChannels / geometry.groups;
      const N = groupInChannels * kernelH * kernelW;
      const K = batch * outHeight * outWidth;
      const tiling = tilingFor(M);
      const outputTiles = Math.ceil(M / (tiling.THREADS_M * tiling.REG_M)) * Math.ceil(N / (tiling.THREADS_N * 4)) * geometry.groups;
      const wanted = Math.max(1, Math.min(Math.ceil(K / MIN_CHUNK), Math.ceil(TARGET_WORKGROUPS / outputTiles)));
      const kChunk = Math.ceil(K / wanted / tiling.DEPTH) * tiling.DEPTH;
      const splits = Math.ceil(K / kChunk);
      const gemm = (out: TensorView): Gemm => ({
        mode: 'backwardWeight',
        out,
        lhs: grad,
        rhs: input,
        bias: null,
        M,
        N,
        K,
        kSplit: [outHeight, outWidth],
        nSplit: [kernelH, kernelW],
        rhsImage: [input.shape[2], input.shape[3]],
        plane: N,
        outPlane: N,
        splits,
        kChunk,
      });
      if (splits === 1) {
        run(gemm(gradWeight), geometry, groupInChannels, M);
        return;
      }
      // Each chunk's partial sums, then their sum in a fixed order (the reduce kernel's).
      const size = outChannels * N;
      const buffer = gpu.malloc(splits * size * 4);
      const partials: TensorView = {
        storage: { ...gradWeight.storage, buffer },
        offset: 0,
        shape: [splits, size],
        strides: [size, 1],
        dtype: 'float32',
      };
      run(gemm(partials), geometry, groupInChannels, M);
      gpu.kernels.reduce('sum', { ...gradWeight, shape: [size], strides: [1] }, partials, [0]);
      gpu.free(buffer);
    },
  };
}
