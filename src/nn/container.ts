// Module containers: Sequential, ModuleList, ModuleDict.
import { checkArgumentCount } from '../options.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

type NamedModules<T extends Module> = Readonly<Record<string, T>> | ReadonlyMap<string, T> | Iterable<readonly [string, T]>;

function entriesOf<T extends Module>(modules: NamedModules<T>): [string, T][] {
  if (modules instanceof Map) return [...modules];
  if (Symbol.iterator in modules) return [...(modules as Iterable<readonly [string, T]>)].map(([name, module]) => [name, module]);
  return Object.entries(modules as Record<string, T>);
}

/**
 * What Sequential and ModuleList share: children numbered '0', '1', ... (read `list[0]`, or
 * `list.at(-1)`), iteration, length, and PyTorch's append/extend/insert/pop, which renumber.
 */
abstract class ModuleSequence<T extends Module> extends Module {
  [index: number]: T;

  get length(): number {
    return this.modulesByName.size;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (const module of [...this.modulesByName.values()]) if (module) yield module as T;
  }

  /** The module at `index`; negative counts from the end. */
  at(index: number): T {
    return [...this][this.absoluteIndex('at', index, this.length)];
  }

  private absoluteIndex(op: string, index: number, size: number): number {
    if (!Number.isInteger(index) || index < -size || index >= size)
      throw new RangeError(`${this.getName()}.${op}: index ${index} is out of range for ${size} modules`);
    return index < 0 ? index + size : index;
  }

  append(module: T): this {
    this.addModule(String(this.length), module);
    return this;
  }

  extend(modules: Iterable<T>): this {
    for (const module of modules) this.append(module);
    return this;
  }

  /** Inserts `module` before position `index` (negative counts from the end, as list.insert). */
  insert(index: number, module: T): this {
    if (!(module instanceof Module)) throw new TypeError(`${this.getName()}.insert: module must be an nn.Module`);
    const modules = [...this];
    const position = index < 0 ? Math.max(0, index + modules.length) : Math.min(index, modules.length);
    modules.splice(position, 0, module);
    return this.renumber(modules);
  }

  /** Removes and returns the module at `index` (default the last). */
  pop(index = -1): T {
    const modules = [...this];
    const [removed] = modules.splice(this.absoluteIndex('pop', index, modules.length), 1);
    this.renumber(modules);
    return removed;
  }

  /** Re-registers `modules` as '0', '1', ..., as PyTorch rebuilds `_modules` after a deletion. */
  private renumber(modules: readonly T[]): this {
    for (const name of [...this.modulesByName.keys()]) Reflect.deleteProperty(this, name);
    modules.forEach((module, i) => this.addModule(String(i), module));
    return this;
  }
}

/**
 * `nn.Sequential(...modules)` or `nn.Sequential({ name: module, ... })` (or a Map, for names that
 * look like integers): runs the modules in order, each on the previous one's output.
 *
 * ```ts
 * const mlp = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
 * mlp.forward(torch.randn(3, 4)).shape;   // [3, 2]
 * ```
 */
export class Sequential extends ModuleSequence<Module> {
  constructor(...modules: Module[]);
  constructor(modules: NamedModules<Module>);
  constructor(...args: (Module | NamedModules<Module>)[]) {
    super();
    if (args.length === 1 && !(args[0] instanceof Module)) {
      for (const [name, module] of entriesOf(args[0] as NamedModules<Module>)) this.addModule(name, module);
    } else {
      args.forEach((module, i) => this.addModule(String(i), module as Module));
    }
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    let output = input;
    for (const module of this) output = module.forward(output);
    return output;
  }
}

/**
 * `nn.ModuleList(modules?)`: holds modules in a list so that they are registered (a plain array
 * is not); it has no forward of its own. Subclassing it is allowed, as in PyTorch. The element type
 * is inferred from the constructor's modules (a stack of one layer kind); write
 * `new nn.ModuleList<nn.Module>(...)` to append other kinds later.
 *
 * ```ts
 * const layers = new nn.ModuleList(Array.from({ length: 3 }, () => new nn.Linear(8, 8)));
 * layers.append(new nn.Linear(8, 2));
 * for (const layer of layers) x = layer.forward(x);
 * ```
 */
export class ModuleList<T extends Module = Module> extends ModuleSequence<T> {
  constructor(modules: Iterable<T> = []) {
    super();
    this.extend(modules);
  }
}

/**
 * `nn.ModuleDict(modules?)`: modules by name, in insertion order, registered under their names.
 * Besides `get`/`set`, entries are fields: `dict.encoder`.
 *
 * ```ts
 * const heads = new nn.ModuleDict({ cls: new nn.Linear(8, 2), reg: new nn.Linear(8, 1) });
 * heads.get('cls').forward(x);
 * ```
 */
export class ModuleDict<T extends Module = Module> extends Module {
  // Not inferred from the constructor: a dict usually holds modules of several kinds.
  constructor(modules: NamedModules<NoInfer<T>> = {}) {
    super();
    this.update(modules);
  }

  get length(): number {
    return this.modulesByName.size;
  }

  /** The module under `key`; throws when there is none (PyTorch's KeyError). */
  get(key: string): T {
    const module = this.modulesByName.get(key);
    if (!module)
      throw new RangeError(`${this.getName()}: no module under key '${key}' (keys: ${[...this.keys()].map((k) => `'${k}'`).join(', ')})`);
    return module as T;
  }

  set(key: string, module: T): this {
    if (this.modulesByName.has(key)) Reflect.set(this, key, module);
    else this.addModule(key, module);
    return this;
  }

  has(key: string): boolean {
    return this.modulesByName.has(key);
  }

  /** Removes `key` (Python's `del d[key]`); true when it was there. */
  delete(key: string): boolean {
    return this.modulesByName.has(key) && Reflect.deleteProperty(this, key);
  }

  /** Removes and returns the module under `key`. */
  pop(key: string): T {
    const module = this.get(key);
    this.delete(key);
    return module;
  }

  clear(): void {
    for (const key of [...this.keys()]) this.delete(key);
  }

  /** Adds or replaces entries from an object, a Map or [name, module] pairs. */
  update(modules: NamedModules<T>): this {
    for (const [name, module] of entriesOf(modules)) this.set(name, module);
    return this;
  }

  keys(): IterableIterator<string> {
    return [...this.modulesByName.keys()][Symbol.iterator]();
  }

  values(): IterableIterator<T> {
    return [...this.modulesByName.values()].filter((module): module is T => module !== null)[Symbol.iterator]();
  }

  items(): IterableIterator<[string, T]> {
    return [...this.modulesByName].filter((entry): entry is [string, T] => entry[1] !== null)[Symbol.iterator]();
  }

  /** Iterates over keys, as iterating over a Python dict does. */
  [Symbol.iterator](): IterableIterator<string> {
    return this.keys();
  }
}
