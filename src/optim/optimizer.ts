// `Optimizer`: param groups, state dicts, option checks and the per-parameter step loop.
import { type ZeroGradOptions, zeroGradients } from '../autograd/zero-grad.js';
import { enableGrad, noGrad } from '../graph/grad-mode.js';
import { keep, noteOptimizerStep, scope } from '../memory.js';
import { add } from '../ops/elementwise.js';
import { neg } from '../ops/unary.js';
import { checkOptions } from '../options.js';
import { formatShape, type Shape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';

/** What every optimizer's options hold: the learning rate, which schedulers adjust. */
export interface OptimizerOptions {
  lr: number;
}

/**
 * A parameter group: the tensors it optimizes and its options (the defaults, overridden per group).
 * `initialLr` is set by a learning-rate scheduler, as PyTorch's 'initial_lr'.
 */
export type ParamGroup<Options extends OptimizerOptions> = Options & { params: Tensor[]; initialLr?: number };

/** A group as passed to the constructor or `addParamGroup`: params plus any options to override. */
export type ParamGroupInput<Options extends OptimizerOptions> = Partial<Options> & { params: Iterable<Tensor> };

/**
 * A parameter's optimizer state: tensors owned by the optimizer, step counts, null (SGD without
 * momentum), or lists of them (LBFGS's history).
 */
export type ParamState = Record<string, Tensor | number | null | (Tensor | number)[]>;

/**
 * PyTorch's optimizer state_dict, camelCased: `state` keyed by the parameter's index (counted
 * through the groups in order) and `paramGroups` with each group's options and the indices of its
 * params. The tensors in `state` are the optimizer's own, as in PyTorch: clone them to snapshot.
 */
export interface OptimizerStateDict<Options extends OptimizerOptions = OptimizerOptions> {
  state: Record<number, ParamState>;
  paramGroups: (Partial<Options> & { params: number[]; initialLr?: number })[];
}

/**
 * The base of every optimizer, as `torch.optim.Optimizer`: parameter groups with per-group
 * options, per-parameter state, `zeroGrad`, `step` and the state dict. Most optimizers update each
 * parameter on its own and extend PerParameterOptimizer; LBFGS, which searches along one direction
 * for all parameters together, defines `step` itself.
 */
export abstract class Optimizer<Options extends OptimizerOptions> {
  readonly paramGroups: ParamGroup<Options>[] = [];
  /** Per-parameter state, created at a parameter's first step. */
  state = new Map<Tensor, ParamState>();

  constructor(
    params: Iterable<Tensor> | Iterable<ParamGroupInput<Options>>,
    readonly defaults: Options,
  ) {
    const name = this.constructor.name;
    if (params instanceof Tensor || params === null || typeof (params as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(
        `${name}: params must be an iterable of Tensors or of parameter groups ({ params, ...options }), got ${params instanceof Tensor ? 'a Tensor' : typeof params}`,
      );
    }
    const list = [...params];
    if (list.length === 0) throw new Error(`${name}: optimizer got an empty parameter list`);
    const groups: ParamGroupInput<Options>[] = list.every((item) => item instanceof Tensor)
      ? [{ params: list } as unknown as ParamGroupInput<Options>]
      : (list as ParamGroupInput<Options>[]);
    for (const group of groups) this.addParamGroup(group);
  }

  /** Adds a group (for example layers unfrozen during fine-tuning); options it leaves out take the defaults. */
  addParamGroup(group: ParamGroupInput<Options>): void {
    const name = this.constructor.name;
    if (group === null || typeof group !== 'object' || group instanceof Tensor)
      throw new TypeError(`${name}: a parameter group must be an object { params, ...options }`);
    const params = group.params instanceof Tensor ? [group.params] : [...(group.params ?? [])];
    params.forEach((param, i) => {
      if (!(param instanceof Tensor))
        throw new TypeError(
          `${name}: optimizer can only optimize Tensors, but params[${i}] of a group is ${param === null ? 'null' : typeof param}`,
        );
      param.assertAlive(name, `params[${i}]`);
      if (!param.isLeaf)
        throw new Error(
          `${name}: can't optimize a non-leaf Tensor (params[${i}], shape ${formatShape(param.shape)}); optimize the leaf it was computed from`,
        );
    });
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((param) => taken.has(param))) throw new Error(`${name}: some parameters appear in more than one parameter group`);
    checkOptions(`${name}: parameter group`, group, ['params', ...Object.keys(this.defaults), 'initialLr']);
    const merged = copyOptions({ ...this.defaults, ...group, params }) as ParamGroup<Options>;
    this.checkOptions(merged);
    this.paramGroups.push(merged);
  }

  /** Throws for option values PyTorch refuses (a negative learning rate, betas outside [0, 1), ...). */
  protected abstract checkOptions(options: Options): void;

  /**
   * Sets the gradients to zero in place (PyTorch 1.13's default), or with `setToNone` frees them so
   * the next backward allocates fresh ones (a parameter left without one is skipped by `step`).
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    zeroGradients(
      `${this.constructor.name}.zeroGrad`,
      this.paramGroups.flatMap((group) => group.params),
      options,
    );
  }

  /** Updates the parameters from their gradients; `closure`, if given, re-evaluates the model and returns the loss. */
  abstract step(closure?: () => unknown): unknown;

  /** The state and options in PyTorch's layout (see OptimizerStateDict); state tensors are shared, not copied. */
  stateDict(): OptimizerStateDict<Options> {
    const indexOf = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((group) => {
      const { params, ...options } = group;
      for (const param of params) if (!indexOf.has(param)) indexOf.set(param, indexOf.size);
      return {
        ...copyOptions(options),
        params: params.map((param) => indexOf.get(param)!),
      } as OptimizerStateDict<Options>['paramGroups'][number];
    });
    const state: Record<number, ParamState> = {};
    for (const [param, values] of this.state) {
      const index = indexOf.get(param);
      if (index !== undefined) state[index] = { ...values };
    }
    return { state, paramGroups };
  }

  /**
   * Restores state and options saved by `stateDict` (of an optimizer over parameters of the same
   * shapes, grouped alike). Tensors are copied, as PyTorch deep-copies, so the two optimizers then
   * train independently; the state they replace is freed.
   */
  loadStateDict(stateDict: OptimizerStateDict<Options>): void {
    const name = `${this.constructor.name}.loadStateDict`;
    const saved = stateDict?.paramGroups;
    if (!Array.isArray(saved) || typeof stateDict.state !== 'object' || stateDict.state === null)
      throw new TypeError(`${name}: expected an object { state, paramGroups } as stateDict() returns`);
    if (saved.length !== this.paramGroups.length)
      throw new Error(`${name}: loaded state dict has ${saved.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    saved.forEach((group, i) => {
      if (group.params.length !== this.paramGroups[i].params.length) {
        throw new Error(
          `${name}: loaded state dict contains a parameter group that doesn't match the size of optimizer's group (group ${i}: ${group.params.length} vs ${this.paramGroups[i].params.length} params)`,
        );
      }
    });
    const paramOf = new Map<number, Tensor>();
    saved.forEach((group, i) => group.params.forEach((index, k) => paramOf.set(index, this.paramGroups[i].params[k])));
    for (const [key, values] of Object.entries(stateDict.state)) {
      const param = paramOf.get(Number(key));
      if (!param) throw new Error(`${name}: state for parameter ${key} names no parameter of the saved groups`);
      const shape = this.stateShape(param);
      for (const [field, value] of Object.entries(values)) {
        for (const tensor of tensorsOf(value)) {
          if (tensor.isDisposed) throw new Error(`${name}: state[${key}].${field} is a disposed tensor`);
          if (!shapesEqual(tensor.shape, shape)) {
            throw new RangeError(
              `${name}: state[${key}].${field} has shape ${formatShape(tensor.shape)}, but parameter ${key} has ${shape === param.shape ? '' : 'state of '}shape ${formatShape(shape)}`,
            );
          }
        }
      }
    }
    const state = new Map<Tensor, ParamState>();
    try {
      noGrad(() => {
        for (const [key, values] of Object.entries(stateDict.state)) {
          const param = paramOf.get(Number(key))!;
          const copy: ParamState = {};
          state.set(param, copy);
          const copyOf = <T>(value: T): T =>
            (value instanceof Tensor ? keep(value.device === param.device ? value.clone() : value.to(param.device)) : value) as T;
          for (const [field, value] of Object.entries(values)) copy[field] = Array.isArray(value) ? value.map(copyOf) : copyOf(value);
        }
      });
    } catch (error) {
      // All or nothing: the optimizer keeps its own state, and the copies made so far are freed.
      for (const copy of state.values()) for (const value of Object.values(copy)) for (const tensor of tensorsOf(value)) tensor.dispose();
      throw error;
    }
    this.disposeState();
    this.state = state;
    saved.forEach((group, i) => {
      const { params: _indices, ...options } = group;
      Object.assign(this.paramGroups[i], copyOptions(options));
    });
  }

  /** Frees the state tensors (moments, momentum buffers); the optimizer starts afresh at its next step. */
  dispose(): void {
    this.disposeState();
    this.state = new Map();
  }

  /** The shape of the state tensors of `param`: its own, but for LBFGS's flat vectors over all parameters. */
  protected stateShape(param: Tensor): Shape {
    return param.shape;
  }

  private disposeState(): void {
    for (const values of this.state.values())
      for (const value of Object.values(values)) for (const tensor of tensorsOf(value)) tensor.dispose();
  }
}

/**
 * The base of the optimizers whose step updates each parameter from its own gradient and state
 * (all but LBFGS). A subclass defines `update`, the step for one parameter, written with in-place
 * tensor ops; `step` runs it under noGrad inside a scope, so the temporaries of every step are
 * freed and only the state (kept tensors) survives.
 */
export abstract class PerParameterOptimizer<Options extends OptimizerOptions> extends Optimizer<Options> {
  /** The state a parameter starts with; called at its first step. */
  protected abstract initialState(param: Tensor, group: ParamGroup<Options>): ParamState;

  /** One step for one parameter with a gradient, under noGrad; writes param and state in place. */
  protected abstract update(param: Tensor, grad: Tensor, group: ParamGroup<Options>, state: ParamState): void;

  /**
   * Updates every parameter that has a gradient. `closure`, if given, re-evaluates the model with
   * grad enabled and returns the loss, which `step` returns.
   */
  override step<Loss = undefined>(closure?: () => Loss): Loss | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    // Everything an update reads is checked before the first parameter changes, so a bad gradient
    // or freed state fails the step as a whole instead of leaving it half applied.
    const updates: [param: Tensor, grad: Tensor, group: ParamGroup<Options>][] = [];
    this.paramGroups.forEach((group, g) => {
      group.params.forEach((param, i) => {
        const grad = param.grad;
        if (!grad || param.isDisposed) return;
        checkUpdate(`${this.constructor.name}.step`, param, grad, this.state.get(param), `paramGroups[${g}].params[${i}]`);
        updates.push([param, grad, group]);
      });
    });
    noGrad(() => {
      for (const [param, grad, group] of updates) {
        let state = this.state.get(param);
        if (!state) {
          state = keepTensors(scope(() => this.initialState(param, group)));
          this.state.set(param, state);
        }
        const current = state;
        scope(() => this.update(param, grad, group, current));
      }
    });
    noteOptimizerStep();
    return loss;
  }
}

/** The tensors a state entry holds: none, itself, or those of its list. */
function tensorsOf(value: ParamState[string]): Tensor[] {
  if (value instanceof Tensor) return [value];
  return Array.isArray(value) ? value.filter((item): item is Tensor => item instanceof Tensor) : [];
}

/** Throws, before a step changes anything, for a gradient or state tensor the update could not use. */
export function checkUpdate(name: string, param: Tensor, grad: Tensor, state: ParamState | undefined, where: string): void {
  if (grad.isDisposed)
    throw new Error(`${name}: the gradient of ${where} (shape ${formatShape(param.shape)}) is a disposed tensor; nothing was updated`);
  for (const [field, value] of Object.entries(state ?? {})) {
    for (const tensor of tensorsOf(value)) {
      if (tensor.isDisposed)
        throw new Error(
          `${name}: the optimizer state ${field} of ${where} is a disposed tensor; nothing was updated (optimizer.dispose() resets the state instead)`,
        );
      if (tensor.device !== param.device)
        throw new Error(
          `${name}: the optimizer state ${field} of ${where} is on ${tensor.device}, the parameter on ${param.device}; nothing was updated (create the optimizer after moving the model)`,
        );
    }
  }
}

/** Keeps the tensors of a new state past the scope that built them. */
function keepTensors(state: ParamState): ParamState {
  for (const value of Object.values(state)) if (value instanceof Tensor) keep(value);
  return state;
}

/** Options with their arrays (betas) copied, so a state dict and the optimizer never share one. */
function copyOptions<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).map(([key, value]) => [key, Array.isArray(value) ? [...value] : value])) as T;
}

/** PyTorch's constructor checks, as `Invalid learning rate: -1`. */
export function checkAtLeastZero(optimizer: string, values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!(value >= 0)) throw new RangeError(`${optimizer}: invalid ${name} value: ${value} (must be >= 0)`);
  }
}

/** The gradient an update follows: negated to ascend (`maximize`), plus the L2 penalty weightDecay * param. */
export function penalizedGradient(param: Tensor, grad: Tensor, options: { maximize?: boolean; weightDecay: number }): Tensor {
  const g = options.maximize ? neg(grad) : grad;
  return options.weightDecay === 0 ? g : add(g, param, { alpha: options.weightDecay });
}

/**
 * An optimizer's options: `options` checked against the keys of `defaults`, over a copy of the
 * defaults (arrays such as betas copied too, so a group that edits its own never edits the table).
 */
export function withDefaults<Options extends object>(name: string, defaults: Options, options: Partial<Options>): Options {
  const copied = Object.fromEntries(Object.entries(defaults).map(([key, value]) => [key, Array.isArray(value) ? [...value] : value]));
  return { ...copied, ...checkOptions(name, options, Object.keys(defaults)) } as Options;
}

/** Counts one more step in a parameter's state and returns the new count (PyTorch's `state['step'] += 1`). */
export function nextStep(state: ParamState): number {
  state.step = (state.step as number) + 1;
  return state.step;
}
