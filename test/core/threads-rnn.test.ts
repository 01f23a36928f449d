// The recurrent layers on the CPU thread pool, each step split over batch rows, or a bidirectional
// layer's two directions run side by side: the same bits at 1, 2 and 3 threads for every layer
// kind, forward and every gradient, padded and packed.
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { STEP_MIN_MACS } from '../../src/devices/cpu/kernels/rnn.js';
import * as torch from '../../src/index.js';
import { cpu, sameBitsAtAnyThreadCount } from '../helpers/threads.js';

const { nn } = torch;
const { packPaddedSequence, padPackedSequence } = nn.utils.rnn;
const defaultThreads = torch.getNumThreads();

const STEPS = 4;
const INPUT = 5;

/**
 * A batch whose full steps split into 3 pieces (per-step multiply-adds at least 3x the threshold,
 * at least three 4-row blocks) and that is not a multiple of 4, so the last piece ends in a partial
 * tile.
 */
function batchFor(macsPerRow: number): number {
  return Math.max(Math.ceil((3 * STEP_MIN_MACS) / macsPerRow / 4), 2) * 4 + 2;
}

/** Lengths STEPS down to 1 over the batch, so later steps run on fewer rows (and fewer pieces). */
const unevenLengths = (batch: number) => Array.from({ length: batch }, (_, i) => STEPS - Math.floor((i * STEPS) / batch));

type Layer = torch.nn.RNN | torch.nn.LSTM | torch.nn.GRU;
type Packed = InstanceType<typeof nn.utils.rnn.PackedSequence>;

/**
 * Runs `layer` over a random batch (packed with uneven lengths when `packed`), from random initial
 * states, and back from a random weighting of the output and the final states; returns the
 * output, the final states and the gradients of the input, the initial states and every parameter.
 */
function forwardBackward(layer: Layer, batch: number, packed: boolean): torch.Tensor[] {
  layer.zeroGrad();
  const directions = layer.bidirectional ? 2 : 1;
  const stateSize = layer instanceof nn.LSTM && layer.projSize > 0 ? layer.projSize : layer.hiddenSize;
  const x = torch.randn([STEPS, batch, INPUT], { requiresGrad: true });
  const h0 = torch.randn([layer.numLayers * directions, batch, stateSize], { requiresGrad: true });
  const c0 = torch.randn([layer.numLayers * directions, batch, layer.hiddenSize], { requiresGrad: true });
  const input = packed ? packPaddedSequence(x, unevenLengths(batch)) : x;
  // One call for both overloads (padded and packed) of every layer kind.
  const forward = layer.forward.bind(layer) as (
    input: torch.Tensor | Packed,
    hx: torch.Tensor | torch.Tensor[],
  ) => [torch.Tensor | Packed, torch.Tensor | torch.Tensor[]];
  const [result, state] = forward(input, layer instanceof nn.LSTM ? [h0, c0] : h0);
  const output = result instanceof torch.Tensor ? result : padPackedSequence(result)[0];
  const states = Array.isArray(state) ? state : [state];
  let loss = output.mul(torch.randn(output.shape)).sum();
  for (const s of states) loss = loss.add(s.mul(torch.randn(s.shape)).sum());
  loss.backward();
  const stateGrads = layer instanceof nn.LSTM ? [h0.grad!, c0.grad!] : [h0.grad!];
  return [output, ...states, x.grad!, ...stateGrads, ...layer.parameters().map((p) => p.grad!)];
}

/** The step kernels (and step programs) the pool ran during a test, with the most pieces each was split into. */
const piecesByKernel = new Map<string, number>();

describe('recurrent steps on CPU threads', () => {
  beforeEach(() => {
    piecesByKernel.clear();
    const run = cpu.pool!.run.bind(cpu.pool!);
    vi.spyOn(cpu.pool!, 'run').mockImplementation((kernel, pieces, runHere) => {
      if (kernel.endsWith('Step') || kernel === 'rnnRunSteps')
        piecesByKernel.set(kernel, Math.max(piecesByKernel.get(kernel) ?? 0, pieces.length));
      run(kernel, pieces, runHere);
    });
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => torch.setNumThreads(defaultThreads));

  // Hidden sizes that are not multiples of 4 leave a partial vector at each row's end; the batch
  // follows from the step's multiply-adds, so wide layers keep the test's tensors small.
  const cases: [string, (batchOf: (macsPerRow: number) => number) => [Layer, number], string][] = [
    ['RNN tanh', (batchOf) => [new nn.RNN(INPUT, 126), batchOf(126 * 126)], 'rnn'],
    ['RNN relu', (batchOf) => [new nn.RNN(INPUT, 126, { nonlinearity: 'relu' }), batchOf(126 * 126)], 'rnn'],
    ['GRU', (batchOf) => [new nn.GRU(INPUT, 66), batchOf(3 * 66 * 66)], 'gru'],
    ['LSTM', (batchOf) => [new nn.LSTM(INPUT, 62), batchOf(4 * 62 * 62)], 'lstm'],
    ['LSTM with projSize', (batchOf) => [new nn.LSTM(INPUT, 62, { projSize: 23 }), batchOf(4 * 62 * 23 + 62 * 23)], 'lstm'],
    ['2-layer bidirectional GRU', (batchOf) => [new nn.GRU(INPUT, 66, { numLayers: 2, bidirectional: true }), batchOf(3 * 66 * 66)], 'gru'],
    [
      '2-layer bidirectional LSTM with projSize',
      (batchOf) => [new nn.LSTM(INPUT, 62, { numLayers: 2, bidirectional: true, projSize: 23 }), batchOf(4 * 62 * 23 + 62 * 23)],
      'lstm',
    ],
  ];

  for (const packed of [false, true]) {
    for (const [name, make, kind] of cases) {
      it(`${name}${packed ? ' over packed sequences of uneven lengths' : ''}: forward and every gradient`, async () => {
        torch.manualSeed(3);
        const [layer, batch] = make(batchFor);
        await sameBitsAtAnyThreadCount(() => forwardBackward(layer, batch, packed));
        // A bidirectional layer's directions run as one step program each, on two threads.
        const expected = layer.bidirectional ? { rnnRunSteps: 2 } : { [`${kind}ForwardStep`]: 3, [`${kind}BackwardStep`]: 3 };
        expect(Object.fromEntries(piecesByKernel)).toEqual(expected);
      });
    }
  }

  it('a step too small to pay for a wake-up stays on the calling thread', async () => {
    torch.manualSeed(3);
    await sameBitsAtAnyThreadCount(() => forwardBackward(new nn.LSTM(INPUT, 8), 6, true));
    await sameBitsAtAnyThreadCount(() => forwardBackward(new nn.GRU(INPUT, 8, { bidirectional: true }), 6, true));
    expect(piecesByKernel.size).toBe(0);
  });

  it('runs the directions side by side where the steps are too small to split but the whole loops pay', async () => {
    torch.manualSeed(3);
    const batch = 16;
    const macsPerRow = 3 * 100 * 100;
    expect(batch * macsPerRow).toBeLessThan(2 * STEP_MIN_MACS);
    expect(2 * STEPS * batch * macsPerRow).toBeGreaterThanOrEqual(2 * STEP_MIN_MACS);
    await sameBitsAtAnyThreadCount(() => forwardBackward(new nn.GRU(INPUT, 100, { bidirectional: true }), batch, true));
    expect(Object.fromEntries(piecesByKernel)).toEqual({ rnnRunSteps: 2 });
  });
});
