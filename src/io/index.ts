/**
 * `torch.save` / `torch.load` and their file forms: state dicts as safetensors, with PyTorch's key
 * names, so weights move between webtorch and PyTorch (`safetensors.torch.save_file` / `load_file`).
 */
import type { Device } from '../devices/device.js';
import { resolveDevice } from '../ops/util.js';
import { checkOptions, optionKeys } from '../options.js';
import { Tensor } from '../tensor.js';
import { describeSource, type FileSource, readBytes, writeBytes } from './files.js';
import { decodeTensors, type HostTensor, readHeader, SafetensorsError, writeSafetensors } from './safetensors.js';

export type { FileSource } from './files.js';
export { SafetensorsError } from './safetensors.js';

/** Named tensors, as `module.stateDict()` returns them. A Map is accepted as well. */
export type StateDict = Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>;

export interface SaveOptions {
  /** Free-form strings stored in the header's `__metadata__` (PyTorch's `metadata=`). */
  metadata?: Readonly<Record<string, string>>;
}

const SAVE_OPTIONS = optionKeys<SaveOptions>({ metadata: true });

export interface LoadOptions {
  /** Where the loaded tensors live; the default device unless given (PyTorch's `device=`). */
  device?: string;
}

const LOAD_OPTIONS = optionKeys<LoadOptions>({ device: true });

const METADATA_KEY = '__metadata__';

function namedTensors(op: string, stateDict: StateDict): [string, Tensor][] {
  if (typeof stateDict !== 'object' || stateDict === null || Array.isArray(stateDict) || stateDict instanceof Tensor) {
    const got = stateDict === null ? 'null' : Array.isArray(stateDict) ? 'an array' : stateDict instanceof Tensor ? 'a Tensor' : typeof stateDict;
    throw new TypeError(`${op}: expected a state dict (an object of named tensors such as module.stateDict()), got ${got}`);
  }
  const entries = stateDict instanceof Map ? [...stateDict] : Object.entries(stateDict);
  for (const [name, tensor] of entries) {
    if (name === METADATA_KEY) throw new RangeError(`${op}: '${METADATA_KEY}' is reserved by the safetensors format and cannot name a tensor`);
    if (!(tensor instanceof Tensor)) throw new TypeError(`${op}: state dict entry '${name}' must be a Tensor, got ${tensor === null ? 'null' : typeof tensor}`);
    tensor.assertAlive(op, `state dict entry '${name}'`);
  }
  return entries;
}

function checkMetadata(op: string, metadata: SaveOptions['metadata']): Readonly<Record<string, string>> | null {
  if (metadata === undefined) return null;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw new TypeError(`${op}: metadata must be an object of strings`);
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new TypeError(`${op}: metadata values must be strings, but '${key}' is ${typeof value}`);
  }
  return metadata;
}

function hostTensor(name: string, tensor: Tensor, values: Float32Array | Int32Array): HostTensor {
  return { name, dtype: tensor.dtype, shape: tensor.shape, values };
}

/**
 * The state dict as safetensors bytes (F32, I32, BOOL), keys in the state dict's order. Reads the
 * tensors synchronously, so they must be on the CPU device; `saveFile` takes any device.
 *
 * ```ts
 * const bytes = torch.save(model.stateDict());
 * model.loadStateDict(torch.load(bytes));
 * ```
 */
export function save(stateDict: StateDict, options: SaveOptions = {}): Uint8Array {
  const metadata = checkMetadata('save', checkOptions('save', options, SAVE_OPTIONS).metadata);
  const tensors = namedTensors('save', stateDict).map(([name, tensor]) => {
    try {
      return hostTensor(name, tensor, tensor.dataSync());
    } catch (error) {
      throw new Error(`save: cannot read '${name}' (on ${tensor.device}) synchronously; move the state dict to the CPU or use await torch.saveFile(...): ${(error as Error).message}`, { cause: error });
    }
  });
  return writeSafetensors(tensors, metadata);
}

/** Runs a parse step, naming the caller and the source in its errors. */
function withContext<T>(context: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof SafetensorsError) throw new SafetensorsError(`${context}: ${error.message}`, { cause: error });
    throw error;
  }
}

function asBytes(op: string, data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const got = data === null ? 'null' : typeof data === 'string' ? 'a string (to read a file, use await torch.loadFile(path))' : typeof data;
  throw new TypeError(`${op}: expected the bytes of a safetensors file (a Uint8Array or ArrayBuffer), got ${got}`);
}

/** Creates every tensor or none: a failed allocation frees the ones already made. */
function createTensors(host: readonly HostTensor[], device: Device): Record<string, Tensor> {
  const created: Tensor[] = [];
  try {
    for (const { shape, dtype, values } of host) {
      const tensor = Tensor.empty(shape, dtype, device);
      created.push(tensor);
      if (values.length > 0) device.write(tensor.storage.buffer, 0, values);
    }
  } catch (error) {
    for (const tensor of created) tensor.dispose();
    throw error;
  }
  // fromEntries defines own properties, so even a tensor named "__proto__" stays a key.
  return Object.fromEntries(host.map(({ name }, i) => [name, created[i]]));
}

function loadBytes(context: string, bytes: Uint8Array, options: LoadOptions): Record<string, Tensor> {
  const device = resolveDevice(options.device);
  const host = withContext(context, () => decodeTensors(bytes, readHeader(bytes)));
  return createTensors(host, device);
}

/**
 * A state dict from safetensors bytes, keys in the file's header order. F32, I32 and BOOL load as
 * float32, int32 and bool; F16, BF16 and F64 become float32; I64, I16, U16, I8 and U8 become int32
 * (an I64 value outside the int32 range is an error naming the tensor). A corrupt or truncated file
 * is an error that says what is wrong, and no tensor is created.
 *
 * ```ts
 * const sd = torch.load(bytes);             // { '0.weight': Tensor, '0.bias': Tensor, ... }
 * ```
 */
export function load(data: Uint8Array | ArrayBuffer | ArrayBufferView, options: LoadOptions = {}): Record<string, Tensor> {
  return loadBytes('load', asBytes('load', data), checkOptions('load', options, LOAD_OPTIONS));
}

/**
 * `save` into a file (Node and Deno). Reads tensors with `await t.data()`, so any device works.
 *
 * ```ts
 * await torch.saveFile(model.stateDict(), 'model.safetensors');
 * ```
 */
export async function saveFile(stateDict: StateDict, path: string | URL, options: SaveOptions = {}): Promise<void> {
  const metadata = checkMetadata('saveFile', checkOptions('saveFile', options, SAVE_OPTIONS).metadata);
  const tensors = await Promise.all(namedTensors('saveFile', stateDict).map(async ([name, tensor]) => hostTensor(name, tensor, await tensor.data())));
  await writeBytes('saveFile', path, writeSafetensors(tensors, metadata));
}

/**
 * `load` from a path (Node, Deno), a URL (fetched; `file:` URLs are read from disk) or a Response,
 * for instance in a `fetch` handler on an edge runtime.
 *
 * ```ts
 * const sd = await torch.loadFile('model.safetensors');
 * const remote = await torch.loadFile(new URL('https://example.com/model.safetensors'));
 * ```
 */
export async function loadFile(source: FileSource, options: LoadOptions = {}): Promise<Record<string, Tensor>> {
  checkOptions('loadFile', options, LOAD_OPTIONS);
  const bytes = await readBytes('loadFile', source);
  return loadBytes(`loadFile(${describeSource(source)})`, bytes, options);
}
