/**
 * The safetensors format: an 8-byte little-endian u64 N, N bytes of UTF-8 JSON header
 * (`{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}`, offsets
 * relative to the byte buffer), then the byte buffer, which the tensors must cover exactly: no
 * overlaps, no holes, nothing after the last tensor. Everything here works on host bytes; the
 * device side (reading and creating tensors) is in ./index.ts.
 *
 * Every check runs before any value is used, so a corrupt file gives one clear error and never a
 * partial result. Element bytes are read through typed arrays in the host's byte order: the
 * format and WebAssembly memory are both little-endian, and so is every host webtorch runs on.
 */
import type { DType } from '../dtype.js';
import { formatShape } from '../shape.js';

/** The format's dtype names. */
export type SafetensorsDtype =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'F64'
  | 'I64'
  | 'U64'
  | 'F8_E5M2'
  | 'F8_E4M3';

/** One tensor's header entry, with its byte range made absolute within the file. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Absolute byte range [begin, end) within the file. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  /** In header order, which is the order `load` gives the state dict's keys. */
  readonly entries: readonly SafetensorsEntry[];
  readonly metadata: Readonly<Record<string, string>> | null;
}

/** Host values of one tensor in a webtorch dtype (bool as 0/1 int32). */
export interface HostTensor {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly values: Float32Array | Int32Array;
}

/** A file webtorch cannot load; the message says what is wrong and where. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

function fail(message: string): never {
  throw new SafetensorsError(`invalid safetensors data: ${message}`);
}

type Decoder = (bytes: Uint8Array, begin: number, count: number, name: string) => Float32Array | Int32Array;

interface DtypeInfo {
  readonly size: number;
  readonly dtype: DType;
  readonly decode: Decoder;
}

/** A typed view of `count` elements at `begin`, copying first when the address is misaligned. */
function typedAt<A extends ArrayBufferView>(
  Type: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): A; readonly BYTES_PER_ELEMENT: number },
  bytes: Uint8Array,
  begin: number,
  count: number,
): A {
  const address = bytes.byteOffset + begin;
  if (address % Type.BYTES_PER_ELEMENT === 0) return new Type(bytes.buffer, address, count);
  return new Type(bytes.slice(begin, begin + count * Type.BYTES_PER_ELEMENT).buffer, 0, count);
}

function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

const INT32_MIN = -(2 ** 31);

/** int64 to int32 (webtorch's index dtype), refusing values that do not fit rather than wrapping. */
function decodeInt64(bytes: Uint8Array, begin: number, count: number, name: string): Int32Array {
  const words = typedAt(Int32Array, bytes, begin, count * 2);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const low = words[2 * i];
    const high = words[2 * i + 1];
    // The value fits in int32 exactly when the high word is the sign extension of the low word.
    if (high !== low >> 31) {
      const value = (BigInt(high) << 32n) | BigInt(low >>> 0);
      throw new SafetensorsError(
        `tensor ${JSON.stringify(name)} (I64) holds ${value} at flat index ${i}, outside the int32 range [${INT32_MIN}, ${2 ** 31 - 1}] that webtorch converts int64 into`,
      );
    }
    out[i] = low;
  }
  return out;
}

const DTYPES: Partial<Record<SafetensorsDtype, DtypeInfo>> = {
  F32: { size: 4, dtype: 'float32', decode: (bytes, begin, count) => typedAt(Float32Array, bytes, begin, count) },
  I32: { size: 4, dtype: 'int32', decode: (bytes, begin, count) => typedAt(Int32Array, bytes, begin, count) },
  BOOL: {
    size: 1,
    dtype: 'bool',
    decode: (bytes, begin, count) => Int32Array.from(bytes.subarray(begin, begin + count), (v) => (v === 0 ? 0 : 1)),
  },
  F64: { size: 8, dtype: 'float32', decode: (bytes, begin, count) => Float32Array.from(typedAt(Float64Array, bytes, begin, count)) },
  F16: {
    size: 2,
    dtype: 'float32',
    decode: (bytes, begin, count) => Float32Array.from(typedAt(Uint16Array, bytes, begin, count), float16ToFloat32),
  },
  BF16: {
    size: 2,
    dtype: 'float32',
    // bfloat16 is the high half of a float32.
    decode: (bytes, begin, count) => new Float32Array(Uint32Array.from(typedAt(Uint16Array, bytes, begin, count), (v) => v << 16).buffer),
  },
  I64: { size: 8, dtype: 'int32', decode: decodeInt64 },
  I16: { size: 2, dtype: 'int32', decode: (bytes, begin, count) => Int32Array.from(typedAt(Int16Array, bytes, begin, count)) },
  U16: { size: 2, dtype: 'int32', decode: (bytes, begin, count) => Int32Array.from(typedAt(Uint16Array, bytes, begin, count)) },
  I8: { size: 1, dtype: 'int32', decode: (bytes, begin, count) => Int32Array.from(typedAt(Int8Array, bytes, begin, count)) },
  U8: { size: 1, dtype: 'int32', decode: (bytes, begin, count) => Int32Array.from(bytes.subarray(begin, begin + count)) },
};

/** Dtypes of the format that webtorch has no conversion for. */
const UNSUPPORTED = new Set<string>(['U32', 'U64', 'F8_E5M2', 'F8_E4M3']);

const SUPPORTED_LIST = Object.keys(DTYPES).join(', ');

/** The reference implementation's limit, which keeps a hostile header from exhausting memory. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string'
    ? `the string ${JSON.stringify(value)}`
    : typeof value === 'object'
      ? 'an object'
      : `${typeof value} ${String(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON.parse keeps the last of duplicate keys without a word, but the format forbids duplicates, so
 * this walks the (already valid) JSON text and returns the first key repeated within one object.
 */
export function findDuplicateKey(json: string): string | null {
  const objects: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let close = i + 1;
      while (json[close] !== '"') close += json[close] === '\\' ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(json.slice(i, close + 1)) as string;
        const keys = objects[objects.length - 1]!;
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = close;
    } else if (c === '{') {
      objects.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      objects.push(null);
    } else if (c === '}' || c === ']') {
      objects.pop();
    } else if (c === ',') {
      expectKey = objects[objects.length - 1] !== null;
    }
  }
  return null;
}

function parseJson(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length === 0) fail('the header length is 0; the header must be a JSON object');
  if (bytes[0] !== 0x7b) fail(`the header must start with '{' (byte 0x7b), got byte 0x${bytes[0].toString(16).padStart(2, '0')}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    fail('the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail(`the header is not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(header)) fail(`the header must be a JSON object, got ${describe(header)}`);
  const duplicate = findDuplicateKey(text);
  if (duplicate !== null) fail(`the header has the key ${JSON.stringify(duplicate)} more than once`);
  return header;
}

function parseMetadata(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) fail(`"${METADATA_KEY}" must be an object of strings, got ${describe(value)}`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') fail(`"${METADATA_KEY}" values must be strings, but ${JSON.stringify(key)} is ${describe(item)}`);
  }
  return value as Record<string, string>;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseEntry(name: string, value: unknown, dataStart: number, dataBytes: number): SafetensorsEntry {
  const where = `tensor ${JSON.stringify(name)}`;
  if (!isPlainObject(value)) fail(`${where} must be an object with dtype, shape and data_offsets, got ${describe(value)}`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') fail(`${where} has no string "dtype" (got ${describe(dtype)})`);
  if (UNSUPPORTED.has(dtype)) fail(`${where} has dtype ${dtype}, which webtorch cannot load (supported: ${SUPPORTED_LIST})`);
  const info = DTYPES[dtype as SafetensorsDtype];
  if (!info) fail(`${where} has unknown dtype ${JSON.stringify(dtype)} (supported: ${SUPPORTED_LIST})`);
  if (!Array.isArray(shape) || !shape.every(isCount))
    fail(`${where} must have a "shape" array of non-negative integers, got ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    fail(`${where} must have "data_offsets" [begin, end] of non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`${where} has data_offsets [${begin}, ${end}] with begin after end`);
  if (end > dataBytes)
    fail(`${where} has data_offsets [${begin}, ${end}] past the end of the ${dataBytes}-byte data buffer (is the file truncated?)`);
  // A product past 2^53 may be inexact, but it is then too large to equal any span of the buffer.
  const bytes = (shape as number[]).reduce((product, size) => product * size, info.size);
  if (bytes !== end - begin) {
    fail(
      `${where} has shape ${formatShape(shape as number[])} and dtype ${dtype}, which take ${bytes} bytes, but data_offsets [${begin}, ${end}] span ${end - begin}`,
    );
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin: dataStart + begin, end: dataStart + end };
}

/** The tensors must tile the byte buffer: sorted by offset, each begins where the previous ended. */
function checkCoverage(entries: readonly SafetensorsEntry[], dataStart: number, fileBytes: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = dataStart;
  let previous: SafetensorsEntry | null = null;
  for (const entry of sorted) {
    if (entry.begin < position) {
      fail(
        `tensors ${JSON.stringify(previous!.name)} and ${JSON.stringify(entry.name)} overlap (data_offsets [${previous!.begin - dataStart}, ${previous!.end - dataStart}] and [${entry.begin - dataStart}, ${entry.end - dataStart}])`,
      );
    }
    if (entry.begin > position) {
      fail(
        `bytes [${position - dataStart}, ${entry.begin - dataStart}) of the data buffer belong to no tensor (the data_offsets must cover the buffer without holes)`,
      );
    }
    position = entry.end;
    previous = entry;
  }
  if (position !== fileBytes)
    fail(
      `${fileBytes - position} bytes after the last tensor's data belong to no tensor (the data_offsets end at ${position - dataStart} of a ${fileBytes - dataStart}-byte buffer)`,
    );
}

/** Reads and checks the header: lengths, JSON, dtypes, shapes against offsets, and buffer coverage. */
export function readHeader(bytes: Uint8Array): SafetensorsHeader {
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short for the 8-byte header length (is the file truncated?)`);
  const prefix = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const headerBytes = prefix.getUint32(0, true) + prefix.getUint32(4, true) * 2 ** 32;
  if (headerBytes > bytes.length - 8)
    fail(
      `the header length ${headerBytes} runs past the end of the data (${bytes.length - 8} bytes follow the length; is the file truncated?)`,
    );
  if (headerBytes > MAX_HEADER_BYTES) fail(`the header length ${headerBytes} exceeds the format's limit of ${MAX_HEADER_BYTES} bytes`);
  const header = parseJson(bytes.subarray(8, 8 + headerBytes));
  const dataStart = 8 + headerBytes;
  let metadata: Record<string, string> | null = null;
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value);
    else entries.push(parseEntry(name, value, dataStart, bytes.length - dataStart));
  }
  checkCoverage(entries, dataStart, bytes.length);
  return { entries, metadata };
}

/** Decodes every tensor of a checked header into webtorch dtypes (I64 range errors name the tensor). */
export function decodeTensors(bytes: Uint8Array, header: SafetensorsHeader): HostTensor[] {
  return header.entries.map(({ name, dtype, shape, begin, end }) => {
    const info = DTYPES[dtype]!;
    return { name, dtype: info.dtype, shape, values: info.decode(bytes, begin, (end - begin) / info.size, name) };
  });
}

const ENCODED: Record<DType, { dtype: SafetensorsDtype; size: number }> = {
  float32: { dtype: 'F32', size: 4 },
  int32: { dtype: 'I32', size: 4 },
  bool: { dtype: 'BOOL', size: 1 },
};

function encodeValues(tensor: HostTensor): Uint8Array {
  if (tensor.dtype === 'bool') return Uint8Array.from(tensor.values, (v) => (v === 0 ? 0 : 1));
  return new Uint8Array(tensor.values.buffer, tensor.values.byteOffset, tensor.values.byteLength);
}

/**
 * Writes tensors in the format. The header keeps the given order (which `readHeader` preserves);
 * the byte buffer holds the 4-byte dtypes first and bools last, so that with the header padded to
 * a multiple of 8 every tensor's data is aligned to its element size, as the reference writer does.
 */
export function writeSafetensors(tensors: readonly HostTensor[], metadata: Readonly<Record<string, string>> | null): Uint8Array {
  const layout = [...tensors].sort((a, b) => ENCODED[b.dtype].size - ENCODED[a.dtype].size);
  const ranges = new Map<HostTensor, [number, number]>();
  let offset = 0;
  for (const tensor of layout) {
    const size = tensor.values.length * ENCODED[tensor.dtype].size;
    ranges.set(tensor, [offset, offset + size]);
    offset += size;
  }
  const fields = tensors.map(
    (tensor) =>
      `${JSON.stringify(tensor.name)}:${JSON.stringify({ dtype: ENCODED[tensor.dtype].dtype, shape: tensor.shape, data_offsets: ranges.get(tensor) })}`,
  );
  if (metadata) fields.unshift(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerBytes = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerBytes + offset);
  const prefix = new DataView(out.buffer);
  prefix.setUint32(0, headerBytes % 2 ** 32, true);
  prefix.setUint32(4, Math.floor(headerBytes / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes);
  for (const tensor of layout) out.set(encodeValues(tensor), 8 + headerBytes + ranges.get(tensor)![0]);
  return out;
}
