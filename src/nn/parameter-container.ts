/** nn.ParameterList and nn.ParameterDict: parameters held in a list or by name, registered under PyTorch's state-dict keys. */
import { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** A tensor stored in a parameter container becomes a Parameter (requiring grad), as in PyTorch. */
function asParameter(op: string, value: unknown): Parameter {
  if (value instanceof Parameter) return value;
  if (value instanceof Tensor) return new Parameter(value);
  throw new TypeError(`${op}: expected a Tensor or nn.Parameter, got ${value === null ? 'null' : typeof value}`);
}

/** PyTorch's line for one entry of a container's repr; `typeName` is how the container names the dtype. */
function entryLine(key: string, param: Parameter, typeName: (param: Parameter) => string): string {
  return `  (${key}): Parameter containing: [${typeName(param)} of size ${param.shape.join('x')}]`;
}

/** What both containers share: their own parameters in registration order, and PyTorch's repr of them. */
abstract class ParameterContainer extends Module {
  get length(): number {
    return this.entries().length;
  }

  protected entries(): [string, Parameter][] {
    return this.namedParameters('', false, false);
  }

  /** Stores `value` under `key`, replacing what is there. */
  protected store(op: string, key: string, value: unknown): void {
    const param = asParameter(`${this.getName()}.${op}`, value);
    if (this.entries().some(([name]) => name === key)) Reflect.set(this, key, param);
    else this.registerParameter(key, param);
  }

  /** The dtype as the container's PyTorch repr prints it. */
  protected abstract typeName(param: Parameter): string;

  /** Devices other than CUDA print no device in PyTorch, so webgpu prints none either. */
  override extraRepr(): string {
    return this.entries()
      .map(([key, param]) => entryLine(key, param, (p) => this.typeName(p)))
      .join('\n');
  }
}

/**
 * `nn.ParameterList(values?)`: parameters in a list, registered as '0', '1', ...; a plain tensor
 * becomes a Parameter. Read `list[0]` or `list.at(-1)`; append, extend, set and iterate as a list.
 *
 * ```ts
 * const scales = new nn.ParameterList([torch.ones(3), torch.zeros(3)]);
 * scales.append(torch.ones(2));
 * Object.keys(scales.stateDict());   // ['0', '1', '2']
 * ```
 */
export class ParameterList extends ParameterContainer {
  [index: number]: Parameter;

  constructor(values: Iterable<Tensor> = []) {
    super();
    this.extend(values);
  }

  *[Symbol.iterator](): IterableIterator<Parameter> {
    for (const [, param] of this.entries()) yield param;
  }

  private absoluteIndex(op: string, index: number): number {
    const size = this.length;
    if (!Number.isInteger(index) || index < -size || index >= size)
      throw new RangeError(`${this.getName()}.${op}: index ${index} is out of range for ${size} parameters`);
    return index < 0 ? index + size : index;
  }

  /** The parameter at `index`; negative counts from the end. */
  at(index: number): Parameter {
    return this.entries()[this.absoluteIndex('at', index)][1];
  }

  /** Replaces the parameter at `index` (Python's `list[i] = value`). */
  set(index: number, value: Tensor): this {
    this.store('set', String(this.absoluteIndex('set', index)), value);
    return this;
  }

  append(value: Tensor): this {
    this.store('append', String(this.length), value);
    return this;
  }

  extend(values: Iterable<Tensor>): this {
    for (const value of values) this.append(value);
    return this;
  }

  protected typeName(param: Parameter): string {
    return `torch.${param.dtype}`;
  }
}

type NamedTensors = Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor> | Iterable<readonly [string, Tensor]>;

const TYPE_NAMES: Record<string, string> = { float32: 'FloatTensor', int32: 'IntTensor', bool: 'BoolTensor' };

/**
 * `nn.ParameterDict(values?)`: parameters by name, in insertion order (an object's keys sorted,
 * as PyTorch sorts a dict's), registered under their names; a plain tensor becomes a Parameter.
 * Entries are also fields: `dict.scale`.
 *
 * ```ts
 * const params = new nn.ParameterDict({ scale: torch.ones(4), shift: torch.zeros(4) });
 * params.get('scale').shape;   // [4]
 * ```
 */
export class ParameterDict extends ParameterContainer {
  constructor(values: NamedTensors = {}) {
    super();
    this.update(values);
  }

  /** The parameter under `key`; throws when there is none (PyTorch's KeyError). */
  get(key: string): Parameter {
    const found = this.entries().find(([name]) => name === key);
    if (!found)
      throw new RangeError(
        `${this.getName()}: no parameter under key '${key}' (keys: ${[...this.keys()].map((k) => `'${k}'`).join(', ')})`,
      );
    return found[1];
  }

  set(key: string, value: Tensor): this {
    this.store('set', key, value);
    return this;
  }

  has(key: string): boolean {
    return this.entries().some(([name]) => name === key);
  }

  /** Removes `key` (Python's `del d[key]`); true when it was there. */
  delete(key: string): boolean {
    return this.has(key) && Reflect.deleteProperty(this, key);
  }

  /** Removes and returns the parameter under `key`. */
  pop(key: string): Parameter {
    const param = this.get(key);
    this.delete(key);
    return param;
  }

  clear(): void {
    for (const key of [...this.keys()]) this.delete(key);
  }

  /**
   * Adds or replaces entries from a Map or [name, tensor] pairs in their order, or from an object
   * in sorted key order, as PyTorch 1.13 takes a plain (unordered) dict.
   */
  update(values: NamedTensors): this {
    const pairs =
      values instanceof Map || Symbol.iterator in values
        ? [...(values as Iterable<readonly [string, Tensor]>)]
        : Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [key, value] of pairs) this.set(key, value);
    return this;
  }

  keys(): IterableIterator<string> {
    return this.entries()
      .map(([key]) => key)
      [Symbol.iterator]();
  }

  values(): IterableIterator<Parameter> {
    return this.entries()
      .map(([, param]) => param)
      [Symbol.iterator]();
  }

  items(): IterableIterator<[string, Parameter]> {
    return this.entries()[Symbol.iterator]();
  }

  /** Iterates over keys, as iterating over a Python dict does. */
  [Symbol.iterator](): IterableIterator<string> {
    return this.keys();
  }

  protected typeName(param: Parameter): string {
    return `torch.${TYPE_NAMES[param.dtype]}`;
  }
}
