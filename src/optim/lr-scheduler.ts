// The learning-rate schedulers of `optim.lrScheduler`.
import { checkOptions, describeValue, type KeywordCall, optionKeys, spreadKeywordCall } from '../options.js';
import { Tensor } from '../tensor.js';
import { Optimizer, type OptimizerOptions, type ParamGroup } from './optimizer.js';

/**
 * A scheduler's state dict: a copy of every field but the optimizer (PyTorch's `__dict__` minus it)
 * and functions (LambdaLR's lambdas, CyclicLR's scaleFn), which are code, not state: PyTorch too
 * saves a lambda's fields only when it is a callable object.
 */
function stateOf(scheduler: object, exclude: readonly string[] = []): Record<string, unknown> {
  const isCode = (value: unknown) =>
    typeof value === 'function' || (Array.isArray(value) && value.some((item) => typeof item === 'function'));
  return structuredClone(
    Object.fromEntries(Object.entries(scheduler).filter(([key, value]) => key !== 'optimizer' && !exclude.includes(key) && !isCode(value))),
  );
}

function checkOptimizer(scheduler: string, optimizer: unknown): Optimizer<OptimizerOptions> {
  if (!(optimizer instanceof Optimizer))
    throw new TypeError(
      `${scheduler}: ${optimizer === null ? 'null' : ((optimizer as object)?.constructor?.name ?? typeof optimizer)} is not an Optimizer`,
    );
  return optimizer as Optimizer<OptimizerOptions>;
}

export interface SchedulerOptions {
  /** The index of the last epoch when resuming (the groups must then hold `initialLr`); -1 starts afresh. */
  lastEpoch?: number;
}

/**
 * The base of the epoch-based schedulers, as PyTorch 1.13's `_LRScheduler`: the constructor records
 * each group's `initialLr` and takes the first step (epoch 0, which keeps the learning rates); each
 * `step()` then advances one epoch and writes the new rates into the optimizer's groups. A subclass
 * defines `getLr` (PyTorch's chainable form, from the groups' current rates) and calls
 * `initialStep()` at the end of its constructor, once its own fields are set.
 */
export abstract class LRScheduler {
  readonly optimizer: Optimizer<OptimizerOptions>;
  baseLrs: number[];
  lastEpoch: number;
  /** Steps taken, the initial one included (PyTorch's `_step_count`). */
  stepCount = 0;
  lastLr: number[] = [];

  constructor(optimizer: Optimizer<OptimizerOptions>, lastEpoch = -1) {
    this.optimizer = checkOptimizer(this.constructor.name, optimizer);
    const groups = this.optimizer.paramGroups;
    if (lastEpoch === -1) {
      for (const group of groups) group.initialLr ??= group.lr;
    } else {
      groups.forEach((group, i) => {
        if (group.initialLr === undefined)
          throw new Error(`${this.constructor.name}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = groups.map((group) => group.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** PyTorch's _initial_step: counts steps afresh and takes the first one (SequentialLR restarts its first scheduler with it). */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The rates for epoch `lastEpoch`, computed from the groups' current rates. */
  protected abstract getLr(): number[];

  /** The rates for epoch `lastEpoch` from the base rates alone, for the schedulers that have such a form; null for the others. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * Advances one epoch; call it after `optimizer.step()`. With `epoch`, jumps to that epoch instead,
   * using the closed form where there is one (PyTorch deprecates this for users; SequentialLR
   * restarts a scheduler at its milestone with `step(0)`). A step that throws (OneCycleLR past its
   * total) leaves the scheduler and the rates as they were.
   */
  step(epoch?: number): void {
    const [stepCount, lastEpoch] = [this.stepCount, this.lastEpoch];
    try {
      this.stepCount++;
      let values: number[];
      if (epoch === undefined) {
        this.lastEpoch++;
        values = this.getLr();
      } else {
        this.lastEpoch = epoch;
        values = this.closedFormLr() ?? this.getLr();
      }
      this.setLrs(values);
    } catch (error) {
      [this.stepCount, this.lastEpoch] = [stepCount, lastEpoch];
      throw error;
    }
  }

  protected setLrs(values: readonly number[]): void {
    this.optimizer.paramGroups.forEach((group, i) => (group.lr = values[i]));
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  /** The learning rate of each group as the last step set it. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Every field but the optimizer, camelCased as PyTorch's `__dict__` would be. */
  stateDict(): Record<string, unknown> {
    return stateOf(this);
  }

  loadStateDict(stateDict: Record<string, unknown>): void {
    Object.assign(this, structuredClone(stateDict));
  }

  protected currentLrs(): number[] {
    return this.optimizer.paramGroups.map((group) => group.lr);
  }
}

/**
 * Multiplies each group's learning rate by `gamma` every `stepSize` epochs.
 *
 * ```ts
 * const scheduler = new torch.optim.lrScheduler.StepLR(opt, 30, { gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); scheduler.step(); }
 * ```
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(
    ...args: KeywordCall<[{ optimizer: Optimizer<OptimizerOptions> }, { stepSize: number }], SchedulerOptions & { gamma?: number }>
  ) {
    const [optimizer, stepSize, options = {}] = spreadKeywordCall(args, ['optimizer', 'stepSize']) as [
      Optimizer<OptimizerOptions>,
      number,
      (SchedulerOptions & { gamma?: number })?,
    ];
    super(
      optimizer,
      checkOptions('StepLR', options, optionKeys<SchedulerOptions & { gamma?: number }>({ gamma: true, lastEpoch: true })).lastEpoch,
    );
    if (!Number.isInteger(stepSize) || stepSize <= 0) throw new RangeError(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    this.stepSize = stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** Multiplies each group's learning rate by `gamma` every epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: Optimizer<OptimizerOptions>, gamma: number, options: SchedulerOptions = {}) {
    super(optimizer, checkOptions('ExponentialLR', options, optionKeys<SchedulerOptions>({ lastEpoch: true })).lastEpoch);
    this.gamma = gamma;
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** this.lastEpoch);
  }
}

/** Python's `%`: the result takes the divisor's sign. */
function pythonModulo(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/**
 * Cosine annealing from each base rate down to `etaMin` over `tMax` epochs, and back up over the
 * next `tMax` (SGDR without restarts). PyTorch 1.13's recursive form: each rate is computed from the
 * current one, so other changes to the rates compose; without them it equals the closed form
 * etaMin + (base - etaMin) (1 + cos(pi epoch / tMax)) / 2.
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer<OptimizerOptions>, tMax: number, options: SchedulerOptions & { etaMin?: number } = {}) {
    super(
      optimizer,
      checkOptions('CosineAnnealingLR', options, optionKeys<SchedulerOptions & { etaMin?: number }>({ etaMin: true, lastEpoch: true }))
        .lastEpoch,
    );
    if (!(tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be positive, got ${tMax}`);
    this.tMax = tMax;
    this.etaMin = options.etaMin ?? 0;
    this.initialStep();
  }

  protected getLr(): number[] {
    const { lastEpoch: epoch, tMax, etaMin } = this;
    const groups = this.optimizer.paramGroups;
    if (epoch === 0) return this.currentLrs();
    if (this.stepCount === 1 && epoch > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((epoch * Math.PI) / tMax))) / 2);
    }
    if (pythonModulo(epoch - 1 - tMax, 2 * tMax) === 0) {
      return this.baseLrs.map((base, i) => groups[i].lr + ((base - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return groups.map(
      (group) => ((1 + Math.cos((Math.PI * epoch) / tMax)) / (1 + Math.cos((Math.PI * (epoch - 1)) / tMax))) * (group.lr - etaMin) + etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}

/** A function of the epoch giving a factor, as LambdaLR and MultiplicativeLR take. */
export type LrLambda = (epoch: number) => number;

/** One function per group: `lrLambda` itself for every group, or a list with one per group. */
function lambdasFor(scheduler: string, optimizer: Optimizer<OptimizerOptions>, lrLambda: LrLambda | readonly LrLambda[]): LrLambda[] {
  const groups = checkOptimizer(scheduler, optimizer).paramGroups.length;
  const lambdas = Array.isArray(lrLambda) ? [...lrLambda] : new Array<LrLambda>(groups).fill(lrLambda as LrLambda);
  if (lambdas.length !== groups)
    throw new RangeError(`${scheduler}: expected ${groups} lrLambdas (one per parameter group), got ${lambdas.length}`);
  lambdas.forEach((fn, i) => {
    if (typeof fn !== 'function')
      throw new TypeError(
        `${scheduler}: lrLambda${Array.isArray(lrLambda) ? `[${i}]` : ''} must be a function of the epoch, got ${typeof fn}`,
      );
  });
  return lambdas;
}

/** The schedulers driven by a function of the epoch per group. The functions are not in the state dict: give them again when resuming. */
abstract class LambdaScheduler extends LRScheduler {
  readonly lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer<OptimizerOptions>, lrLambda: LrLambda | readonly LrLambda[], options: SchedulerOptions = {}) {
    const lambdas = lambdasFor(new.target.name, optimizer, lrLambda);
    super(optimizer, checkOptions(new.target.name, options, optionKeys<SchedulerOptions>({ lastEpoch: true })).lastEpoch);
    this.lrLambdas = lambdas;
    this.initialStep();
  }
}

/**
 * Sets each group's rate to its base rate times `lrLambda(epoch)` (one function for all groups, or
 * one per group).
 *
 * ```ts
 * const scheduler = new torch.optim.lrScheduler.LambdaLR(opt, (epoch) => 0.95 ** epoch);
 * ```
 */
export class LambdaLR extends LambdaScheduler {
  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i](this.lastEpoch));
  }
}

/** Multiplies each group's rate by `lrLambda(epoch)` at every epoch but the first (one function for all groups, or one per group). */
export class MultiplicativeLR extends LambdaScheduler {
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.currentLrs();
    return this.currentLrs().map((lr, i) => lr * this.lrLambdas[i](this.lastEpoch));
  }
}

/** Python's bisect_right: how many of the sorted `values` are <= `x`. */
function bisectRight(values: readonly number[], x: number): number {
  return values.filter((value) => value <= x).length;
}

/**
 * Multiplies each group's rate by `gamma` at each milestone epoch (by gamma^k at a milestone listed
 * k times, as PyTorch counts them).
 *
 * ```ts
 * const scheduler = new torch.optim.lrScheduler.MultiStepLR(opt, [30, 80], { gamma: 0.1 });
 * ```
 */
export class MultiStepLR extends LRScheduler {
  /** Sorted, repeats kept. */
  readonly milestones: number[];
  readonly gamma: number;

  constructor(optimizer: Optimizer<OptimizerOptions>, milestones: readonly number[], options: SchedulerOptions & { gamma?: number } = {}) {
    super(
      optimizer,
      checkOptions('MultiStepLR', options, optionKeys<SchedulerOptions & { gamma?: number }>({ gamma: true, lastEpoch: true })).lastEpoch,
    );
    if (!Array.isArray(milestones) || milestones.some((m) => !Number.isInteger(m)))
      throw new TypeError(`MultiStepLR: milestones must be an array of integer epochs, got ${JSON.stringify(milestones)}`);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma ** count);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** bisectRight(this.milestones, this.lastEpoch));
  }
}

function checkFactor(scheduler: string, name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${scheduler}: ${name} expected to be between 0 and 1, got ${value}`);
}

export interface ConstantLROptions extends SchedulerOptions {
  /** The factor applied until epoch totalIters. */
  factor?: number;
  totalIters?: number;
}

/** Multiplies each group's rate by `factor` (1/3 by default) for the first `totalIters` (5) epochs. */
export class ConstantLR extends LRScheduler {
  readonly factor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer<OptimizerOptions>, options: ConstantLROptions = {}) {
    super(
      optimizer,
      checkOptions('ConstantLR', options, optionKeys<ConstantLROptions>({ factor: true, totalIters: true, lastEpoch: true })).lastEpoch,
    );
    this.factor = options.factor ?? 1 / 3;
    this.totalIters = options.totalIters ?? 5;
    checkFactor('ConstantLR', 'factor', this.factor);
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.currentLrs().map((lr) => lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * (1 / this.factor));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * (this.factor + (this.lastEpoch >= this.totalIters ? 1 - this.factor : 0)));
  }
}

export interface LinearLROptions extends SchedulerOptions {
  /** The factor at epoch 0 (1/3 by default). */
  startFactor?: number;
  /** The factor from epoch totalIters on (1 by default). */
  endFactor?: number;
  totalIters?: number;
}

/** Scales each group's rate by a factor going linearly from `startFactor` to `endFactor` over `totalIters` epochs. */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer<OptimizerOptions>, options: LinearLROptions = {}) {
    super(
      optimizer,
      checkOptions(
        'LinearLR',
        options,
        optionKeys<LinearLROptions>({ startFactor: true, endFactor: true, totalIters: true, lastEpoch: true }),
      ).lastEpoch,
    );
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    checkFactor('LinearLR', 'startFactor', this.startFactor);
    checkFactor('LinearLR', 'endFactor', this.endFactor);
    this.initialStep();
  }

  protected getLr(): number[] {
    const { lastEpoch, startFactor, endFactor, totalIters } = this;
    if (lastEpoch === 0) return this.currentLrs().map((lr) => lr * startFactor);
    if (lastEpoch > totalIters) return this.currentLrs();
    return this.currentLrs().map(
      (lr) => lr * (1 + (endFactor - startFactor) / (totalIters * startFactor + (lastEpoch - 1) * (endFactor - startFactor))),
    );
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch, startFactor, endFactor, totalIters } = this;
    return this.baseLrs.map((base) => base * (startFactor + ((endFactor - startFactor) * Math.min(totalIters, lastEpoch)) / totalIters));
  }
}

export interface CosineAnnealingWarmRestartsOptions extends SchedulerOptions {
  /** Each period is tMult times the one before (an integer >= 1; 1 by default). */
  tMult?: number;
  etaMin?: number;
}

/**
 * SGDR: cosine annealing from each base rate to `etaMin` over `t0` epochs, then a restart at the
 * base rate, each period `tMult` times longer than the one before. PyTorch's T_0, T_i, T_mult and
 * T_cur are `t0`, `tI`, `tMult` and `tCur`.
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  readonly t0: number;
  tI: number;
  readonly tMult: number;
  readonly etaMin: number;
  tCur: number;

  constructor(optimizer: Optimizer<OptimizerOptions>, t0: number, options: CosineAnnealingWarmRestartsOptions = {}) {
    const {
      lastEpoch = -1,
      tMult = 1,
      etaMin = 0,
    } = checkOptions(
      'CosineAnnealingWarmRestarts',
      options,
      optionKeys<CosineAnnealingWarmRestartsOptions>({ tMult: true, etaMin: true, lastEpoch: true }),
    );
    if (!Number.isInteger(t0) || t0 <= 0) throw new RangeError(`CosineAnnealingWarmRestarts: expected a positive integer t0, got ${t0}`);
    if (!Number.isInteger(tMult) || tMult < 1)
      throw new RangeError(`CosineAnnealingWarmRestarts: expected an integer tMult >= 1, got ${tMult}`);
    super(optimizer, lastEpoch);
    this.t0 = t0;
    this.tI = t0;
    this.tMult = tMult;
    this.etaMin = etaMin;
    this.tCur = lastEpoch;
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2);
  }

  /**
   * Advances one epoch, restarting at the end of a period; with `epoch`, jumps there (it may be
   * fractional, for steps within an epoch). As in PyTorch, this step does not count in `stepCount`.
   */
  override step(epoch?: number): void {
    let next = epoch ?? (this.lastEpoch < 0 ? 0 : undefined);
    if (next === undefined) {
      next = this.lastEpoch + 1;
      this.tCur += 1;
      if (this.tCur >= this.tI) {
        this.tCur -= this.tI;
        this.tI *= this.tMult;
      }
    } else {
      if (!(next >= 0)) throw new RangeError(`CosineAnnealingWarmRestarts.step: expected a non-negative epoch, got ${next}`);
      if (next >= this.t0) {
        if (this.tMult === 1) {
          this.tCur = next % this.t0;
        } else {
          const n = Math.trunc(Math.log((next / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = next - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = next;
      }
    }
    this.lastEpoch = Math.floor(next);
    this.setLrs(this.getLr());
  }
}

/** A group that may carry momentum (SGD, RMSprop) or betas (the Adam family), which CyclicLR and OneCycleLR cycle. */
type MomentumGroup = ParamGroup<OptimizerOptions> & { momentum?: number; betas?: [number, number] };

/** A value per group: `value` itself for every group, or a list with one per group. */
function perGroup(scheduler: string, name: string, optimizer: Optimizer<OptimizerOptions>, value: number | readonly number[]): number[] {
  const groups = optimizer.paramGroups.length;
  if (!Array.isArray(value)) return new Array<number>(groups).fill(value as number);
  if (value.length !== groups)
    throw new RangeError(`${scheduler}: expected ${groups} values for ${name} (one per parameter group), got ${value.length}`);
  return [...value];
}

export interface CyclicLROptions extends SchedulerOptions {
  /** Epochs (usually batches) in the rising half of a cycle (2000 by default). */
  stepSizeUp?: number;
  /** Epochs in the falling half (stepSizeUp by default). */
  stepSizeDown?: number;
  /** How the amplitude changes from cycle to cycle: constant, halved each cycle, or gamma^epoch. Ignored when scaleFn is given. */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** The base of 'exp_range'. */
  gamma?: number;
  /** A custom amplitude scale, of the cycle number or of the epoch (scaleMode). */
  scaleFn?: ((x: number) => number) | null;
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle the optimizer's momentum inversely to the rate, between baseMomentum and maxMomentum. */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
}

const CYCLIC_LR_OPTIONS = optionKeys<CyclicLROptions>({
  stepSizeUp: true,
  stepSizeDown: true,
  mode: true,
  gamma: true,
  scaleFn: true,
  scaleMode: true,
  cycleMomentum: true,
  baseMomentum: true,
  maxMomentum: true,
  lastEpoch: true,
});

/**
 * Cyclical learning rates, as `torch.optim.lr_scheduler.CyclicLR` 1.13: each rate cycles between
 * `baseLr` and `maxLr` (a number for every group, or one per group), step by step (call `step()`
 * after every batch). With `cycleMomentum`, the optimizer's `momentum` cycles the other way; as in
 * PyTorch 1.13 that needs an optimizer with a momentum option (SGD, RMSprop), not the Adam family
 * (use cycleMomentum: false there). The constructor sets the rates (and momenta) to their bases.
 *
 * ```ts
 * const sgd = new torch.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * const scheduler = new torch.optim.lrScheduler.CyclicLR(sgd, 0.01, 0.1, { stepSizeUp: 4 });
 * ```
 */
export class CyclicLR extends LRScheduler {
  readonly maxLrs: number[];
  readonly totalSize: number;
  readonly stepRatio: number;
  readonly mode: 'triangular' | 'triangular2' | 'exp_range';
  readonly gamma: number;
  readonly scaleFn: ((x: number) => number) | null;
  readonly scaleMode: 'cycle' | 'iterations';
  readonly cycleMomentum: boolean;
  readonly baseMomentums: number[] = [];
  readonly maxMomentums: number[] = [];

  constructor(
    optimizer: Optimizer<OptimizerOptions>,
    baseLr: number | readonly number[],
    maxLr: number | readonly number[],
    options: CyclicLROptions = {},
  ) {
    checkOptions('CyclicLR', options, CYCLIC_LR_OPTIONS);
    const lastEpoch = options.lastEpoch ?? -1;
    const groups = checkOptimizer('CyclicLR', optimizer).paramGroups as MomentumGroup[];
    const baseLrs = perGroup('CyclicLR', 'baseLr', optimizer, baseLr);
    const maxLrs = perGroup('CyclicLR', 'maxLr', optimizer, maxLr);
    const mode = options.mode ?? 'triangular';
    if (!['triangular', 'triangular2', 'exp_range'].includes(mode) && !options.scaleFn) {
      throw new RangeError(
        `CyclicLR: mode must be 'triangular', 'triangular2' or 'exp_range' (or give scaleFn), got ${JSON.stringify(mode)}`,
      );
    }
    const cycleMomentum = options.cycleMomentum ?? true;
    if (cycleMomentum && !('momentum' in optimizer.defaults)) {
      throw new TypeError(
        `CyclicLR: optimizer must support momentum with the cycleMomentum option enabled; ${optimizer.constructor.name} has no momentum option (pass cycleMomentum: false)`,
      );
    }
    const baseMomentums = cycleMomentum ? perGroup('CyclicLR', 'baseMomentum', optimizer, options.baseMomentum ?? 0.8) : [];
    const maxMomentums = cycleMomentum ? perGroup('CyclicLR', 'maxMomentum', optimizer, options.maxMomentum ?? 0.9) : [];
    // PyTorch sets the rates (and momenta) before the base class records them as initialLr.
    if (lastEpoch === -1) {
      groups.forEach((group, i) => {
        group.lr = baseLrs[i];
        if (cycleMomentum) group.momentum = baseMomentums[i];
      });
    }
    super(optimizer, lastEpoch);
    this.maxLrs = maxLrs;
    const stepSizeUp = options.stepSizeUp ?? 2000;
    const stepSizeDown = options.stepSizeDown ?? stepSizeUp;
    this.totalSize = stepSizeUp + stepSizeDown;
    this.stepRatio = stepSizeUp / this.totalSize;
    this.mode = mode;
    this.gamma = options.gamma ?? 1;
    this.scaleFn = options.scaleFn ?? null;
    this.scaleMode = options.scaleFn ? (options.scaleMode ?? 'cycle') : mode === 'exp_range' ? 'iterations' : 'cycle';
    this.cycleMomentum = cycleMomentum;
    if (cycleMomentum) {
      this.baseMomentums.push(...groups.map((group) => group.momentum!));
      this.maxMomentums.push(...maxMomentums);
    }
    // The first step uses the groups' initialLr, as in PyTorch, where base_lrs is set after it.
    this.initialStep();
    this.baseLrs = baseLrs;
  }

  private scale(x: number): number {
    if (this.scaleFn) return this.scaleFn(x);
    if (this.mode === 'triangular2') return 1 / 2 ** (x - 1);
    return this.mode === 'exp_range' ? this.gamma ** x : 1;
  }

  protected getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const scale = this.scale(this.scaleMode === 'cycle' ? cycle : this.lastEpoch);
    const lrs = this.baseLrs.map((base, i) => base + (this.maxLrs[i] - base) * scaleFactor * scale);
    if (this.cycleMomentum) {
      (this.optimizer.paramGroups as MomentumGroup[]).forEach((group, i) => {
        group.momentum = this.maxMomentums[i] - (this.maxMomentums[i] - this.baseMomentums[i]) * scaleFactor * scale;
      });
    }
    return lrs;
  }
}

export interface OneCycleLROptions extends SchedulerOptions {
  /** The number of steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** The share of the cycle spent raising the rate (0.3 by default). */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (or the Adam family's beta1) inversely to the rate, between baseMomentum and maxMomentum. */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  /** The starting rate is maxLr / divFactor (25 by default). */
  divFactor?: number;
  /** The final rate is the starting rate / finalDivFactor (1e4 by default). */
  finalDivFactor?: number;
  /** A third phase: up, back down to the starting rate, then on down to the final rate. */
  threePhase?: boolean;
}

const ONE_CYCLE_LR_OPTIONS = optionKeys<OneCycleLROptions>({
  totalSteps: true,
  epochs: true,
  stepsPerEpoch: true,
  pctStart: true,
  annealStrategy: true,
  cycleMomentum: true,
  baseMomentum: true,
  maxMomentum: true,
  divFactor: true,
  finalDivFactor: true,
  threePhase: true,
  lastEpoch: true,
});

/** A phase of the one-cycle policy: its last step, and what the rate and momentum go from and to. */
interface Phase {
  endStep: number;
  startLr: 'initialLr' | 'maxLr' | 'minLr';
  endLr: 'initialLr' | 'maxLr' | 'minLr';
  startMomentum: 'maxMomentum' | 'baseMomentum';
  endMomentum: 'maxMomentum' | 'baseMomentum';
}

function checkPositiveInteger(scheduler: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${scheduler}: expected a positive integer ${name}, got ${value}`);
  return value;
}

/**
 * The 1cycle policy, as `torch.optim.lr_scheduler.OneCycleLR` 1.13: each rate rises from
 * maxLr / divFactor to `maxLr` over the first pctStart of `totalSteps`, then anneals to far below
 * the start; momentum (SGD's `momentum`, the Adam family's `betas[0]`) moves the other way. Call
 * `step()` after every batch; stepping past totalSteps throws. PyTorch keeps max_lr, min_lr and the
 * momentum bounds in the param groups; here they are the scheduler's (`maxLrs`, `minLrs`, ...), so
 * they live in its state dict.
 *
 * ```ts
 * const scheduler = new torch.optim.lrScheduler.OneCycleLR(opt, 0.1, { totalSteps: 1000 });
 * ```
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly phases: Phase[];
  readonly annealStrategy: 'cos' | 'linear';
  readonly cycleMomentum: boolean;
  /** Whether momentum is the Adam family's betas[0] rather than a momentum option. */
  readonly useBeta1: boolean;
  readonly initialLrs: number[];
  readonly maxLrs: number[];
  readonly minLrs: number[];
  readonly maxMomentums: number[];
  readonly baseMomentums: number[];

  constructor(optimizer: Optimizer<OptimizerOptions>, maxLr: number | readonly number[], options: OneCycleLROptions = {}) {
    checkOptions('OneCycleLR', options, ONE_CYCLE_LR_OPTIONS);
    const name = 'OneCycleLR';
    const lastEpoch = options.lastEpoch ?? -1;
    const groups = checkOptimizer(name, optimizer).paramGroups as MomentumGroup[];
    let totalSteps: number;
    if (options.totalSteps !== undefined) totalSteps = checkPositiveInteger(name, 'totalSteps', options.totalSteps);
    else if (options.epochs === undefined || options.stepsPerEpoch === undefined)
      throw new TypeError(`${name}: you must define either totalSteps or (epochs and stepsPerEpoch)`);
    else
      totalSteps =
        checkPositiveInteger(name, 'epochs', options.epochs) * checkPositiveInteger(name, 'stepsPerEpoch', options.stepsPerEpoch);
    const pctStart = options.pctStart ?? 0.3;
    if (!(pctStart >= 0 && pctStart <= 1)) throw new RangeError(`${name}: expected pctStart between 0 and 1, got ${pctStart}`);
    const annealStrategy = options.annealStrategy ?? 'cos';
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear')
      throw new RangeError(`${name}: annealStrategy must be 'cos' or 'linear', got ${JSON.stringify(annealStrategy)}`);
    const cycleMomentum = options.cycleMomentum ?? true;
    if (cycleMomentum && !('momentum' in optimizer.defaults) && !('betas' in optimizer.defaults)) {
      throw new TypeError(
        `${name}: optimizer must support momentum with the cycleMomentum option enabled; ${optimizer.constructor.name} has neither momentum nor betas (pass cycleMomentum: false)`,
      );
    }
    const useBeta1 = 'betas' in optimizer.defaults;
    const maxLrs = perGroup(name, 'maxLr', optimizer, maxLr);
    const divFactor = options.divFactor ?? 25;
    const finalDivFactor = options.finalDivFactor ?? 1e4;
    const maxMomentums = cycleMomentum ? perGroup(name, 'maxMomentum', optimizer, options.maxMomentum ?? 0.95) : [];
    const baseMomentums = cycleMomentum ? perGroup(name, 'baseMomentum', optimizer, options.baseMomentum ?? 0.85) : [];
    if (lastEpoch === -1) {
      groups.forEach((group, i) => {
        group.initialLr = maxLrs[i] / divFactor;
        if (!cycleMomentum) return;
        if (useBeta1) group.betas = [maxMomentums[i], group.betas![1]];
        else group.momentum = maxMomentums[i];
      });
    }
    super(optimizer, lastEpoch);
    this.totalSteps = totalSteps;
    const rising: Phase = {
      endStep: pctStart * totalSteps - 1,
      startLr: 'initialLr',
      endLr: 'maxLr',
      startMomentum: 'maxMomentum',
      endMomentum: 'baseMomentum',
    };
    this.phases = options.threePhase
      ? [
          rising,
          {
            endStep: 2 * pctStart * totalSteps - 2,
            startLr: 'maxLr',
            endLr: 'initialLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
          { endStep: totalSteps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [rising, { endStep: totalSteps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' }];
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.initialLrs = groups.map((group) => group.initialLr!);
    this.maxLrs = maxLrs;
    this.minLrs = this.initialLrs.map((lr) => lr / finalDivFactor);
    this.maxMomentums = maxMomentums;
    this.baseMomentums = baseMomentums;
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps)
      throw new RangeError(
        `OneCycleLR.step: tried to step ${stepNum + 1} times; the specified number of total steps is ${this.totalSteps}`,
      );
    return (this.optimizer.paramGroups as MomentumGroup[]).map((group, i) => {
      const values = {
        initialLr: this.initialLrs[i],
        maxLr: this.maxLrs[i],
        minLr: this.minLrs[i],
        maxMomentum: this.maxMomentums[i],
        baseMomentum: this.baseMomentums[i],
      };
      let startStep = 0;
      const last = this.phases.length - 1;
      const index = this.phases.findIndex((phase, k) => stepNum <= phase.endStep || k === last);
      if (index > 0) startStep = this.phases[index - 1].endStep;
      const phase = this.phases[index];
      const pct = (stepNum - startStep) / (phase.endStep - startStep);
      if (this.cycleMomentum) {
        const momentum = this.anneal(values[phase.startMomentum], values[phase.endMomentum], pct);
        if (this.useBeta1) group.betas = [momentum, group.betas![1]];
        else group.momentum = momentum;
      }
      return this.anneal(values[phase.startLr], values[phase.endLr], pct);
    });
  }
}

/** Checks that every scheduler is one and drives `optimizer`. */
function checkSchedulers(name: string, schedulers: readonly LRScheduler[], optimizer: Optimizer<OptimizerOptions>): void {
  if (!Array.isArray(schedulers) || schedulers.length === 0)
    throw new TypeError(`${name}: schedulers must be a non-empty array of learning-rate schedulers`);
  schedulers.forEach((scheduler, i) => {
    if (!(scheduler instanceof LRScheduler))
      throw new TypeError(`${name}: schedulers[${i}] is not an epoch-based learning-rate scheduler (${describeValue(scheduler)})`);
    if (scheduler.optimizer !== optimizer)
      throw new Error(`${name}: expects all schedulers to belong to the same optimizer, but schedulers[${i}] drives another one`);
  });
}

/**
 * What SequentialLR and ChainedScheduler share: they hold other schedulers, report the rates the
 * last of them set, and save their own fields with each scheduler's state dict under `schedulers`
 * (PyTorch's `_schedulers`).
 */
abstract class CompositeScheduler {
  declare readonly schedulers: LRScheduler[];
  declare lastLr: number[];

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Its fields and, under `schedulers`, each scheduler's state dict. */
  stateDict(): Record<string, unknown> {
    return { ...stateOf(this, ['schedulers']), schedulers: this.schedulers.map((scheduler) => scheduler.stateDict()) };
  }

  loadStateDict(stateDict: Record<string, unknown>): void {
    const { schedulers, ...own } = structuredClone(stateDict);
    Object.assign(this, own);
    (schedulers as Record<string, unknown>[]).forEach((state, i) => this.schedulers[i].loadStateDict(state));
  }
}

/**
 * Runs `schedulers` one after another: schedulers[i + 1] takes over at epoch milestones[i],
 * restarted at its epoch 0. Build the schedulers on the optimizer first; this undoes their
 * initial steps and starts the first one afresh, as PyTorch does.
 *
 * ```ts
 * const warmup = new torch.optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const decay = new torch.optim.lrScheduler.ExponentialLR(opt, 0.9);
 * const scheduler = new torch.optim.lrScheduler.SequentialLR(opt, [warmup, decay], [5]);
 * ```
 */
export class SequentialLR extends CompositeScheduler {
  readonly optimizer: Optimizer<OptimizerOptions>;
  override readonly schedulers: LRScheduler[];
  readonly milestones: number[];
  lastEpoch: number;
  override lastLr: number[];

  constructor(
    optimizer: Optimizer<OptimizerOptions>,
    schedulers: readonly LRScheduler[],
    milestones: readonly number[],
    options: SchedulerOptions = {},
  ) {
    super();
    const { lastEpoch = -1 } = checkOptions('SequentialLR', options, optionKeys<SchedulerOptions>({ lastEpoch: true }));
    this.optimizer = checkOptimizer('SequentialLR', optimizer);
    checkSchedulers('SequentialLR', schedulers, optimizer);
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new RangeError(
        `SequentialLR: expects one milestone fewer than schedulers, got ${schedulers.length} schedulers and ${Array.isArray(milestones) ? milestones.length : describeValue(milestones)} milestones`,
      );
    }
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    for (const group of optimizer.paramGroups) group.lr = group.initialLr!;
    for (const scheduler of this.schedulers) scheduler.lastEpoch -= 1;
    this.schedulers[0].initialStep();
    this.lastLr = this.schedulers[0].getLastLr();
  }

  /** Advances one epoch, stepping the scheduler whose turn it is (restarting it at its milestone). */
  step(): void {
    this.lastEpoch += 1;
    const index = bisectRight(this.milestones, this.lastEpoch);
    const scheduler = this.schedulers[index];
    if (index > 0 && this.milestones[index - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }
}

/**
 * Steps every scheduler at each step, so their changes compose (each multiplies the rate the one
 * before it set). PyTorch 1.13's ChainedScheduler takes the list alone.
 *
 * ```ts
 * const scheduler = new torch.optim.lrScheduler.ChainedScheduler([
 *   new torch.optim.lrScheduler.ConstantLR(opt, { factor: 0.1, totalIters: 2 }),
 *   new torch.optim.lrScheduler.ExponentialLR(opt, 0.9),
 * ]);
 * ```
 */
export class ChainedScheduler extends CompositeScheduler {
  readonly optimizer: Optimizer<OptimizerOptions>;
  override readonly schedulers: LRScheduler[];
  override lastLr: number[];

  constructor(schedulers: readonly LRScheduler[]) {
    super();
    checkSchedulers('ChainedScheduler', schedulers, (schedulers as LRScheduler[])?.[0]?.optimizer);
    this.schedulers = [...schedulers];
    this.optimizer = schedulers[0].optimizer;
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  step(): void {
    for (const scheduler of this.schedulers) scheduler.step();
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }
}

export interface ReduceLROnPlateauOptions {
  /** 'min': reduce when the metric stops decreasing; 'max': when it stops increasing. */
  mode?: 'min' | 'max';
  /** new lr = lr * factor (< 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing. */
  patience?: number;
  /** The least change that counts as an improvement, relative to the best ('rel') or absolute ('abs'). */
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again. */
  cooldown?: number;
  /** A floor per group (an array) or for all groups. */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped. */
  eps?: number;
}

const REDUCE_LR_ON_PLATEAU_OPTIONS = optionKeys<ReduceLROnPlateauOptions>({
  mode: true,
  factor: true,
  patience: true,
  threshold: true,
  thresholdMode: true,
  cooldown: true,
  minLr: true,
  eps: true,
});

/**
 * Reduces the learning rates by `factor` when a metric has stopped improving for `patience` epochs,
 * as `torch.optim.lr_scheduler.ReduceLROnPlateau` 1.13. `step(metric)` takes the epoch's metric (a
 * number, or a one-element CPU tensor, read synchronously; from webgpu pass `await loss.item()`).
 *
 * ```ts
 * const scheduler = new torch.optim.lrScheduler.ReduceLROnPlateau(opt, { patience: 2 });
 * scheduler.step(validationLoss);
 * ```
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer<OptimizerOptions>;
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: 'min' | 'max';
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  best = Infinity;
  numBadEpochs = 0;
  modeWorse = Infinity;
  eps: number;
  lastEpoch = 0;
  lastLr: number[];

  constructor(optimizer: Optimizer<OptimizerOptions>, options: ReduceLROnPlateauOptions = {}) {
    checkOptions('ReduceLROnPlateau', options, REDUCE_LR_ON_PLATEAU_OPTIONS);
    this.optimizer = checkOptimizer('ReduceLROnPlateau', optimizer);
    this.factor = options.factor ?? 0.1;
    if (!(this.factor < 1)) throw new RangeError(`ReduceLROnPlateau: factor should be < 1.0, got ${this.factor}`);
    const groups = this.optimizer.paramGroups.length;
    const minLr = options.minLr ?? 0;
    if (Array.isArray(minLr) && minLr.length !== groups)
      throw new RangeError(`ReduceLROnPlateau: expected ${groups} minLr values (one per parameter group), got ${minLr.length}`);
    this.minLrs = Array.isArray(minLr) ? [...minLr] : new Array<number>(groups).fill(minLr);
    this.patience = options.patience ?? 10;
    this.cooldown = options.cooldown ?? 0;
    this.mode = options.mode ?? 'min';
    this.threshold = options.threshold ?? 1e-4;
    this.thresholdMode = options.thresholdMode ?? 'rel';
    this.eps = options.eps ?? 1e-8;
    this.initIsBetter();
    this.best = this.modeWorse;
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  private initIsBetter(): void {
    if (this.mode !== 'min' && this.mode !== 'max')
      throw new RangeError(`ReduceLROnPlateau: mode must be 'min' or 'max', got ${JSON.stringify(this.mode)}`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs')
      throw new RangeError(`ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got ${JSON.stringify(this.thresholdMode)}`);
    this.modeWorse = this.mode === 'min' ? Infinity : -Infinity;
  }

  private isBetter(current: number, best: number): boolean {
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? current < best * (1 - this.threshold) : current < best - this.threshold;
    return this.thresholdMode === 'rel' ? current > best * (this.threshold + 1) : current > best + this.threshold;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /**
   * Records one epoch's metric and reduces the rates when it has not improved for `patience`
   * epochs. The decision needs the value now: a tensor metric must be on the CPU; from webgpu pass
   * the number, `sched.step(await loss.item())`.
   */
  step(metric: number | Tensor): void {
    if (metric instanceof Tensor && !metric.deviceObject.synchronous) {
      throw new TypeError(
        `ReduceLROnPlateau.step: metric is a tensor on ${metric.device}, which cannot be read synchronously; pass its value: sched.step(await metric.item())`,
      );
    }
    const current = metric instanceof Tensor ? Number(metric.itemSync()) : Number(metric);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const newLr = Math.max(group.lr * this.factor, this.minLrs[i]);
      if (group.lr - newLr > this.eps) group.lr = newLr;
    });
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): Record<string, unknown> {
    return stateOf(this);
  }

  loadStateDict(stateDict: Record<string, unknown>): void {
    Object.assign(this, structuredClone(stateDict));
    this.initIsBetter();
  }
}
