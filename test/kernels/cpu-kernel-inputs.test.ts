// Every entry of the CPU kernel table, called directly with float32, int32 and bool operands
// holding edge values (0, -1, INT_MIN, INT_MAX, NaN, +-Infinity) and edge scalar arguments. Ops
// validate before calling kernels, but a kernel must never let a wasm trap (RuntimeError:
// unreachable, integer divide by zero, memory access out of bounds) escape: it returns a result,
// possibly meaningless for a dtype it was not meant for, or throws a JS error that names the op.
import { describe, expect, it } from 'vitest';
import type { ConvGeometry, Device, Kernels, PoolAxis, RandomStream, RnnLayer, RnnMode } from '../../src/devices/device.js';
import { BINARY_OPCODES, REDUCE_OPCODES, SCAN_OPCODES, UNARY_OPCODES } from '../../src/devices/opcodes.js';
import { getDevice } from '../../src/devices/registry.js';
import { rnnGateCount, rnnPlan, rnnReserveElements } from '../../src/devices/rnn-layout.js';
import * as torch from '../../src/index.js';

type DType = torch.DType;
type Tensor = torch.Tensor;

const INT_MIN = -(2 ** 31),
  INT_MAX = 2 ** 31 - 1;
const EDGES: Record<DType, readonly number[]> = {
  float32: [0, -1, NaN, Infinity, -Infinity, INT_MIN, INT_MAX],
  int32: [0, -1, INT_MIN, INT_MAX, 1, 2, -2],
  bool: [0, 1],
};
/** Passes per dtype assignment: pass p shifts every operand's values by p, so each edge reaches each position. */
const PASSES = 7;
const SCALARS = [0, -1, 0.5, NaN, Infinity, -Infinity, INT_MIN, INT_MAX];
const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

/** A tensor operand: its shape and the dtype the ops give it. */
type Operand = readonly [shape: readonly number[], dtype: DType];

interface KernelCase {
  operands: Record<string, Operand>;
  /** Calls the kernel once per variation of its other arguments. */
  call(kernels: Kernels, t: Record<string, Tensor>): void;
}

const cpu: Device = getDevice('cpu');
const stream: RandomStream = { seedLow: 1, seedHigh: 2, offset: 0 };
const geometry: ConvGeometry = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
const halves: PoolAxis = { start: [0, 2], end: [2, 4], step: 1, divisor: [2, 2] };
const elementwise = (...names: string[]) => Object.fromEntries(names.map((name) => [name, [[64], 'float32'] as Operand]));

/** What happened to each call, per kernel. */
const outcomes = new Map<string, { results: number; errors: number }>();

/** Runs one kernel call: a result or a JS error naming an op pass; a wasm trap fails the test. */
function attempt(kernel: string, what: string, call: () => unknown): void {
  const tally = outcomes.get(kernel)!;
  try {
    call();
    tally.results++;
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) throw new Error(`${kernel} (${what}): a wasm trap escaped: ${error.message}`);
    expect(error, `${kernel} (${what})`).toBeInstanceOf(Error);
    expect((error as Error).message, `${kernel} (${what})`).toMatch(/^\w+: \S/);
    tally.errors++;
  }
}

function rnnCase(mode: RnnMode, backward: boolean): KernelCase {
  const width = rnnGateCount(mode) * 2;
  const lstm = mode === 'lstm';
  // Two sequences of lengths 2 and 1: 3 packed rows, input size 3, hidden size 2.
  const layerOperands: Record<string, Operand> = {
    input: [[3, 3], 'float32'],
    h0: [[2, 2], 'float32'],
    weightIh: [[width, 3], 'float32'],
    weightHh: [[width, 2], 'float32'],
    biasIh: [[width], 'float32'],
    biasHh: [[width], 'float32'],
    output: [[3, 2], 'float32'],
    reserve: [[rnnReserveElements(mode, 3, 2)], 'float32'],
    ...(lstm ? { c0: [[2, 2], 'float32'] as Operand } : {}),
  };
  const gradients: Record<string, Operand> = {
    gradOutput: [[3, 2], 'float32'],
    gradHN: [[2, 2], 'float32'],
    gradInput: [[3, 3], 'float32'],
    gradH0: [[2, 2], 'float32'],
    gradWeightIh: [[width, 3], 'float32'],
    gradWeightHh: [[width, 2], 'float32'],
    gradBiasIh: [[width], 'float32'],
    gradBiasHh: [[width], 'float32'],
    ...(lstm ? { gradCN: [[2, 2], 'float32'] as Operand, gradC0: [[2, 2], 'float32'] as Operand } : {}),
  };
  return {
    operands: backward ? { ...layerOperands, ...gradients } : { ...layerOperands, hN: [[2, 2], 'float32'], cN: [[2, 2], 'float32'] },
    call(kernels, t) {
      const layer: RnnLayer = {
        mode,
        batchSizes: [2, 1],
        reverse: false,
        input: t.input,
        h0: t.h0,
        c0: lstm ? t.c0 : null,
        weightIh: t.weightIh,
        weightHh: t.weightHh,
        biasIh: t.biasIh,
        biasHh: t.biasHh,
        weightHr: null,
        plan: rnnPlan(mode, [2, 1], 3, 2, 2),
      };
      if (!backward) {
        attempt('rnnForward', mode, () =>
          kernels.rnnForward([{ layer, output: t.output, hN: t.hN, cN: lstm ? t.cN : null, reserve: t.reserve }]),
        );
        return;
      }
      const grads = {
        input: t.gradInput,
        h0: t.gradH0,
        c0: lstm ? t.gradC0 : null,
        weightIh: t.gradWeightIh,
        weightHh: t.gradWeightHh,
        biasIh: t.gradBiasIh,
        biasHh: t.gradBiasHh,
        weightHr: null,
      };
      attempt('rnnBackward', mode, () =>
        kernels.rnnBackward([
          {
            layer,
            output: t.output,
            reserve: t.reserve,
            gradOutput: t.gradOutput,
            gradHN: t.gradHN,
            gradCN: lstm ? t.gradCN : null,
            grads,
          },
        ]),
      );
    },
  };
}

const cases: Record<keyof Kernels, KernelCase[]> = {
  copy: [{ operands: elementwise('dst', 'src'), call: (k, t) => attempt('copy', '', () => k.copy(t.dst, t.src)) }],
  fill: [
    { operands: elementwise('dst'), call: (k, t) => SCALARS.forEach((value) => attempt('fill', `${value}`, () => k.fill(t.dst, value))) },
  ],
  arange: [
    {
      operands: { out: [[8], 'float32'] },
      call: (k, t) =>
        SCALARS.forEach((start) => SCALARS.forEach((step) => attempt('arange', `${start}, ${step}`, () => k.arange(t.out, start, step)))),
    },
  ],
  unary: [
    {
      operands: elementwise('out', 'x'),
      call: (k, t) =>
        Object.keys(UNARY_OPCODES).forEach((op) =>
          [0, NaN, INT_MIN].forEach((p) => attempt('unary', op, () => k.unary(op as keyof typeof UNARY_OPCODES, t.out, t.x, p, -p))),
        ),
    },
  ],
  binary: [
    {
      operands: elementwise('out', 'a', 'b'),
      call: (k, t) =>
        Object.keys(BINARY_OPCODES).forEach((op) =>
          attempt('binary', op, () => k.binary(op as keyof typeof BINARY_OPCODES, t.out, t.a, t.b)),
        ),
    },
  ],
  where: [{ operands: elementwise('out', 'cond', 'a', 'b'), call: (k, t) => attempt('where', '', () => k.where(t.out, t.cond, t.a, t.b)) }],
  reduce: (
    [
      [[16], [0]],
      [[4], [1]],
      [[], [0, 1]],
    ] as const
  ).map(
    ([outShape, dims]) =>
      ({
        operands: { out: [outShape, 'float32'], x: [[4, 16], 'float32'] },
        call: (k, t) =>
          Object.keys(REDUCE_OPCODES).forEach((op) =>
            attempt('reduce', op, () => k.reduce(op as keyof typeof REDUCE_OPCODES, t.out, t.x, dims, 'reduce: overflow')),
          ),
      }) satisfies KernelCase,
  ),
  scan: [
    {
      // Along dim 0 the inner dim is 5: one group of four lines and one line alone.
      operands: { out: [[3, 5], 'float32'], x: [[3, 5], 'float32'] },
      call: (k, t) =>
        Object.keys(SCAN_OPCODES).forEach((op) =>
          [0, 1].forEach((dim) =>
            [false, true].forEach((reverse) =>
              attempt('scan', `${op} dim ${dim} reverse ${reverse}`, () =>
                k.scan(op as keyof typeof SCAN_OPCODES, t.out, t.x, dim, reverse, 'scan: overflow'),
              ),
            ),
          ),
        ),
    },
  ],
  matmul: [
    {
      operands: { out: [[2, 4], 'float32'], a: [[2, 3], 'float32'], b: [[3, 4], 'float32'] },
      call: (k, t) => attempt('matmul', '', () => k.matmul(t.out, t.a, t.b)),
    },
  ],
  gather: [
    {
      operands: { out: [[2, 2], 'float32'], input: [[2, 3], 'float32'], index: [[2, 2], 'int32'] },
      call: (k, t) => attempt('gather', '', () => k.gather(t.out, t.input, t.index, 1, 'gather: index {value} is out of range')),
    },
  ],
  scatter: [
    {
      operands: { out: [[2, 3], 'float32'], index: [[2, 2], 'int32'], src: [[2, 2], 'float32'] },
      call: (k, t) =>
        [false, true].forEach((accumulate) => {
          attempt('scatter', `accumulate ${accumulate}`, () =>
            k.scatter(t.out, t.index, t.src, 1, accumulate, 'scatter: index {value} is out of range'),
          );
          attempt('scatter', `accumulate ${accumulate}, no badIndex`, () => k.scatter(t.out, t.index, t.src, 1, accumulate));
        }),
    },
  ],
  normalizeIndex: [
    {
      operands: { out: [[6], 'int32'], index: [[6], 'int32'] },
      call: (k, t) =>
        [1, 3].forEach((size) =>
          attempt('normalizeIndex', `size ${size}`, () =>
            k.normalizeIndex(t.out, t.index, size, 'normalizeIndex: index {value} is out of range'),
          ),
        ),
    },
  ],
  randomUniform: [
    {
      operands: { out: [[8], 'float32'] },
      call: (k, t) => SCALARS.forEach((low) => attempt('randomUniform', `${low}`, () => k.randomUniform(t.out, stream, low, -low))),
    },
  ],
  randomNormal: [
    {
      operands: { out: [[8], 'float32'] },
      call: (k, t) => SCALARS.forEach((mean) => attempt('randomNormal', `${mean}`, () => k.randomNormal(t.out, stream, mean, -mean))),
    },
  ],
  randomInt: [
    {
      operands: { out: [[8], 'int32'] },
      call: (k, t) =>
        SCALARS.forEach((low) =>
          SCALARS.forEach((high) => attempt('randomInt', `${low}, ${high}`, () => k.randomInt(t.out, stream, low, high))),
        ),
    },
  ],
  bernoulli: [
    {
      operands: { out: [[8], 'float32'], probabilities: [[8], 'float32'] },
      call: (k, t) => attempt('bernoulli', '', () => k.bernoulli(t.out, t.probabilities, stream)),
    },
  ],
  multinomial: [
    {
      operands: { out: [[2, 2], 'int32'], weights: [[2, 3], 'float32'] },
      call: (k, t) =>
        [false, true].forEach((replacement) =>
          attempt('multinomial', `replacement ${replacement}`, () =>
            k.multinomial(t.out, t.weights, replacement, stream, {
              invalidWeight: 'multinomial: invalid weight',
              zeroRow: 'multinomial: zero row',
            }),
          ),
        ),
    },
  ],
  softmax: [
    {
      operands: { out: [[2, 3], 'float32'], x: [[2, 3], 'float32'] },
      call: (k, t) => [false, true].forEach((log) => attempt('softmax', `log ${log}`, () => k.softmax(t.out, t.x, 1, log))),
    },
  ],
  softmaxBackward: [
    {
      operands: { gradInput: [[2, 3], 'float32'], grad: [[2, 3], 'float32'], output: [[2, 3], 'float32'] },
      call: (k, t) =>
        [false, true].forEach((log) =>
          attempt('softmaxBackward', `log ${log}`, () => k.softmaxBackward(t.gradInput, t.grad, t.output, 1, log)),
        ),
    },
  ],
  sort: [
    {
      operands: { values: [[2, 3], 'float32'], indices: [[2, 3], 'int32'], x: [[2, 5], 'float32'] },
      call: (k, t) =>
        [false, true].forEach((descending) =>
          attempt('sort', `descending ${descending}`, () => k.sort(t.values, t.indices, t.x, 1, 3, descending)),
        ),
    },
  ],
  conv2d: [
    {
      operands: {
        out: [[1, 2, 2, 2], 'float32'],
        input: [[1, 2, 3, 3], 'float32'],
        weight: [[2, 2, 2, 2], 'float32'],
        bias: [[2], 'float32'],
      },
      call: (k, t) => {
        attempt('conv2d', 'bias', () => k.conv2d(t.out, t.input, t.weight, t.bias, geometry));
        attempt('conv2d', 'no bias', () => k.conv2d(t.out, t.input, t.weight, null, geometry));
      },
    },
  ],
  conv2dBackwardInput: [
    {
      operands: { gradInput: [[1, 2, 3, 3], 'float32'], grad: [[1, 2, 2, 2], 'float32'], weight: [[2, 2, 2, 2], 'float32'] },
      call: (k, t) => attempt('conv2dBackwardInput', '', () => k.conv2dBackwardInput(t.gradInput, t.grad, t.weight, geometry)),
    },
  ],
  conv2dBackwardWeight: [
    {
      operands: { gradWeight: [[2, 2, 2, 2], 'float32'], input: [[1, 2, 3, 3], 'float32'], grad: [[1, 2, 2, 2], 'float32'] },
      call: (k, t) => attempt('conv2dBackwardWeight', '', () => k.conv2dBackwardWeight(t.gradWeight, t.input, t.grad, geometry)),
    },
  ],
  maxPool2d: [
    {
      operands: { out: [[1, 2, 2, 2], 'float32'], indices: [[1, 2, 2, 2], 'int32'], input: [[1, 2, 4, 4], 'float32'] },
      call: (k, t) => attempt('maxPool2d', '', () => k.maxPool2d(t.out, t.indices, t.input, halves, halves)),
    },
  ],
  maxPool2dBackward: [
    {
      operands: { gradInput: [[1, 2, 4, 4], 'float32'], grad: [[1, 2, 2, 2], 'float32'], indices: [[1, 2, 2, 2], 'int32'] },
      call: (k, t) => attempt('maxPool2dBackward', '', () => k.maxPool2dBackward(t.gradInput, t.grad, t.indices, halves, halves)),
    },
  ],
  adamStep: [
    {
      operands: { param: [[67], 'float32'], grad: [[67], 'float32'], expAvg: [[67], 'float32'], expAvgSq: [[67], 'float32'] },
      call: (k, t) => {
        for (const scalar of SCALARS) {
          const scalars = {
            beta1: scalar,
            oneMinusBeta1: 1 - scalar,
            beta2: scalar,
            oneMinusBeta2: scalar,
            negativeStepSize: scalar,
            biasCorrection2Sqrt: scalar,
            eps: scalar,
          };
          attempt('adamStep', `scalars ${scalar}`, () => k.adamStep(t.param, t.grad, t.expAvg, t.expAvgSq, scalars));
        }
      },
    },
  ],
  avgPool2d: [
    {
      operands: { out: [[1, 2, 2, 2], 'float32'], input: [[1, 2, 4, 4], 'float32'] },
      call: (k, t) => attempt('avgPool2d', '', () => k.avgPool2d(t.out, t.input, halves, halves)),
    },
  ],
  avgPool2dBackward: [
    {
      operands: { gradInput: [[1, 2, 4, 4], 'float32'], grad: [[1, 2, 2, 2], 'float32'] },
      call: (k, t) => attempt('avgPool2dBackward', '', () => k.avgPool2dBackward(t.gradInput, t.grad, halves, halves)),
    },
  ],
  batchNormStatistics: [
    {
      operands: { mean: [[3], 'float32'], variance: [[3], 'float32'], input: [[2, 3, 5], 'float32'] },
      call: (k, t) => attempt('batchNormStatistics', '', () => k.batchNormStatistics(t.mean, t.variance, t.input)),
    },
  ],
  channelAffine: [
    {
      operands: { out: [[2, 3, 5], 'float32'], input: [[2, 3, 5], 'float32'], scale: [[3], 'float32'], shift: [[3], 'float32'] },
      call: (k, t) => attempt('channelAffine', '', () => k.channelAffine(t.out, t.input, t.scale, t.shift)),
    },
  ],
  batchNormBackwardReduce: [
    {
      operands: {
        gradSum: [[3], 'float32'],
        dot: [[3], 'float32'],
        grad: [[2, 3, 5], 'float32'],
        input: [[2, 3, 5], 'float32'],
        mean: [[3], 'float32'],
      },
      call: (k, t) => attempt('batchNormBackwardReduce', '', () => k.batchNormBackwardReduce(t.gradSum, t.dot, t.grad, t.input, t.mean)),
    },
  ],
  batchNormBackwardInput: [
    {
      operands: {
        gradInput: [[2, 3, 5], 'float32'],
        grad: [[2, 3, 5], 'float32'],
        input: [[2, 3, 5], 'float32'],
        mean: [[3], 'float32'],
        k1: [[3], 'float32'],
        k2: [[3], 'float32'],
        k3: [[3], 'float32'],
      },
      call: (k, t) =>
        attempt('batchNormBackwardInput', '', () => k.batchNormBackwardInput(t.gradInput, t.grad, t.input, t.mean, t.k1, t.k2, t.k3)),
    },
  ],
  rnnForward: (['rnnTanh', 'rnnRelu', 'lstm', 'gru'] as const).map((mode) => rnnCase(mode, false)),
  rnnBackward: (['rnnTanh', 'rnnRelu', 'lstm', 'gru'] as const).map((mode) => rnnCase(mode, true)),
};

/**
 * Dtype assignments to try: every combination for up to four operands; beyond that (convolutions'
 * and recurrent kernels' many float32 operands) each operand in each dtype with the others as the
 * ops give them, and all operands in one dtype.
 */
function assignments(operands: Record<string, Operand>): Record<string, DType>[] {
  const names = Object.keys(operands);
  const natural = Object.fromEntries(names.map((name) => [name, operands[name][1]]));
  if (names.length <= 4) {
    return names.reduce<Record<string, DType>[]>(
      (partial, name) => partial.flatMap((a) => DTYPES.map((dtype) => ({ ...a, [name]: dtype }))),
      [{}],
    );
  }
  return [
    ...names.flatMap((name) => DTYPES.map((dtype) => ({ ...natural, [name]: dtype }))),
    ...DTYPES.map((dtype) => Object.fromEntries(names.map((name) => [name, dtype]))),
  ];
}

/**
 * Fills operand `slot` for pass `pass`: element i takes edge floor(i / 7^slot) + pass, so the
 * elements of the first operands pair every edge value with every edge value of the others.
 */
function fillEdges(t: Tensor, slot: number, pass: number): void {
  const edges = EDGES[t.dtype];
  const count = t.numel();
  const values = Array.from({ length: count }, (_, i) => edges[(Math.floor(i / 7 ** Math.min(slot, 2)) + pass) % edges.length]);
  if (count > 0) cpu.write(t.storage.buffer, 0, t.dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values));
}

describe('every CPU kernel with every dtype and edge values', () => {
  it('covers the whole kernel table', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(cpu.kernels).sort());
  });

  for (const [kernel, kernelCases] of Object.entries(cases)) {
    it(`${kernel}: a result or a JS error, never a wasm trap`, () => {
      outcomes.set(kernel, { results: 0, errors: 0 });
      for (const kernelCase of kernelCases) {
        for (const dtypes of assignments(kernelCase.operands)) {
          torch.scope(() => {
            const t = Object.fromEntries(
              Object.entries(kernelCase.operands).map(([name, [shape]]) => [
                name,
                torch.empty([...shape], { dtype: dtypes[name], device: 'cpu' }),
              ]),
            );
            for (let pass = 0; pass < PASSES; pass++) {
              Object.values(t).forEach((tensor, slot) => fillEdges(tensor, slot, pass));
              kernelCase.call(cpu.kernels, t);
            }
          });
        }
      }
      // The calls reached the kernel, not only the checks in front of it.
      const { results, errors } = outcomes.get(kernel)!;
      expect(results, `${kernel}: ${results} results, ${errors} errors`).toBeGreaterThan(0);
    });
  }
});

describe('maxPool2dBackward checks its indices before it scatters', () => {
  const rows: PoolAxis = { start: [0, 2, 4, 6], end: [2, 4, 6, 8], step: 1, divisor: [2, 2, 2, 2] };
  const cols: PoolAxis = { start: [0, 2, 4], end: [2, 4, 6], step: 1, divisor: [2, 2, 2] };
  // 24 indices into planes of 8 x 6: the bad one in the first group of four, inside, and in the last.
  for (const [position, value] of [
    [0, -1],
    [5, 48],
    [22, -2147483648],
    [23, 48],
  ]) {
    it(`names index ${value} at position ${position}`, () => {
      torch.scope(() => {
        const gradInput = torch.empty([1, 2, 8, 6]);
        const grad = torch.ones([1, 2, 4, 3]);
        const indices = torch
          .tensor(
            Array.from({ length: 24 }, (_, i) => (i === position ? value : (i * 7) % 48)),
            { dtype: 'int32' },
          )
          .reshape([1, 2, 4, 3]);
        expect(() => cpu.kernels.maxPool2dBackward(gradInput, grad, indices, rows, cols)).toThrow(
          `maxPool2dBackward: index ${value} at position ${position} of indices is outside the 8x6 input plane; indices must be those maxPool2d returned`,
        );
      });
    });
  }
});
