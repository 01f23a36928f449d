// `optim.LBFGS`, with its closure and strong-Wolfe line search.
import { enableGrad, noGrad } from '../graph/grad-mode.js';
import { keep, scope } from '../memory.js';
import { zerosLike } from '../ops/creation.js';
import { mul, sub } from '../ops/elementwise.js';
import { neg } from '../ops/unary.js';
import { cat, stack } from '../ops/views.js';
import { checkOptions } from '../options.js';
import type { Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkAtLeastZero, checkUpdate, Optimizer, type ParamGroupInput, type ParamState } from './optimizer.js';

export interface LBFGSOptions {
  /** Scales the step along each search direction (the first step of the line search). */
  lr: number;
  /** Iterations per `step`. */
  maxIter: number;
  /** Closure evaluations per `step`; PyTorch's default, maxIter * 5 / 4 rounded down, when not given. */
  maxEval: number;
  /** A step ends when the largest |gradient| element is at most this. */
  toleranceGrad: number;
  /** A step ends when the loss or the parameters change by less than this. */
  toleranceChange: number;
  /** How many past (gradient change, step) pairs approximate the inverse Hessian. */
  historySize: number;
  /** 'strong_wolfe' searches along each direction for a step meeting the strong Wolfe conditions; null steps by lr. */
  lineSearchFn: 'strong_wolfe' | null;
}

/** The closure LBFGS.step takes: it returns the loss, as a tensor or its value, or a promise of either. */
export type LBFGSClosure<Loss extends number | Tensor = number | Tensor> = () => Loss | Promise<Loss>;

/** The defaults, PyTorch's; their keys are the options the constructor accepts. */
const LBFGS_DEFAULTS: LBFGSOptions = {
  lr: 1,
  maxIter: 20,
  maxEval: NaN,
  toleranceGrad: 1e-7,
  toleranceChange: 1e-9,
  historySize: 100,
  lineSearchFn: null,
};

/** The dot product of two vectors, a 0-d tensor. */
function dot(a: Tensor, b: Tensor): Tensor {
  return mul(a, b).sum();
}

/** Reads the scalars `compute` returns (computed in a scope, so its temporaries are freed at once). */
async function readScalars(compute: () => Tensor[]): Promise<number[]> {
  const values = scope(() => stack(compute().map((value) => value.reshape([]))));
  try {
    return [...(await values.data())].map(Number);
  } finally {
    values.dispose();
  }
}

async function lossValue(loss: number | Tensor): Promise<number> {
  return loss instanceof Tensor ? Number(await loss.item()) : Number(loss);
}

/** Frees the tensors of `values` that `survivors` does not hold. */
function disposeExcept(values: Iterable<Tensor | undefined | null>, ...survivors: (Tensor | null | undefined)[]): void {
  for (const value of values) if (value && !survivors.includes(value) && !value.isDisposed) value.dispose();
}

/**
 * Cubic interpolation of two points with values and derivatives: the minimiser within `bounds`
 * (by default the two points), or the middle of the bounds when the cubic has none.
 */
function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [low, high] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 * d1 - g1 * g2;
  if (!(d2Square >= 0)) return (low + high) / 2;
  const d2 = Math.sqrt(d2Square);
  const minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return Math.min(Math.max(minPos, low), high);
}

/** A point of the line search: step length, loss, flat gradient and directional derivative. */
interface Trial {
  t: number;
  f: number;
  g: Tensor;
  gtd: number;
}

/**
 * L-BFGS, as `torch.optim.LBFGS` 1.13: each `step` runs up to maxIter iterations, each finding a
 * direction from the last historySize gradient changes (the two-loop recursion) and moving along
 * it by lr or by a strong-Wolfe line search. It re-evaluates the model many times per step, so
 * `step` takes the closure that does it, and one parameter group only.
 *
 * `step` reads the loss and a few scalars per iteration, which on webgpu is asynchronous, so it
 * returns a promise: `await opt.step(closure)`. The closure may be async too, and may return the
 * loss as a tensor or as its value; its first result is what the promise gives.
 *
 * ```ts
 * const opt = new torch.optim.LBFGS([w], { lineSearchFn: 'strong_wolfe' });
 * const loss = await opt.step(() => {
 *   opt.zeroGrad();
 *   const l = w.sub(3).pow(2).sum();
 *   l.backward();
 *   return l;
 * });
 * ```
 */
export class LBFGS extends Optimizer<LBFGSOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<LBFGSOptions>>, options: Partial<LBFGSOptions> = {}) {
    const given = checkOptions(new.target.name, options, Object.keys(LBFGS_DEFAULTS));
    const maxIter = given.maxIter ?? LBFGS_DEFAULTS.maxIter;
    super(params, { ...LBFGS_DEFAULTS, maxEval: Math.floor((maxIter * 5) / 4), ...given });
  }

  /** PyTorch's LBFGS keeps one parameter group: its state is one set of flat vectors over all parameters. */
  override addParamGroup(group: ParamGroupInput<LBFGSOptions>): void {
    if (this.paramGroups.length > 0) throw new Error("LBFGS: doesn't support per-parameter options (parameter groups)");
    super.addParamGroup(group);
  }

  protected checkOptions(options: LBFGSOptions): void {
    checkAtLeastZero('LBFGS', {
      'learning rate': options.lr,
      toleranceGrad: options.toleranceGrad,
      toleranceChange: options.toleranceChange,
    });
    for (const key of ['maxIter', 'maxEval', 'historySize'] as const) {
      if (!Number.isInteger(options[key]) || options[key] <= 0)
        throw new RangeError(`LBFGS: ${key} must be a positive integer, got ${options[key]}`);
    }
    if (options.lineSearchFn !== null && options.lineSearchFn !== 'strong_wolfe') {
      throw new RangeError(
        `LBFGS: only 'strong_wolfe' is supported as lineSearchFn (or null), got ${JSON.stringify(options.lineSearchFn)}`,
      );
    }
  }

  private get params(): Tensor[] {
    return this.paramGroups[0].params;
  }

  protected override stateShape(): Shape {
    return [this.params.reduce((total, param) => total + param.numel(), 0)];
  }

  /** The gradients as one vector (zeros for a parameter without one), checked before anything changes. */
  private gatherFlatGrad(): Tensor {
    this.params.forEach((param, i) => {
      param.assertAlive('LBFGS.step', `params[${i}]`);
      if (param.grad) checkUpdate('LBFGS.step', param, param.grad, this.state.get(this.params[0]), `paramGroups[0].params[${i}]`);
    });
    return scope(() => cat(this.params.map((param) => (param.grad ?? zerosLike(param)).reshape([-1]))));
  }

  /** params += t * direction, the direction being a flat vector over all parameters. */
  private addGrad(t: number, direction: Tensor): void {
    noGrad(() =>
      scope(() => {
        let offset = 0;
        for (const param of this.params) {
          param.add_(direction.narrow(0, offset, param.numel()).reshape(param.shape), { alpha: t });
          offset += param.numel();
        }
      }),
    );
  }

  /** Runs the closure with grad enabled and returns the loss it gives and its value. */
  private async evaluate<Loss extends number | Tensor>(closure: LBFGSClosure<Loss>): Promise<[loss: Loss, value: number]> {
    const loss = await enableGrad(closure);
    return [loss, await lossValue(loss)];
  }

  /**
   * Up to maxIter L-BFGS iterations (PyTorch's step). Resolves to the closure's first loss; the
   * parameters have then moved. The gradients are checked at every evaluation: when they or the
   * state are unusable (disposed, on another device) at the first, the step rejects having changed
   * nothing; a failure later rejects with the parameters where the finished iterations took them
   * (a line search puts back its trial point) and the state of the step before.
   */
  override async step<Loss extends number | Tensor>(closure: LBFGSClosure<Loss>): Promise<Loss> {
    if (typeof closure !== 'function')
      throw new TypeError(
        'LBFGS.step: a closure that re-evaluates the model and returns the loss is required, as in PyTorch: await opt.step(() => { ... })',
      );
    const group = this.paramGroups[0];
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize } = group;
    const first = this.params[0];
    const saved = this.state.get(first) ?? { funcEvals: 0, nIter: 0 };

    const [origLoss, initialLoss] = await this.evaluate(closure);
    let loss = initialLoss;
    let flatGrad = this.gatherFlatGrad();
    let currentEvals = 1;
    let funcEvals = (saved.funcEvals as number) + 1;
    let stateIter = saved.nIter as number;
    const [maxGrad, sumGrad] = await readScalars(() => [flatGrad.abs().max(), flatGrad.abs().sum()]);
    let optCond = maxGrad <= toleranceGrad;

    let d = (saved.d as Tensor | undefined) ?? null;
    let t = (saved.t as number | undefined) ?? 0;
    const oldDirs = [...((saved.oldDirs as Tensor[] | undefined) ?? [])];
    const oldStps = [...((saved.oldStps as Tensor[] | undefined) ?? [])];
    const ro = [...((saved.ro as number[] | undefined) ?? [])];
    let hDiag = (saved.HDiag as number | undefined) ?? 1;
    let prevFlatGrad = (saved.prevFlatGrad as Tensor | undefined) ?? null;
    let prevLoss = (saved.prevLoss as number | undefined) ?? 0;
    // Tensors the saved state held that this step replaced; freed once the new state is saved.
    const replaced: Tensor[] = [];

    if (!optCond) {
      let nIter = 0;
      while (nIter < maxIter) {
        nIter++;
        stateIter++;
        if (stateIter === 1) {
          if (d) replaced.push(d);
          d = keep(scope(() => neg(flatGrad)));
          replaced.push(...oldDirs.splice(0), ...oldStps.splice(0));
          ro.splice(0);
          hDiag = 1;
        } else {
          const [y, s] = scope(() => [keep(sub(flatGrad, prevFlatGrad!)), keep(mul(d!, t))]);
          const [ys, yy] = await readScalars(() => [dot(y, s), dot(y, y)]);
          if (ys > 1e-10) {
            if (oldDirs.length === historySize) {
              replaced.push(oldDirs.shift()!, oldStps.shift()!);
              ro.shift();
            }
            oldDirs.push(y);
            oldStps.push(s);
            // PyTorch holds these as float32 tensors.
            ro.push(Math.fround(1 / ys));
            hDiag = Math.fround(ys / yy);
          } else {
            y.dispose();
            s.dispose();
          }
          replaced.push(d!);
          d = keep(scope(() => this.direction(flatGrad, oldDirs, oldStps, ro, hDiag)));
        }
        if (prevFlatGrad && !replaced.includes(prevFlatGrad)) replaced.push(prevFlatGrad);
        prevFlatGrad = keep(scope(() => flatGrad.clone()));
        prevLoss = loss;

        // The first step is scaled by the gradient's 1-norm; PyTorch's t is then a float32 tensor.
        const inverseNorm = Math.fround(1 / sumGrad);
        t = stateIter === 1 ? (inverseNorm < 1 ? Math.fround(inverseNorm * lr) : lr) : lr;
        const direction = d!;
        const [gtd] = await readScalars(() => [dot(flatGrad, direction)]);
        if (gtd > -toleranceChange) break;

        let lsFuncEvals = 0;
        if (group.lineSearchFn === 'strong_wolfe') {
          const found = await this.strongWolfe(closure, t, direction, { t: 0, f: loss, g: flatGrad, gtd }, toleranceChange);
          if (found.g !== flatGrad) flatGrad.dispose();
          ({ f: loss, g: flatGrad, t } = found);
          lsFuncEvals = found.evals;
          this.addGrad(t, direction);
          const [maxNew] = await readScalars(() => [flatGrad.abs().max()]);
          optCond = maxNew <= toleranceGrad;
        } else {
          this.addGrad(t, direction);
          if (nIter !== maxIter) {
            // Not at the last iteration: re-evaluating there would only cost time (PyTorch's reasoning, for stochastic losses).
            [, loss] = await this.evaluate(closure);
            flatGrad.dispose();
            flatGrad = this.gatherFlatGrad();
            const [maxNew] = await readScalars(() => [flatGrad.abs().max()]);
            optCond = maxNew <= toleranceGrad;
            lsFuncEvals = 1;
          }
        }
        currentEvals += lsFuncEvals;
        funcEvals += lsFuncEvals;

        if (nIter === maxIter || currentEvals >= maxEval || optCond) break;
        const [change] = await readScalars(() => [mul(direction, t).abs().max()]);
        if (change <= toleranceChange || Math.abs(loss - prevLoss) < toleranceChange) break;
      }
    }
    flatGrad.dispose();
    const state: ParamState = { funcEvals, nIter: stateIter };
    if (d) Object.assign(state, { d, t, oldDirs, oldStps, ro, HDiag: hDiag, prevFlatGrad: prevFlatGrad!, prevLoss });
    this.state.set(first, state);
    disposeExcept(replaced, d, prevFlatGrad, ...oldDirs, ...oldStps);
    return origLoss;
  }

  /** The two-loop recursion: the L-BFGS approximation of the inverse Hessian times -gradient. */
  private direction(flatGrad: Tensor, oldDirs: Tensor[], oldStps: Tensor[], ro: number[], hDiag: number): Tensor {
    const q = neg(flatGrad);
    const al: Tensor[] = [];
    for (let i = oldDirs.length - 1; i >= 0; i--) {
      al[i] = dot(oldStps[i], q).mul(ro[i]);
      q.sub_(mul(oldDirs[i], al[i]));
    }
    const r = q.mul(hDiag);
    for (let i = 0; i < oldDirs.length; i++) {
      const be = dot(oldDirs[i], r).mul(ro[i]);
      r.add_(mul(oldStps[i], sub(al[i], be)));
    }
    return r;
  }

  /** Loss and flat gradient at params + t * d; the parameters are then put back, also when the closure or the gradients fail. */
  private async directionalEvaluate(closure: LBFGSClosure, x: Tensor[], t: number, d: Tensor): Promise<Trial> {
    this.addGrad(t, d);
    let f: number;
    let g: Tensor;
    try {
      [, f] = await this.evaluate(closure);
      g = this.gatherFlatGrad();
    } finally {
      noGrad(() => this.params.forEach((param, i) => param.copy_(x[i])));
    }
    const [gtd] = await readScalars(() => [dot(g, d)]);
    return { t, f, g, gtd };
  }

  /**
   * PyTorch's _strong_wolfe (after minFunc's): brackets a step satisfying the strong Wolfe
   * conditions (c1 = 1e-4, c2 = 0.9, at most 25 evaluations), then zooms in on it by cubic
   * interpolation. Leaves the parameters where they were; returns the chosen point.
   */
  private async strongWolfe(
    closure: LBFGSClosure,
    t0: number,
    d: Tensor,
    start: Trial,
    toleranceChange: number,
  ): Promise<Trial & { evals: number }> {
    const [c1, c2, maxLs] = [1e-4, 0.9, 25];
    const x = noGrad(() => this.params.map((param) => keep(param.clone())));
    const made: Tensor[] = [];
    const trial = async (t: number): Promise<Trial> => {
      const point = await this.directionalEvaluate(closure, x, t, d);
      made.push(point.g);
      return point;
    };
    try {
      const [dNorm] = await readScalars(() => [d.abs().max()]);
      const { f, gtd } = start;
      let next = await trial(t0);
      let evals = 1;
      let previous: Trial = start;
      let bracket: Trial[] | null = null;
      let done = false;
      let lsIter = 0;
      while (lsIter < maxLs) {
        if (next.f > f + c1 * next.t * gtd || (lsIter > 1 && next.f >= previous.f)) {
          bracket = [previous, next];
          break;
        }
        if (Math.abs(next.gtd) <= -c2 * gtd) {
          bracket = [next];
          done = true;
          break;
        }
        if (next.gtd >= 0) {
          bracket = [previous, next];
          break;
        }
        const t = cubicInterpolate(previous.t, previous.f, previous.gtd, next.t, next.f, next.gtd, [
          next.t + 0.01 * (next.t - previous.t),
          next.t * 10,
        ]);
        previous = next;
        next = await trial(t);
        evals++;
        lsIter++;
      }
      // Out of evaluations while still bracketing: the bracket is [0, t], and no zoom follows.
      const points = bracket ?? [start, next];
      let insufficientProgress = false;
      let [low, high] = points[0].f <= points[points.length - 1].f ? [0, 1] : [1, 0];
      while (!done && lsIter < maxLs) {
        if (Math.abs(points[1].t - points[0].t) * dNorm < toleranceChange) break;
        let t = cubicInterpolate(points[0].t, points[0].f, points[0].gtd, points[1].t, points[1].f, points[1].gtd);
        const top = Math.max(points[0].t, points[1].t);
        const bottom = Math.min(points[0].t, points[1].t);
        const eps = 0.1 * (top - bottom);
        if (Math.min(top - t, t - bottom) < eps) {
          // Close to an end of the bracket: move 0.1 of its length inside when progress stalled or t is at the end.
          if (insufficientProgress || t >= top || t <= bottom) {
            t = Math.abs(t - top) < Math.abs(t - bottom) ? top - eps : bottom + eps;
            insufficientProgress = false;
          } else {
            insufficientProgress = true;
          }
        } else {
          insufficientProgress = false;
        }
        const point = await trial(t);
        evals++;
        lsIter++;
        if (point.f > f + c1 * t * gtd || point.f >= points[low].f) {
          points[high] = point;
          [low, high] = points[0].f <= points[1].f ? [0, 1] : [1, 0];
        } else {
          if (Math.abs(point.gtd) <= -c2 * gtd) done = true;
          else if (point.gtd * (points[high].t - points[low].t) >= 0) points[high] = points[low];
          points[low] = point;
        }
      }
      const chosen = points[low];
      disposeExcept(made, chosen.g);
      return { ...chosen, evals };
    } catch (error) {
      disposeExcept(made);
      throw error;
    } finally {
      for (const copy of x) copy.dispose();
    }
  }
}
