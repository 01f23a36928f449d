// The recurrent kernels on WebGPU (src/devices/webgpu/kernels/rnn.ts, shaders/rnn.wgsl): the
// PyTorch fixtures of the CPU suite, agreement with the CPU kernels over random layouts, every
// layer-direction in one command buffer, and the errors bad shapes raise.
//
// Agreement is relative 1e-5 against the accumulated magnitude, as in the matmul differential
// tests; a recurrent result accumulates through steps and gates, so the tensor's largest magnitude
// stands in for the per-element sum of |terms|: |webgpu - cpu| <= 1e-5 (|cpu| + max |cpu|).
import { describe, expect, it } from 'vitest';
import type { RnnMode, TensorView } from '../../src/devices/device.js';
import { getDevice } from '../../src/devices/registry.js';
import { rnnGateCount, rnnPlan, rnnReserveElements } from '../../src/devices/rnn-layout.js';
import type { WebGpuDevice } from '../../src/devices/webgpu/device.js';
import * as torch from '../../src/index.js';
import { type RnnLayerWeights, rnnLayer } from '../../src/ops/rnn.js';
import { checkRnnFixtureCase, rnnFixtureCases } from '../helpers/rnn-fixtures.js';
import { Choices, expectAgree, type Tolerance } from './compare.js';
import { webgpuReady } from './gpu.js';

const { nn } = torch;
type Tensor = torch.Tensor;

const ready = await webgpuReady();
const gpu = () => getDevice('webgpu') as WebGpuDevice;

/** Whether the webgpu kernel table has these kernels yet (the table's misses throw when called). */

const RTOL = 1e-5;

function accumulated(cpu: Tensor): Tolerance {
  const largest = cpu.abs().max().itemSync() as number;
  return { rtol: RTOL, atol: RTOL * largest };
}

async function agree(what: string, gpuResult: Tensor, cpuResult: Tensor): Promise<void> {
  await expectAgree(what, gpuResult, cpuResult, accumulated(cpuResult));
}

/** Sorted sequence lengths as batch sizes: step t holds the sequences longer than t. */
function batchSizesOf(lengths: number[]): number[] {
  return Array.from({ length: lengths[0] }, (_, t) => lengths.filter((length) => length > t).length);
}

interface LayerCase {
  mode: RnnMode;
  lengths: number[];
  reverse: boolean;
  inputSize: number;
  hidden: number;
  projSize: number;
  bias: boolean;
}

/**
 * One layer-direction (the fused op, packed rows) on both devices from the same CPU values, then
 * its backward from the same upstream gradients: every output and every gradient must agree.
 */
async function checkLayer({ mode, lengths, reverse, inputSize, hidden, projSize, bias }: LayerCase): Promise<void> {
  const batchSizes = batchSizesOf(lengths);
  const rows = batchSizes.reduce((a, b) => a + b, 0);
  const batch = batchSizes[0];
  const state = projSize || hidden;
  const width = rnnGateCount(mode) * hidden;
  const scale = 1 / Math.sqrt(hidden);
  const weight = (...shape: number[]) =>
    torch
      .rand(shape)
      .mul(2 * scale)
      .sub(scale);
  const values = {
    input: torch.randn(rows, inputSize),
    h0: torch.randn(batch, state),
    c0: mode === 'lstm' ? torch.randn(batch, hidden) : null,
    weightIh: weight(width, inputSize),
    weightHh: weight(width, state),
    biasIh: bias ? weight(width) : null,
    biasHh: bias ? weight(width) : null,
    weightHr: projSize ? weight(projSize, hidden) : null,
  };
  const names = Object.keys(values) as (keyof typeof values)[];
  const leavesOn = (device: string) =>
    Object.fromEntries(names.map((name) => [name, values[name]?.detach().to(device).requiresGrad_() ?? null])) as typeof values;
  const run = (leaves: typeof values) =>
    rnnLayer(mode, leaves.input!, batchSizes, leaves.h0!, leaves.c0, leaves as RnnLayerWeights, { reverse });
  const [cpuLeaves, gpuLeaves] = [leavesOn('cpu'), leavesOn('webgpu')];
  const [cpu, onGpu] = [run(cpuLeaves), run(gpuLeaves)];
  const label = JSON.stringify({
    mode,
    batchSizes: batchSizes.length > 12 ? `${batchSizes.length} steps` : batchSizes,
    reverse,
    inputSize,
    hidden,
    projSize,
    bias,
  });
  await agree(`${label} output`, onGpu.output, cpu.output);
  await agree(`${label} hN`, onGpu.hN, cpu.hN);
  if (cpu.cN) await agree(`${label} cN`, onGpu.cN!, cpu.cN);

  const upstream = [cpu.output, cpu.hN, cpu.cN].map((t) => (t ? torch.randn(t.shape) : null));
  const loss = (result: typeof cpu, device: string) =>
    [result.output, result.hN, result.cN].reduce<Tensor>(
      (total, t, i) => (t ? total.add(t.mul(upstream[i]!.to(device)).sum()) : total),
      torch.zeros([], { device }),
    );
  loss(cpu, 'cpu').backward();
  loss(onGpu, 'webgpu').backward();
  for (const name of names) {
    if (cpuLeaves[name]) await agree(`${label} gradient of ${name}`, gpuLeaves[name]!.grad!, cpuLeaves[name]!.grad!);
  }
}

/**
 * A module (moved to each device from the same CPU parameters) on a padded or packed-sorted batch,
 * forward and backward: the output (packed rows for a packed batch), the final states, and the
 * gradients of the input and of every parameter must agree.
 */
async function checkModule(make: () => torch.nn.Module, x: Tensor, lengths: number[] | null, seed: number): Promise<void> {
  const cpuModule = make();
  const gpuModule = make();
  gpuModule.loadStateDict(cpuModule.stateDict());
  gpuModule.to('webgpu');
  const batchFirst = (cpuModule as unknown as { batchFirst: boolean }).batchFirst;
  // Packing (an indexSelect) runs on the CPU; the packed rows are the leaf on each device, so
  // backward stays on the device.
  const packed = lengths && nn.utils.rnn.packPaddedSequence(x, lengths, { batchFirst });
  const run = (module: torch.nn.Module, device: string) => {
    const leaf = (packed ? packed.data : x).detach().to(device).requiresGrad_();
    const input = packed ? new nn.utils.rnn.PackedSequence(leaf, packed.batchSizes) : leaf;
    torch.manualSeed(seed);
    const [out, states] = module.forward(input) as [Tensor | torch.nn.utils.rnn.PackedSequence, Tensor | Tensor[]];
    const results = [out instanceof nn.utils.rnn.PackedSequence ? out.data : out, ...(Array.isArray(states) ? states : [states])];
    const weighting = (t: Tensor, i: number) =>
      torch
        .linspace(-1, 1 + i, t.numel())
        .reshape(t.shape)
        .to(device);
    results.reduce((total, t, i) => total.add(t.mul(weighting(t, i)).sum()), torch.zeros([], { device })).backward();
    return { results, inputGrad: leaf.grad! };
  };
  const cpu = run(cpuModule, 'cpu');
  const onGpu = run(gpuModule, 'webgpu');
  const name = String(cpuModule);
  for (const [i, t] of cpu.results.entries()) await agree(`${name} result ${i}`, onGpu.results[i], t);
  await agree(`${name} input gradient`, onGpu.inputGrad, cpu.inputGrad);
  const gpuParams = new Map(gpuModule.namedParameters());
  for (const [param, p] of cpuModule.namedParameters()) await agree(`${name} gradient of ${param}`, gpuParams.get(param)!.grad!, p.grad!);
}

describe.skipIf(!ready)('recurrent layers on webgpu', () => {
  describe('match PyTorch 1.13 (the fixtures of test/nn/rnn.test.ts)', () => {
    for (const c of rnnFixtureCases) it(c.name, () => checkRnnFixtureCase(c, 'webgpu'));
  });

  describe('agree with the cpu kernels', () => {
    for (const mode of ['rnnTanh', 'rnnRelu', 'lstm', 'gru'] as RnnMode[]) {
      it(`${mode} over random packed layouts`, async () => {
        const choices = new Choices(mode.length * 977);
        torch.manualSeed(mode.length);
        for (let trial = 0; trial < 4; trial++) {
          const batch = choices.int(1, 7);
          const lengths = Array.from({ length: batch }, () => choices.int(1, 9)).sort((a, b) => b - a);
          const hidden = choices.int(1, 12);
          await checkLayer({
            mode,
            lengths,
            hidden,
            reverse: choices.next() < 0.5,
            inputSize: choices.int(1, 9),
            bias: choices.next() < 0.8,
            projSize: mode === 'lstm' && hidden > 1 && choices.next() < 0.5 ? choices.int(1, hidden - 1) : 0,
          });
        }
      });
    }

    it('layers wider than a workgroup tile in every dimension (rows, hidden units, depth)', async () => {
      torch.manualSeed(3);
      const lengths = [5, 5, 4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
      for (const mode of ['rnnTanh', 'lstm', 'gru'] as RnnMode[]) {
        for (const reverse of [false, true])
          await checkLayer({ mode, lengths, reverse, inputSize: 37, hidden: 35, projSize: 0, bias: true });
      }
      await checkLayer({ mode: 'lstm', lengths, reverse: true, inputSize: 20, hidden: 40, projSize: 18, bias: true });
    });

    it('LSTMs with a projection over several row blocks and column tiles of each product, both directions', async () => {
      torch.manualSeed(7);
      // 35 rows are three blocks of 16. The hidden units go 16 to a tile, the other products'
      // columns 64: hidden 40 and projSize 24 take 3 and 1 tiles, hidden 100 and projSize 70 7 and 2.
      const lengths = [6, 6, 5, ...Array<number>(12).fill(4), ...Array<number>(10).fill(3), ...Array<number>(10).fill(1)];
      for (const [hidden, projSize] of [
        [40, 24],
        [100, 70],
      ]) {
        for (const reverse of [false, true])
          await checkLayer({ mode: 'lstm', lengths, reverse, inputSize: 9, hidden, projSize, bias: true });
      }
    });

    it('a long packed sequence, both directions', async () => {
      torch.manualSeed(4);
      const lengths = [300, 260, 181, 40, 1];
      for (const mode of ['lstm', 'gru'] as RnnMode[]) {
        for (const reverse of [false, true]) await checkLayer({ mode, lengths, reverse, inputSize: 5, hidden: 8, projSize: 0, bias: true });
      }
    });

    it('modules: stacked, bidirectional, batch-first, with a projection, on padded and packed (sorted) batches', async () => {
      torch.manualSeed(5);
      await checkModule(() => new nn.LSTM(4, 6, { numLayers: 2, bidirectional: true }), torch.randn(7, 3, 4), null, 1);
      await checkModule(() => new nn.GRU(3, 5, { numLayers: 2, batchFirst: true }), torch.randn(4, 6, 3), [6, 5, 3, 1], 2);
      await checkModule(
        () => new nn.LSTM(3, 7, { projSize: 3, bidirectional: true, batchFirst: true }),
        torch.randn(3, 5, 3),
        [5, 4, 4],
        3,
      );
      await checkModule(
        () => new nn.RNN(2, 4, { nonlinearity: 'relu', numLayers: 3, bidirectional: true }),
        torch.randn(6, 2, 2),
        [6, 2],
        4,
      );
    });

    // Dropout between layers draws its mask with the bernoulli kernel on the layer's device; the
    // random streams are device-independent, so both devices drop the same elements.
    const dropout = () => checkModule(() => new nn.LSTM(3, 5, { numLayers: 2, dropout: 0.5 }), torch.randn(4, 2, 3), null, 6);
    it('modules with dropout between layers (training mode)', dropout);

    it('writes output, hN and cN given as views into separate buffers', async () => {
      torch.manualSeed(6);
      const batchSizes = [3, 3, 2];
      const [rows, batch, hidden, inputSize] = [8, 3, 4, 2];
      const values = [
        torch.randn(rows, inputSize),
        torch.randn(batch, hidden),
        torch.randn(batch, hidden),
        torch.randn(16, inputSize),
        torch.randn(16, hidden),
        torch.randn(16),
        torch.randn(16),
      ];
      const results = ['cpu', 'webgpu'].map((device) => {
        const [input, h0, c0, weightIh, weightHh, biasIh, biasHh] = values.map((t) => t.to(device));
        const outputs = [[rows, hidden], [batch, hidden], [batch, hidden], [rnnReserveElements('lstm', rows, hidden)]].map((shape) =>
          torch.empty(shape, { device }),
        );
        const plan = rnnPlan('lstm', batchSizes, inputSize, hidden, hidden);
        getDevice(device).kernels.rnnForward([
          {
            layer: { mode: 'lstm', batchSizes, reverse: false, input, h0, c0, weightIh, weightHh, biasIh, biasHh, weightHr: null, plan },
            output: outputs[0],
            hN: outputs[1],
            cN: outputs[2],
            reserve: outputs[3],
          },
        ]);
        return outputs;
      });
      for (const [i, name] of ['output', 'hN', 'cN', 'reserve'].entries()) await agree(name, results[1][i], results[0][i]);
    });
  });

  describe('one command buffer per layer-direction', () => {
    it('a 2-layer bidirectional LSTM over 200 steps submits each layer-direction once, forward and backward', async () => {
      const device = gpu();
      const lstm = new nn.LSTM(3, 8, { numLayers: 2, bidirectional: true }).to('webgpu');
      const x = torch.randn(200, 2, 3).to('webgpu');
      await x.data();
      const before = { ...device.stats };
      const [output, [hN, cN]] = lstm.forward(x);
      // Each layer-direction is one sequence of more than DISPATCHES_PER_SUBMIT dispatches (a GEMM
      // and 200 steps), submitted when it ends and not before; the few ops around them ride along.
      expect(device.stats.sequences - before.sequences).toBe(4);
      expect(device.stats.splitSequences).toBe(before.splitSequences);
      expect(device.stats.dispatches - before.dispatches).toBeGreaterThan(4 * 200);
      expect(device.stats.submits - before.submits).toBe(4);
      const afterForward = { ...device.stats };
      output.sum().add(hN.sum()).add(cN.sum()).backward();
      expect(device.stats.sequences - afterForward.sequences).toBe(4);
      expect(device.stats.splitSequences).toBe(before.splitSequences);
      expect(device.stats.submits - afterForward.submits).toBe(4);
      expect(Number.isFinite(await lstm.weight_hh_l0.grad!.sum().item())).toBe(true);
    });

    it('an LSTM with a projection runs each step in one dispatch, forward and backward', () => {
      const device = gpu();
      torch.manualSeed(9);
      const [inputSize, hidden, projSize] = [6, 40, 24];
      // Dispatches besides the steps'. Forward: copies of h0, c0, b_ih and b_hh, and the input
      // projection GEMM. Backward: copies of the output's, hN's and cN's gradients, h0 and c0; one
      // more dispatch after step 0 (backward runs it last) for the h0 gradient of the rows that
      // start there; GEMMs for the input gradient, dW_ih, dW_hh and dW_hr; the two bias sums;
      // copies out of the h0 and c0 gradients.
      const forwardFixed = 4 + 1;
      const backwardFixed = 5 + 1 + 4 + 2 + 2;
      for (const lengths of [
        [5, ...Array<number>(20).fill(4), ...Array<number>(14).fill(2)],
        [9, 9, ...Array<number>(33).fill(7)],
      ]) {
        const batchSizes = batchSizesOf(lengths);
        const [steps, batch, rows] = [batchSizes.length, batchSizes[0], batchSizes.reduce((a, b) => a + b, 0)];
        const on = (...shape: number[]) => torch.randn(shape).to('webgpu');
        const layer = {
          mode: 'lstm' as const,
          batchSizes,
          reverse: false,
          input: on(rows, inputSize),
          h0: on(batch, projSize),
          c0: on(batch, hidden),
          weightIh: on(4 * hidden, inputSize),
          weightHh: on(4 * hidden, projSize),
          biasIh: on(4 * hidden),
          biasHh: on(4 * hidden),
          weightHr: on(projSize, hidden),
          plan: rnnPlan('lstm', batchSizes, inputSize, hidden, projSize),
        };
        // output, hN and cN in one buffer, as rnnLayer passes them (else the kernel stages them).
        const results = on(rows * projSize + batch * projSize + batch * hidden);
        const part = (offset: number, shape: [number, number]): TensorView => ({
          storage: results.storage,
          offset,
          shape,
          strides: [shape[1], 1],
          dtype: 'float32',
        });
        const [output, hN, cN] = [
          part(0, [rows, projSize]),
          part(rows * projSize, [batch, projSize]),
          part((rows + batch) * projSize, [batch, hidden]),
        ];
        const reserve = on(rnnReserveElements('lstm', rows, hidden));
        const beforeForward = device.stats.dispatches;
        device.kernels.rnnForward([{ layer, output, hN, cN, reserve }]);
        const forward = device.stats.dispatches - beforeForward;
        const grads = {
          input: on(rows, inputSize),
          h0: on(batch, projSize),
          c0: on(batch, hidden),
          weightIh: on(4 * hidden, inputSize),
          weightHh: on(4 * hidden, projSize),
          biasIh: on(4 * hidden),
          biasHh: on(4 * hidden),
          weightHr: on(projSize, hidden),
        };
        const beforeBackward = device.stats.dispatches;
        device.kernels.rnnBackward([
          { layer, output, reserve, gradOutput: on(rows, projSize), gradHN: on(batch, projSize), gradCN: on(batch, hidden), grads },
        ]);
        const backward = device.stats.dispatches - beforeBackward;
        expect(forward - forwardFixed, `forward dispatches over ${steps} steps`).toBe(steps);
        expect(backward - backwardFixed, `backward dispatches over ${steps} steps`).toBe(steps);
      }
    });

    it('a sequence longer than one uniform page (1200 steps) goes on further pages, still in one command buffer, and agrees with the cpu', async () => {
      const device = gpu();
      const before = { ...device.stats };
      torch.manualSeed(8);
      await checkLayer({ mode: 'gru', lengths: [1200, 700], reverse: false, inputSize: 2, hidden: 3, projSize: 0, bias: true });
      expect(device.stats.uniformPages).toBeGreaterThan(1);
      expect(device.stats.splitSequences).toBe(before.splitSequences);
      expect(device.stats.sequences - before.sequences).toBe(2);
    });
  });

  describe('errors', () => {
    /** The call raises on webgpu exactly what it raises on the cpu (and does raise). */
    function sameError(what: string, call: (device: string) => unknown): void {
      it(what, () => {
        let message = '';
        try {
          call('cpu');
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message, `${what} raises on the cpu`).not.toBe('');
        expect(() => call('webgpu')).toThrow(message);
      });
    }
    const on = (device: string, t: Tensor) => t.to(device);
    const weights = (device: string, gates: number, hidden: number, inputSize: number, state = hidden): RnnLayerWeights => ({
      weightIh: on(device, torch.zeros(gates * hidden, inputSize)),
      weightHh: on(device, torch.zeros(gates * hidden, state)),
    });

    sameError('a module given the wrong input size', (device) => new nn.RNN(2, 3).to(device).forward(on(device, torch.randn(4, 6, 5))));
    sameError('a module given an input of the wrong rank', (device) =>
      new nn.GRU(2, 3).to(device).forward(on(device, torch.randn(4, 6, 2, 1))),
    );
    sameError('a module given h0 of the wrong shape', (device) =>
      new nn.GRU(2, 3, { numLayers: 2, batchFirst: true })
        .to(device)
        .forward(on(device, torch.randn(5, 4, 2)), on(device, torch.randn(5, 2, 3))),
    );
    sameError('an LSTM given c0 of the wrong shape', (device) =>
      new nn.LSTM(2, 3, { bidirectional: true, projSize: 1 })
        .to(device)
        .forward(on(device, torch.randn(4, 6, 2)), [on(device, torch.zeros(2, 6, 1)), on(device, torch.zeros(2, 5, 3))]),
    );
    sameError('a cell given the wrong input size', (device) => new nn.LSTMCell(2, 3).to(device).forward(on(device, torch.randn(4, 3))));
    sameError('a cell given states of another batch', (device) =>
      new nn.LSTMCell(2, 3)
        .to(device)
        .forward(on(device, torch.randn(4, 2)), [on(device, torch.zeros(3, 3)), on(device, torch.zeros(4, 3))]),
    );
    sameError('rnnLayer with batch sizes that do not sum to the rows', (device) =>
      rnnLayer('gru', on(device, torch.zeros(5, 2)), [2, 2], on(device, torch.zeros(2, 3)), null, weights(device, 3, 3, 2)),
    );
    sameError('rnnLayer with increasing batch sizes', (device) =>
      rnnLayer('rnnTanh', on(device, torch.zeros(5, 2)), [2, 3], on(device, torch.zeros(2, 3)), null, weights(device, 1, 3, 2)),
    );
    sameError('rnnLayer with weight_hh of the wrong shape', (device) =>
      rnnLayer(
        'lstm',
        on(device, torch.zeros(4, 2)),
        [2, 2],
        on(device, torch.zeros(2, 3)),
        on(device, torch.zeros(2, 3)),
        weights(device, 4, 3, 2, 4),
      ),
    );
    sameError('rnnLayer with an LSTM missing c0', (device) =>
      rnnLayer('lstm', on(device, torch.zeros(4, 2)), [2, 2], on(device, torch.zeros(2, 3)), null, weights(device, 4, 3, 2)),
    );

    it('a layer whose input and weights are on different devices names both', () => {
      expect(() => new nn.GRU(2, 3).forward(torch.randn(4, 1, 2).to('webgpu'))).toThrow(
        "rnnLayer: expected all tensors to be on the same device, but 'input' is on webgpu and 'weightIh' is on cpu",
      );
    });
  });
});
