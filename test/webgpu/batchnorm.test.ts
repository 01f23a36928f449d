// Batch norm's fused kernels on WebGPU (shaders/batchNorm*.wgsl, channelAffine.wgsl) against the
// CPU's (assembly/batchnorm.ts), through F.batchNorm: 2-D to 5-D inputs in every layout
// (transposed, strided, broadcast), training and evaluation, with and without weight and bias,
// channels of thousands of elements, and a mean far larger than the spread. Forward, running
// statistics and every gradient are compared.
import { beforeEach, describe, it } from 'vitest';
import * as torch from '../../src/index.js';
import { Choices, expectAgree, LAYOUTS, type Layout, pair, type Tolerance } from './compare.js';
import { webgpuReady } from './gpu.js';

type Tensor = torch.Tensor;
const F = torch.nn.functional;

const ready = await webgpuReady();

/**
 * The devices sum each channel's statistics and backward sums in different orders (the GPU's
 * compensated float32 sums, the CPU's float64 ones), so results agree to a relative 1e-4 of the
 * largest magnitude in the tensor: normalisation divides by the spread, which turns the sums'
 * relative error into an error relative to the whole tensor's scale rather than each element's.
 */
function scaled(reference: Tensor): Tolerance {
  return { rtol: 1e-4, atol: 1e-4 * Math.max(1e-6, Number(reference.abs().max().itemSync())) };
}

interface Case {
  shape: number[];
  layout: Layout;
  training: boolean;
  affine: boolean;
  /** Added to every input value: a mean far from 0 against a spread of about 1. */
  offset?: number;
}

/** F.batchNorm on both devices with the same values: output, running statistics and gradients agree. */
async function agree(what: string, c: Case): Promise<void> {
  const channels = c.shape[1];
  const x = pair(c.shape, c.layout, (shape) => torch.randn(shape).add(c.offset ?? 0), { requiresGrad: true });
  const weight = c.affine ? torch.randn(channels).requiresGrad_() : null;
  const bias = c.affine ? torch.randn(channels).requiresGrad_() : null;
  const gpuWeight = weight?.detach().to('webgpu').requiresGrad_() ?? null;
  const gpuBias = bias?.detach().to('webgpu').requiresGrad_() ?? null;
  const runningMean = torch.randn(channels);
  const runningVar = torch.rand(channels).add(0.5);
  const [gpuMean, gpuVar] = [runningMean.to('webgpu'), runningVar.to('webgpu')];
  const cpu = F.batchNorm(x.cpu, runningMean, runningVar, { weight, bias, training: c.training });
  const gpu = F.batchNorm(x.gpu, gpuMean, gpuVar, { weight: gpuWeight, bias: gpuBias, training: c.training });
  await expectAgree(`${what}: output`, gpu, cpu, scaled(cpu));
  await expectAgree(`${what}: running mean`, gpuMean, runningMean, scaled(runningMean));
  await expectAgree(`${what}: running variance`, gpuVar, runningVar, scaled(runningVar));
  const upstream = torch.randn(c.shape);
  x.cpu.retainGrad();
  cpu.backward(upstream);
  gpu.backward(upstream.to('webgpu'));
  // A broadcast input's gradient sums the gradients of the positions that read each element (a
  // sum that cancels to about 0 when a whole channel reads one element): each term may be off by
  // the view's bound, so the sum by as many times that.
  const readers = torch.zeros(x.cpuLeaf.shape as number[]).requiresGrad_();
  x.view(readers).backward(torch.onesLike(x.cpu));
  const viewBound = scaled(x.cpu.grad!).atol as number;
  const leafBound = { rtol: 1e-4, atol: readers.grad!.mul(viewBound).dataSync() as Float32Array };
  await expectAgree(`${what}: input gradient`, x.gpuLeaf.grad!, x.cpuLeaf.grad!, leafBound);
  if (weight && bias && gpuWeight && gpuBias) {
    await expectAgree(`${what}: weight gradient`, gpuWeight.grad!, weight.grad!, scaled(weight.grad!));
    await expectAgree(`${what}: bias gradient`, gpuBias.grad!, bias.grad!, scaled(bias.grad!));
  }
}

describe.skipIf(!ready)('batch norm on webgpu agrees with the cpu', () => {
  beforeEach(() => torch.manualSeed(5));

  const choices = new Choices(23);
  const shapes = [
    [6, 3],
    [4, 5, 7],
    [2, 3, 5, 6],
    [2, 2, 3, 4, 5],
  ];
  for (const shape of shapes) {
    for (const layout of LAYOUTS) {
      for (const training of [true, false]) {
        const affine = choices.next() < 0.5;
        const what = `[${shape}] ${layout}, ${training ? 'training' : 'evaluation'}${affine ? ', affine' : ''}`;
        it(what, () => agree(what, { shape, layout, training, affine }));
      }
    }
  }

  it('channels of thousands of elements (many passes of each workgroup)', () =>
    agree('long channels', { shape: [4, 3, 48, 40], layout: 'contiguous', training: true, affine: true }));

  it('a mean a thousand times the spread', () =>
    agree('large mean', { shape: [8, 4, 9, 9], layout: 'contiguous', training: true, affine: true, offset: 1000 }));
});
