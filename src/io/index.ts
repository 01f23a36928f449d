/**
 * `torch.save` / `torch.load` and their file forms: state dicts as safetensors, with PyTorch's key
 * names, so weights move between webtorch and PyTorch (`safetensors.torch.save_file` / `load_file`),
 * and checkpoints that nest them with other values (./checkpoint.ts says how they are stored).
 */
import type { Device } from '../devices/device.js';
import { resolveDevice } from '../ops/util.js';
import { checkOptions, optionKeys } from '../options.js';
import { Tensor } from '../tensor.js';
import { fillStructure, flattenCheckpoint, readStructure, STRUCTURE_KEY } from './checkpoint.js';
import { describeSource, type FileSource, readBytes, writeBytes } from './files.js';
import { decodeTensors, type HostTensor, readHeader, SafetensorsError, writeSafetensors } from './safetensors.js';

export type { FileSource } from './files.js';
export { SafetensorsError } from './safetensors.js';

/**
 * What `save` stores: a state dict (named tensors, as `module.stateDict()` returns them), or a
 * checkpoint that nests state dicts with other values, as PyTorch users save them: plain objects,
 * arrays, tensors, numbers (NaN, ±Infinity and -0 included), strings, booleans and null. A Map with
 * string keys is accepted wherever an object is, and loads as a plain object. Typed as any object,
 * because interfaces such as OptimizerStateDict have no index signature; `save` checks the rest.
 */
export type Checkpoint = object;

/**
 * What `load` returns: a state dict (`Record<string, Tensor>`) or a checkpoint's object, whose
 * shape only the file knows, so its values are typed as PyTorch's `torch.load` result is (`Any`):
 * `opt.loadStateDict(checkpoint.optimizer)` type-checks as it is.
 */
// biome-ignore lint/suspicious/noExplicitAny: PyTorch types torch.load as Any; see above
export type LoadedCheckpoint = Record<string, any>;

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

function checkMetadata(op: string, metadata: SaveOptions['metadata']): Readonly<Record<string, string>> | null {
  if (metadata === undefined) return null;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw new TypeError(`${op}: metadata must be an object of strings`);
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new TypeError(`${op}: metadata values must be strings, but '${key}' is ${typeof value}`);
  }
  if (Object.hasOwn(metadata, STRUCTURE_KEY))
    throw new RangeError(`${op}: the metadata key '${STRUCTURE_KEY}' is reserved for the structure of checkpoints`);
  return metadata;
}

/** The metadata to write: the caller's, and the structure when the checkpoint has one. */
function headerMetadata(
  metadata: Readonly<Record<string, string>> | null,
  structure: string | null,
): Readonly<Record<string, string>> | null {
  return structure === null ? metadata : { ...metadata, [STRUCTURE_KEY]: structure };
}

function hostTensor(name: string, tensor: Tensor, values: Float32Array | Int32Array): HostTensor {
  return { name, dtype: tensor.dtype, shape: tensor.shape, values };
}

/**
 * The state dict or checkpoint as safetensors bytes (F32, I32, BOOL), tensors in the order of the
 * object's keys. A state dict is written as a plain file that `safetensors.torch.load_file` reads; a
 * checkpoint nesting other values adds its structure to the metadata (see ./checkpoint.ts). Reads
 * the tensors synchronously, so they must be on the CPU device; `saveFile` takes any device.
 *
 * ```ts
 * const bytes = torch.save(model.stateDict());
 * model.loadStateDict(torch.load(bytes));
 * const checkpoint = torch.save({ model: model.stateDict(), optimizer: opt.stateDict(), epoch: 3 });
 * ```
 */
export function save(checkpoint: Checkpoint, options: SaveOptions = {}): Uint8Array {
  const metadata = checkMetadata('save', checkOptions('save', options, SAVE_OPTIONS).metadata);
  const { tensors, structure } = flattenCheckpoint('save', checkpoint);
  const host = tensors.map(([name, tensor]) => {
    try {
      return hostTensor(name, tensor, tensor.dataSync());
    } catch (error) {
      throw new Error(
        `save: cannot read '${name}' (on ${tensor.device}) synchronously; move the state dict to the CPU or use await torch.saveFile(...): ${(error as Error).message}`,
        { cause: error },
      );
    }
  });
  return writeSafetensors(host, headerMetadata(metadata, structure));
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
function createTensors(host: readonly HostTensor[], device: Device): [string, Tensor][] {
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
  return host.map(({ name }, i) => [name, created[i]]);
}

function loadBytes(context: string, bytes: Uint8Array, options: LoadOptions): LoadedCheckpoint {
  const device = resolveDevice(options.device);
  const { host, structure } = withContext(context, () => {
    const header = readHeader(bytes);
    const json = header.metadata?.[STRUCTURE_KEY];
    return {
      structure:
        json === undefined
          ? null
          : readStructure(
              json,
              header.entries.map((entry) => entry.name),
            ),
      host: decodeTensors(bytes, header),
    };
  });
  const tensors = createTensors(host, device);
  // fromEntries defines own properties, so even a tensor named "__proto__" stays a key.
  return structure ? fillStructure(structure, new Map(tensors)) : Object.fromEntries(tensors);
}

/**
 * A state dict from safetensors bytes, keys in the file's header order, or the checkpoint a file
 * written by `save` holds, in the shape it was saved (Maps come back as plain objects). F32, I32 and
 * BOOL load as float32, int32 and bool; F16, BF16 and F64 become float32; I64, I16, U16, I8 and U8
 * become int32 (an I64 value outside the int32 range is an error naming the tensor). A corrupt or
 * truncated file is an error that says what is wrong, and no tensor is created.
 *
 * ```ts
 * const sd = torch.load(bytes);             // { '0.weight': Tensor, '0.bias': Tensor, ... }
 * const { model, optimizer, epoch } = torch.load(checkpoint);
 * ```
 */
export function load(data: Uint8Array | ArrayBuffer | ArrayBufferView, options: LoadOptions = {}): LoadedCheckpoint {
  return loadBytes('load', asBytes('load', data), checkOptions('load', options, LOAD_OPTIONS));
}

/**
 * `save` into a file (Node and Deno). Reads tensors with `await t.data()`, so any device works.
 *
 * ```ts
 * await torch.saveFile(model.stateDict(), 'model.safetensors');
 * ```
 */
export async function saveFile(checkpoint: Checkpoint, path: string | URL, options: SaveOptions = {}): Promise<void> {
  const metadata = checkMetadata('saveFile', checkOptions('saveFile', options, SAVE_OPTIONS).metadata);
  const { tensors, structure } = flattenCheckpoint('saveFile', checkpoint);
  const host = await Promise.all(tensors.map(async ([name, tensor]) => hostTensor(name, tensor, await tensor.data())));
  await writeBytes('saveFile', path, writeSafetensors(host, headerMetadata(metadata, structure)));
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
export async function loadFile(source: FileSource, options: LoadOptions = {}): Promise<LoadedCheckpoint> {
  checkOptions('loadFile', options, LOAD_OPTIONS);
  const bytes = await readBytes('loadFile', source);
  return loadBytes(`loadFile(${describeSource(source)})`, bytes, options);
}
