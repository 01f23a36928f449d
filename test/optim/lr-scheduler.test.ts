// Learning-rate schedules against PyTorch 1.13 (test/fixtures/optim.json, written by
// test/fixtures/optim_fixtures.py): StepLR, ExponentialLR, CosineAnnealingLR (recursive form, also
// checked against the closed form) and ReduceLROnPlateau, with optimizers on cpu and webgpu (a
// metric on webgpu is passed as its value); LambdaLR, MultiplicativeLR, MultiStepLR, ConstantLR,
// LinearLR, CosineAnnealingWarmRestarts, CyclicLR and OneCycleLR (with the momentum or beta1 they
// cycle, and the parameters of the training they drive), SequentialLR and ChainedScheduler; plus
// state dicts and errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';
import { type TensorData, tensorOn } from '../helpers/fixtures.js';

const { optim } = torch;
const { lrScheduler } = optim;

interface Schedule {
  name: string;
  scheduler: 'StepLR' | 'ExponentialLR' | 'CosineAnnealingLR';
  args: number[];
  options: Record<string, number>;
  groups: number[];
  lrs: number[][];
}

interface Plateau {
  name: string;
  options: Record<string, unknown>;
  metrics: number[];
  lrs: number[][];
}

interface SchedulerSpec {
  type: string;
  args?: unknown[];
  options?: Record<string, unknown>;
  schedulers?: SchedulerSpec[];
}

interface ScheduleRun {
  name: string;
  optimizer: 'SGD' | 'Adam';
  optimizerOptions: Record<string, unknown>;
  groups: number[];
  scheduler: SchedulerSpec;
  lrs: number[][];
  momentum: number[][] | null;
  params: number[][] | null;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8')) as {
  schedulers: Schedule[];
  plateau: Plateau[];
  scheduleRuns: ScheduleRun[];
  problem: Record<'W0' | 'b0' | 'X' | 'Y', TensorData>;
};

/** The fixture script's LAMBDAS, by name. */
const LAMBDAS: Record<string, (x: number) => number> = {
  pow095: (epoch) => 0.95 ** epoch,
  inverse: (epoch) => 1 / (epoch + 1),
  thirds: (epoch) => Math.floor(epoch / 3) + 1,
  constant09: () => 0.9,
  halfOnEven: (epoch) => (epoch % 2 === 0 ? 0.5 : 1),
  decay08: (x) => 0.8 ** x,
};

type AnyScheduler = {
  step(): void;
  getLastLr(): number[];
  stateDict(): Record<string, unknown>;
  loadStateDict(state: Record<string, unknown>): void;
};

function buildScheduler(opt: AnyOptimizer, spec: SchedulerSpec): AnyScheduler {
  if (spec.type === 'SequentialLR')
    return new lrScheduler.SequentialLR(
      opt,
      spec.schedulers!.map((s) => buildScheduler(opt, s) as torch.optim.lrScheduler.LRScheduler),
      spec.options!.milestones as number[],
    );
  if (spec.type === 'ChainedScheduler')
    return new lrScheduler.ChainedScheduler(spec.schedulers!.map((s) => buildScheduler(opt, s) as torch.optim.lrScheduler.LRScheduler));
  const usesLambdas = spec.type === 'LambdaLR' || spec.type === 'MultiplicativeLR';
  const args = (spec.args ?? []).map((arg) =>
    !usesLambdas ? arg : Array.isArray(arg) ? arg.map((name) => LAMBDAS[name as string]) : LAMBDAS[arg as string],
  );
  const options = { ...spec.options };
  if (typeof options.scaleFn === 'string') options.scaleFn = LAMBDAS[options.scaleFn];
  const Scheduler = lrScheduler[spec.type as 'StepLR'] as unknown as new (opt: AnyOptimizer, ...rest: unknown[]) => AnyScheduler;
  return new Scheduler(opt, ...args, options);
}

type AnyOptimizer = torch.optim.Optimizer<torch.optim.OptimizerOptions>;

/** SGD with one parameter group per learning rate, its parameters on `device`. */
function optimizerWith(lrs: readonly number[], device = 'cpu'): torch.optim.SGD {
  return new optim.SGD(
    lrs.map((lr) => ({ params: [torch.zeros([1], { requiresGrad: true, device })], lr })),
    { lr: lrs[0] },
  );
}

function scheduler(s: Schedule, opt: AnyOptimizer): torch.optim.lrScheduler.LRScheduler {
  const Scheduler = lrScheduler[s.scheduler] as unknown as new (
    opt: AnyOptimizer,
    arg: number,
    options: unknown,
  ) => torch.optim.lrScheduler.LRScheduler;
  return new Scheduler(opt, s.args[0], s.options);
}

/** Learning rates are doubles on both sides; Math.cos and libm's cos may differ in the last bit. */
function expectRates(actual: readonly number[], expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i])).toBeLessThanOrEqual(1e-12 * Math.abs(expected[i])));
}

for (const device of devices) {
  describe(`learning-rate schedules match PyTorch 1.13, stepping an optimizer on ${device}`, () => {
    it.each(fixture.schedulers.map((s) => [s.name, s] as const))('%s', (_name, s) => {
      const opt = optimizerWith(s.groups, device);
      const sched = scheduler(s, opt);
      const history = [sched.getLastLr()];
      for (let epoch = 0; epoch < s.lrs.length - 1; epoch++) {
        opt.step();
        sched.step();
        history.push(sched.getLastLr());
        expect(opt.paramGroups.map((g) => g.lr)).toEqual(sched.getLastLr());
      }
      history.forEach((lrs, epoch) => expectRates(lrs, s.lrs[epoch]));
    });

    it.each(fixture.plateau.map((p) => [p.name, p] as const))('%s', async (_name, p) => {
      const opt = optimizerWith([0.1, 0.04], device);
      const sched = new lrScheduler.ReduceLROnPlateau(opt, p.options);
      for (const [epoch, metric] of p.metrics.entries()) {
        // A metric tensor is read at once on the CPU; from webgpu the caller passes its value.
        const value = torch.tensor(metric, { device });
        sched.step(epoch % 2 === 0 ? metric : device === 'cpu' ? value : Number(await value.item()));
        expectRates(sched.getLastLr(), p.lrs[epoch]);
      }
    });
  });
}

/** The fixture's problem with one parameter per group: W and b for two groups, their concatenation for one. */
function trainingProblem(groups: number, device: string) {
  const X = tensorOn(fixture.problem.X, device);
  const Y = tensorOn(fixture.problem.Y, device);
  const lossOf = (W: torch.Tensor, b: torch.Tensor) => X.matmul(W.t()).add(b).sub(Y).pow(2).mean().add(W.pow(4).sum().mul(0.01));
  if (groups === 2) {
    const [W, b] = [tensorOn(fixture.problem.W0, device, true), tensorOn(fixture.problem.b0, device, true)];
    return { params: [W, b], loss: () => lossOf(W, b) };
  }
  const flat = torch.cat([tensorOn(fixture.problem.W0, device).reshape([-1]), tensorOn(fixture.problem.b0, device)]).requiresGrad_(true);
  return { params: [flat], loss: () => lossOf(flat.narrow(0, 0, 12).reshape([3, 4]), flat.narrow(0, 12, 3)) };
}

function momentumOf(group: Record<string, unknown>): number {
  return 'betas' in group ? (group.betas as number[])[0] : (group.momentum as number);
}

for (const device of devices) {
  describe(`scheduler runs match PyTorch 1.13 over 20 steps, training on ${device}`, () => {
    it.each(fixture.scheduleRuns.map((r) => [r.name, r] as const))('%s', async (_name, run) => {
      const { params, loss } = trainingProblem(run.groups.length, device);
      const Optimizer = optim[run.optimizer] as unknown as new (params: unknown, options: unknown) => AnyOptimizer;
      const opt = new Optimizer(
        params.map((p, i) => ({ params: [p], lr: run.groups[i] })),
        run.optimizerOptions,
      );
      const sched = buildScheduler(opt, run.scheduler);
      const momentum = () => opt.paramGroups.map((g) => momentumOf(g as unknown as Record<string, unknown>));
      expectRates(sched.getLastLr(), run.lrs[0]);
      if (run.momentum) expectRates(momentum(), run.momentum[0]);
      for (let step = 1; step < run.lrs.length; step++) {
        torch.scope(() => {
          opt.zeroGrad();
          loss().backward();
          opt.step();
        });
        sched.step();
        expectRates(sched.getLastLr(), run.lrs[step]);
        expect(opt.paramGroups.map((g) => g.lr)).toEqual(sched.getLastLr());
        if (run.momentum) expectRates(momentum(), run.momentum[step]);
        if (run.params) {
          const actual = (await Promise.all(params.map((p) => p.data()))).flatMap((data) => [...data]);
          const expected = run.params[step - 1];
          const scale = Math.max(...expected.map(Math.abs));
          expect(Math.max(...expected.map((e, i) => Math.abs(actual[i] - Math.fround(e)))) / scale).toBeLessThanOrEqual(1e-5);
        }
      }
    });
  });
}

describe('learning-rate schedules', () => {
  it("CosineAnnealingLR's recursive form equals the closed form over three periods", () => {
    const [tMax, etaMin, base] = [6, 0.001, 0.1];
    const opt = optimizerWith([base]);
    const sched = new lrScheduler.CosineAnnealingLR(opt, tMax, { etaMin });
    for (let epoch = 1; epoch <= 3 * 2 * tMax; epoch++) {
      sched.step();
      const closed = etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * epoch) / tMax))) / 2;
      expect(Math.abs(sched.getLastLr()[0] - closed)).toBeLessThanOrEqual(1e-15);
    }
  });
});

describe('scheduler state', () => {
  it('records initialLr in the groups and resumes from lastEpoch', () => {
    const opt = optimizerWith([0.1]);
    const sched = new lrScheduler.StepLR(opt, 2, { gamma: 0.5 });
    for (let i = 0; i < 3; i++) sched.step();
    expect(opt.paramGroups[0].initialLr).toBe(0.1);
    expect(opt.stateDict().paramGroups[0].initialLr).toBe(0.1);
    const resumed = new lrScheduler.StepLR(opt, 2, { gamma: 0.5, lastEpoch: 3 });
    resumed.step();
    expect(resumed.getLastLr()).toEqual([0.025]);
  });

  it('continues identically after a state dict round trip', () => {
    const make = () => {
      const opt = optimizerWith([0.2, 0.05]);
      return { opt, sched: new lrScheduler.CosineAnnealingLR(opt, 5, { etaMin: 0.01 }) };
    };
    const first = make();
    for (let i = 0; i < 7; i++) first.sched.step();
    const second = make();
    second.opt.loadStateDict(first.opt.stateDict());
    second.sched.loadStateDict(first.sched.stateDict());
    expect(Object.keys(first.sched.stateDict()).sort()).toEqual(['baseLrs', 'etaMin', 'lastEpoch', 'lastLr', 'stepCount', 'tMax']);
    for (let i = 0; i < 10; i++) {
      first.sched.step();
      second.sched.step();
      expect(second.sched.getLastLr()).toEqual(first.sched.getLastLr());
    }
  });

  it('ReduceLROnPlateau round-trips its counters', () => {
    const metrics = [1, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 1, 1.01];
    const a = new lrScheduler.ReduceLROnPlateau(optimizerWith([0.1]), { patience: 1, cooldown: 1 });
    metrics.slice(0, 4).forEach((m) => a.step(m));
    const optB = optimizerWith([0.1]);
    optB.loadStateDict(a.optimizer.stateDict());
    const b = new lrScheduler.ReduceLROnPlateau(optB);
    b.loadStateDict(a.stateDict());
    for (const m of metrics.slice(4)) {
      a.step(m);
      b.step(m);
      expect(b.getLastLr()).toEqual(a.getLastLr());
    }
  });
});

describe('scheduler errors', () => {
  it('name the problem', () => {
    const opt = optimizerWith([0.1]);
    expect(() => new lrScheduler.StepLR({} as AnyOptimizer, 2)).toThrow('StepLR: Object is not an Optimizer');
    expect(() => new lrScheduler.StepLR(opt, 0)).toThrow('StepLR: stepSize must be a positive integer, got 0');
    expect(() => new lrScheduler.ExponentialLR(optimizerWith([0.1]), 0.9, { lastEpoch: 4 })).toThrow(
      "ExponentialLR: param 'initialLr' is not specified in paramGroups[0] when resuming an optimizer",
    );
    expect(() => new lrScheduler.ReduceLROnPlateau(opt, { factor: 1 })).toThrow('ReduceLROnPlateau: factor should be < 1.0, got 1');
    expect(() => new lrScheduler.ReduceLROnPlateau(opt, { mode: 'lowest' as 'min' })).toThrow(
      `ReduceLROnPlateau: mode must be 'min' or 'max', got "lowest"`,
    );
    expect(() => new lrScheduler.ReduceLROnPlateau(opt, { minLr: [0.1, 0.2] })).toThrow(
      'ReduceLROnPlateau: expected 1 minLr values (one per parameter group), got 2',
    );
  });

  it.skipIf(!devices.includes('webgpu'))(
    'ReduceLROnPlateau refuses a metric tensor on webgpu, saying to pass its value, and changes nothing',
    () => {
      const sched = new lrScheduler.ReduceLROnPlateau(optimizerWith([0.1], 'webgpu'), { patience: 0 });
      sched.step(1);
      const state = sched.stateDict();
      expect(() => sched.step(torch.tensor(2, { device: 'webgpu' }))).toThrow(
        'ReduceLROnPlateau.step: metric is a tensor on webgpu, which cannot be read synchronously; pass its value: sched.step(await metric.item())',
      );
      expect(sched.stateDict()).toEqual(state);
    },
  );
});

describe('the schedulers added for issue 11', () => {
  /** Two runs of `make`, the second resumed from the first's state dicts at `at`, step identically after. */
  function expectRoundTrip(make: () => { opt: AnyOptimizer; sched: AnyScheduler }, at = 7): void {
    const first = make();
    for (let i = 0; i < at; i++) first.sched.step();
    const second = make();
    second.opt.loadStateDict(first.opt.stateDict());
    second.sched.loadStateDict(first.sched.stateDict());
    for (let i = 0; i < 10; i++) {
      first.sched.step();
      second.sched.step();
      expect(second.sched.getLastLr()).toEqual(first.sched.getLastLr());
      expect(second.opt.paramGroups.map((g) => momentumOf(g as unknown as Record<string, unknown>))).toEqual(
        first.opt.paramGroups.map((g) => momentumOf(g as unknown as Record<string, unknown>)),
      );
    }
  }

  const sgd = () =>
    new optim.SGD(
      [
        { params: [torch.zeros([1], { requiresGrad: true })], lr: 0.1 },
        { params: [torch.zeros([1], { requiresGrad: true })], lr: 0.05 },
      ],
      { lr: 0.1, momentum: 0.9 },
    );

  it('continue identically after a state dict round trip, nested schedulers included; functions are not state', () => {
    expectRoundTrip(() => {
      const opt = sgd();
      return {
        opt,
        sched: new lrScheduler.SequentialLR(
          opt,
          [new lrScheduler.LinearLR(opt, { totalIters: 3 }), new lrScheduler.CosineAnnealingWarmRestarts(opt, 3, { tMult: 2 })],
          [4],
        ),
      };
    });
    expectRoundTrip(() => {
      const opt = sgd();
      return {
        opt,
        sched: new lrScheduler.ChainedScheduler([
          new lrScheduler.MultiStepLR(opt, [2, 9]),
          new lrScheduler.LambdaLR(opt, (epoch) => 1 / (epoch + 1)),
        ]),
      };
    });
    expectRoundTrip(() => {
      const opt = sgd();
      return { opt, sched: new lrScheduler.CyclicLR(opt, 0.01, 0.1, { stepSizeUp: 3, scaleFn: (x) => 0.5 ** x }) };
    });
    expectRoundTrip(() => {
      const opt = new optim.NAdam([torch.zeros([1], { requiresGrad: true })]);
      return { opt, sched: new lrScheduler.OneCycleLR(opt, 0.1, { totalSteps: 20, threePhase: true }) };
    });
    const opt = sgd();
    const state = new lrScheduler.LambdaLR(opt, [() => 1, () => 2]).stateDict();
    expect(state.lrLambdas).toBeUndefined();
    const sequential = new lrScheduler.SequentialLR(
      opt,
      [new lrScheduler.ConstantLR(opt), new lrScheduler.ExponentialLR(opt, 0.9)],
      [2],
    ).stateDict();
    expect(Object.keys(sequential).sort()).toEqual(['lastEpoch', 'lastLr', 'milestones', 'schedulers']);
    expect((sequential.schedulers as Record<string, unknown>[])[1].gamma).toBe(0.9);
  });

  it('CosineAnnealingWarmRestarts jumps to a fractional epoch with step(epoch), as for steps within an epoch', () => {
    const opt = optimizerWith([0.1]);
    const sched = new lrScheduler.CosineAnnealingWarmRestarts(opt, 2, { tMult: 2 });
    sched.step(3.5);
    // Epoch 3.5 is 1.5 into the second period, of length 4.
    expect(sched.tI).toBe(4);
    expect(sched.tCur).toBe(1.5);
    expectRates(sched.getLastLr(), [(0.1 * (1 + Math.cos((Math.PI * 1.5) / 4))) / 2]);
    expect(sched.lastEpoch).toBe(3);
  });

  it('refuse misuse with errors naming the scheduler and the value', () => {
    const opt = optimizerWith([0.1, 0.05]);
    const adam = new optim.Adam([torch.zeros([1], { requiresGrad: true })]);
    expect(() => new lrScheduler.LambdaLR(opt, [() => 1])).toThrow('LambdaLR: expected 2 lrLambdas (one per parameter group), got 1');
    expect(() => new lrScheduler.MultiplicativeLR(opt, 0.9 as never)).toThrow(
      'MultiplicativeLR: lrLambda must be a function of the epoch, got number',
    );
    expect(() => new lrScheduler.MultiStepLR(opt, [2.5])).toThrow('MultiStepLR: milestones must be an array of integer epochs, got [2.5]');
    expect(() => new lrScheduler.ConstantLR(opt, { factor: 2 })).toThrow('ConstantLR: factor expected to be between 0 and 1, got 2');
    expect(() => new lrScheduler.LinearLR(opt, { endFactor: -0.5 })).toThrow(
      'LinearLR: endFactor expected to be between 0 and 1, got -0.5',
    );
    expect(() => new lrScheduler.LinearLR(opt, { start_factor: 0.5 } as never)).toThrow(
      "LinearLR: unknown option 'start_factor'; did you mean 'startFactor'?",
    );
    expect(() => new lrScheduler.CosineAnnealingWarmRestarts(opt, 0)).toThrow(
      'CosineAnnealingWarmRestarts: expected a positive integer t0, got 0',
    );
    expect(() => new lrScheduler.CosineAnnealingWarmRestarts(opt, 5, { tMult: 1.5 })).toThrow(
      'CosineAnnealingWarmRestarts: expected an integer tMult >= 1, got 1.5',
    );
    expect(() => new lrScheduler.CosineAnnealingWarmRestarts(opt, 5).step(-1)).toThrow(
      'CosineAnnealingWarmRestarts.step: expected a non-negative epoch, got -1',
    );
    expect(() => new lrScheduler.CyclicLR(adam, 0.01, 0.1)).toThrow(
      'CyclicLR: optimizer must support momentum with the cycleMomentum option enabled; Adam has no momentum option (pass cycleMomentum: false)',
    );
    expect(() => new lrScheduler.CyclicLR(opt, [0.01], 0.1)).toThrow(
      'CyclicLR: expected 2 values for baseLr (one per parameter group), got 1',
    );
    expect(() => new lrScheduler.CyclicLR(opt, 0.01, 0.1, { mode: 'sine' as 'triangular' })).toThrow(
      `CyclicLR: mode must be 'triangular', 'triangular2' or 'exp_range' (or give scaleFn), got "sine"`,
    );
    expect(() => new lrScheduler.OneCycleLR(opt, 0.1)).toThrow(
      'OneCycleLR: you must define either totalSteps or (epochs and stepsPerEpoch)',
    );
    expect(() => new lrScheduler.OneCycleLR(opt, 0.1, { totalSteps: 0 })).toThrow(
      'OneCycleLR: expected a positive integer totalSteps, got 0',
    );
    expect(() => new lrScheduler.OneCycleLR(opt, 0.1, { epochs: 2, stepsPerEpoch: 1.5 })).toThrow(
      'OneCycleLR: expected a positive integer stepsPerEpoch, got 1.5',
    );
    expect(() => new lrScheduler.OneCycleLR(opt, 0.1, { totalSteps: 10, pctStart: 1.2 })).toThrow(
      'OneCycleLR: expected pctStart between 0 and 1, got 1.2',
    );
    expect(() => new lrScheduler.OneCycleLR(opt, 0.1, { totalSteps: 10, annealStrategy: 'exp' as 'cos' })).toThrow(
      `OneCycleLR: annealStrategy must be 'cos' or 'linear', got "exp"`,
    );
    expect(
      () => new lrScheduler.OneCycleLR(new optim.Adagrad([torch.zeros([1], { requiresGrad: true })]), 0.1, { totalSteps: 10 }),
    ).toThrow('OneCycleLR: optimizer must support momentum with the cycleMomentum option enabled; Adagrad has neither momentum nor betas');
    const other = optimizerWith([0.1, 0.05]);
    expect(() => new lrScheduler.SequentialLR(opt, [new lrScheduler.StepLR(opt, 2), new lrScheduler.StepLR(other, 2)], [3])).toThrow(
      'SequentialLR: expects all schedulers to belong to the same optimizer, but schedulers[1] drives another one',
    );
    expect(() => new lrScheduler.SequentialLR(opt, [new lrScheduler.StepLR(opt, 2), new lrScheduler.StepLR(opt, 2)], [3, 5])).toThrow(
      'SequentialLR: expects one milestone fewer than schedulers, got 2 schedulers and 2 milestones',
    );
    expect(() => new lrScheduler.SequentialLR(opt, [new lrScheduler.ReduceLROnPlateau(opt) as never], [])).toThrow(
      'SequentialLR: schedulers[0] is not an epoch-based learning-rate scheduler (an object of class ReduceLROnPlateau)',
    );
    expect(() => new lrScheduler.ChainedScheduler([new lrScheduler.StepLR(opt, 2), new lrScheduler.StepLR(other, 2)])).toThrow(
      'ChainedScheduler: expects all schedulers to belong to the same optimizer, but schedulers[1] drives another one',
    );
    expect(() => new lrScheduler.ChainedScheduler([])).toThrow(
      'ChainedScheduler: schedulers must be a non-empty array of learning-rate schedulers',
    );
  });

  it('OneCycleLR refuses a step past totalSteps and changes nothing', () => {
    const opt = new optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
    const sched = new lrScheduler.OneCycleLR(opt, 0.1, { totalSteps: 3 });
    for (let i = 0; i < 3; i++) sched.step();
    const state = sched.stateDict();
    const group = { ...opt.paramGroups[0] };
    expect(() => sched.step()).toThrow('OneCycleLR.step: tried to step 5 times; the specified number of total steps is 3');
    expect(sched.stateDict()).toEqual(state);
    expect(opt.paramGroups[0]).toEqual(group);
  });
});
