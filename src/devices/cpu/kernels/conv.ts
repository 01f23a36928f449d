// CPU glue for the convolution kernels of assembly/conv.ts: each pass's work items split over the thread pool when the size pays.
import { contiguousStrides, numel } from '../../../shape.js';
import type { ConvGeometry, Kernels } from '../../device.js';
import type { CpuDevice } from '../device.js';
import { addressOf, scratchView, withContiguous, withOptionalContiguous } from '../helpers.js';

/**
 * The kernels' geometry block (field order mirrored in assembly/conv.ts). The input strides are
 * those of the tensor im2col reads: the input in forward and the weight gradient, the contiguous
 * gradient buffer in the input gradient.
 */
function geometryBlock(
  inputShape: readonly number[],
  inputStrides: readonly number[],
  outShape: readonly number[],
  kernelSize: readonly number[],
  geometry: ConvGeometry,
): number[] {
  const [batch, inChannels, height, width] = inputShape;
  const [, outChannels, outHeight, outWidth] = outShape;
  return [
    batch,
    inChannels,
    height,
    width,
    outChannels,
    outHeight,
    outWidth,
    kernelSize[0],
    kernelSize[1],
    ...geometry.stride,
    ...geometry.padding,
    ...geometry.dilation,
    geometry.groups,
    ...inputStrides,
  ];
}

/** The passes of assembly/conv.ts's convWorkItems. */
const PASS = { forward: 0, inputGrad: 1, weightGrad: 2 } as const;
/**
 * A convolution pass splits only with at least twice this many multiply-adds, at most one piece
 * per this many. Its pieces are GEMMs of gemm.ts's code, each also repacking the weights and
 * gathering its own columns, so the break-even is taken from the GEMM's (2^20 to 2^21 on a quiet
 * machine). scripts/conv-thread-threshold.mjs could not measure it here: the 2 shared cores ran at
 * load 8-15, and with every size split (fastest of 41 alternated runs) 2 threads took 0.67-1.18x
 * the speed of 1 on forwards of 1.2-9.4 million multiply-adds and 1.08-1.7x at 18.9 million; at
 * load 8, with this threshold, 0.84-0.95x from 4.7 to 18.9 million, while sizes left unsplit
 * varied by as much (0.74-1.02x), so the noise exceeds the effect.
 */
const THREAD_MIN_MACS = 1 << 21;

export function convKernels(cpu: CpuDevice): Pick<Kernels, 'conv2d' | 'conv2dBackwardInput' | 'conv2dBackwardWeight'> {
  const wasm = cpu.wasm;
  const workspaceBytes = wasm.gemmWorkspaceBytes();

  /**
   * Writes the geometry block and runs `kernel` over the pass's work items, split into contiguous
   * ranges when the multiply-adds pay for threads; each range gets its own column scratch and
   * GEMM workspace, passed to `call` with the range. Runs after any staging copy, since copies
   * reuse the parameter area.
   */
  const runPass = (
    block: number[],
    pass: number,
    kernel: 'conv2dF32' | 'conv2dBackwardInputF32' | 'conv2dBackwardWeightF32',
    args: (geometryAt: number, columns: number, workspace: number, first: number, end: number) => number[],
  ) => {
    cpu.beginParams();
    const [geometryAt] = cpu.params(block);
    const items = wasm.convWorkItems(geometryAt, pass);
    const [batch, inChannels, , , outChannels, outHeight, outWidth, kernelH, kernelW, , , , , , , groups] = block;
    const macs = batch * outChannels * outHeight * outWidth * (inChannels / groups) * kernelH * kernelW;
    const threads = Math.min(cpu.threadsFor(macs, THREAD_MIN_MACS), items);
    const bytes = wasm.convColumnsBytes(geometryAt);
    const columns: number[] = [];
    try {
      const pieces: number[][] = [];
      for (let t = 0; t < threads; t++) {
        const scratch = bytes > 0 ? cpu.allocator.malloc(bytes) : 0;
        if (scratch) columns.push(scratch);
        const first = Math.floor((t * items) / threads);
        const end = Math.floor(((t + 1) * items) / threads);
        pieces.push(args(geometryAt, scratch, cpu.workspace('gemm', workspaceBytes, t), first, end));
      }
      const runHere = (piece: readonly number[]) => (wasm[kernel] as (...values: readonly number[]) => void)(...piece);
      if (threads === 1 || !cpu.pool) pieces.forEach(runHere);
      else cpu.pool.run(kernel, pieces, runHere);
    } finally {
      for (const scratch of columns) cpu.allocator.free(scratch);
    }
  };

  return {
    conv2d(out, input, weight, bias, geometry) {
      const block = geometryBlock(input.shape, input.strides, out.shape, weight.shape.slice(2), geometry);
      withContiguous(cpu, weight, (w) =>
        withOptionalContiguous(cpu, bias, (b) =>
          runPass(block, PASS.forward, 'conv2dF32', (geometryAt, columns, workspace, first, end) => [
            geometryAt,
            addressOf(out),
            addressOf(input),
            addressOf(w),
            b ? addressOf(b) : 0,
            columns,
            workspace,
            first,
            end,
          ]),
        ),
      );
    },
    conv2dBackwardInput(gradInput, grad, weight, geometry) {
      const block = geometryBlock(gradInput.shape, contiguousStrides(gradInput.shape), grad.shape, weight.shape.slice(2), geometry);
      withContiguous(cpu, weight, (w) =>
        withContiguous(cpu, grad, (g) =>
          runPass(block, PASS.inputGrad, 'conv2dBackwardInputF32', (geometryAt, columns, workspace, first, end) => [
            geometryAt,
            addressOf(gradInput),
            addressOf(g),
            addressOf(w),
            columns,
            workspace,
            first,
            end,
          ]),
        ),
      );
    },
    conv2dBackwardWeight(gradWeight, input, grad, geometry) {
      const block = geometryBlock(input.shape, input.strides, grad.shape, gradWeight.shape.slice(2), geometry);
      cpu.beginParams();
      const partials = wasm.convWeightPartials(cpu.params(block)[0]);
      const weightFloats = numel(gradWeight.shape);
      const target = partials > 0 ? cpu.allocator.malloc(partials * weightFloats * 4) : addressOf(gradWeight);
      try {
        withContiguous(cpu, grad, (g) =>
          runPass(block, PASS.weightGrad, 'conv2dBackwardWeightF32', (geometryAt, columns, workspace, first, end) => [
            geometryAt,
            target,
            addressOf(input),
            addressOf(g),
            columns,
            workspace,
            first,
            end,
          ]),
        );
        if (partials > 0) {
          // The image ranges' partial gradients, summed in range order whatever the thread count.
          const staged = scratchView(gradWeight, target, [partials, weightFloats]);
          cpu.kernels.reduce('sum', { ...gradWeight, shape: [weightFloats], strides: [1] }, staged, [0]);
        }
      } finally {
        if (partials > 0) cpu.allocator.free(target);
      }
    },
  };
}
