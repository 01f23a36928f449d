// `nn.Module`: parameter, buffer and child registration, train/eval, state dicts.
import { type ZeroGradOptions, zeroGradients } from '../autograd/zero-grad.js';
import { noGrad } from '../graph/grad-mode.js';
import { keep } from '../memory.js';
import { clone } from '../ops/views.js';
import { checkOptions, optionKeys } from '../options.js';
import { formatShape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { Parameter } from './parameter.js';
import { indentAfterFirstLine } from './repr.js';

/** Parameter and buffer values by their dotted names ('fc.weight', 'layers.0.bias'), in PyTorch's order. */
export type StateDict = Record<string, Tensor>;

export interface StateDictOptions {
  /** Prepended to every key. */
  prefix?: string;
  /** Return the parameters and buffers themselves instead of detached aliases of them. */
  keepVars?: boolean;
}

const STATE_DICT_OPTIONS = optionKeys<StateDictOptions>({ prefix: true, keepVars: true });

export interface LoadStateDictOptions {
  /** Refuse (and load nothing) when keys are missing or unexpected; default true. */
  strict?: boolean;
}

const LOAD_STATE_DICT_OPTIONS = optionKeys<LoadStateDictOptions>({ strict: true });

export interface IncompatibleKeys {
  missingKeys: string[];
  unexpectedKeys: string[];
}

type Entry<T> = [string, T];

/**
 * The base class of every layer and model, as PyTorch's `nn.Module`: subclasses assign layers,
 * parameters and buffers to fields and define `forward`.
 *
 * ```ts
 * class Net extends nn.Module {
 *   fc1 = new nn.Linear(4, 8);
 *   fc2 = new nn.Linear(8, 2);
 *   forward(x: torch.Tensor) {
 *     return this.fc2.forward(this.fc1.forward(x).relu());
 *   }
 * }
 * new Net().stateDict();   // keys 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'
 * ```
 *
 * Registration. PyTorch registers on `__setattr__`; JavaScript has no such hook on plain objects,
 * so the constructor returns a Proxy of the new module, and every subclass constructor and field
 * initialiser runs with `this` being that Proxy. Its `defineProperty` trap sees each value as it
 * lands on a property: class fields are defined (so they reach the trap directly), and plain
 * assignment `this.x = v` also ends in [[DefineOwnProperty]] on the receiver, the Proxy. So
 * registration happens at assignment time, in assignment order, exactly when PyTorch's would, and
 * reassignment (`this.fc = new nn.Linear(...)`, `this.runningMean = t`) updates the entry in place
 * while keeping its position, as PyTorch's dicts do. A Parameter goes to the parameters, a Module
 * to the children, a Tensor assigned to a name given to `registerBuffer` to the buffers; anything
 * else is a plain property. Each registered value also stays an ordinary own property, so reads
 * (`this.fc`, `list[0]`) never pass through a trap. Separate ordered maps per kind (rather than
 * walking own properties) keep PyTorch's order where JavaScript's property order differs (it puts
 * integer-like keys first), and let assignments PyTorch refuses (a plain tensor to a parameter's
 * name) throw. Module's own state is in ordinary fields, defined on the target before the Proxy
 * exists; methods see the Proxy as `this`, so Module itself uses no `#private` fields.
 */
export class Module {
  /** True in training mode (the default), false after `eval()`; read by Dropout, BatchNorm, ... */
  training = true;
  private readonly parametersByName = new Map<string, Parameter | null>();
  private readonly buffersByName = new Map<string, Tensor | null>();
  private readonly nonPersistentBuffers = new Set<string>();
  /** Child modules by name, in registration order (containers read and renumber it). */
  protected readonly modulesByName = new Map<string, Module | null>();

  constructor() {
    // biome-ignore lint/correctness/noConstructorReturn: assigning a Module or Parameter field registers it, as in PyTorch's __setattr__
    return new Proxy(this, Module.registration);
  }

  private static readonly registration: ProxyHandler<Module> = {
    defineProperty(target, key, descriptor) {
      if (typeof key === 'string' && 'value' in descriptor) target.register(key, descriptor.value);
      return Reflect.defineProperty(target, key, descriptor);
    },
    deleteProperty(target, key) {
      if (typeof key === 'string') {
        target.parametersByName.delete(key);
        target.buffersByName.delete(key);
        target.nonPersistentBuffers.delete(key);
        target.modulesByName.delete(key);
      }
      return Reflect.deleteProperty(target, key);
    },
  };

  /** Files a value assigned to `name` under its kind, as PyTorch's `Module.__setattr__` does. */
  private register(name: string, value: unknown): void {
    if (value instanceof Parameter || value instanceof Module) {
      checkName(this, name);
      this.buffersByName.delete(name);
      this.nonPersistentBuffers.delete(name);
      if (value instanceof Parameter) {
        this.modulesByName.delete(name);
        this.parametersByName.set(name, value);
      } else {
        this.parametersByName.delete(name);
        this.modulesByName.set(name, value);
      }
      return;
    }
    const empty = value === null || value === undefined;
    if (this.parametersByName.has(name)) {
      if (!empty)
        throw new TypeError(`${this.getName()}: cannot assign ${describe(value)} as parameter '${name}' (nn.Parameter or null expected)`);
      this.parametersByName.set(name, null);
    } else if (this.modulesByName.has(name)) {
      if (!empty)
        throw new TypeError(`${this.getName()}: cannot assign ${describe(value)} as child module '${name}' (nn.Module or null expected)`);
      this.modulesByName.set(name, null);
    } else if (this.buffersByName.has(name)) {
      if (!empty && !(value instanceof Tensor))
        throw new TypeError(`${this.getName()}: cannot assign ${describe(value)} as buffer '${name}' (Tensor or null expected)`);
      this.buffersByName.set(name, empty ? null : keep(value as Tensor));
    }
  }

  /**
   * Whether `name` is taken by something other than an entry of `registry` (PyTorch's hasattr
   * check). A plain field holding null or undefined does not count: TypeScript fields are declared
   * (`bias: Parameter | null = null`) before a constructor registers them.
   */
  private occupied(name: string, registry: Map<string, unknown>): boolean {
    if (registry.has(name)) return false;
    return Object.hasOwn(this, name) ? Reflect.get(this, name) != null : name in this;
  }

  /**
   * Adds a parameter under `name` (null reserves the name, as Linear does for a missing bias);
   * the same as assigning a Parameter to `this[name]`.
   */
  registerParameter(name: string, param: Parameter | null): void {
    checkName(this, name);
    if (param !== null && !(param instanceof Parameter))
      throw new TypeError(
        `${this.getName()}.registerParameter: cannot assign ${describe(param)} as parameter '${name}' (nn.Parameter or null expected)`,
      );
    if (this.occupied(name, this.parametersByName))
      throw new Error(`${this.getName()}.registerParameter: attribute '${name}' already exists`);
    this.parametersByName.set(name, param);
    Reflect.set(this, name, param);
  }

  /**
   * Adds state that is not a parameter (running statistics, masks, positional tables). It is
   * saved by stateDict unless `persistent` is false, moved by `to`, and kept alive like a
   * parameter. Reassign it with `this[name] = tensor`.
   */
  registerBuffer(name: string, tensor: Tensor | null, persistent: boolean | { persistent?: boolean } = true): void {
    checkName(this, name);
    if (tensor !== null && !(tensor instanceof Tensor))
      throw new TypeError(
        `${this.getName()}.registerBuffer: cannot assign ${describe(tensor)} as buffer '${name}' (Tensor or null expected)`,
      );
    if (tensor instanceof Parameter)
      throw new TypeError(`${this.getName()}.registerBuffer: '${name}' is a Parameter; register it as a parameter instead`);
    if (this.occupied(name, this.buffersByName)) throw new Error(`${this.getName()}.registerBuffer: attribute '${name}' already exists`);
    this.buffersByName.set(name, null);
    if (typeof persistent === 'boolean' ? persistent : (persistent.persistent ?? true)) this.nonPersistentBuffers.delete(name);
    else this.nonPersistentBuffers.add(name);
    Reflect.set(this, name, tensor);
  }

  /** Adds a child module under `name`; the same as assigning it to `this[name]`. */
  addModule(name: string, module: Module | null): void {
    checkName(this, name);
    if (module !== null && !(module instanceof Module))
      throw new TypeError(`${this.getName()}.addModule: ${describe(module)} is not a Module`);
    if (this.occupied(name, this.modulesByName)) throw new Error(`${this.getName()}.addModule: attribute '${name}' already exists`);
    this.modulesByName.set(name, module);
    Reflect.set(this, name, module);
  }

  registerModule(name: string, module: Module | null): void {
    this.addModule(name, module);
  }

  /** Defines the computation; every subclass overrides it. Call it directly: `model.forward(x)`. */
  // biome-ignore lint/suspicious/noExplicitAny: subclasses narrow both sides; `unknown` would refuse their overrides
  forward(..._inputs: any[]): any {
    throw new Error(`Module [${this.getName()}] is missing the required "forward" function`);
  }

  // ---- traversal ------------------------------------------------------------------------------

  /** The module and its descendants with their dotted names, depth first, each once unless `removeDuplicate` is false. */
  namedModules(memo: Set<Module> | null = null, prefix = '', removeDuplicate = true): Entry<Module>[] {
    const seen = memo ?? new Set<Module>();
    const out: Entry<Module>[] = [];
    const visit = (module: Module, path: string) => {
      if (removeDuplicate) {
        if (seen.has(module)) return;
        seen.add(module);
      }
      out.push([path, module]);
      for (const [name, child] of module.modulesByName) if (child) visit(child, path ? `${path}.${name}` : name);
    };
    visit(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, module]) => module);
  }

  /** Direct children with their names, each once. */
  namedChildren(): Entry<Module>[] {
    const seen = new Set<Module>();
    const out: Entry<Module>[] = [];
    for (const [name, child] of this.modulesByName) {
      if (child && !seen.has(child)) {
        seen.add(child);
        out.push([name, child]);
      }
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, child]) => child);
  }

  /** Own entries of every module (or of this one alone), named by path; shared tensors once unless `removeDuplicate` is false. */
  private namedMembers<T extends Tensor>(
    members: (module: Module) => Iterable<Entry<T | null>>,
    prefix: string,
    recurse: boolean,
    removeDuplicate: boolean,
  ): Entry<T>[] {
    const seen = new Set<T>();
    const out: Entry<T>[] = [];
    const modules: Entry<Module>[] = recurse ? this.namedModules(null, prefix, removeDuplicate) : [[prefix, this]];
    for (const [path, module] of modules) {
      for (const [name, value] of members(module)) {
        if (value === null || (removeDuplicate && seen.has(value))) continue;
        seen.add(value);
        out.push([path ? `${path}.${name}` : name, value]);
      }
    }
    return out;
  }

  /** `[name, parameter]` pairs in PyTorch's order: a module's own parameters, then each child's. */
  namedParameters(prefix = '', recurse = true, removeDuplicate = true): Entry<Parameter>[] {
    return this.namedMembers((module) => module.parametersByName, prefix, recurse, removeDuplicate);
  }

  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, param]) => param);
  }

  namedBuffers(prefix = '', recurse = true, removeDuplicate = true): Entry<Tensor>[] {
    return this.namedMembers((module) => module.buffersByName, prefix, recurse, removeDuplicate);
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, buffer]) => buffer);
  }

  // ---- state ----------------------------------------------------------------------------------

  /** The tensors stateDict saves, themselves, keyed as PyTorch keys them (shared modules under every path). */
  private stateEntries(prefix: string): Entry<Tensor>[] {
    const out: Entry<Tensor>[] = [];
    for (const [path, module] of this.namedModules(null, '', false)) {
      const key = (name: string) => prefix + (path ? `${path}.${name}` : name);
      for (const [name, param] of module.parametersByName) if (param) out.push([key(name), param]);
      for (const [name, buffer] of module.buffersByName)
        if (buffer && !module.nonPersistentBuffers.has(name)) out.push([key(name), buffer]);
    }
    return out;
  }

  /**
   * Parameters and persistent buffers by name ('fc.weight', 'layers.0.bias'), in PyTorch's order.
   * The values are detached aliases (sharing storage, created in the current scope) unless
   * `keepVars`, which returns the parameters and buffers themselves.
   */
  stateDict(options: StateDictOptions = {}): StateDict {
    checkOptions(`${this.getName()}.stateDict`, options, STATE_DICT_OPTIONS);
    const out: StateDict = {};
    for (const [key, value] of this.stateEntries(options.prefix ?? '')) out[key] = options.keepVars ? value : value.detach();
    return out;
  }

  /**
   * Copies values from `stateDict` (an object or a Map) into the parameters and buffers, without
   * recording gradients. Every problem is collected first and reported in one error, PyTorch's
   * message: missing and unexpected keys (when `strict`, the default), shape mismatches and
   * non-tensor values (always); when it throws, nothing has been loaded.
   */
  loadStateDict(stateDict: StateDict | ReadonlyMap<string, Tensor>, options: LoadStateDictOptions = {}): IncompatibleKeys {
    checkOptions(`${this.getName()}.loadStateDict`, options, LOAD_STATE_DICT_OPTIONS);
    const strict = options.strict ?? true;
    const incoming: ReadonlyMap<string, unknown> = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict ?? {}));
    const missingKeys: string[] = [];
    const unexpectedKeys: string[] = [];
    const problems: string[] = [];
    const copies: [Tensor, Tensor][] = [];
    // PyTorch's walk: each module claims its own keys and its children's prefixes; what no module claims is unexpected.
    for (const [path, module] of this.namedModules(null, '', false)) {
      const prefix = path ? `${path}.` : '';
      const local = new Map<string, Tensor>();
      for (const [name, param] of module.parametersByName) if (param) local.set(name, param);
      for (const [name, buffer] of module.buffersByName) if (buffer && !module.nonPersistentBuffers.has(name)) local.set(name, buffer);
      for (const [name, target] of local) {
        const key = prefix + name;
        if (!incoming.has(key)) {
          missingKeys.push(key);
          continue;
        }
        const value = incoming.get(key);
        if (!(value instanceof Tensor))
          problems.push(`While copying the parameter named "${key}", expected a Tensor from checkpoint but received ${describe(value)}`);
        else if (value.isDisposed) problems.push(`While copying the parameter named "${key}", the checkpoint's tensor is disposed`);
        else if (!shapesEqual(value.shape, target.shape))
          problems.push(
            `size mismatch for ${key}: copying a param with shape ${formatShape(value.shape)} from checkpoint, the shape in current model is ${formatShape(target.shape)}.`,
          );
        else if (!arrivesSynchronously(value, target))
          problems.push(
            `While copying the parameter named "${key}", the checkpoint's tensor is on ${value.device} and the parameter on ${target.device}: that copy cannot complete synchronously; move the checkpoint there first, each tensor with await t.toAsync('${target.device}')`,
          );
        else copies.push([target, value]);
      }
      for (const key of incoming.keys()) {
        if (!key.startsWith(prefix)) continue;
        const first = key.slice(prefix.length).split('.', 1)[0];
        if (!module.modulesByName.has(first) && !local.has(first)) unexpectedKeys.push(key);
      }
    }
    if (strict && unexpectedKeys.length > 0) problems.unshift(`Unexpected key(s) in state_dict: ${quoteKeys(unexpectedKeys)}. `);
    if (strict && missingKeys.length > 0) problems.unshift(`Missing key(s) in state_dict: ${quoteKeys(missingKeys)}. `);
    if (problems.length > 0) throw new Error(`Error(s) in loading state_dict for ${this.getName()}:\n\t${problems.join('\n\t')}`);
    noGrad(() => {
      for (const [target, value] of copies) {
        const source = value.device === target.device ? value : value.to(target.device);
        target.copy_(source);
        if (source !== value) source.dispose();
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- modes and devices ------------------------------------------------------------------------

  /** Sets training mode on this module and every descendant (Dropout drops, BatchNorm updates its statistics). */
  train(mode = true): this {
    if (typeof mode !== 'boolean')
      throw new TypeError(`${this.getName()}.train: training mode is expected to be boolean, got ${describe(mode)}`);
    for (const module of this.modules()) module.training = mode;
    return this;
  }

  /** `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Sets requiresGrad on every parameter (freezing with false). */
  requiresGrad_(requiresGrad = true): this {
    for (const param of this.parameters()) param.requiresGrad_(requiresGrad);
    return this;
  }

  /**
   * Zeroes every parameter's gradient in place, PyTorch 1.13's default; `{ setToNone: true }`
   * frees the gradients instead.
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    zeroGradients(`${this.getName()}.zeroGrad`, this.parameters(), options);
  }

  /** Calls `fn` on every descendant, children before parents, then on this module (PyTorch's order). */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Moves every parameter and buffer (and gradient) to `device`. Tensors already there stay as
   * they are; a tensor that moves is replaced by its copy on the new device, so build optimizers
   * after moving the model.
   */
  to(device: string): this {
    const moved = new Map<Tensor, Tensor>();
    const move = <T extends Tensor>(tensor: T, make: (copy: Tensor) => T): T => {
      const known = moved.get(tensor);
      if (known) return known as T;
      const copy = tensor.to(device);
      if (copy === tensor) return tensor;
      const replacement = make(copy);
      if (replacement !== copy) copy.dispose();
      moved.set(tensor, replacement);
      return replacement;
    };
    noGrad(() => {
      for (const module of this.modules()) {
        for (const [name, param] of module.parametersByName) {
          if (!param) continue;
          const target = move(param, (copy) => {
            const replacement = new Parameter(copy, param.requiresGrad);
            if (param.grad) replacement.grad = keep(param.grad.to(device));
            return replacement;
          });
          Reflect.set(module, name, target);
        }
        for (const [name, buffer] of module.buffersByName) {
          if (buffer)
            Reflect.set(
              module,
              name,
              move(buffer, (copy) => copy),
            );
        }
      }
    });
    for (const old of moved.keys()) old.dispose();
    return this;
  }

  /**
   * An independent copy of this module, PyTorch's `copy.deepcopy(module)` (TransformerEncoder
   * stacks copies of its layer this way): parameters and buffers are copied to new storage on the
   * same device, children are copied the same way, and plain fields too (arrays, Maps, Sets,
   * typed arrays and plain objects copied, functions and instances of other classes shared).
   * Whatever is shared inside the module (tied weights, a child under two names) is shared in the
   * copy. Parameters are copied without their gradients, as PyTorch's Parameter.__deepcopy__;
   * other tensors keep requiresGrad and a copy of their gradient, and must be graph leaves.
   *
   * ```ts
   * const layer = new nn.Linear(4, 4);
   * const copy = layer.deepCopy();   // copy.weight equals layer.weight, in its own storage
   * ```
   */
  deepCopy(): this {
    return Module.copyValue(this, new Map()) as this;
  }

  /**
   * This module as nn.DataParallel runs it on one of its devices, PyTorch's `replicate`: modules of
   * the same classes sharing every plain field, each parameter and buffer replaced by
   * `copy(tensor, kind)` (called once per tensor, so tied weights stay tied). A replica owns no
   * parameters (`parameters()` is empty, as in PyTorch): its parameter fields hold the copies,
   * through whose graph gradients reach the originals. Its buffers are registered as buffers, so
   * a layer that replaces one replaces the replica's. A module shared within this one is shared
   * in the replica.
   */
  replicateForDataParallel(copy: (tensor: Tensor, kind: 'parameter' | 'buffer') => Tensor): this {
    const replicas = new Map<Module, Module>();
    const copies = new Map<Tensor, Tensor>();
    const copyOnce = (tensor: Tensor, kind: 'parameter' | 'buffer') => {
      if (!copies.has(tensor)) copies.set(tensor, copy(tensor, kind));
      return copies.get(tensor)!;
    };
    const replicate = (module: Module): Module => {
      const known = replicas.get(module);
      if (known) return known;
      // Fields are defined on the target directly, past the registration trap: the registries are
      // set here, and the parameter copies must not register as parameters.
      const target = Object.create(Object.getPrototypeOf(module)) as Module;
      const replica = new Proxy(target, Module.registration);
      replicas.set(module, replica);
      for (const key of Reflect.ownKeys(module)) Reflect.defineProperty(target, key, Reflect.getOwnPropertyDescriptor(module, key)!);
      const field = (key: string, value: unknown) =>
        Reflect.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
      const children = new Map<string, Module | null>();
      for (const [name, child] of module.modulesByName) {
        children.set(name, child && replicate(child));
        field(name, children.get(name));
      }
      const buffers = new Map<string, Tensor | null>();
      for (const [name, buffer] of module.buffersByName) {
        buffers.set(name, buffer && copyOnce(buffer, 'buffer'));
        field(name, buffers.get(name));
      }
      for (const [name, param] of module.parametersByName) if (param) field(name, copyOnce(param, 'parameter'));
      field('modulesByName', children);
      field('buffersByName', buffers);
      field('parametersByName', new Map());
      field('nonPersistentBuffers', new Set(module.nonPersistentBuffers));
      return replica;
    };
    return replicate(this) as this;
  }

  /** One value of deepCopy's walk; `copies` maps what was already copied to its copy. */
  private static copyValue(value: unknown, copies: Map<unknown, unknown>): unknown {
    if (value === null || typeof value !== 'object') return value;
    const known = copies.get(value);
    if (known !== undefined) return known;
    if (value instanceof Tensor) {
      const copy = noGrad(() => copyTensor(value));
      copies.set(value, copy);
      return copy;
    }
    if (value instanceof Module) {
      // A new target behind the registration Proxy, its fields defined on the target directly:
      // the registries are copied as fields themselves, with the same copies of each value.
      const target = Object.create(Object.getPrototypeOf(value)) as Module;
      const copy = new Proxy(target, Module.registration);
      copies.set(value, copy);
      Module.copyFields(value, target, copies);
      return copy;
    }
    if (Array.isArray(value)) {
      const copy: unknown[] = [];
      copies.set(value, copy);
      for (const item of value) copy.push(Module.copyValue(item, copies));
      return copy;
    }
    if (value instanceof Map) {
      const copy = new Map();
      copies.set(value, copy);
      for (const [k, v] of value) copy.set(Module.copyValue(k, copies), Module.copyValue(v, copies));
      return copy;
    }
    if (value instanceof Set) {
      const copy = new Set();
      copies.set(value, copy);
      for (const item of value) copy.add(Module.copyValue(item, copies));
      return copy;
    }
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const copy = (value as unknown as Float32Array).slice();
      copies.set(value, copy);
      return copy;
    }
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return value;
    const copy = Object.create(prototype) as object;
    copies.set(value, copy);
    Module.copyFields(value, copy, copies);
    return copy;
  }

  private static copyFields(source: object, target: object, copies: Map<unknown, unknown>): void {
    for (const key of Reflect.ownKeys(source)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(source, key)!;
      if ('value' in descriptor) descriptor.value = Module.copyValue(descriptor.value, copies);
      Reflect.defineProperty(target, key, descriptor);
    }
  }

  // ---- printing ---------------------------------------------------------------------------------

  /** The class name printed in the module tree. */
  getName(): string {
    return this.constructor.name;
  }

  /** The part printed between the parentheses of this module's line, e.g. `in_features=4, out_features=2, bias=True`. */
  extraRepr(): string {
    return '';
  }

  /** The module tree as PyTorch prints it (`repr(model)`). */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = [...this.modulesByName].map(
      ([name, child]) => `(${name}): ${indentAfterFirstLine(child ? child.toString() : 'None', 2)}`,
    );
    const lines = [...extraLines, ...childLines];
    let body = '';
    if (extraLines.length === 1 && childLines.length === 0) body = extraLines[0];
    else if (lines.length > 0) body = `\n  ${lines.join('\n  ')}\n`;
    return `${this.getName()}(${body})`;
  }
}

// console.log in Node and Deno prints the module tree, as print() does in Python.
for (const inspect of [Symbol.for('nodejs.util.inspect.custom'), Symbol.for('Deno.customInspect')]) {
  Object.defineProperty(Module.prototype, inspect, {
    value(this: Module) {
      return this.toString();
    },
  });
}

/** deepCopy of one tensor: its values in new storage, a Parameter as a Parameter (without its gradient). */
function copyTensor(tensor: Tensor): Tensor {
  if (!tensor.isLeaf)
    throw new Error(
      `deepCopy: only tensors created explicitly (graph leaves) can be copied, got a tensor of shape ${formatShape(tensor.shape)} made by ${tensor.gradFn!.name}`,
    );
  const values = clone(tensor);
  if (tensor instanceof Parameter) {
    const param = new Parameter(values, tensor.requiresGrad);
    values.dispose();
    return param;
  }
  keep(values).requiresGrad_(tensor.requiresGrad);
  if (tensor.grad) values.grad = keep(copyTensor(tensor.grad));
  return values;
}

function checkName(module: Module, name: string): void {
  if (name === '') throw new Error(`${module.getName()}: a parameter, buffer or module name can't be empty`);
  if (name.includes('.')) throw new Error(`${module.getName()}: a parameter, buffer or module name can't contain ".", got '${name}'`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Tensor) return `a Tensor of shape ${formatShape(value.shape)}`;
  if (typeof value === 'object') return `an object of class ${(value as object).constructor?.name ?? 'Object'}`;
  return `a ${typeof value} (${String(value)})`;
}

/**
 * Whether loadStateDict can copy `value` into `target` now: a copy to a device that runs
 * synchronously (the CPU) from one that queues its work (webgpu), or of values still arriving,
 * lands later, and a synchronous load cannot wait for it.
 */
function arrivesSynchronously(value: Tensor, target: Tensor): boolean {
  if (!target.deviceObject.synchronous) return true;
  return value.deviceObject.synchronous && value.storage.pending === null;
}

function quoteKeys(keys: readonly string[]): string {
  return keys.map((key) => `"${key}"`).join(', ');
}
