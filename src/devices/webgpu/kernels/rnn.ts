// WebGPU glue for the fused recurrent layer shaders.
import type { Kernels, RnnBackwardRun, RnnForwardRun, RnnLayer, RnnMode, Storage, TensorView } from '../../device.js';
import type { WebGpuDevice } from '../device.js';
import { defineShader } from '../launch.js';

const MODE_CODES: Record<RnnMode, number> = { rnnTanh: 0, rnnRelu: 1, lstm: 2, gru: 3 };
const STAGE_CODES = { forward: 1, backward: 2 };
type Stage = keyof typeof STAGE_CODES;

const rnnShader = defineShader('rnn', { includes: ['math'], tables: [MODE_CODES, STAGE_CODES] });

/** Rows of a tile or row block, and columns of a tile without a projection (shaders/rnn.wgsl). */
const TILE = 16;

/**
 * The uniforms of every launch of shaders/rnn.wgsl, in struct order: one layout for every stage,
 * so the shader text is the same and only the values change from step to step. Offsets are in
 * elements; regions a launch does not use are 0.
 */
const FIELDS = [
  'hidden',
  'stateSize',
  'width',
  'size',
  'rowOffset',
  'previousSize',
  'previousOffset',
  'laterSize',
  'laterOffset',
  'weightHhOffset',
  'weightHrOffset',
  'output',
  'hN',
  'cN',
  'gates',
  'extra',
  'h0',
  'c0',
  'biasIh',
  'biasHh',
  'rawState',
  'gradOutput',
  'gradHN',
  'gradCN',
  'gradH0',
  'gradC0',
  'gradInputGates',
  'gradHiddenGates',
  'gradState',
  'previousStates',
  'cellCarry',
] as const;
type Fields = Record<(typeof FIELDS)[number], number>;
type WorkRegion =
  | 'h0'
  | 'c0'
  | 'biasIh'
  | 'biasHh'
  | 'rawState'
  | 'gradOutput'
  | 'gradHN'
  | 'gradCN'
  | 'gradH0'
  | 'gradC0'
  | 'gradInputGates'
  | 'gradHiddenGates'
  | 'gradState'
  | 'previousStates'
  | 'cellCarry';

/**
 * Every field: the layer's sizes and where its weights start, the work regions at their offsets
 * (from `regionOffset`) and the rest 0.
 */
function layerFields(layer: RnnLayer, plan: Plan, regionOffset: (name: string) => number): Fields {
  return {
    ...(Object.fromEntries(FIELDS.map((name) => [name, regionOffset(name)])) as Fields),
    hidden: plan.hidden,
    stateSize: plan.state,
    width: plan.width,
    weightHhOffset: layer.weightHh.offset,
    weightHrOffset: layer.weightHr?.offset ?? 0,
  };
}

/** The layer's plan (the op's, see rnnPlan) with the facts of its mode that the launches branch on. */
function launchPlanOf(layer: RnnLayer) {
  return { ...layer.plan, mode: layer.mode, lstm: layer.mode === 'lstm', gru: layer.mode === 'gru', projected: layer.weightHr !== null };
}
type Plan = ReturnType<typeof launchPlanOf>;

/** Step p of the order the forward pass runs them in (nothing outside 0..steps-1). */
function stepOf(layer: RnnLayer, p: number): { size: number; offset: number } {
  const { steps, offsets } = layer.plan;
  if (p < 0 || p >= steps) return { size: 0, offset: 0 };
  const t = layer.reverse ? steps - 1 - p : p;
  return { size: layer.batchSizes[t], offset: offsets[t] };
}

/** The rows a dispatch for step p works on: its own, and those of the steps around it. */
function stepFields(
  layer: RnnLayer,
  p: number,
): Pick<Fields, 'size' | 'rowOffset' | 'previousSize' | 'previousOffset' | 'laterSize' | 'laterOffset'> {
  const [previous, current, later] = [stepOf(layer, p - 1), stepOf(layer, p), stepOf(layer, p + 1)];
  return {
    size: current.size,
    rowOffset: current.offset,
    previousSize: previous.size,
    previousOffset: previous.offset,
    laterSize: later.size,
    laterOffset: later.offset,
  };
}

function matrix(storage: Storage, offset: number, shape: [number, number], strides: [number, number] = [shape[1], 1]): TensorView {
  return { storage, offset, shape, strides, dtype: 'float32' };
}

/** The [cols, rows] transpose of a contiguous [rows, cols] view. */
function transposed(view: TensorView): TensorView {
  return matrix(view.storage, view.offset, [view.shape[1], view.shape[0]], [1, view.shape[1]]);
}

/**
 * The recurrent kernels on WebGPU: per layer-direction the input projection of all steps is one
 * GEMM, then each step is one dispatch of shaders/rnn.wgsl, and backward mirrors it, ending with
 * one GEMM per weight gradient and for the input gradient, all rows at once. Every dispatch of one call goes into one command buffer (encodeTogether), and the
 * per-step sizes travel in uniforms, so one pipeline per stage serves every step and shape.
 */
export function rnnKernels(gpu: WebGpuDevice): Pick<Kernels, 'rnnForward' | 'rnnBackward'> {
  /** One scratch buffer carved into named regions, freed by `release` (later dispatches run first). */
  function workspace(sizes: Partial<Record<WorkRegion | 'output' | 'hN' | 'cN', number>>) {
    const offsets: Record<string, number> = {};
    let total = 0;
    for (const [name, elements] of Object.entries(sizes)) {
      offsets[name] = total;
      total += elements ?? 0;
    }
    const bytes = Math.max(total, 1) * 4;
    const storage: Storage = { device: gpu, buffer: gpu.malloc(bytes), bytes, refs: 1, version: 0, pending: null };
    return {
      /** The whole buffer, for binding. */
      binding: matrix(storage, 0, [1, Math.max(total, 1)]),
      /** A region's offset; 0 for regions this workspace does not have (launches that do not use them). */
      at: (name: string) => offsets[name] ?? 0,
      view: (name: keyof typeof sizes, shape: [number, number]) => matrix(storage, offsets[name], shape),
      release: () => gpu.free(storage.buffer),
    };
  }

  function copyOrZero(target: TensorView, source: TensorView | null): void {
    if (source) gpu.kernels.copy(target, source);
    else gpu.kernels.fill(target, 0);
  }

  /**
   * One step of `layer` in one direction, over `rows` rows: without a projection a grid of tiles
   * (forward: hidden units, backward: state columns); with one, a workgroup per block of rows.
   */
  function launch(
    stage: Stage,
    layer: RnnLayer,
    plan: Plan,
    buffers: { result: TensorView; reserve: TensorView; work: TensorView },
    fields: Fields,
    rows: number,
  ): void {
    const columns = stage === 'forward' ? plan.hidden : plan.state;
    gpu.run({
      shader: rnnShader,
      entryPoint: plan.projected ? 'rowBlock' : 'main',
      constants: {
        STAGE: STAGE_CODES[stage],
        MODE: MODE_CODES[plan.mode],
        // Forward tiles hold every gate of their hidden units. The projection's row blocks run all
        // their tiles in one workgroup: tiles as wide as the gates' take the fewest passes.
        COLUMN_GROUPS: stage === 'forward' || plan.projected ? plan.gates : 1,
        PROJECTED: plan.projected ? 1 : 0,
      },
      workgroupSize: 64,
      outputs: buffers,
      inputs: { weightHh: layer.weightHh, weightHr: layer.weightHr ?? layer.weightHh },
      uniforms: Object.fromEntries(FIELDS.map((name) => [name, ['u32', fields[name]] as const])),
      workgroups: [plan.projected ? 1 : Math.ceil(columns / TILE), Math.ceil(rows / TILE), 1],
    });
  }

  function forward({ layer, output, hN, cN, reserve }: RnnForwardRun): void {
    const plan = launchPlanOf(layer);
    const { batch, hidden, state, width, rows } = plan;
    gpu.encodeTogether(() => {
      const work = workspace({
        h0: batch * state,
        c0: plan.lstm ? batch * hidden : 0,
        biasIh: width,
        biasHh: width,
        rawState: plan.projected ? batch * hidden : 0,
      });
      // The steps write output, hN and cN through one binding; views into separate buffers
      // (which rnnLayer never passes) are written in a scratch copy first.
      const shared = hN.storage === output.storage && (cN === null || cN.storage === output.storage);
      const staging = shared ? null : workspace({ output: rows * state, hN: batch * state, cN: cN ? batch * hidden : 0 });
      const target = staging
        ? {
            output: staging.view('output', [rows, state]),
            hN: staging.view('hN', [batch, state]),
            cN: cN && staging.view('cN', [batch, hidden]),
          }
        : { output, hN, cN };
      gpu.kernels.copy(work.view('h0', [batch, state]), layer.h0);
      if (layer.c0) gpu.kernels.copy(work.view('c0', [batch, hidden]), layer.c0);
      copyOrZero(work.view('biasIh', [1, width]), layer.biasIh && matrix(layer.biasIh.storage, layer.biasIh.offset, [1, width]));
      copyOrZero(work.view('biasHh', [1, width]), layer.biasHh && matrix(layer.biasHh.storage, layer.biasHh.offset, [1, width]));
      // The input projection of every step at once: the gate columns of the reserve = X W_ih^T.
      gpu.kernels.matmul(matrix(reserve.storage, reserve.offset, [rows, width]), layer.input, transposed(layer.weightIh));
      const fields: Fields = {
        ...layerFields(layer, plan, work.at),
        output: target.output.offset,
        hN: target.hN.offset,
        cN: target.cN?.offset ?? 0,
        gates: reserve.offset,
        extra: reserve.offset + plan.extraOffset,
      };
      const buffers = { result: target.output, reserve, work: work.binding };
      for (let p = 0; p < plan.steps; p++) {
        const around = stepFields(layer, p);
        launch('forward', layer, plan, buffers, { ...fields, ...around }, around.size);
      }
      if (staging) {
        gpu.kernels.copy(output, target.output);
        gpu.kernels.copy(hN, target.hN);
        if (cN) gpu.kernels.copy(cN, target.cN!);
        staging.release();
      }
      work.release();
    });
  }

  function backward({ layer, output, reserve, gradOutput, gradHN, gradCN, grads }: RnnBackwardRun): void {
    const plan = launchPlanOf(layer);
    const { batch, hidden, state, width, rows, inputSize } = plan;
    gpu.encodeTogether(() => {
      const cells = plan.lstm ? batch * hidden : 0;
      const work = workspace({
        gradOutput: rows * state,
        gradHN: batch * state,
        gradCN: cells,
        h0: batch * state,
        c0: cells,
        gradH0: batch * state,
        gradC0: cells,
        gradInputGates: rows * width,
        gradHiddenGates: plan.gru ? rows * width : 0,
        gradState: plan.gru || plan.projected ? rows * state : 0,
        previousStates: rows * state,
        cellCarry: plan.lstm ? rows * hidden : 0,
        rawState: plan.projected ? rows * hidden : 0,
      });
      gpu.kernels.copy(work.view('gradOutput', [rows, state]), gradOutput);
      gpu.kernels.copy(work.view('gradHN', [batch, state]), gradHN);
      gpu.kernels.copy(work.view('h0', [batch, state]), layer.h0);
      if (plan.lstm) {
        gpu.kernels.copy(work.view('gradCN', [batch, hidden]), gradCN!);
        gpu.kernels.copy(work.view('c0', [batch, hidden]), layer.c0!);
      }
      // The hidden-side gate gradients are the input-side ones except for GRU (its n gate).
      const hiddenGates = plan.gru ? 'gradHiddenGates' : 'gradInputGates';
      const fields: Fields = {
        ...layerFields(layer, plan, work.at),
        output: output.offset,
        gates: reserve.offset,
        extra: reserve.offset + plan.extraOffset,
        gradHiddenGates: work.at(hiddenGates),
      };
      const buffers = { result: output, reserve, work: work.binding };
      // Step p = -1 is no step: its dispatch gives h0's gradient for the rows that start at step 0.
      // A step's rows include those that start at the next step: their dh is h0's gradient.
      for (let p = plan.steps - 1; p >= -1; p--) {
        const around = stepFields(layer, p);
        launch('backward', layer, plan, buffers, { ...fields, ...around }, Math.max(around.size, around.laterSize));
      }

      const gradInputGates = work.view('gradInputGates', [rows, width]);
      const gradHiddenGates = work.view(hiddenGates, [rows, width]);
      if (grads.input)
        gpu.kernels.matmul(grads.input, gradInputGates, matrix(layer.weightIh.storage, layer.weightIh.offset, [width, inputSize]));
      // Weight gradients sum over every row: [width, rows] (gate gradients read transposed) @ [rows, n].
      if (grads.weightIh) gpu.kernels.matmul(grads.weightIh, transposed(gradInputGates), layer.input);
      if (grads.weightHh) gpu.kernels.matmul(grads.weightHh, transposed(gradHiddenGates), work.view('previousStates', [rows, state]));
      if (grads.weightHr)
        gpu.kernels.matmul(grads.weightHr, transposed(work.view('gradState', [rows, state])), work.view('rawState', [rows, hidden]));
      if (grads.biasIh) gpu.kernels.reduce('sum', grads.biasIh, gradInputGates, [0]);
      if (grads.biasHh) gpu.kernels.reduce('sum', grads.biasHh, gradHiddenGates, [0]);
      if (grads.h0) gpu.kernels.copy(grads.h0, work.view('gradH0', [batch, state]));
      if (grads.c0) gpu.kernels.copy(grads.c0, work.view('gradC0', [batch, hidden]));
      work.release();
    });
  }

  return {
    rnnForward(runs) {
      for (const run of runs) forward(run);
    },
    rnnBackward(runs) {
      for (const run of runs) backward(run);
    },
  };
}
