// LBFGS against PyTorch 1.13 (test/fixtures/optim.json, written by test/fixtures/optim_fixtures.py):
// 20 steps with a closure, with and without the strong-Wolfe line search, on cpu and webgpu; the
// closure's forms (sync or async, a tensor or a number); its state dict; errors; memory.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices, expectNoGrowth } from '../helpers/devices.js';
import { type TensorData, tensorOn } from '../helpers/fixtures.js';

type Tensor = torch.Tensor;
const { optim } = torch;

interface Run {
  name: string;
  options: Partial<torch.optim.LBFGSOptions>;
  steps: number[][];
  losses: number[];
  funcEvals: number[];
  nIter: number[];
  float64Gap: number[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8')) as {
  problem: Record<'W0' | 'b0' | 'X' | 'Y', TensorData>;
  lbfgs: Run[];
};

function problem(device = 'cpu') {
  const W = tensorOn(fixture.problem.W0, device, true);
  const b = tensorOn(fixture.problem.b0, device, true);
  const X = tensorOn(fixture.problem.X, device);
  const Y = tensorOn(fixture.problem.Y, device);
  const loss = () => X.matmul(W.t()).add(b).sub(Y).pow(2).mean().add(W.pow(4).sum().mul(0.01));
  return { W, b, loss };
}

/** PyTorch's closure: zero the gradients, evaluate, backward, return the loss (the graph's temporaries freed by the scope). */
function closureFor(opt: torch.optim.LBFGS, loss: () => Tensor): () => Tensor {
  return () =>
    torch.scope(() => {
      opt.zeroGrad();
      const value = loss();
      value.backward();
      return value.detach();
    });
}

async function flatParams(W: Tensor, b: Tensor): Promise<number[]> {
  return [...(await W.data()), ...(await b.data())];
}

/** Norm-wise relative error, as in optimizers.test.ts. */
function relativeError(actual: readonly number[], expected: readonly number[]): number {
  const scale = Math.max(...expected.map(Math.abs));
  return Math.max(...expected.map((e, i) => Math.abs(actual[i] - Math.fround(e)))) / scale;
}

/**
 * The tolerance after each step: 1e-5, or ten times the largest gap so far between PyTorch's own
 * float32 and float64 runs when that is larger. Near the minimum the loss is flat to float32
 * precision over ~1e-4 of parameter space, and the line search and two-loop recursion amplify the
 * rounding of the gradient, so float32 itself determines the trajectory no closer than that gap.
 */
function tolerances(run: Run): number[] {
  let gap = 0;
  return run.float64Gap.map((g) => Math.max(1e-5, 10 * (gap = Math.max(gap, g))));
}

for (const device of devices) {
  describe(`LBFGS matches PyTorch 1.13 over 20 steps (${device})`, () => {
    it.each(fixture.lbfgs.map((run) => [run.name, run] as const))('%s', async (_name, run) => {
      const { W, b, loss } = problem(device);
      const opt = new optim.LBFGS([W, b], run.options);
      const closure = closureFor(opt, loss);
      const tolerance = tolerances(run);
      const excess: number[] = [];
      for (const [i, expected] of run.steps.entries()) {
        const returned = await opt.step(closure);
        // The loss a step returns is from before it moved: the previous step's tolerance applies.
        const lossError = Math.abs(Number(await returned.item()) - run.losses[i]) / run.losses[i];
        const error = relativeError(await flatParams(W, b), expected);
        excess.push(Math.max(lossError / tolerance[Math.max(i - 1, 0)], error / tolerance[i]));
        if (tolerance[i] === 1e-5) {
          // While float32 determines the trajectory, the iteration and evaluation counts are PyTorch's too.
          const state = opt.stateDict().state[0];
          expect([state.funcEvals, state.nIter], `counts after step ${i + 1}`).toEqual([run.funcEvals[i], run.nIter[i]]);
        }
      }
      if (process.env.WEBTORCH_PRINT_ERRORS) console.log(`${device} ${run.name}: error / tolerance ${Math.max(...excess).toFixed(2)}`);
      expect(Math.max(...excess)).toBeLessThanOrEqual(1);
    });
  });
}

/** A closure that returns the loss's value, read asynchronously as on webgpu, and frees the tensor. */
function valueClosure(opt: torch.optim.LBFGS, loss: () => Tensor): () => Promise<number> {
  const closure = closureFor(opt, loss);
  return async () => {
    const value = closure();
    const number = Number(await value.item());
    value.dispose();
    return number;
  };
}

describe('LBFGS', () => {
  it.each(devices)('takes an async closure returning a number, with the same trajectory (%s)', async (device) => {
    const run = fixture.lbfgs.find((r) => r.options.lineSearchFn === 'strong_wolfe')!;
    const a = problem(device);
    const b = problem(device);
    const tensors = new optim.LBFGS([a.W, a.b], run.options);
    const numbers = new optim.LBFGS([b.W, b.b], run.options);
    for (let i = 0; i < 5; i++) {
      const returned = await tensors.step(closureFor(tensors, a.loss));
      expect(await numbers.step(valueClosure(numbers, b.loss))).toBe(Number(await returned.item()));
      expect(await flatParams(b.W, b.b)).toEqual(await flatParams(a.W, a.b));
    }
  });

  it.each(devices)('continues the identical trajectory after a state dict round trip (%s)', async (device) => {
    const options = { lr: 0.5, maxIter: 3, historySize: 2 };
    const first = problem(device);
    const opt = new optim.LBFGS([first.W, first.b], options);
    for (let i = 0; i < 3; i++) await opt.step(valueClosure(opt, first.loss));
    const sd = opt.stateDict();
    expect(Object.keys(sd.state[0]).sort()).toEqual([
      'HDiag',
      'd',
      'funcEvals',
      'nIter',
      'oldDirs',
      'oldStps',
      'prevFlatGrad',
      'prevLoss',
      'ro',
      't',
    ]);
    expect((sd.state[0].d as Tensor).shape).toEqual([15]);
    const second = problem(device);
    torch.noGrad(() => {
      second.W.copy_(first.W);
      second.b.copy_(first.b);
    });
    const resumed = new optim.LBFGS([second.W, second.b], options);
    resumed.loadStateDict(sd);
    expect((resumed.stateDict().state[0].oldDirs as Tensor[])[0]).not.toBe((sd.state[0].oldDirs as Tensor[])[0]);
    for (let i = 0; i < 3; i++) {
      await opt.step(valueClosure(opt, first.loss));
      await resumed.step(valueClosure(resumed, second.loss));
      expect(await flatParams(second.W, second.b)).toEqual(await flatParams(first.W, first.b));
    }
    const wrong = new optim.LBFGS([second.W], options);
    expect(() => wrong.loadStateDict(opt.stateDict())).toThrow('LBFGS.loadStateDict: loaded state dict contains a parameter group');
  });

  it.each(devices)('keeps memory flat over steps, its history bounded by historySize (%s)', async (device) => {
    const { W, b, loss } = problem(device);
    const opt = new optim.LBFGS([W, b], { lr: 0.05, maxIter: 3, historySize: 2 });
    const closure = valueClosure(opt, loss);
    for (let i = 0; i < 3; i++) await opt.step(closure);
    const steady = torch.memory();
    for (let i = 0; i < 10; i++) await opt.step(closure);
    expectNoGrowth(device, steady);
    expect((opt.state.get(W)!.oldDirs as Tensor[]).length).toBe(2);
    opt.dispose();
    expect(torch.memory().tensors).toBeLessThan(steady.tensors);
  });

  it.each(devices)('a closure failing inside the line search leaves the parameters and the state as they were (%s)', async (device) => {
    const { W, b, loss } = problem(device);
    const opt = new optim.LBFGS([W, b], { lineSearchFn: 'strong_wolfe', maxIter: 2 });
    const closure = valueClosure(opt, loss);
    await opt.step(closure);
    const before = await flatParams(W, b);
    const state = { ...opt.state.get(W) };
    let calls = 0;
    // The second evaluation is the line search's first trial point.
    const failing = async () => {
      if (++calls === 2) throw new Error('data loader failed');
      return closure();
    };
    await expect(opt.step(failing)).rejects.toThrow('data loader failed');
    expect(await flatParams(W, b)).toEqual(before);
    expect(opt.state.get(W)).toEqual(state);
  });

  it('refuses what PyTorch refuses, naming the option', async () => {
    const { W, b } = problem();
    expect(() => new optim.LBFGS([{ params: [W] }, { params: [b] }])).toThrow(
      "LBFGS: doesn't support per-parameter options (parameter groups)",
    );
    expect(() => new optim.LBFGS([W]).addParamGroup({ params: [b] })).toThrow(
      "LBFGS: doesn't support per-parameter options (parameter groups)",
    );
    expect(() => new optim.LBFGS([W], { lineSearchFn: 'armijo' as 'strong_wolfe' })).toThrow(
      `LBFGS: only 'strong_wolfe' is supported as lineSearchFn (or null), got "armijo"`,
    );
    expect(() => new optim.LBFGS([W], { maxIter: 0 })).toThrow('LBFGS: maxIter must be a positive integer, got 0');
    expect(() => new optim.LBFGS([W], { historySize: 2.5 })).toThrow('LBFGS: historySize must be a positive integer, got 2.5');
    expect(() => new optim.LBFGS([W], { lr: -1 })).toThrow('LBFGS: invalid learning rate value: -1 (must be >= 0)');
    expect(() => new optim.LBFGS([W], { line_search_fn: 'strong_wolfe' } as never)).toThrow(
      "LBFGS: unknown option 'line_search_fn'; did you mean 'lineSearchFn'?",
    );
    expect(new optim.LBFGS([W], { maxIter: 10 }).paramGroups[0].maxEval).toBe(12);
    await expect(new optim.LBFGS([W]).step(undefined as never)).rejects.toThrow(
      'LBFGS.step: a closure that re-evaluates the model and returns the loss is required',
    );
  });
});
