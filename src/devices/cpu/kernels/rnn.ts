// CPU glue for the fused recurrent layer kernels of assembly/rnn.ts.
import type { Kernels } from '../../device.js';
import type { CpuDevice } from '../device.js';
import { gemm } from '../gemm.js';
import { addressOf } from '../helpers.js';

/**
 * The recurrent kernels of assembly/rnn.ts: the input projection of all steps as one GEMM, the
 * recurrent weights packed once per call, then one wasm call per step. Backward runs the steps in
 * reverse, keeping each step's gate gradients, and finishes with one GEMM per weight gradient and
 * one for the input gradient.
 */
export function rnnKernels(cpu: CpuDevice): Pick<Kernels, 'rnnForward' | 'rnnBackward'> {
  const wasm = cpu.wasm;
  const workspace = cpu.workspace('gemm', wasm.gemmWorkspaceBytes(), 0);

  /** Temporary buffers of one kernel call, freed together. */
  function scratch() {
    const taken: number[] = [];
    return {
      take(elements: number): number {
        const address = cpu.allocator.malloc(Math.max(elements, 1) * 4);
        taken.push(address);
        return address;
      },
      zeros(elements: number): number {
        const address = this.take(elements);
        cpu.f32().fill(0, address / 4, address / 4 + elements);
        return address;
      },
      /** B for gemmPackedF32: [K, N] with element (k, j) at matrix + 4*(k*rowStride + j*colStride). */
      packed(K: number, N: number, matrix: number, rowStride: number, colStride: number): number {
        const address = this.take(wasm.gemmPackedBBytes(K, N) / 4);
        wasm.gemmPackBF32(K, N, matrix, rowStride, colStride, address);
        return address;
      },
      release(): void {
        for (const address of taken) cpu.allocator.free(address);
      },
    };
  }

  function copyElements(to: number, from: number, elements: number): void {
    cpu.f32().copyWithin(to / 4, from / 4, from / 4 + elements);
  }

  return {
    rnnForward(layer, output, hN, cN, reserve) {
      const { mode, batchSizes, reverse } = layer;
      const { width, hidden, state, inputSize, rows, batch, offsets, steps, extraOffset } = layer.plan;
      const temp = scratch();
      try {
        const gates = addressOf(reserve);
        const extra = gates + extraOffset * 4;
        gemm(cpu, rows, width, inputSize, addressOf(layer.input), inputSize, 1, addressOf(layer.weightIh), 1, inputSize, gates, width, 0);
        const hState = addressOf(hN);
        const cState = cN ? addressOf(cN) : 0;
        copyElements(hState, addressOf(layer.h0), batch * state);
        if (cN && layer.c0) copyElements(cState, addressOf(layer.c0), batch * hidden);
        // The step multiplies h_{t-1} [rows, state] by W_hh^T [state, width].
        const packedWhh = temp.packed(state, width, addressOf(layer.weightHh), 1, state);
        const biasIh = layer.biasIh ? addressOf(layer.biasIh) : temp.zeros(width);
        const biasHh = layer.biasHh ? addressOf(layer.biasHh) : temp.zeros(width);
        const packedWhr = layer.weightHr ? temp.packed(hidden, state, addressOf(layer.weightHr), 1, hidden) : 0;
        const stepScratch = mode === 'gru' ? temp.take(batch * width) : packedWhr ? temp.take(batch * hidden) : 0;
        const out = addressOf(output);
        for (let k = 0; k < steps; k++) {
          const t = reverse ? steps - 1 - k : k;
          const size = batchSizes[t];
          const stepGates = gates + offsets[t] * width * 4;
          const stepExtra = extra + offsets[t] * hidden * 4;
          const stepOutput = out + offsets[t] * state * 4;
          if (mode === 'lstm') {
            wasm.lstmForwardStep(
              size,
              hidden,
              state,
              stepGates,
              stepExtra,
              hState,
              cState,
              stepOutput,
              packedWhh,
              biasIh,
              biasHh,
              packedWhr,
              stepScratch,
              workspace,
            );
          } else if (mode === 'gru') {
            wasm.gruForwardStep(size, hidden, stepGates, stepExtra, hState, stepOutput, packedWhh, biasIh, biasHh, stepScratch, workspace);
          } else {
            wasm.rnnForwardStep(
              mode === 'rnnRelu' ? 1 : 0,
              size,
              hidden,
              stepGates,
              hState,
              stepOutput,
              packedWhh,
              biasIh,
              biasHh,
              workspace,
            );
          }
        }
      } finally {
        temp.release();
      }
    },

    rnnBackward(layer, output, reserve, gradOutput, gradHN, gradCN, grads) {
      const { mode, batchSizes, reverse } = layer;
      const { width, hidden, state, inputSize, rows, batch, offsets, steps, extraOffset } = layer.plan;
      const temp = scratch();
      try {
        const gates = addressOf(reserve);
        const extra = gates + extraOffset * 4;
        const out = addressOf(output);
        const gradOut = addressOf(gradOutput);
        const h0 = addressOf(layer.h0);
        const c0 = layer.c0 ? addressOf(layer.c0) : 0;
        // dhState / dcState start as the final-state gradients and end as those of h0 / c0, so
        // they live in the h0 / c0 gradients when those are wanted.
        const dhState = grads.h0 ? addressOf(grads.h0) : temp.take(batch * state);
        copyElements(dhState, addressOf(gradHN), batch * state);
        const dcState = mode !== 'lstm' ? 0 : grads.c0 ? addressOf(grads.c0) : temp.take(batch * hidden);
        if (dcState && gradCN) copyElements(dcState, addressOf(gradCN), batch * hidden);
        const gradGates = temp.take(rows * width);
        const gradHiddenGates = mode === 'gru' ? temp.take(rows * width) : gradGates;
        const hPrevious = temp.take(rows * state);
        // dh_prev = gradGates [size, width] @ W_hh [width, state].
        const packedWhh = temp.packed(width, state, addressOf(layer.weightHh), state, 1);
        const projected = layer.weightHr !== null;
        const packedWhr = layer.weightHr ? temp.packed(state, hidden, addressOf(layer.weightHr), hidden, 1) : 0;
        // With a projection every step's dh is kept for dW_hr; otherwise one step's worth is scratch.
        const dhAll = projected ? temp.take(rows * state) : 0;
        const dhStep = projected ? 0 : temp.take(batch * state);
        const hRaw = projected ? temp.take(rows * hidden) : 0;
        const dhRaw = projected ? temp.take(batch * hidden) : 0;
        for (let k = 0; k < steps; k++) {
          const t = reverse ? k : steps - 1 - k;
          const size = batchSizes[t];
          const previous = reverse ? t + 1 : t - 1;
          const continuing = previous >= 0 && previous < steps ? Math.min(size, batchSizes[previous]) : 0;
          const previousRow = continuing > 0 ? offsets[previous] : 0;
          const row = offsets[t];
          const stepGates = gates + row * width * 4;
          const stepGradGates = gradGates + row * width * 4;
          const stepGradOutput = gradOut + row * state * 4;
          const stepHPrevious = hPrevious + row * state * 4;
          const previousOutput = out + previousRow * state * 4;
          if (mode === 'lstm') {
            const dh = projected ? dhAll + row * state * 4 : dhStep;
            wasm.lstmBackwardStep(
              size,
              hidden,
              state,
              stepGates,
              extra + row * hidden * 4,
              stepGradOutput,
              continuing,
              previousOutput,
              extra + previousRow * hidden * 4,
              h0,
              c0,
              stepHPrevious,
              dhState,
              dcState,
              dh,
              stepGradGates,
              packedWhh,
              packedWhr,
              projected ? hRaw + row * hidden * 4 : 0,
              dhRaw,
              workspace,
            );
          } else if (mode === 'gru') {
            wasm.gruBackwardStep(
              size,
              hidden,
              stepGates,
              extra + row * hidden * 4,
              stepGradOutput,
              continuing,
              previousOutput,
              h0,
              stepHPrevious,
              dhState,
              dhStep,
              stepGradGates,
              gradHiddenGates + row * width * 4,
              packedWhh,
              workspace,
            );
          } else {
            wasm.rnnBackwardStep(
              mode === 'rnnRelu' ? 1 : 0,
              size,
              hidden,
              stepGates,
              stepGradOutput,
              continuing,
              previousOutput,
              h0,
              stepHPrevious,
              dhState,
              dhStep,
              stepGradGates,
              packedWhh,
              workspace,
            );
          }
        }
        if (grads.input) {
          gemm(
            cpu,
            rows,
            inputSize,
            width,
            gradGates,
            width,
            1,
            addressOf(layer.weightIh),
            inputSize,
            1,
            addressOf(grads.input),
            inputSize,
            0,
          );
        }
        // Weight gradients sum over every row: [width, rows] (gate gradients read transposed) @ [rows, n].
        if (grads.weightIh) {
          gemm(
            cpu,
            width,
            inputSize,
            rows,
            gradGates,
            1,
            width,
            addressOf(layer.input),
            inputSize,
            1,
            addressOf(grads.weightIh),
            inputSize,
            0,
          );
        }
        if (grads.weightHh) {
          gemm(cpu, width, state, rows, gradHiddenGates, 1, width, hPrevious, state, 1, addressOf(grads.weightHh), state, 0);
        }
        if (grads.weightHr) {
          gemm(cpu, state, hidden, rows, dhAll, 1, state, hRaw, hidden, 1, addressOf(grads.weightHr), hidden, 0);
        }
        if (grads.biasIh) wasm.columnSumsF32(rows, width, gradGates, addressOf(grads.biasIh));
        if (grads.biasHh) wasm.columnSumsF32(rows, width, gradHiddenGates, addressOf(grads.biasHh));
      } finally {
        temp.release();
      }
    },
  };
}
