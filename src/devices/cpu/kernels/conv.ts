// CPU glue for the convolution kernels of assembly/conv.ts.
import { contiguousStrides } from '../../../shape.js';
import type { ConvGeometry, Kernels } from '../../device.js';
import type { CpuDevice } from '../device.js';
import { addressOf, withContiguous, withOptionalContiguous } from '../helpers.js';

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

export function convKernels(cpu: CpuDevice): Pick<Kernels, 'conv2d' | 'conv2dBackwardInput' | 'conv2dBackwardWeight'> {
  const wasm = cpu.wasm;
  // The GEMM's packing scratch, allocated once: kernels never allocate.
  const workspace = cpu.workspace('gemm', wasm.gemmWorkspaceBytes(), 0);

  /** Writes the geometry block and runs `use` with its address and a column scratch buffer; runs
   *  after any staging copy, since copies reuse the parameter area. */
  const withGeometry = (block: number[], use: (geometryAt: number, columns: number) => void) => {
    cpu.beginParams();
    const [geometryAt] = cpu.params(block);
    const bytes = wasm.convColumnsBytes(geometryAt);
    const columns = bytes > 0 ? cpu.allocator.malloc(bytes) : 0;
    try {
      use(geometryAt, columns);
    } finally {
      if (columns) cpu.allocator.free(columns);
    }
  };

  return {
    conv2d(out, input, weight, bias, geometry) {
      const block = geometryBlock(input.shape, input.strides, out.shape, weight.shape.slice(2), geometry);
      withContiguous(cpu, weight, (w) =>
        withOptionalContiguous(cpu, bias, (b) =>
          withGeometry(block, (geometryAt, columns) =>
            wasm.conv2dF32(geometryAt, addressOf(out), addressOf(input), addressOf(w), b ? addressOf(b) : 0, columns, workspace),
          ),
        ),
      );
    },
    conv2dBackwardInput(gradInput, grad, weight, geometry) {
      const block = geometryBlock(gradInput.shape, contiguousStrides(gradInput.shape), grad.shape, weight.shape.slice(2), geometry);
      withContiguous(cpu, weight, (w) =>
        withContiguous(cpu, grad, (g) =>
          withGeometry(block, (geometryAt, columns) =>
            wasm.conv2dBackwardInputF32(geometryAt, addressOf(gradInput), addressOf(g), addressOf(w), columns, workspace),
          ),
        ),
      );
    },
    conv2dBackwardWeight(gradWeight, input, grad, geometry) {
      const block = geometryBlock(input.shape, input.strides, grad.shape, gradWeight.shape.slice(2), geometry);
      withContiguous(cpu, grad, (g) =>
        withGeometry(block, (geometryAt, columns) =>
          wasm.conv2dBackwardWeightF32(geometryAt, addressOf(gradWeight), addressOf(input), addressOf(g), columns, workspace),
        ),
      );
    },
  };
}
