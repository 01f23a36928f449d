// Parameter trajectories of every optimizer and option against PyTorch 1.13 (test/fixtures/optim.json,
// written by test/fixtures/optim_fixtures.py) on cpu and webgpu, the state dict layout and round
// trip (both devices), per-group options, zeroGrad, argument errors, and memory staying flat over a
// long run.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices, expectNoGrowth } from '../helpers/devices.js';
import { type TensorData, tensorOn } from '../helpers/fixtures.js';

type Tensor = torch.Tensor;
const { optim } = torch;

interface Trajectory {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'Adagrad' | 'RMSprop' | 'NAdam' | 'RAdam' | 'Adamax' | 'Adadelta';
  options: Record<string, unknown>;
  groups: ({ params: ('W' | 'b')[] } & Record<string, unknown>)[] | null;
  steps: number[][];
}

interface Fixture {
  problem: Record<'W0' | 'b0' | 'X' | 'Y', TensorData>;
  trajectories: Trajectory[];
  stateDictKeys: Record<string, { state: string[]; group: string[] }>;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8')) as Fixture;

type AnyOptimizer = torch.optim.Optimizer<torch.optim.OptimizerOptions>;

/** The fixture's problem on `device`: W (3x4) and b (3) from W0 and b0; loss = mean((X @ W.T + b - Y)^2) + 0.01 * sum(W^4). */
function problem(device = 'cpu') {
  const W = tensorOn(fixture.problem.W0, device, true);
  const b = tensorOn(fixture.problem.b0, device, true);
  const X = tensorOn(fixture.problem.X, device);
  const Y = tensorOn(fixture.problem.Y, device);
  const loss = () => X.matmul(W.t()).add(b).sub(Y).pow(2).mean().add(W.pow(4).sum().mul(0.01));
  return { W, b, loss, params: { W, b } };
}

function makeOptimizer(t: Trajectory, params: { W: Tensor; b: Tensor }): AnyOptimizer {
  const Optimizer = optim[t.optimizer] as unknown as new (params: unknown, options: unknown) => AnyOptimizer;
  const groups = t.groups ? t.groups.map((g) => ({ ...g, params: g.params.map((name) => params[name]) })) : [params.W, params.b];
  return new Optimizer(groups, t.options);
}

/** One training step the PyTorch way; the scope frees the loss and the graph's temporaries. */
function trainStep(opt: AnyOptimizer, loss: () => Tensor): void {
  torch.scope(() => {
    opt.zeroGrad();
    loss().backward();
    opt.step();
  });
}

async function flatParams(W: Tensor, b: Tensor): Promise<number[]> {
  return [...(await W.data()), ...(await b.data())];
}

/**
 * Norm-wise relative error, max |ours - PyTorch| / max |PyTorch| over one step's parameters: an
 * element-wise bound means nothing for a parameter crossing 0 on its way, where PyTorch and
 * webtorch, a few ulp of 1 apart, are many ulp of the element itself apart.
 */
function relativeError(actual: readonly number[], expected: readonly number[]): number {
  const scale = Math.max(...expected.map(Math.abs));
  return Math.max(...expected.map((e, i) => Math.abs(actual[i] - Math.fround(e)))) / scale;
}

for (const device of devices) {
  describe(`optimizer trajectories match PyTorch 1.13 over 20 steps (${device})`, () => {
    it.each(fixture.trajectories.map((t) => [t.name, t] as const))('%s', async (_name, t) => {
      const { W, b, loss, params } = problem(device);
      const opt = makeOptimizer(t, params);
      const errors: number[] = [];
      for (const expected of t.steps) {
        trainStep(opt, loss);
        errors.push(relativeError(await flatParams(W, b), expected));
      }
      expect(W.device).toBe(device);
      if (process.env.WEBTORCH_PRINT_ERRORS) console.log(`${device} ${t.name}: ${Math.max(...errors).toExponential(2)}`);
      expect(Math.max(...errors)).toBeLessThanOrEqual(1e-5);
    });
  });
}

const OPTIMIZERS = ['SGD', 'Adam', 'AdamW', 'Adagrad', 'RMSprop', 'NAdam', 'RAdam', 'Adamax', 'Adadelta'] as const;

/** Options that give each optimizer all of its state (momentum buffers, AMSGrad maxima, centered averages). */
const FULL_STATE: Record<(typeof OPTIMIZERS)[number], Record<string, unknown>> = {
  SGD: { lr: 0.1, momentum: 0.9 },
  Adam: { amsgrad: true },
  AdamW: {},
  Adagrad: {},
  RMSprop: { momentum: 0.9, centered: true },
  NAdam: {},
  RAdam: {},
  Adamax: {},
  Adadelta: {},
};

function build(name: (typeof OPTIMIZERS)[number], params: Tensor[], options = FULL_STATE[name]): AnyOptimizer {
  const Optimizer = optim[name] as unknown as new (params: unknown, options: unknown) => AnyOptimizer;
  return new Optimizer(params, options);
}

describe('optimizer state dicts', () => {
  it.each(OPTIMIZERS)('%s has the keys of PyTorch 1.13, camelCased', (name) => {
    const { W, b, loss } = problem();
    const opt = build(name, [W]);
    trainStep(opt, loss);
    const sd = opt.stateDict();
    expect(Object.keys(sd.state[0]).sort()).toEqual(fixture.stateDictKeys[name].state);
    expect(Object.keys(sd.paramGroups[0]).sort()).toEqual(fixture.stateDictKeys[name].group);
    expect(sd.paramGroups[0].params).toEqual([0]);
    opt.dispose();
    for (const t of [W, b]) t.dispose();
  });

  it.each(OPTIMIZERS.flatMap((name) => devices.map((device) => [name, device] as const)))(
    '%s continues the identical trajectory after a round trip mid-training (%s)',
    async (name, device) => {
      const first = problem(device);
      const opt = build(name, [first.W, first.b]);
      for (let i = 0; i < 7; i++) trainStep(opt, first.loss);
      // A second run from the same point: parameters copied, state loaded from the first optimizer.
      const second = problem(device);
      torch.noGrad(() => {
        second.W.copy_(first.W);
        second.b.copy_(first.b);
      });
      const resumed = build(name, [second.W, second.b], { lr: 123 });
      resumed.loadStateDict(opt.stateDict());
      expect(resumed.paramGroups[0].lr).toBe(opt.paramGroups[0].lr);
      for (let i = 0; i < 8; i++) {
        trainStep(opt, first.loss);
        trainStep(resumed, second.loss);
        expect(await flatParams(second.W, second.b)).toEqual(await flatParams(first.W, first.b));
      }
      // The loaded state is a copy: the two optimizers own separate tensors.
      const [mine, theirs] = [opt.stateDict().state[0], resumed.stateDict().state[0]];
      for (const key of Object.keys(mine)) {
        if (!(mine[key] instanceof torch.Tensor)) continue;
        expect(mine[key]).not.toBe(theirs[key]);
        expect((theirs[key] as Tensor).device).toBe(device);
      }
    },
  );

  it('refuses a state dict of other groups or shapes', () => {
    const { W, b } = problem();
    const opt = new optim.Adam([W, b]);
    const grouped = new optim.Adam([{ params: [W] }, { params: [b] }]);
    expect(() => grouped.loadStateDict(opt.stateDict())).toThrow(
      'Adam.loadStateDict: loaded state dict has 1 parameter groups, the optimizer has 2',
    );
    const single = new optim.Adam([torch.zeros([3], { requiresGrad: true })]);
    expect(() => single.loadStateDict(opt.stateDict())).toThrow(
      "Adam.loadStateDict: loaded state dict contains a parameter group that doesn't match the size of optimizer's group (group 0: 2 vs 1 params)",
    );
    const swapped = new optim.Adam([b, W]);
    torch.scope(() => {
      W.grad = torch.keep(torch.onesLike(W));
      b.grad = torch.keep(torch.onesLike(b));
      opt.step();
    });
    expect(() => swapped.loadStateDict(opt.stateDict())).toThrow(
      'Adam.loadStateDict: state[0].expAvg has shape [3, 4], but parameter 0 has shape [3]',
    );
  });

  it('frees the state it replaces, and dispose frees the rest', () => {
    const { W, b, loss } = problem();
    const opt = new optim.Adam([W, b], { amsgrad: true });
    trainStep(opt, loss);
    const withState = torch.memory();
    opt.loadStateDict(opt.stateDict());
    expect(torch.memory()).toEqual(withState);
    opt.dispose();
    expect(torch.memory().tensors).toBe(withState.tensors - 6);
  });
});

describe('optimizer behaviour', () => {
  it('zeroGrad zeroes gradients in place by default, frees them with setToNone', () => {
    const { W, b, loss } = problem();
    const opt = new optim.SGD([W, b], { lr: 0.1 });
    torch.scope(() => loss().backward());
    const grad = W.grad!;
    opt.zeroGrad();
    expect(W.grad).toBe(grad);
    expect(W.grad!.abs().sum().itemSync()).toBe(0);
    opt.zeroGrad({ setToNone: true });
    expect(W.grad).toBeNull();
    expect(grad.isDisposed).toBe(true);
  });

  it('step skips parameters without a gradient and returns the closure loss', () => {
    const { W, b, loss } = problem();
    const opt = new optim.Adam([W, b]);
    const before = b.tolistSync();
    const value = opt.step(() => {
      const l = loss();
      l.backward();
      b.grad!.dispose();
      b.grad = null;
      return l.itemSync();
    });
    expect(typeof value).toBe('number');
    expect(b.tolistSync()).toEqual(before);
    expect(opt.state.has(b)).toBe(false);
    expect(opt.state.get(W)!.step).toBe(1);
  });

  it('takes per-group options over the defaults, and addParamGroup later', () => {
    const { W, b } = problem();
    const extra = torch.zeros([2], { requiresGrad: true });
    const opt = new optim.SGD([{ params: [W], lr: 0.5 }, { params: [b] }], { lr: 0.1, momentum: 0.9 });
    opt.addParamGroup({ params: [extra], momentum: 0 });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([
      [0.5, 0.9],
      [0.1, 0.9],
      [0.1, 0],
    ]);
    expect(new optim.AdamW([W]).paramGroups[0].weightDecay).toBe(0.01);
  });

  it('creates Adagrad state at construction, as PyTorch does', () => {
    const { W } = problem();
    const opt = new optim.Adagrad([W], { initialAccumulatorValue: 0.25 });
    expect(opt.stateDict().state[0].step).toBe(0);
    expect((opt.stateDict().state[0].sum as Tensor).tolistSync()).toEqual(new Array(3).fill(new Array(4).fill(0.25)));
  });

  it('refuses bad parameters and options with PyTorch messages', () => {
    const { W, b } = problem();
    expect(() => new optim.Adam([])).toThrow('Adam: optimizer got an empty parameter list');
    expect(() => new optim.Adam(W as unknown as Tensor[])).toThrow(
      'Adam: params must be an iterable of Tensors or of parameter groups ({ params, ...options }), got a Tensor',
    );
    expect(() => new optim.Adam([W.mul(2)])).toThrow("Adam: can't optimize a non-leaf Tensor (params[0], shape [3, 4])");
    expect(() => new optim.Adam([{ params: [W] }, { params: [W, b] }])).toThrow(
      'Adam: some parameters appear in more than one parameter group',
    );
    expect(() => new optim.SGD([W])).toThrow('SGD: lr is required');
    expect(() => new optim.SGD([W], { lr: -1 })).toThrow('SGD: invalid learning rate value: -1 (must be >= 0)');
    expect(() => new optim.SGD([W], { lr: 0.1, nesterov: true })).toThrow('SGD: Nesterov momentum requires a momentum and zero dampening');
    expect(() => new optim.Adam([W], { betas: [0.9, 1] })).toThrow('Adam: invalid beta parameter at index 1: 1 (must be in [0, 1))');
    expect(() => new optim.AdamW([W], { eps: -1 })).toThrow('AdamW: invalid epsilon value: -1 (must be >= 0)');
    expect(() => new optim.RMSprop([W], { alpha: -0.5 })).toThrow('RMSprop: invalid alpha value: -0.5 (must be >= 0)');
    expect(() => new optim.Adagrad([W], { lrDecay: -0.5 })).toThrow('Adagrad: invalid lrDecay value: -0.5 (must be >= 0)');
    expect(() => new optim.NAdam([W], { momentumDecay: -1 })).toThrow('NAdam: invalid momentumDecay value: -1 (must be >= 0)');
    expect(() => new optim.NAdam([W], { betas: [1.5, 0.999] })).toThrow(
      'NAdam: invalid beta parameter at index 0: 1.5 (must be in [0, 1))',
    );
    expect(() => new optim.NAdam([W], { maximize: true } as never)).toThrow("NAdam: unknown option 'maximize'");
    expect(() => new optim.RAdam([W], { lr: -0.1 })).toThrow('RAdam: invalid learning rate value: -0.1 (must be >= 0)');
    expect(() => new optim.RAdam([W], { weight_decay: 0.1 } as never)).toThrow(
      "RAdam: unknown option 'weight_decay'; did you mean 'weightDecay'?",
    );
    expect(() => new optim.Adamax([W], { eps: -1e-8 })).toThrow('Adamax: invalid epsilon value: -1e-8 (must be >= 0)');
    expect(() => new optim.Adamax([{ params: [W], betas: [0.9, -0.1] }])).toThrow(
      'Adamax: invalid beta parameter at index 1: -0.1 (must be in [0, 1))',
    );
    expect(() => new optim.Adadelta([W], { rho: 1.5 })).toThrow('Adadelta: invalid rho value: 1.5 (must be in [0, 1])');
    expect(() => new optim.Adadelta([W], { weightDecay: -1 })).toThrow('Adadelta: invalid weightDecay value: -1 (must be >= 0)');
  });
});

describe('optimizers keep memory flat', () => {
  it('200 Adam steps leave the same tensors and bytes after every step', () => {
    const { W, b, loss } = problem();
    const opt = new optim.Adam([W, b], { amsgrad: true, weightDecay: 0.01 });
    trainStep(opt, loss);
    const steady = torch.memory();
    for (let i = 1; i < 200; i++) {
      trainStep(opt, loss);
      const now = torch.memory();
      if (now.tensors !== steady.tensors || now.bytes.cpu !== steady.bytes.cpu) expect({ step: i, ...now }).toEqual({ step: i, ...steady });
    }
    expect(torch.memory()).toEqual(steady);
  });

  it.each(OPTIMIZERS.flatMap((name) => devices.map((device) => [name, device] as const)))(
    '%s: 50 steps with its full state leave memory flat (%s)',
    async (name, device) => {
      const { W, b, loss } = problem(device);
      const opt = build(name, [W, b]);
      trainStep(opt, loss);
      await W.data();
      const steady = torch.memory();
      for (let i = 1; i < 50; i++) trainStep(opt, loss);
      await W.data();
      expectNoGrowth(device, steady);
    },
  );
});
