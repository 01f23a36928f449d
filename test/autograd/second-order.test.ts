// Second-order autograd (createGraph): gradgradcheck of every differentiable op family on each
// device, grad-of-grad, Hessian-vector product and gradient-penalty values against PyTorch 1.13
// (test/fixtures/second_order.json), the createGraph bookkeeping (.grad with a gradFn,
// retainGraph's default, the first-order path unchanged) and the recurrent layers' refusal.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices, expectNoGrowth } from '../helpers/devices.js';

type Tensor = torch.Tensor;
const F = torch.nn.functional;

interface TensorData {
  shape: number[];
  data: number[];
}
interface FixtureCase {
  inputs: Record<string, TensorData>;
  expected: Record<string, TensorData>;
}
const fixtures = (
  JSON.parse(readFileSync(new URL('../fixtures/second_order.json', import.meta.url), 'utf8')) as { cases: Record<string, FixtureCase> }
).cases;

/** Deterministic values in [-1, 1), spread so that no two are within a finite-difference step. */
function uniform(device: string, shape: number[], seed: number, requiresGrad = true): Tensor {
  let state = seed >>> 0;
  const count = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
  return torch.tensor(values, { device }).reshape(shape).requiresGrad_(requiresGrad);
}

function classes(device: string, values: number[]): Tensor {
  return torch.tensor(values, { dtype: 'int32', device });
}

function fromFixture(spec: TensorData, device: string, requiresGrad = false): Tensor {
  return torch.tensor(Float32Array.from(spec.data), { device }).reshape(spec.shape).requiresGrad_(requiresGrad);
}

async function expectClose(actual: Tensor | null, expected: TensorData, tolerance = 1e-4): Promise<void> {
  expect(actual).not.toBeNull();
  expect(actual!.shape).toEqual(expected.shape);
  const values = await actual!.data();
  expected.data.forEach((v, i) => expect(values[i]).toBeCloseTo(v, -Math.log10(tolerance)));
}

/** A family's functions of freshly made inputs, each checked by gradgradcheck. */
type Case = [name: string, make: (device: string) => { fn: (...xs: Tensor[]) => Tensor | Tensor[]; inputs: Tensor[] }];

const CASES: Case[] = [
  [
    'unary',
    (d) => ({
      fn: (x) => x.tanh().pow(3).add(x.sigmoid().mul(x.exp())).add(x.sin()).sub(x.square().add(1).log()),
      inputs: [uniform(d, [2, 3], 1)],
    }),
  ],
  [
    'unary (sqrt, rsqrt, reciprocal, erf)',
    (d) => ({
      fn: (x) => x.square().add(0.5).sqrt().add(x.square().add(1).rsqrt()).add(x.add(2).reciprocal()).add(x.erf()),
      inputs: [uniform(d, [5], 2)],
    }),
  ],
  [
    // relu's backward is a recorded op of its own, differentiable in the gradient it passes.
    'relu',
    (d) => ({
      fn: (x, w) => x.mul(w).relu().pow(3).add(x.relu().mul(w)),
      inputs: [uniform(d, [2, 3], 9), uniform(d, [3], 10)],
    }),
  ],
  [
    'binary (mul, div, sub, pow)',
    (d) => ({
      fn: (a, b) =>
        a
          .mul(b)
          .sub(a.div(b.square().add(1)))
          .add(a.square().add(0.5).pow(b)),
      inputs: [uniform(d, [2, 3], 3), uniform(d, [3], 4)],
    }),
  ],
  [
    'activations',
    (d) => ({ fn: (x) => F.silu(x).add(F.softplus(x)).add(F.elu(x)).add(F.mish(x)).add(F.logsigmoid(x)), inputs: [uniform(d, [6], 5)] }),
  ],
  [
    'reductions',
    (d) => ({
      fn: (x) => [x.square().sum(1), x.exp().mean(0), x.logsumexp(1), x.var(1), x.std(0), x.add(2).prod(1), x.norm(2, 1)],
      inputs: [uniform(d, [3, 4], 6)],
    }),
  ],
  ['matmul', (d) => ({ fn: (a, b) => a.matmul(b).tanh(), inputs: [uniform(d, [2, 3, 4], 7), uniform(d, [4, 2], 8)] })],
  [
    'linear',
    (d) => ({ fn: (x, w, b) => F.linear(x, w, b).sigmoid(), inputs: [uniform(d, [3, 4], 9), uniform(d, [2, 4], 10), uniform(d, [2], 11)] }),
  ],
  ['softmax and logSoftmax', (d) => ({ fn: (x) => [x.softmax(-1), x.logSoftmax(0)], inputs: [uniform(d, [3, 4], 12)] })],
  [
    'layerNorm',
    (d) => ({ fn: (x, w, b) => F.layerNorm(x, [4], w, b), inputs: [uniform(d, [3, 4], 13), uniform(d, [4], 14), uniform(d, [4], 15)] }),
  ],
  [
    'batchNorm (training)',
    (d) => ({
      fn: (x, w, b) => F.batchNorm(x, null, null, w, b, true),
      inputs: [uniform(d, [4, 3, 2], 16), uniform(d, [3], 17), uniform(d, [3], 18)],
    }),
  ],
  [
    'batchNorm (evaluation)',
    (d) => ({
      fn: (x, w, b) => F.batchNorm(x, uniform(d, [3], 19, false), uniform(d, [3], 20, false).abs(), w, b, false).square(),
      inputs: [uniform(d, [4, 3], 21), uniform(d, [3], 22), uniform(d, [3], 23)],
    }),
  ],
  [
    'groupNorm',
    (d) => ({ fn: (x, w, b) => F.groupNorm(x, 2, w, b), inputs: [uniform(d, [2, 4, 3], 24), uniform(d, [4], 25), uniform(d, [4], 26)] }),
  ],
  [
    'conv2d',
    (d) => ({
      fn: (x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 1 }).tanh(),
      inputs: [uniform(d, [1, 2, 5, 5], 27), uniform(d, [2, 2, 3, 3], 28), uniform(d, [2], 29)],
    }),
  ],
  [
    'convTranspose2d (stride, padding, outputPadding)',
    (d) => ({
      fn: (x, w, b) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }).tanh(),
      inputs: [uniform(d, [1, 2, 3, 3], 90), uniform(d, [2, 2, 3, 3], 91), uniform(d, [2], 92)],
    }),
  ],
  [
    'convTranspose1d (unbatched, groups, dilation)',
    (d) => ({
      fn: (x, w) => F.convTranspose1d(x, w, null, { groups: 2, dilation: 2 }).square(),
      inputs: [uniform(d, [4, 3], 93), uniform(d, [4, 1, 2], 94)],
    }),
  ],
  [
    'conv1d (groups, dilation)',
    (d) => ({
      fn: (x, w) => F.conv1d(x, w, null, { dilation: 2, groups: 2 }).square(),
      inputs: [uniform(d, [2, 4, 6], 30), uniform(d, [2, 2, 2], 31)],
    }),
  ],
  ['maxPool2d', (d) => ({ fn: (x) => F.maxPool2d(x.tanh(), 2, { stride: 1 }).square(), inputs: [uniform(d, [1, 2, 3, 4], 32)] })],
  ['maxPool1d', (d) => ({ fn: (x) => F.maxPool1d(x, 3, { stride: 2, padding: 1 }).exp(), inputs: [uniform(d, [2, 7], 33)] })],
  [
    'avgPool2d and adaptiveAvgPool2d',
    (d) => ({
      fn: (x) => [F.avgPool2d(x.square(), 2, { padding: 1 }), F.adaptiveAvgPool2d(x, 2).exp()],
      inputs: [uniform(d, [1, 2, 3, 3], 34)],
    }),
  ],
  [
    'views (narrow, select, basic index, cat)',
    (d) => ({
      fn: (x) => [x.narrow(1, 1, 2).square(), torch.cat([x.select(0, 1).exp().unsqueeze(0), x.index(2).tanh().unsqueeze(0)], 0)],
      inputs: [uniform(d, [3, 4], 59)],
    }),
  ],
  [
    'gather, indexSelect, scatter',
    (d) => ({
      fn: (x, s) => [
        x.gather(1, classes(d, [0, 2, 2, 1, 3, 0]).reshape([3, 2])).square(),
        x.indexSelect(0, classes(d, [2, 0, 2])).exp(),
        x.scatter(1, classes(d, [1, 3, 0]).reshape([3, 1]), s.square()),
      ],
      inputs: [uniform(d, [3, 4], 60), uniform(d, [3, 1], 61)],
    }),
  ],
  ['sort and topk', (d) => ({ fn: (x) => [x.sort(1).values.square(), x.topk(2, 0).values.exp()], inputs: [uniform(d, [3, 4], 62)] })],
  ['mseLoss', (d) => ({ fn: (x, t) => F.mseLoss(x.tanh(), t), inputs: [uniform(d, [3, 2], 35), uniform(d, [3, 2], 36)] })],
  [
    'l1Loss and smoothL1Loss',
    (d) => ({
      fn: (x, t) => [F.l1Loss(x.square(), t), F.smoothL1Loss(x, t, { beta: 0.5 })],
      inputs: [uniform(d, [6], 37), uniform(d, [6], 38)],
    }),
  ],
  [
    'crossEntropy',
    (d) => ({ fn: (x) => F.crossEntropy(x, classes(d, [0, 2, 1]), { labelSmoothing: 0.1 }), inputs: [uniform(d, [3, 4], 39)] }),
  ],
  [
    'crossEntropy (probabilities)',
    (d) => ({
      fn: (x, t) => F.crossEntropy(x, t.softmax(-1), { labelSmoothing: 0.2, weight: uniform(d, [3], 47, false).exp() }),
      inputs: [uniform(d, [2, 3], 40), uniform(d, [2, 3], 41)],
    }),
  ],
  [
    'nllLoss',
    (d) => ({ fn: (x) => F.nllLoss(x.logSoftmax(1), classes(d, [1, 0, 3]), { reduction: 'sum' }), inputs: [uniform(d, [3, 4], 42)] }),
  ],
  [
    'binaryCrossEntropy',
    (d) => ({ fn: (x, t) => F.binaryCrossEntropy(x.sigmoid(), t.sigmoid()), inputs: [uniform(d, [5], 43), uniform(d, [5], 44)] }),
  ],
  [
    'binaryCrossEntropyWithLogits',
    (d) => ({ fn: (x, t) => F.binaryCrossEntropyWithLogits(x, t.sigmoid()), inputs: [uniform(d, [5], 45), uniform(d, [5], 46)] }),
  ],
  [
    'scans (cumsum, cumprod with a zero)',
    (d) => ({
      fn: (x) =>
        x
          .cumsum(1)
          .square()
          .add(x.cumprod(1).mul(3))
          .add(x.mul(torch.tensor([[1, 0, 1, 1]], { device: d })).cumprod(1)),
      inputs: [uniform(d, [2, 4], 47)],
    }),
  ],
  [
    'einsum (contraction and diagonal)',
    (d) => ({
      fn: (a, b) => torch.einsum('ij,jk->ik', a.tanh(), b).add(torch.einsum('ii->i', a.narrow(1, 0, 3)).sum()),
      inputs: [uniform(d, [3, 4], 48), uniform(d, [4, 2], 49)],
    }),
  ],
];

describe.each(devices)('second order on %s', (device) => {
  describe('gradgradcheck', () => {
    for (const [name, make] of CASES) {
      it(name, async () => {
        const { fn, inputs } = make(device);
        expect(await torch.autograd.gradgradcheck(fn, inputs)).toBe(true);
      });
    }
  });
});

describe.each(devices)('createGraph values against PyTorch on %s', (device) => {
  it('d2/dx2 of sum(tanh(x)^3): grad, then grad of its sum', async () => {
    const c = fixtures.tanhCubed;
    const x = fromFixture(c.inputs.x, device, true);
    const [g] = torch.autograd.grad(x.tanh().pow(3).sum(), x, { createGraph: true });
    expect(g!.gradFn).not.toBeNull();
    await expectClose(g, c.expected.grad);
    const [second] = torch.autograd.grad(g!.sum(), x);
    await expectClose(second, c.expected.secondGrad);
  });

  it("a small MLP's Hessian-vector product", async () => {
    const c = fixtures.mlpHvp;
    const input = (name: string, requiresGrad = false) => fromFixture(c.inputs[name], device, requiresGrad);
    const params = ['w1', 'b1', 'w2', 'b2'].map((name) => input(name, true));
    const [w1, b1, w2, b2] = params;
    const loss = F.mseLoss(F.linear(F.linear(input('x'), w1, b1).tanh(), w2, b2), input('target'));
    const grads = torch.autograd.grad(loss, params, { createGraph: true });
    const vectors = ['vW1', 'vB1', 'vW2', 'vB2'].map((name) => input(name));
    const dot = grads.map((g, i) => g!.mul(vectors[i]).sum()).reduce((a, b) => a.add(b));
    const hvp = torch.autograd.grad(dot, params);
    for (const [i, name] of ['hvpW1', 'hvpB1', 'hvpW2', 'hvpB2'].entries()) await expectClose(hvp[i], c.expected[name]);
  });

  it("WGAN-GP's gradient penalty backpropagated to the critic's weights", async () => {
    const c = fixtures.gradientPenalty;
    const [x, w1, b1, w2, b2] = ['x', 'w1', 'b1', 'w2', 'b2'].map((name) => fromFixture(c.inputs[name], device, true));
    const critic = F.linear(F.leakyRelu(F.linear(x, w1, b1), 0.2), w2, b2);
    const [dx] = torch.autograd.grad(critic.sum(), x, { createGraph: true });
    const penalty = dx!.norm(2, 1).sub(1).pow(2).mean();
    penalty.backward();
    await expectClose(penalty, c.expected.penalty);
    await expectClose(w1.grad, c.expected.gradW1);
    await expectClose(w2.grad, c.expected.gradW2);
    // PyTorch gives b1 zeros: its leakyRelu backward is an op of the pre-activation, whose
    // derivative (of the slope mask) is 0. Here the mask is a constant, so b1, which only moves
    // the mask, gets no gradient at all.
    expect(c.expected.gradB1.data.every((v) => v === 0)).toBe(true);
    expect(b1.grad).toBeNull();
    expect(b2.grad).toBeNull();
  });
});

describe.each(devices)('createGraph bookkeeping on %s', (device) => {
  it('backward({ createGraph }) leaves a .grad with a gradFn, accumulated out of place', async () => {
    const x = uniform(device, [3], 50);
    x.pow(3).sum().backward({ createGraph: true });
    const first = x.grad!;
    expect(first.gradFn?.name).toBe('CloneBackward0');
    x.square().sum().backward(undefined, { createGraph: true });
    expect(x.grad).not.toBe(first);
    expect(x.grad!.gradFn?.name).toBe('AddBackward0');
    const [second] = torch.autograd.grad(x.grad!.sum(), x);
    // d/dx of (3x^2 + 2x) summed: 6x + 2.
    const values = await x.data();
    expect(Array.from(await second!.data())).toEqual(Array.from(values, (v) => expect.closeTo(6 * v + 2, 4)));
  });

  it('retainGraph defaults to createGraph: a second backward through the same graph works', async () => {
    const x = uniform(device, [4], 51);
    const y = x.exp().sum();
    const [g] = torch.autograd.grad(y, x, { createGraph: true });
    const [again] = torch.autograd.grad(y, x);
    await expectClose(again, { shape: [4], data: Array.from(await g!.data()) });
    expect(() => torch.autograd.grad(y, x)).toThrow('trying to backward through the graph a second time');
  });

  it('without createGraph the gradients have no graph, and a second derivative says why', () => {
    const x = uniform(device, [3], 52);
    const [g] = torch.autograd.grad(x.pow(3).sum(), x);
    expect(g!.gradFn).toBeNull();
    expect(g!.requiresGrad).toBe(false);
    expect(() => torch.autograd.grad(g!.sum(), x)).toThrow('element 0 of tensors does not require grad');
  });

  it('the composed createGraph formulas give the fused first-order gradients', async () => {
    const x = uniform(device, [4, 3, 2], 53);
    const w = uniform(device, [3], 54);
    const fns: ((v: Tensor) => Tensor)[] = [
      (v) => v.softmax(1).mul(v).sum(),
      (v) => v.logSoftmax(-1).exp().mul(v).sum(),
      (v) => F.layerNorm(v, [3, 2]).mul(v).sum(),
      (v) => F.batchNorm(v, null, null, w, null, true).mul(v).sum(),
      (v) => F.crossEntropy(v.reshape([8, 3]), classes(device, [0, 1, 2, 0, 1, 2, 2, 1])),
      (v) =>
        F.conv1d(v, w.reshape([1, 3, 1]))
          .mul(v.sum(1, true))
          .sum(),
      (v) => F.maxPool1d(v, 2).add(F.avgPool1d(v, 2)).mul(v.sum(-1, true)).sum(),
    ];
    for (const fn of fns) {
      const [fused] = torch.autograd.grad(fn(x), [x, w], { allowUnused: true });
      const [composed] = torch.autograd.grad(fn(x), [x, w], { allowUnused: true, createGraph: true });
      await expectClose(composed, { shape: [...fused!.shape], data: Array.from(await fused!.data()) }, 1e-5);
    }
  });

  it('frees what a grad-of-grad made once its results are disposed', async () => {
    const x = uniform(device, [2, 3], 55);
    const w = uniform(device, [3, 3], 56);
    const before = torch.memory();
    torch
      .scope(() => {
        const [g] = torch.autograd.grad(x.matmul(w).tanh().softmax(-1).sum(), x, { createGraph: true });
        return torch.autograd.grad(g!.square().sum(), [x, w]);
      })
      .forEach((t) => t?.dispose());
    expectNoGrowth(device, before);
  });

  it.each([
    ['LSTM', 'LstmLayerBackward0', (x: Tensor) => new torch.nn.LSTM(3, 4).to(device).forward(x)[0]],
    ['GRU', 'GruLayerBackward0', (x: Tensor) => new torch.nn.GRU(3, 4).to(device).forward(x)[0]],
    ['RNN', 'RnnTanhLayerBackward0', (x: Tensor) => new torch.nn.RNN(3, 4).to(device).forward(x)[0]],
  ] as const)('nn.%s refuses createGraph before doing any work', (name, node, run) => {
    const x = uniform(device, [5, 2, 3], 57);
    const output = run(x);
    const loss = output.square().sum();
    const message = `createGraph is not supported through ${node}: nn.${name} and nn.${name}Cell run a fused backward kernel`;
    expect(() => torch.autograd.grad(loss, x, { createGraph: true })).toThrow(`autograd.grad: ${message}`);
    expect(() => loss.backward(undefined, { createGraph: true })).toThrow(`backward: ${message}`);
    expect(x.grad).toBeNull();
    loss.backward();
    expect(x.grad).not.toBeNull();
  });

  it('advanced indexing refuses createGraph', () => {
    const x = uniform(device, [4, 3], 63);
    const picked = x.index(classes(device, [0, 2]));
    expect(() => torch.autograd.grad(picked.square().sum(), x, { createGraph: true })).toThrow(
      'autograd.grad: createGraph is not supported through IndexBackward0: advanced indexing and indexPut',
    );
  });

  it('an in-place write into a view refuses createGraph', () => {
    const x = uniform(device, [4], 58);
    const y = x.mul(1);
    y.narrow(0, 1, 2).mul_(3);
    expect(() => torch.autograd.grad(y.square().sum(), x, { createGraph: true })).toThrow(
      'autograd.grad: createGraph is not supported through CopySlices: an in-place write into a view',
    );
  });
});
