import { checkOptions, optionKeys } from '../options.js';
import { Tensor } from '../tensor.js';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

/** A scheduler's state dict: a copy of every field but the optimizer (PyTorch's `__dict__` minus it). */
function stateOf(scheduler: { optimizer: unknown }): Record<string, unknown> {
  const { optimizer: _optimizer, ...state } = scheduler;
  return structuredClone(state);
}

function checkOptimizer(scheduler: string, optimizer: unknown): Optimizer<OptimizerOptions> {
  if (!(optimizer instanceof Optimizer)) throw new TypeError(`${scheduler}: ${optimizer === null ? 'null' : (optimizer as object)?.constructor?.name ?? typeof optimizer} is not an Optimizer`);
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
        if (group.initialLr === undefined) throw new Error(`${this.constructor.name}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = groups.map((group) => group.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The rates for epoch `lastEpoch`, computed from the groups' current rates. */
  protected abstract getLr(): number[];

  /** Advances one epoch; call it after `optimizer.step()`. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const values = this.getLr();
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

  constructor(optimizer: Optimizer<OptimizerOptions>, stepSize: number, options: SchedulerOptions & { gamma?: number } = {}) {
    super(optimizer, checkOptions('StepLR', options, optionKeys<SchedulerOptions & { gamma?: number }>({ gamma: true, lastEpoch: true })).lastEpoch);
    if (!Number.isInteger(stepSize) || stepSize <= 0) throw new RangeError(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    this.stepSize = stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
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
    super(optimizer, checkOptions('CosineAnnealingLR', options, optionKeys<SchedulerOptions & { etaMin?: number }>({ etaMin: true, lastEpoch: true })).lastEpoch);
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
    return groups.map((group) => ((1 + Math.cos((Math.PI * epoch) / tMax)) / (1 + Math.cos((Math.PI * (epoch - 1)) / tMax))) * (group.lr - etaMin) + etaMin);
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

const REDUCE_LR_ON_PLATEAU_OPTIONS = optionKeys<ReduceLROnPlateauOptions>({ mode: true, factor: true, patience: true, threshold: true, thresholdMode: true, cooldown: true, minLr: true, eps: true });

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
    if (Array.isArray(minLr) && minLr.length !== groups) throw new RangeError(`ReduceLROnPlateau: expected ${groups} minLr values (one per parameter group), got ${minLr.length}`);
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
    if (this.mode !== 'min' && this.mode !== 'max') throw new RangeError(`ReduceLROnPlateau: mode must be 'min' or 'max', got ${JSON.stringify(this.mode)}`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') throw new RangeError(`ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got ${JSON.stringify(this.thresholdMode)}`);
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
      throw new TypeError(`ReduceLROnPlateau.step: metric is a tensor on ${metric.device}, which cannot be read synchronously; pass its value: sched.step(await metric.item())`);
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
