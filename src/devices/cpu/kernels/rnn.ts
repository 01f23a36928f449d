// CPU glue for the fused recurrent layer kernels of assembly/rnn.ts: each step split over batch rows on the thread pool when the batch pays, or the directions of a layer run side by side, one per thread.
import type { Kernels, RnnBackwardRun, RnnForwardRun } from '../../device.js';
import type { CpuDevice, WasmExports } from '../device.js';
import { gemm } from '../gemm.js';
import { addressOf } from '../helpers.js';

/**
 * Batch rows per piece of a split step are a multiple of this, the row height of gemmPackedF32's
 * tiles (assembly/gemm.ts): each row then shares its tile with the same rows at any split, so its
 * hidden GEMM, and so every value of the step, has the same bits at any thread count.
 */
const TILE_ROWS = 4;
/**
 * A step splits only with at least twice this many multiply-adds (rows x gate width x state size,
 * plus the projection's), at most one piece per this many. Each split step costs a worker's wake-up
 * and a wait: 17-30 us per step here (scripts/rnn-thread-threshold.mjs, the smallest sizes, best of
 * 15), so a split pays once half a step's work, at the single thread's 17 GMAC/s, outweighs it:
 * about 2^20 multiply-adds, as for gemm.ts's THREAD_MIN_MACS. The machine was never quiet while
 * this was measured (load 11 on 2 cores): 2 threads then ran 0.8-0.9x the speed of 1 at 2^20-2^22
 * per step (forward, best of 15), 0.8-1.9x at 2^23 and 1.4-1.7x at 2^24; under that load the
 * worker often finds no free core.
 */
export const STEP_MIN_MACS = 1 << 20;

type StepKernel = 'rnnForwardStep' | 'lstmForwardStep' | 'gruForwardStep' | 'rnnBackwardStep' | 'lstmBackwardStep' | 'gruBackwardStep';

/** Each step kernel's id in a step program (assembly/rnn.ts, rnnRunSteps). */
const STEP_KERNEL_IDS: Record<StepKernel, number> = {
  rnnForwardStep: 0,
  lstmForwardStep: 1,
  gruForwardStep: 2,
  rnnBackwardStep: 3,
  lstmBackwardStep: 4,
  gruBackwardStep: 5,
};

/**
 * Issues one step's kernel over its `rows` rows, `macsPerRow * rows` multiply-adds in all, whose
 * arguments for rows first..first+count-1 `piece` gives, with the gemm scratch `work` of the
 * thread that runs them. Rows depend only on themselves, so any split of them gives the same bits.
 */
type StepEmitter = <K extends StepKernel>(
  kernel: K,
  rows: number,
  macsPerRow: number,
  piece: (first: number, count: number, work: number) => Parameters<WasmExports[K]>,
) => void;

/** Temporary buffers of one kernel call (see rnnKernels' scratch). */
interface Scratch {
  take(elements: number): number;
  zeros(elements: number): number;
  packed(K: number, N: number, matrix: number, rowStride: number, colStride: number): number;
  release(): void;
}

/** A direction's step loop, issuing its steps in order through `emit`. */
interface StepLoop {
  readonly run: (emit: StepEmitter) => void;
  /** Multiply-adds of all its steps, which decide whether directions run side by side. */
  readonly macs: number;
}

/** `address` moved `first` rows of `rowElements` f32 on; 0 (an absent buffer) stays 0. */
const rowsFrom = (address: number, first: number, rowElements: number): number => address && address + first * rowElements * 4;

/**
 * The recurrent kernels of assembly/rnn.ts: the input projection of all steps as one GEMM, the
 * recurrent weights packed once per call, then one wasm call per step. Backward runs the steps in
 * reverse, keeping each step's gate gradients, and finishes with one GEMM per weight gradient and
 * one for the input gradient.
 */
export function rnnKernels(cpu: CpuDevice): Pick<Kernels, 'rnnForward' | 'rnnBackward'> {
  const wasm = cpu.wasm;
  const workspaceBytes = wasm.gemmWorkspaceBytes();

  /** Runs a step now: on the calling thread, or in row blocks on the pool when the step pays. */
  const runStep: StepEmitter = (kernel, rows, macsPerRow, piece) => {
    const step = wasm[kernel] as (...args: number[]) => void;
    const threads = Math.min(cpu.threadsFor(rows * macsPerRow, STEP_MIN_MACS), Math.ceil(rows / TILE_ROWS));
    if (threads === 1 || !cpu.pool) {
      step(...piece(0, rows, cpu.workspace('gemm', workspaceBytes, 0)));
      return;
    }
    const block = Math.ceil(rows / threads / TILE_ROWS) * TILE_ROWS;
    const pieces: number[][] = [];
    for (let first = 0, t = 0; first < rows; first += block, t++) {
      pieces.push(piece(first, Math.min(block, rows - first), cpu.workspace('gemm', workspaceBytes, t)));
    }
    cpu.pool.run(kernel, pieces, (args) => step(...args));
  };

  /**
   * Runs the step loops of a layer's directions: side by side, each whole on its own thread, when
   * there are two threads and the loops pay for a wake-up (a bidirectional layer's small steps,
   * which would not split over the batch, then take half the time), else one after the other with
   * each step split over the batch when it pays. The bits are the same either way.
   */
  function runLoops(loops: StepLoop[], temp: Scratch): void {
    const macs = loops.reduce((sum, loop) => sum + loop.macs, 0);
    if (loops.length === 1 || !cpu.pool || cpu.threadsFor(macs, STEP_MIN_MACS) < 2) {
      for (const loop of loops) loop.run(runStep);
      return;
    }
    const programs = loops.map((loop, thread) => {
      const work = cpu.workspace('gemm', workspaceBytes, thread);
      const words: number[] = [];
      let count = 0;
      loop.run((kernel, rows, _macsPerRow, piece) => {
        words.push(STEP_KERNEL_IDS[kernel], ...(piece(0, rows, work) as number[]));
        count++;
      });
      const program = temp.take(words.length);
      cpu.i32().set(words, program / 4);
      return [program, count];
    });
    cpu.pool.run('rnnRunSteps', programs, (args) => wasm.rnnRunSteps(args[0], args[1]));
  }

  /** Temporary buffers of one kernel call, freed together. */
  function scratch(): Scratch {
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

  /** Runs a direction's input projection and prepares its steps; the steps run when runLoops calls the loop it returns. */
  function forwardLoop({ layer, output, hN, cN, reserve }: RnnForwardRun, temp: Scratch): StepLoop {
    const { mode, batchSizes, reverse } = layer;
    const { width, hidden, state, inputSize, rows, batch, offsets, steps, extraOffset } = layer.plan;
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
    const macsPerRow = width * state + (packedWhr ? hidden * state : 0);
    const relu = mode === 'rnnRelu' ? 1 : 0;
    return {
      macs: rows * macsPerRow,
      run(emit) {
        for (let k = 0; k < steps; k++) {
          const t = reverse ? steps - 1 - k : k;
          const size = batchSizes[t];
          const stepGates = gates + offsets[t] * width * 4;
          const stepExtra = extra + offsets[t] * hidden * 4;
          const stepOutput = out + offsets[t] * state * 4;
          if (mode === 'lstm') {
            emit('lstmForwardStep', size, macsPerRow, (first, count, work) => [
              count,
              hidden,
              state,
              rowsFrom(stepGates, first, width),
              rowsFrom(stepExtra, first, hidden),
              rowsFrom(hState, first, state),
              rowsFrom(cState, first, hidden),
              rowsFrom(stepOutput, first, state),
              packedWhh,
              biasIh,
              biasHh,
              packedWhr,
              rowsFrom(stepScratch, first, hidden),
              work,
            ]);
          } else if (mode === 'gru') {
            emit('gruForwardStep', size, macsPerRow, (first, count, work) => [
              count,
              hidden,
              rowsFrom(stepGates, first, width),
              rowsFrom(stepExtra, first, hidden),
              rowsFrom(hState, first, hidden),
              rowsFrom(stepOutput, first, hidden),
              packedWhh,
              biasIh,
              biasHh,
              rowsFrom(stepScratch, first, width),
              work,
            ]);
          } else {
            emit('rnnForwardStep', size, macsPerRow, (first, count, work) => [
              relu,
              count,
              hidden,
              rowsFrom(stepGates, first, hidden),
              rowsFrom(hState, first, hidden),
              rowsFrom(stepOutput, first, hidden),
              packedWhh,
              biasIh,
              biasHh,
              work,
            ]);
          }
        }
      },
    };
  }

  /**
   * Prepares a direction's backward steps; runLoops runs the loop, then `finish` the GEMMs and sums
   * over every row that give the weight and input gradients.
   */
  function backwardLoop(
    { layer, output, reserve, gradOutput, gradHN, gradCN, grads }: RnnBackwardRun,
    temp: Scratch,
  ): StepLoop & { finish(): void } {
    const { mode, batchSizes, reverse } = layer;
    const { width, hidden, state, inputSize, rows, batch, offsets, steps, extraOffset } = layer.plan;
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
    const macsPerRow = width * state + (projected ? hidden * state : 0);
    const relu = mode === 'rnnRelu' ? 1 : 0;
    return {
      macs: rows * macsPerRow,
      run(emit) {
        for (let k = 0; k < steps; k++) {
          const t = reverse ? k : steps - 1 - k;
          const size = batchSizes[t];
          const previous = reverse ? t + 1 : t - 1;
          const continuing = previous >= 0 && previous < steps ? Math.min(size, batchSizes[previous]) : 0;
          const previousRow = continuing > 0 ? offsets[previous] : 0;
          const row = offsets[t];
          const stepGates = gates + row * width * 4;
          const stepExtra = extra + row * hidden * 4;
          const stepGradGates = gradGates + row * width * 4;
          const stepGradOutput = gradOut + row * state * 4;
          const stepHPrevious = hPrevious + row * state * 4;
          const previousOutput = out + previousRow * state * 4;
          /** Of a block's rows, those whose previous state is the step before's rather than h0's. */
          const continuingFrom = (first: number, count: number) => Math.max(0, Math.min(count, continuing - first));
          if (mode === 'lstm') {
            const dh = projected ? dhAll + row * state * 4 : dhStep;
            emit('lstmBackwardStep', size, macsPerRow, (first, count, work) => [
              count,
              hidden,
              state,
              rowsFrom(stepGates, first, width),
              rowsFrom(stepExtra, first, hidden),
              rowsFrom(stepGradOutput, first, state),
              continuingFrom(first, count),
              rowsFrom(previousOutput, first, state),
              rowsFrom(extra + previousRow * hidden * 4, first, hidden),
              rowsFrom(h0, first, state),
              rowsFrom(c0, first, hidden),
              rowsFrom(stepHPrevious, first, state),
              rowsFrom(dhState, first, state),
              rowsFrom(dcState, first, hidden),
              rowsFrom(dh, first, state),
              rowsFrom(stepGradGates, first, width),
              packedWhh,
              packedWhr,
              projected ? rowsFrom(hRaw + row * hidden * 4, first, hidden) : 0,
              rowsFrom(dhRaw, first, hidden),
              work,
            ]);
          } else if (mode === 'gru') {
            emit('gruBackwardStep', size, macsPerRow, (first, count, work) => [
              count,
              hidden,
              rowsFrom(stepGates, first, width),
              rowsFrom(stepExtra, first, hidden),
              rowsFrom(stepGradOutput, first, hidden),
              continuingFrom(first, count),
              rowsFrom(previousOutput, first, hidden),
              rowsFrom(h0, first, hidden),
              rowsFrom(stepHPrevious, first, hidden),
              rowsFrom(dhState, first, hidden),
              rowsFrom(dhStep, first, hidden),
              rowsFrom(stepGradGates, first, width),
              rowsFrom(gradHiddenGates + row * width * 4, first, width),
              packedWhh,
              work,
            ]);
          } else {
            emit('rnnBackwardStep', size, macsPerRow, (first, count, work) => [
              relu,
              count,
              hidden,
              rowsFrom(stepGates, first, hidden),
              rowsFrom(stepGradOutput, first, hidden),
              continuingFrom(first, count),
              rowsFrom(previousOutput, first, hidden),
              rowsFrom(h0, first, hidden),
              rowsFrom(stepHPrevious, first, hidden),
              rowsFrom(dhState, first, hidden),
              rowsFrom(dhStep, first, hidden),
              rowsFrom(stepGradGates, first, hidden),
              packedWhh,
              work,
            ]);
          }
        }
      },
      finish() {
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
      },
    };
  }

  return {
    rnnForward(runs) {
      const temp = scratch();
      try {
        runLoops(
          runs.map((run) => forwardLoop(run, temp)),
          temp,
        );
      } finally {
        temp.release();
      }
    },

    rnnBackward(runs) {
      const temp = scratch();
      try {
        const loops = runs.map((run) => backwardLoop(run, temp));
        runLoops(loops, temp);
        for (const loop of loops) loop.finish();
      } finally {
        temp.release();
      }
    },
  };
}
