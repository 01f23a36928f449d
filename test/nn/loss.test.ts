// The losses against PyTorch 1.13 (test/fixtures/loss.json, written by test/fixtures/loss_fixtures.py):
// forward values and the gradients of input and target for every reduction and option on cpu and
// webgpu, a finite-difference gradcheck per case, the loss modules, and the errors for bad
// arguments (bad target and probability values on both devices: webgpu raises them at the read).
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import * as torch from '../../src/index.js';
import { devices, expectNoGrowth, expectRaises } from '../helpers/devices.js';
import { check, expectChecks, largestMagnitude, type TensorData, tensorOn } from '../helpers/fixtures.js';

type Tensor = torch.Tensor;
const { nn } = torch;
const F = nn.functional;

interface LossCase {
  name: string;
  fn:
    | 'crossEntropy'
    | 'nllLoss'
    | 'mseLoss'
    | 'l1Loss'
    | 'binaryCrossEntropy'
    | 'binaryCrossEntropyWithLogits'
    | 'smoothL1Loss'
    | 'huberLoss'
    | 'klDiv'
    | 'marginRankingLoss'
    | 'cosineEmbeddingLoss'
    | 'tripletMarginLoss';
  input: TensorData;
  /** Inputs between input and target (input2, positive), each requiring grad. */
  operands?: TensorData[];
  target: TensorData & { requiresGrad: boolean };
  options: Record<string, unknown>;
  gradOutput: TensorData;
  expected: { loss: TensorData; gradInput: TensorData; gradTarget: TensorData | null; gradOperands?: TensorData[] };
  gradcheck?: boolean;
}

const cases = (JSON.parse(readFileSync(new URL('../fixtures/loss.json', import.meta.url), 'utf8')) as { cases: LossCase[] }).cases;

type LossFunction = (...args: (Tensor | Record<string, unknown>)[]) => Tensor;

function lossFunction(c: LossCase): LossFunction {
  return F[c.fn] as LossFunction;
}

function operandsOf(c: LossCase, device = 'cpu'): Tensor[] {
  return (c.operands ?? []).map((spec) => tensorOn(spec, device, true));
}

/** The case's options with weight tensors built on `device`; they live in the caller's scope. */
function optionsOf(c: LossCase, device = 'cpu'): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(c.options).map(([key, value]) => [
      key,
      typeof value === 'object' && value !== null ? tensorOn(value as TensorData, device) : value,
    ]),
  );
}

function targetOf(c: LossCase, device = 'cpu'): Tensor {
  return tensorOn(c.target, device, c.target.requiresGrad);
}

/**
 * The loss and the gradients of input and target on `device`, against PyTorch's. Losses sum over a
 * batch in another order than PyTorch, and the class losses cancel (softmax - q), so values are
 * held to rtol 1e-5 and gradients additionally to an absolute floor of 2 ulp of the largest
 * gradient term, as the op parity tests do.
 */
async function checkLossCase(c: LossCase, device: string): Promise<void> {
  const checks = torch.scope(() => {
    const input = tensorOn(c.input, device, true);
    const operands = operandsOf(c, device);
    const target = targetOf(c, device);
    const loss = lossFunction(c)(input, ...operands, target, optionsOf(c, device));
    expect(loss.device).toBe(device);
    const found = [check('loss', loss, c.expected.loss, { rtol: 1e-5, atol: 1e-7 })];
    const leaves = c.target.requiresGrad ? [input, ...operands, target] : [input, ...operands];
    const grads = torch.autograd.grad(loss, leaves, { gradOutputs: [tensorOn(c.gradOutput, device)] });
    const expectedGrads = [c.expected.gradInput, ...(c.expected.gradOperands ?? []), c.expected.gradTarget];
    const largest = Math.max(...expectedGrads.flatMap((g) => (g ? [largestMagnitude(g)] : [])), 1e-3);
    const gradients = { rtol: 1e-5, atol: 2 ** -22 * largest };
    found.push(check('gradient of input', grads[0]!, c.expected.gradInput, gradients));
    (c.expected.gradOperands ?? []).forEach((expected, i) =>
      found.push(check(`gradient of operand ${i + 1}`, grads[1 + i]!, expected, gradients)),
    );
    if (c.expected.gradTarget) found.push(check('gradient of target', grads[grads.length - 1]!, c.expected.gradTarget, gradients));
    return found;
  });
  await expectChecks(checks);
}

for (const device of devices) {
  describe(`losses match PyTorch 1.13 (${device})`, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => checkLossCase(c, device));
  });
}

describe('loss gradients pass a finite-difference check', () => {
  // A step of 1e-2: summed losses reach ~30, where float32 rounding (2e-6) over the default step
  // of 1e-3 would be noise of 1e-3 in the difference quotient; truncation error stays near 1e-4.
  // Except for binaryCrossEntropy and klDiv, whose logs of probabilities near 0 curve too much for that step.
  it.each(cases.filter((c) => c.gradcheck !== false).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const input = tensorOn(c.input, 'cpu', true);
    const target = targetOf(c);
    const options = optionsOf(c);
    const tensors = [input, ...operandsOf(c), target];
    expect(
      await torch.autograd.gradcheck((...args) => lossFunction(c)(...args, options), tensors, {
        eps: c.fn === 'binaryCrossEntropy' || c.fn === 'klDiv' ? 1e-3 : 1e-2,
      }),
    ).toBe(true);
  });
});

const int32 = (values: torch.NestedArray) => torch.tensor(values, { dtype: 'int32' });

describe('loss doc examples', () => {
  it('give the values their comments state', () => {
    torch.scope(() => {
      expect(F.mseLoss(torch.tensor([1, 2]), torch.tensor([1, 4])).itemSync()).toBe(2);
      expect(F.nllLoss(torch.tensor([[-0.5, -1.2, -2.0]]), int32([1])).itemSync()).toBeCloseTo(1.2, 6);
      expect(F.binaryCrossEntropy(torch.tensor([0.8, 0.1]), torch.tensor([1, 0])).itemSync()).toBeCloseTo(0.1643, 4);
      expect(F.binaryCrossEntropyWithLogits(torch.tensor([2, -1]), torch.tensor([1, 0])).itemSync()).toBeCloseTo(0.2201, 4);
      const logits = torch.tensor(
        [
          [2.0, 0.5, -1.0],
          [0.1, 0.2, 3.0],
        ],
        { requiresGrad: true },
      );
      expect(F.crossEntropy(logits, int32([0, 2])).itemSync()).toBeCloseTo(0.1755, 4);
    });
  });
});

describe('loss graphs', () => {
  it('record one node per loss, straight onto the input', () => {
    torch.scope(() => {
      const logits = torch.randn([4, 5], { requiresGrad: true });
      const probabilities = torch.rand([4, 5]);
      const labels = int32([0, 3, 1, 4]);
      const nodes: [Tensor, string][] = [
        [F.crossEntropy(logits, labels, { labelSmoothing: 0.1, weight: torch.rand([5]) }), 'CrossEntropyLossBackward0'],
        [F.nllLoss(logits, labels), 'NllLossBackward0'],
        [F.mseLoss(logits, probabilities), 'MseLossBackward0'],
        [F.l1Loss(logits, probabilities), 'L1LossBackward0'],
        [F.binaryCrossEntropy(probabilities.requiresGrad_(), torch.rand([4, 5])), 'BinaryCrossEntropyBackward0'],
        [F.binaryCrossEntropyWithLogits(logits, probabilities, { posWeight: torch.rand([5]) }), 'BinaryCrossEntropyWithLogitsBackward0'],
      ];
      for (const [loss, name] of nodes) {
        expect(loss.gradFn!.name).toBe(name);
        const edge = loss.gradFn!.edges[0];
        expect(edge !== null && 'leaf' in edge).toBe(true);
      }
    });
  });

  for (const device of devices) {
    it(`free every temporary: forward and backward leave only the gradient (${device})`, async () => {
      const logits = torch.randn([16, 10], { requiresGrad: true, device });
      const labels = torch.randint(0, 10, [16], { dtype: 'int32', device });
      const weight = torch.rand([10], { device });
      const run = () =>
        torch.scope(() => {
          F.crossEntropy(logits, labels, { weight, labelSmoothing: 0.2 }).backward();
          F.binaryCrossEntropyWithLogits(logits, torch.rand([16, 10], { device }), { posWeight: weight }).backward();
          F.binaryCrossEntropy(logits.sigmoid(), torch.rand([16, 10], { device })).backward();
        });
      run();
      await logits.grad!.data();
      const before = torch.memory();
      for (let i = 0; i < 5; i++) run();
      await logits.grad!.data();
      expectNoGrowth(device, before);
    });
  }
});

describe('loss modules', () => {
  it('compute their functional form with the options they were built with', () => {
    torch.scope(() => {
      const logits = torch.randn([6, 4]);
      const labels = int32([0, 1, 2, 3, -100, 1]);
      const weight = torch.tensor([1, 2, 0.5, 1]);
      const same = (a: Tensor, b: Tensor) => expect(a.tolistSync()).toEqual(b.tolistSync());
      same(
        new nn.CrossEntropyLoss({ weight, labelSmoothing: 0.1, reduction: 'none' }).forward(logits, labels),
        F.crossEntropy(logits, labels, { weight, labelSmoothing: 0.1, reduction: 'none' }),
      );
      same(new nn.CrossEntropyLoss(weight).forward(logits, labels), F.crossEntropy(logits, labels, { weight }));
      same(
        new nn.NLLLoss({ ignoreIndex: 1, reduction: 'sum' }).forward(logits, labels.clamp(0, 3)),
        F.nllLoss(logits, labels.clamp(0, 3), { ignoreIndex: 1, reduction: 'sum' }),
      );
      const probabilities = logits.sigmoid();
      const targets = torch.rand([6, 4]);
      same(new nn.MSELoss({ reduction: 'sum' }).forward(logits, targets), F.mseLoss(logits, targets, { reduction: 'sum' }));
      same(new nn.L1Loss().forward(logits, targets), F.l1Loss(logits, targets));
      same(new nn.BCELoss(weight).forward(probabilities, targets), F.binaryCrossEntropy(probabilities, targets, { weight }));
      same(
        new nn.BCEWithLogitsLoss({ posWeight: weight }).forward(logits, targets),
        F.binaryCrossEntropyWithLogits(logits, targets, { posWeight: weight }),
      );
    });
  });

  it('hold weights as buffers under PyTorch state-dict names and print as PyTorch does', () => {
    torch.scope(() => {
      const weight = torch.tensor([1, 2, 3]);
      expect(Object.keys(new nn.CrossEntropyLoss({ weight }).stateDict())).toEqual(['weight']);
      expect(Object.keys(new nn.CrossEntropyLoss().stateDict())).toEqual([]);
      const bce = new nn.BCEWithLogitsLoss({ weight, posWeight: torch.tensor([2, 2, 2]) });
      expect(Object.keys(bce.stateDict())).toEqual(['weight', 'pos_weight']);
      expect(bce.posWeight!.tolistSync()).toEqual([2, 2, 2]);
      expect(String(new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }))).toBe('CrossEntropyLoss()');
      expect(String(new nn.MSELoss())).toBe('MSELoss()');
    });
  });

  it('refuse an unknown reduction when built', () => {
    expect(() => new nn.MSELoss({ reduction: 'avg' as 'mean' })).toThrow("MSELoss: reduction must be 'mean', 'sum' or 'none', got \"avg\"");
  });
});

describe('loss errors', () => {
  const logits = torch.randn([3, 5]);

  for (const device of devices) {
    it(`name a class index out of range (${device})`, async () => {
      const on = (values: torch.NestedArray) => int32(values).to(device);
      const x = logits.to(device);
      await expectRaises(device, () => F.crossEntropy(x, on([1, 7, 2])), 'crossEntropy: target 7 is out of bounds for 5 classes');
      await expectRaises(device, () => F.nllLoss(x, on([1, -1, 2])), 'nllLoss: target -1 is out of bounds for 5 classes');
      await expectRaises(
        device,
        () =>
          F.crossEntropy(
            torch.randn([2, 5, 3], { device }),
            on([
              [0, 1, 5],
              [0, 0, 0],
            ]),
          ),
        'crossEntropy: target 5 is out of bounds for 5 classes',
      );
      expect(Number.isFinite(await F.crossEntropy(x, on([1, -100, 2])).item())).toBe(true);
      expect(Number.isFinite(await F.crossEntropy(x, on([1, 3, 2]), { ignoreIndex: 3 }).item())).toBe(true);
    });

    it(`check that binary cross entropy inputs are probabilities (${device})`, async () => {
      const target = torch.tensor([1, 0], { device });
      const message =
        'binaryCrossEntropy: all elements of input should be between 0 and 1 (1 of 2 are not); apply sigmoid first, or use binaryCrossEntropyWithLogits on the logits';
      await expectRaises(device, () => F.binaryCrossEntropy(torch.tensor([0.5, 1.5], { device }), target), message);
      await expectRaises(device, () => F.binaryCrossEntropy(torch.tensor([0.5, NaN], { device }), target), message);
      await expectRaises(
        device,
        () => F.binaryCrossEntropy(torch.tensor([-1, 2], { device }), target),
        message.replace('(1 of 2', '(2 of 2'),
      );
      expect(await F.binaryCrossEntropy(torch.tensor([1, 0], { device }), target).item()).toBe(0);
    });
  }

  it('refuse float class indices, and int probabilities', () => {
    expect(() => F.crossEntropy(logits, torch.tensor([1, 0, 2]))).toThrow(
      /crossEntropy: target must hold int32 class indices of shape \[3\], got float32 of shape \[3\]; class probabilities are a float32 target of the input's shape \[3, 5\]/,
    );
    expect(() => F.nllLoss(logits, torch.tensor([1, 0, 2]))).toThrow(
      'nllLoss: target must hold int32 class indices of shape [3], got float32 of shape [3]',
    );
    expect(() => F.crossEntropy(logits, torch.zeros([3, 5], { dtype: 'int32' }))).toThrow(
      "crossEntropy: a target of the input's shape [3, 5] holds class probabilities and must be float32, got int32",
    );
  });

  it('name the target shape expected, with a hint for one sample given a (1, C) input', () => {
    expect(() => F.crossEntropy(torch.randn([1, 5]), torch.tensor(2, { dtype: 'int32' }))).toThrow(
      'crossEntropy: expected a target of shape [1] for input of shape [1, 5], got []; for one sample pass target.unsqueeze(0), or an unbatched input of shape [5]',
    );
    expect(F.crossEntropy(torch.randn([5]), torch.tensor(2, { dtype: 'int32' })).shape).toEqual([]);
    expect(() =>
      F.crossEntropy(
        torch.randn([2, 4, 3]),
        int32([
          [0, 1],
          [2, 3],
        ]),
      ),
    ).toThrow('crossEntropy: expected a target of shape [2, 3] for input of shape [2, 4, 3], got [2, 2]');
    expect(() => F.crossEntropy(logits, int32([0, 1]))).toThrow(
      'crossEntropy: expected a target of shape [3] for input of shape [3, 5], got [2]',
    );
    expect(() => F.crossEntropy(torch.tensor(1), int32(0))).toThrow(
      'crossEntropy: input must have shape (C) or (N, C, d1, ...), got a 0-d tensor',
    );
  });

  it('check the options', () => {
    const labels = int32([0, 1, 2]);
    expect(() => F.crossEntropy(logits, labels, { weight: torch.ones([3]) })).toThrow(
      'crossEntropy: weight must hold one value per class, shape [5], got shape [3]',
    );
    expect(() => F.crossEntropy(logits, labels, { labelSmoothing: 1.5 })).toThrow(
      'crossEntropy: labelSmoothing must be between 0.0 and 1.0, got 1.5',
    );
    expect(() => F.crossEntropy(logits, labels, { reduction: 'avg' as 'mean' })).toThrow(
      "crossEntropy: reduction must be 'mean', 'sum' or 'none', got \"avg\"",
    );
    expect(() => F.crossEntropy(logits, torch.rand([3, 5]), { ignoreIndex: 1 })).toThrow(
      'crossEntropy: ignoreIndex (1) is not supported with class-probability targets',
    );
    expect(() => F.crossEntropy(logits, labels, { weight: torch.ones([5], { requiresGrad: true }) })).toThrow(
      "crossEntropy: the loss is not differentiable with respect to 'weight', which requires grad; pass weight.detach()",
    );
    expect(() => F.binaryCrossEntropyWithLogits(logits, torch.rand([3, 5]), { posWeight: torch.ones([4]) })).toThrow(
      'binaryCrossEntropyWithLogits: the shapes of input [3, 5] and posWeight [4] cannot be broadcast together',
    );
  });

  it('check binary cross entropy shapes and dtypes', () => {
    expect(() => F.binaryCrossEntropy(torch.tensor([0.5, 0.2]), torch.tensor([[1, 0]]))).toThrow(
      'binaryCrossEntropy: target shape [1, 2] must be the same as input shape [2]',
    );
    expect(() => F.binaryCrossEntropyWithLogits(torch.tensor([0.5, 0.2]), torch.tensor([1, 0], { dtype: 'int32' }))).toThrow(
      "binaryCrossEntropyWithLogits: argument 'target' must have dtype float32, got int32",
    );
  });

  it('broadcast a regression target of another shape, warning once as PyTorch does', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    torch.scope(() => {
      const loss = F.mseLoss(torch.zeros([3, 1]), torch.tensor([1, 2, 3]), { reduction: 'none' });
      expect(loss.shape).toEqual([3, 3]);
      F.mseLoss(torch.zeros([3, 1]), torch.tensor([1, 2, 3]));
    });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('mseLoss: using a target size ([3]) that is different to the input size ([3, 1])');
    warn.mockRestore();
  });
});
