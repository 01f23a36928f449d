// F.ctcLoss and nn.CTCLoss against PyTorch 1.13 (test/fixtures/ctc_fixtures.py): the loss and the
// gradient of the logits before a logSoftmax on every device, for padded, concatenated and
// unbatched targets, repeats, another blank, every reduction, empty targets and impossible
// alignments with and without zeroInfinity; then finite-difference gradchecks, lengths as tensors,
// memory, and the errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';
import { expectTensorClose, largestMagnitude, type TensorData, tensorFrom, tensorOn } from '../helpers/fixtures.js';

const { nn } = torch;
const F = nn.functional;
type Tensor = torch.Tensor;

interface CtcCase {
  name: string;
  logits: TensorData;
  targets: TensorData;
  inputLengths: number[];
  targetLengths: number[];
  options: torch.nn.CtcLossOptions;
  gradOutput: TensorData;
  expected: { loss: TensorData; gradLogits: TensorData };
}

const { cases } = JSON.parse(readFileSync(new URL('../fixtures/ctc.json', import.meta.url), 'utf8')) as { cases: CtcCase[] };

/** Integer targets arrive as int64 from PyTorch; webtorch's int64 is int32. */
function targetsOn(spec: TensorData, device: string): Tensor {
  return tensorFrom({ ...spec, dtype: 'int32' }).to(device);
}

/** rtol 1e-5 and 1e-6 of the largest entry: the recursion sums in another order than PyTorch. */
const tolerance = (expected: TensorData) => ({ rtol: 1e-5, atol: 1e-6 * largestMagnitude(expected) });

/** A gradient whose loss is infinite is NaN in PyTorch; here NaN or infinite, and the finite entries match. */
async function expectGradient(actual: Tensor, expected: TensorData): Promise<void> {
  const want = tensorFrom(expected).dataSync();
  const got = await actual.data();
  const nonFinite = Array.from(want, (value, i) => (Number.isNaN(value) ? i : -1)).filter((i) => i >= 0);
  for (const i of nonFinite) expect(Number.isFinite(got[i]), `gradient entry ${i}`).toBe(false);
  const finite = torch.tensor(Array.from(got, (value, i) => (Number.isNaN(want[i]) ? 0 : value))).reshape(actual.shape);
  const finiteExpected = { ...expected, data: expected.data.map((value) => (value === 'nan' ? 0 : value)) };
  await expectTensorClose('gradient of the logits', finite, finiteExpected, tolerance(finiteExpected));
}

for (const device of devices) {
  describe(`ctcLoss matches PyTorch 1.13 (${device})`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const logits = tensorOn(c.logits, device, true);
        const targets = targetsOn(c.targets, device);
        const unbatched = c.logits.shape.length === 2;
        const lengths = (values: number[]) => (unbatched ? values[0] : values);
        const loss = F.ctcLoss(logits.logSoftmax(-1), targets, lengths(c.inputLengths), lengths(c.targetLengths), c.options);
        await expectTensorClose('loss', loss, c.expected.loss, tolerance(c.expected.loss));
        loss.backward(tensorOn(c.gradOutput, device));
        await expectGradient(logits.grad!, c.expected.gradLogits);
      });
    }

    it('nn.CTCLoss gives the function with its options, and lengths may be CPU int32 tensors', async () => {
      const c = cases.find((e) => e.options.blank === 3)!;
      const logProbs = tensorOn(c.logits, device).logSoftmax(-1);
      const lossFn = new nn.CTCLoss(c.options);
      const lengths = (values: number[]) => torch.tensor(values, { dtype: 'int32', device: 'cpu' });
      const loss = lossFn.forward(logProbs, targetsOn(c.targets, device), lengths(c.inputLengths), lengths(c.targetLengths));
      await expectTensorClose('loss', loss, c.expected.loss, tolerance(c.expected.loss));
    });
  });
}

describe('gradcheck: finite differences agree with autograd', () => {
  it('through logSoftmax, for padded and concatenated targets, every reduction, blank 2', async () => {
    torch.manualSeed(3);
    const logits = torch.randn(6, 2, 4).requiresGrad_();
    const padded = torch.tensor(
      [
        [1, 1, 3],
        [3, 0, 0],
      ],
      { dtype: 'int32' },
    );
    const concatenated = torch.tensor([1, 1, 3, 3], { dtype: 'int32' });
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      for (const targets of [padded, concatenated]) {
        const run = (x: Tensor) => F.ctcLoss(x.logSoftmax(2), targets, [6, 5], [3, 1], { reduction, blank: 2 });
        expect(await torch.autograd.gradcheck(run, [logits], { eps: 1e-2, atol: 1e-3, rtol: 1e-2 })).toBe(true);
      }
    }
  });

  it('of the log-probabilities themselves (the exact gradient, which PyTorch does not give), unbatched', async () => {
    torch.manualSeed(4);
    const logProbs = torch.randn(5, 3).requiresGrad_();
    const run = (x: Tensor) => F.ctcLoss(x, torch.tensor([1, 2], { dtype: 'int32' }), 5, 2);
    expect(await torch.autograd.gradcheck(run, [logProbs], { eps: 1e-2, atol: 1e-3, rtol: 1e-2 })).toBe(true);
  });
});

describe('special cases', () => {
  const logProbs = torch.randn(4, 2, 3).logSoftmax(2);

  it('an input of length 0 gives 0 for an empty target and inf otherwise', () => {
    const targets = torch.tensor([[1], [1]], { dtype: 'int32' });
    expect(F.ctcLoss(logProbs, targets, [0, 0], [0, 1], { reduction: 'none' }).tolistSync()).toEqual([-0, Infinity]);
  });

  it('an empty target costs the log-probability of blank at every frame', () => {
    const expected = -logProbs.select(2, 0).select(1, 0).sum().itemSync();
    const loss = F.ctcLoss(logProbs, torch.zeros([2, 0], { dtype: 'int32' }), [4, 4], [0, 0], { reduction: 'none' });
    expect(loss.dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it('training steps keep live tensors and bytes flat', () => {
    const logits = torch.randn(6, 2, 4, { requiresGrad: true });
    const targets = torch.tensor([1, 2, 3], { dtype: 'int32' });
    const optimizer = new torch.optim.SGD([logits], { lr: 0.1 });
    const usage: [number, number][] = [];
    for (let step = 0; step < 4; step++) {
      torch.scope(() => {
        optimizer.zeroGrad();
        F.ctcLoss(logits.logSoftmax(2), targets, [6, 4], [2, 1]).backward();
        optimizer.step();
      });
      const { tensors, bytes } = torch.memory();
      usage.push([tensors, bytes.cpu]);
    }
    expect(usage[3]).toEqual(usage[1]);
  });
});

describe('errors', () => {
  const logProbs = torch.randn(4, 2, 3).logSoftmax(2);
  const targets = torch.tensor(
    [
      [1, 2],
      [2, 0],
    ],
    { dtype: 'int32' },
  );

  it('name the op, the argument and the shapes or values', () => {
    expect(() => F.ctcLoss(logProbs, targets, [4, 4], [2, 1], { blank: 3 })).toThrow(
      'ctcLoss: blank must be in label range [0, 3) (C of logProbs [4, 2, 3]), got 3',
    );
    expect(() => F.ctcLoss(logProbs, targets, [5, 4], [2, 1])).toThrow(
      'ctcLoss: inputLengths must be at most T = 4 (logProbs [4, 2, 3]), got 5 at batch 0',
    );
    expect(() => F.ctcLoss(logProbs, targets, [4], [2, 1])).toThrow(
      'ctcLoss: inputLengths must have one length per batch element (N = 2), got 1',
    );
    expect(() => F.ctcLoss(logProbs, targets, [4, 4], [2, -1])).toThrow(
      'ctcLoss: targetLengths must be non-negative integers, got -1 at batch 1',
    );
    expect(() => F.ctcLoss(logProbs, targets, [4, 4], [3, 1])).toThrow(
      'ctcLoss: targets must have at least 3 (the longest target length) entries in their last dim, got shape [2, 2]',
    );
    expect(() => F.ctcLoss(logProbs, torch.tensor([1, 2], { dtype: 'int32' }), [4, 4], [2, 1])).toThrow(
      'ctcLoss: concatenated targets must hold sum(targetLengths) = 3 labels, got shape [2]',
    );
    expect(() => F.ctcLoss(logProbs, torch.tensor([[1, 3]], { dtype: 'int32' }).expand(2, 2), [4, 4], [2, 1])).toThrow(
      'ctcLoss: targets must be class indices in [0, 3), got 3 at batch 0 position 1',
    );
    expect(() => F.ctcLoss(logProbs.select(1, 0), targets, 4, 2)).toThrow(
      'ctcLoss: targets must be 1-D (S) for an unbatched logProbs (T, C), got shape [2, 2]',
    );
    expect(() => F.ctcLoss(logProbs, targets, 4 as never, [2, 1])).toThrow(
      'ctcLoss: inputLengths must be an array or tensor of 2 lengths for a batched logProbs, got the number 4',
    );
    expect(() => F.ctcLoss(logProbs.unsqueeze(0), targets, [4, 4], [2, 1])).toThrow(
      'ctcLoss: logProbs must be 3-D (T, N, C) or 2-D (T, C) unbatched, got shape [1, 4, 2, 3]',
    );
    expect(() => F.ctcLoss(logProbs, targets.float(), [4, 4], [2, 1])).toThrow("ctcLoss: argument 'targets'");
    expect(() => F.ctcLoss(logProbs, targets, [4, 4], [2, 1], { zero_infinity: true } as never)).toThrow("did you mean 'zeroInfinity'?");
    expect(() => new nn.CTCLoss({ blank: -1 })).toThrow('CTCLoss: blank must be a non-negative integer, got -1');
  });

  it('lengths on a device that cannot read synchronously are refused with what to pass instead', () => {
    if (!devices.includes('webgpu')) return;
    const lengths = torch.tensor([4, 4], { dtype: 'int32', device: 'webgpu' });
    expect(() => F.ctcLoss(logProbs.to('webgpu'), targets.to('webgpu'), lengths, [2, 1])).toThrow(
      'ctcLoss: inputLengths is a tensor on webgpu, whose values cannot be read synchronously; pass a number array or a CPU tensor',
    );
  });
});
