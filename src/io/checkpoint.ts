/**
 * Checkpoints as PyTorch users save them: objects that nest state dicts, numbers, strings and the
 * like around tensors (`{ model, optimizer, epoch }`). The safetensors format holds only named
 * tensors and string-to-string metadata, so a checkpoint is written as
 *
 * - each tensor under its path, the object keys and array indices that lead to it joined by '/',
 *   with '~' written '~0' and '/' written '~1' within a key (JSON Pointer's escaping, RFC 6901):
 *   keys with dots stay as PyTorch writes them ('model/fc1.weight', 'optimizer/state/0/expAvg'),
 *   and two different paths never give the same name;
 * - the structure as JSON in one metadata value, under 'webtorch.structure': objects, arrays,
 *   strings, booleans, null and finite numbers as themselves; a tensor as {"$tensor": name}; NaN,
 *   Infinity, -Infinity and -0, which JSON lacks, as {"$number": "NaN"} (and so on); an object key
 *   that starts with '$' gets one more '$', so that no object of the checkpoint reads as a tag.
 *
 * A state dict (an object whose values are all tensors) has no structure: its file is the plain one
 * that PyTorch's `safetensors.torch.load_file` reads, byte for byte as before checkpoints existed.
 */
import { Tensor } from '../tensor.js';
import { findDuplicateKey, SafetensorsError } from './safetensors.js';

/** The metadata key holding a checkpoint's structure. */
export const STRUCTURE_KEY = 'webtorch.structure';

/** The format reserves this header key, so no tensor can have it as its name. */
const METADATA_KEY = '__metadata__';

const TENSOR_TAG = '$tensor';
const NUMBER_TAG = '$number';

/** Nesting past this is refused on load, where a hostile header could otherwise overflow the stack. */
const MAX_DEPTH = 1000;

const STORABLE = 'tensors, plain objects, Maps with string keys, arrays, numbers, strings, booleans and null';

type Segment = string | number;

/** A path as the JavaScript that reads it: checkpoint.optimizer.state[0].expAvg, checkpoint.model["fc.weight"]. */
function describePath(path: readonly Segment[]): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number' || /^(0|[1-9]\d*)$/.test(segment)) return `${text}[${segment}]`;
    return /^[A-Za-z_$][\w$]*$/.test(segment) ? `${text}.${segment}` : `${text}[${JSON.stringify(segment)}]`;
  }, 'checkpoint');
}

function tensorName(path: readonly Segment[]): string {
  return path.map((segment) => String(segment).replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** How an error names a value that cannot be stored. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined (store null for an absent value)';
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'bigint') return `a bigint (${value}n)`;
  if (typeof value === 'symbol') return `a symbol (${String(value)})`;
  const prototype = Object.getPrototypeOf(value);
  const name: unknown = prototype !== null && Object.hasOwn(prototype, 'constructor') ? prototype.constructor?.name : undefined;
  if (ArrayBuffer.isView(value)) return `a ${name} (make it a tensor: torch.tensor(values))`;
  return name ? `an instance of ${name}` : 'an object with a prototype other than Object.prototype';
}

/** The entries of a plain object or Map, refusing keys that are not strings. */
function entriesOf(op: string, value: object, path: readonly Segment[]): [string, unknown][] {
  if (value instanceof Map) {
    for (const key of value.keys()) {
      if (typeof key !== 'string')
        throw new TypeError(
          `${op}: ${describePath(path)} is a Map with the key ${String(key)} (${typeof key}); only string keys can be stored, as in a plain object`,
        );
    }
    return [...value] as [string, unknown][];
  }
  const symbol = Object.getOwnPropertySymbols(value)[0];
  if (symbol !== undefined)
    throw new TypeError(`${op}: ${describePath(path)} has the symbol key ${String(symbol)}; only string keys can be stored`);
  return Object.entries(value);
}

function isDictionary(value: unknown): value is object {
  return typeof value === 'object' && value !== null && (value instanceof Map || (isPlainObject(value) && !Array.isArray(value)));
}

/** A checkpoint ready for the format: its tensors by name, and its structure (null for a state dict). */
export interface FlatCheckpoint {
  /** Depth first, in the checkpoint's key order. */
  readonly tensors: readonly (readonly [string, Tensor])[];
  readonly structure: string | null;
}

function checkTensor(op: string, name: string, tensor: Tensor, path: readonly Segment[]): void {
  if (name === METADATA_KEY)
    throw new RangeError(`${op}: '${METADATA_KEY}' is reserved by the safetensors format and cannot name a tensor`);
  tensor.assertAlive(op, describePath(path));
}

/**
 * Names the tensors of a checkpoint (an object or Map) and writes its structure, refusing what
 * cannot be stored with an error that gives the path and the kind of value.
 */
export function flattenCheckpoint(op: string, checkpoint: unknown): FlatCheckpoint {
  if (!isDictionary(checkpoint)) {
    const got =
      checkpoint === null
        ? 'null'
        : Array.isArray(checkpoint)
          ? 'an array'
          : checkpoint instanceof Tensor
            ? 'a Tensor'
            : typeof checkpoint === 'object'
              ? describeValue(checkpoint)
              : typeof checkpoint;
    throw new TypeError(
      `${op}: expected a state dict or a checkpoint object (module.stateDict(), { model, optimizer, epoch }), got ${got}`,
    );
  }
  const entries = entriesOf(op, checkpoint, []);
  if (entries.every(([, value]) => value instanceof Tensor)) {
    for (const [name, tensor] of entries) checkTensor(op, name, tensor as Tensor, [name]);
    return { tensors: entries as [string, Tensor][], structure: null };
  }
  const tensors: [string, Tensor][] = [];
  const open = new Map<object, readonly Segment[]>();
  const encode = (value: unknown, path: Segment[]): unknown => {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') {
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { [NUMBER_TAG]: Object.is(value, -0) ? '-0' : String(value) };
    }
    if (value instanceof Tensor) {
      const name = tensorName(path);
      checkTensor(op, name, value, path);
      tensors.push([name, value]);
      return { [TENSOR_TAG]: name };
    }
    const isArray = Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;
    if (!isArray && !isDictionary(value))
      throw new TypeError(`${op}: ${describePath(path)} is ${describeValue(value)}, which ${op} cannot store (it stores ${STORABLE})`);
    const ancestor = open.get(value);
    if (ancestor)
      throw new TypeError(
        `${op}: ${describePath(path)} is ${describePath(ancestor)} itself (a circular reference), which ${op} cannot store`,
      );
    open.set(value, path);
    const encoded = isArray
      ? Array.from({ length: value.length }, (_, i) => encode(value[i], [...path, i]))
      : Object.fromEntries(
          entriesOf(op, value, path).map(([key, item]) => [key.startsWith('$') ? `$${key}` : key, encode(item, [...path, key])]),
        );
    open.delete(value);
    return encoded;
  };
  const structure = JSON.stringify(encode(checkpoint, []));
  return { tensors, structure };
}

/** A checkpoint read from its structure, with a place held for each tensor. */
export interface CheckpointStructure {
  readonly root: Record<string, unknown>;
  readonly slots: readonly { readonly holder: object; readonly key: Segment; readonly name: string }[];
}

function invalid(message: string): never {
  throw new SafetensorsError(`invalid checkpoint structure (the "${STRUCTURE_KEY}" metadata): ${message}`);
}

/** Defines an own property, so that a key such as "__proto__" stays a key. */
function setOwn(holder: object, key: Segment, value: unknown): void {
  Object.defineProperty(holder, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The tag of a structure object: its key that starts with one '$' (user keys starting with '$' start with two). */
function tagOf(value: object): string | undefined {
  return Object.keys(value).find((key) => key.startsWith('$') && !key.startsWith('$$'));
}

const NUMBERS: Readonly<Record<string, number>> = { NaN, Infinity, '-Infinity': -Infinity, '-0': -0 };

/**
 * Reads the structure JSON against the file's tensor names. Every check runs here, before any
 * tensor is made: duplicate keys, tags, tensor references (each tensor exactly once), nesting depth.
 */
export function readStructure(json: string, names: readonly string[]): CheckpointStructure {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    invalid(`not valid JSON (${(error as Error).message})`);
  }
  const duplicate = findDuplicateKey(json);
  if (duplicate !== null) invalid(`an object has the key ${JSON.stringify(duplicate)} more than once`);
  const unused = new Set(names);
  const used = new Set<string>();
  const slots: { holder: object; key: Segment; name: string }[] = [];
  const decode = (holder: object, key: Segment, value: unknown, path: Segment[]): void => {
    if (path.length > MAX_DEPTH) invalid(`${describePath(path.slice(0, 3))}... nests deeper than ${MAX_DEPTH} levels`);
    if (typeof value !== 'object' || value === null) {
      setOwn(holder, key, value);
    } else if (Array.isArray(value)) {
      const array: unknown[] = [];
      setOwn(holder, key, array);
      value.forEach((item, i) => decode(array, i, item, [...path, i]));
    } else {
      const keys = Object.keys(value);
      const tag = tagOf(value);
      if (tag === undefined) {
        const object: Record<string, unknown> = {};
        setOwn(holder, key, object);
        for (const [k, item] of Object.entries(value)) {
          const name = k.startsWith('$$') ? k.slice(1) : k;
          decode(object, name, item, [...path, name]);
        }
        return;
      }
      const where = describePath(path);
      if (keys.length !== 1) invalid(`${where} has the tag ${JSON.stringify(tag)} beside other keys`);
      const content = (value as Record<string, unknown>)[tag];
      if (tag === NUMBER_TAG) {
        if (typeof content !== 'string' || !Object.hasOwn(NUMBERS, content))
          invalid(
            `${where} is {"${NUMBER_TAG}": ${JSON.stringify(content)}}, expected one of ${Object.keys(NUMBERS)
              .map((n) => JSON.stringify(n))
              .join(', ')}`,
          );
        setOwn(holder, key, NUMBERS[content]);
      } else if (tag === TENSOR_TAG) {
        if (typeof content !== 'string') invalid(`${where} is {"${TENSOR_TAG}": ${JSON.stringify(content)}}, expected a tensor name`);
        if (used.has(content))
          invalid(`${where} refers to the tensor ${JSON.stringify(content)}, which an earlier entry refers to as well`);
        if (!unused.delete(content)) invalid(`${where} refers to the tensor ${JSON.stringify(content)}, which the file does not have`);
        used.add(content);
        setOwn(holder, key, null);
        slots.push({ holder, key, name: content });
      } else {
        invalid(
          `${where} has the unknown tag ${JSON.stringify(tag)} (tags are "${TENSOR_TAG}" and "${NUMBER_TAG}"; an object key starting with '$' is written with one more '$')`,
        );
      }
    }
  };
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || tagOf(parsed) !== undefined) {
    invalid(`the checkpoint must be an object, got ${Array.isArray(parsed) ? 'an array' : JSON.stringify(parsed).slice(0, 40)}`);
  }
  const top: { root?: Record<string, unknown> } = {};
  decode(top, 'root', parsed, []);
  if (unused.size > 0)
    invalid(`the file has tensors the structure does not refer to: ${[...unused].map((n) => JSON.stringify(n)).join(', ')}`);
  return { root: top.root!, slots };
}

/** Puts each tensor in its place; `tensors` holds every name the structure refers to. */
export function fillStructure(structure: CheckpointStructure, tensors: ReadonlyMap<string, Tensor>): Record<string, unknown> {
  for (const { holder, key, name } of structure.slots) setOwn(holder, key, tensors.get(name));
  return structure.root;
}
