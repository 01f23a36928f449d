// Safetensors save/load: round trips, the format, files written by PyTorch (an MLP loaded on cpu and
// webgpu gives PyTorch outputs), corrupt files, and the file forms (saveFile reads any device).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { readHeader, SafetensorsError } from '../../src/io/safetensors.js';
import { devices } from '../helpers/devices.js';
import { decode, expectTensorClose, type Value } from '../helpers/fixtures.js';

type Tensor = torch.Tensor;

/** Where the device tests write their files. */
const scratch = mkdtempSync(join(tmpdir(), 'webtorch-io-devices-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)));

interface Expected {
  dtype: torch.DType;
  shape: number[];
  data: (Value | boolean)[];
}
const expected = JSON.parse(readFileSync(new URL('../fixtures/safetensors_expected.json', import.meta.url), 'utf8')) as {
  dtypes: { metadata: Record<string, string>; order: string[]; tensors: Record<string, Expected> };
  mlp: { stateDict: Record<string, Expected>; input: Expected; output: Expected };
};

/** Bit patterns, so that NaN, -0 and exact float32 values compare exactly. */
function bits(t: Tensor): number[] {
  const values = t.dataSync();
  return Array.from(values instanceof Float32Array ? new Uint32Array(values.buffer, values.byteOffset, values.length) : values);
}

function expectValues(t: Tensor, spec: Expected): void {
  expect(t.dtype).toBe(spec.dtype);
  expect(t.shape).toEqual(spec.shape);
  const values = Array.from(t.dataSync());
  if (spec.dtype === 'bool') expect(values.map((v) => v !== 0)).toEqual(spec.data);
  else expect(values).toEqual(decode(spec.data as Value[]));
}

function fromSpec(spec: Expected): Tensor {
  return torch.tensor(Float32Array.from(decode(spec.data as Value[]))).reshape(spec.shape);
}

/** Disposes the tensors of a state dict or, in the fuzz test, of a checkpoint's nested objects. */
function disposeAll(value: unknown): void {
  if (value instanceof torch.Tensor) value.dispose();
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) disposeAll(item);
}

/** A file from a header (object or raw JSON text), data bytes, and optionally a forged length. */
function build(header: unknown, data: Uint8Array | number = 0, headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

/** Loading must fail with a SafetensorsError matching `message`, creating no tensor. */
function expectLoadError(bytes: Uint8Array, message: RegExp): void {
  const before = torch.memory().tensors;
  let error: unknown;
  try {
    disposeAll(torch.load(bytes));
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(SafetensorsError);
  expect((error as Error).message).toMatch(/^load: /);
  expect((error as Error).message).toMatch(message);
  expect(torch.memory().tensors).toBe(before);
}

const entry = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });

describe('save and load round trip', () => {
  it('keeps every dtype exactly, with keys in the state dict order', () => {
    const special = Float32Array.from([1.5, -0, Infinity, -Infinity, NaN, 3.4e38, 1e-45, -1e-40]);
    const sd = {
      'layer.weight': torch.tensor(special).reshape(2, 4),
      'layer.mask': torch.tensor([
        [true, false, true],
        [false, false, true],
      ]),
      counts: torch.tensor(Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 0, -5, 7])),
      scalar: torch.tensor(42),
      empty: torch.zeros(0, 3),
      flag: torch.tensor([true]),
      transposed: torch.arange(6).reshape(2, 3).t(),
    };
    const loaded = torch.load(torch.save(sd));
    expect(Object.keys(loaded)).toEqual(Object.keys(sd));
    for (const [name, original] of Object.entries(sd)) {
      const copy = loaded[name];
      expect(copy.dtype, name).toBe(original.dtype);
      expect(copy.shape, name).toEqual(original.shape);
      expect(bits(copy), name).toEqual(bits(original));
      expect(copy.isContiguous()).toBe(true);
    }
    disposeAll(loaded);
    disposeAll(sd);
  });

  it('accepts a Map, an ArrayBuffer and a byte view at an odd offset (misaligned tensor data)', () => {
    const sd = new Map([
      [
        'w',
        torch.tensor([
          [1, 2],
          [3, 4],
        ]),
      ],
      ['i', torch.tensor(Int32Array.from([9, -9]))],
    ]);
    const bytes = torch.save(sd);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    for (const input of [bytes.slice().buffer, shifted.subarray(1), new DataView(shifted.buffer, 1)]) {
      const loaded = torch.load(input);
      expect(loaded.w.tolistSync()).toEqual([
        [1, 2],
        [3, 4],
      ]);
      expect(loaded.i.tolistSync()).toEqual([9, -9]);
      disposeAll(loaded);
    }
    for (const t of sd.values()) t.dispose();
  });

  it('copies the values: changing the bytes afterwards changes no tensor', () => {
    const w = torch.tensor([1, 2, 3]);
    const bytes = torch.save({ w });
    const loaded = torch.load(bytes);
    bytes.fill(0, bytes.length - 12);
    expect(loaded.w.tolistSync()).toEqual([1, 2, 3]);
    disposeAll(loaded);
    w.dispose();
  });

  it('writes the format: u64 length, space-padded JSON to a multiple of 8, aligned data, metadata', () => {
    const sd = { mask: torch.tensor([true, false, true]), w: torch.ones(3), n: torch.tensor(Int32Array.from([5])) };
    const bytes = torch.save(sd, { metadata: { format: 'pt', epoch: '3' } });
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(length % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + length));
    expect(text.startsWith('{')).toBe(true);
    expect(text.trimEnd().length).toBeGreaterThan(length - 8);
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    const header = JSON.parse(text);
    expect(Object.keys(header)).toEqual(['__metadata__', 'mask', 'w', 'n']);
    expect(header.__metadata__).toEqual({ format: 'pt', epoch: '3' });
    expect(header.mask).toEqual({ dtype: 'BOOL', shape: [3], data_offsets: [16, 19] });
    expect(header.w).toEqual({ dtype: 'F32', shape: [3], data_offsets: [0, 12] });
    expect(header.n).toEqual({ dtype: 'I32', shape: [1], data_offsets: [12, 16] });
    expect(Array.from(bytes.subarray(8 + length + 16))).toEqual([1, 0, 1]);
    expect(readHeader(bytes).metadata).toEqual({ format: 'pt', epoch: '3' });
    disposeAll(sd);
  });

  it('saves an empty state dict and loads it back', () => {
    expect(torch.load(torch.save({}))).toEqual({});
  });

  it('refuses what it cannot save, with the entry named', () => {
    const w = torch.ones(2);
    const gone = torch.ones(2);
    gone.dispose();
    expect(() => torch.save({ w, b: () => 1 })).toThrow(/save: checkpoint.b is a function \(b\), which save cannot store/);
    expect(() => torch.save({ gone })).toThrow(/save: checkpoint.gone is a disposed tensor/);
    expect(() => torch.save({ __metadata__: w })).toThrow(/'__metadata__' is reserved/);
    expect(() => torch.save(w as unknown as Record<string, Tensor>)).toThrow(/save: expected a state dict .* got a Tensor/);
    expect(() => torch.save({ w }, { metadata: { epoch: 3 as unknown as string } })).toThrow(
      /save: metadata values must be strings, but 'epoch' is number/,
    );
    expect(() => torch.load('model.safetensors' as unknown as Uint8Array)).toThrow(/load: expected the bytes .* use await torch.loadFile/);
    w.dispose();
  });
});

describe('files written by PyTorch', () => {
  it('loads every dtype with PyTorch values, in the file order, and reads the metadata', () => {
    const bytes = fixture('safetensors_dtypes.safetensors');
    const sd = torch.load(bytes);
    expect(Object.keys(sd)).toEqual(expected.dtypes.order);
    for (const [name, spec] of Object.entries(expected.dtypes.tensors)) expectValues(sd[name], spec);
    expect(Object.is(sd.f32.dataSync()[1], -0)).toBe(true);
    expect(Object.is(sd.f16.dataSync()[4], -0)).toBe(true);
    expect(readHeader(bytes).metadata).toEqual(expected.dtypes.metadata);
    disposeAll(sd);
  });

  it('refuses an I64 value outside int32, naming the tensor, and creates nothing', () => {
    expectLoadError(
      fixture('safetensors_int64_overflow.safetensors'),
      /tensor "big" \(I64\) holds 2147483648 at flat index 1, outside the int32 range/,
    );
  });
});

/** PyTorch's float32 outputs, within 1e-5 relative: the matmuls sum in another order. */
async function expectMlpOutput(out: Tensor): Promise<void> {
  await expectTensorClose(
    'MLP output',
    out,
    { shape: expected.mlp.output.shape, data: expected.mlp.output.data as Value[] },
    { rtol: 1e-5, atol: 1e-6 },
  );
}

for (const device of devices) {
  describe(`an MLP saved by PyTorch, on ${device}`, () => {
    it('loads there with { device } and gives PyTorch outputs when applied with ops', async () => {
      const sd = torch.load(fixture('safetensors_mlp.safetensors'), { device });
      expect(Object.keys(sd).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
      for (const t of Object.values(sd)) expect(t.device).toBe(device);
      for (const [name, spec] of Object.entries(expected.mlp.stateDict)) expectValues(await sd[name].toAsync('cpu'), spec);
      const out = torch.scope(() => {
        const x = fromSpec(expected.mlp.input).to(device);
        const hidden = x.matmul(sd['0.weight'].t()).add(sd['0.bias']).relu();
        return hidden.matmul(sd['2.weight'].t()).add(sd['2.bias']);
      });
      await expectMlpOutput(out);
      out.dispose();
      disposeAll(sd);
    });

    it('loads into nn.Sequential(Linear, ReLU, Linear) moved there and gives PyTorch outputs; saveFile writes the same file back', async () => {
      const { nn } = torch;
      const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3)).to(device);
      const sd = torch.load(fixture('safetensors_mlp.safetensors'));
      model.loadStateDict(sd, { strict: true });
      disposeAll(sd);
      const out = torch.noGrad(() => torch.scope(() => model.forward(fromSpec(expected.mlp.input).to(device))));
      expect(out.device).toBe(device);
      await expectMlpOutput(out);
      out.dispose();
      // And back: the webtorch model's state dict saves with PyTorch's keys and the same values, from any device.
      const path = join(scratch, `mlp-${device}.safetensors`);
      await torch.saveFile(model.stateDict(), path);
      const saved = await torch.loadFile(path);
      expect(Object.keys(saved)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
      for (const [name, spec] of Object.entries(expected.mlp.stateDict)) expectValues(saved[name], spec);
      disposeAll(saved);
    });
  });
}

describe.skipIf(!devices.includes('webgpu'))('state dicts on webgpu', () => {
  it('torch.save refuses them (it reads synchronously), pointing to saveFile', () => {
    const w = torch.ones(2, { device: 'webgpu' });
    expect(() => torch.save({ w })).toThrow(
      "save: cannot read 'w' (on webgpu) synchronously; move the state dict to the CPU or use await torch.saveFile(...)",
    );
    w.dispose();
  });

  it('round trip through saveFile and loadFile onto webgpu, every dtype exactly', async () => {
    const sd = {
      w: torch
        .tensor(Float32Array.from([1.5, -0, Infinity, NaN, 3.4e38, 1e-45]))
        .reshape(2, 3)
        .to('webgpu'),
      mask: torch.tensor([true, false, true]).to('webgpu'),
      counts: torch.tensor(Int32Array.from([-(2 ** 31), 2 ** 31 - 1])).to('webgpu'),
    };
    const path = join(scratch, 'webgpu.safetensors');
    await torch.saveFile(sd, path);
    const loaded = await torch.loadFile(path, { device: 'webgpu' });
    for (const [name, original] of Object.entries(sd)) {
      expect(loaded[name].device).toBe('webgpu');
      expect([loaded[name].dtype, loaded[name].shape]).toEqual([original.dtype, original.shape]);
      expect(bits(await loaded[name].toAsync('cpu')), name).toEqual(bits(await original.toAsync('cpu')));
    }
    disposeAll(loaded);
    disposeAll(sd);
  });
});

describe('corrupt files give clear errors and no tensors', () => {
  const good = { a: entry('F32', [2], 0, 8), b: entry('I32', [1], 8, 12) };

  it('too short for the length prefix, or a length past the end', () => {
    expectLoadError(new Uint8Array(5), /5 bytes is too short for the 8-byte header length/);
    expectLoadError(build(good, 12, 4000), /header length 4000 runs past the end of the data/);
    expectLoadError(build(good, 12, 2 ** 40), /header length 1099511627776 runs past the end/);
    const huge = new Uint8Array(8);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    expectLoadError(huge, /runs past the end/);
  });

  it('a header that is not a JSON object', () => {
    expectLoadError(build('{"a": {'), /the header is not valid JSON/);
    expectLoadError(build(' {}'), /must start with '\{'/);
    expectLoadError(build('[1, 2]'), /must start with '\{'/);
    expectLoadError(build('', 0), /header length is 0/);
    const invalidUtf8 = build('{"a\u00e9":1}');
    invalidUtf8[11] = 0xff;
    expectLoadError(invalidUtf8, /not valid UTF-8/);
    expectLoadError(build({ __metadata__: { n: 3 } }), /"__metadata__" values must be strings, but "n" is number 3/);
    expectLoadError(build({ __metadata__: [] }), /"__metadata__" must be an object of strings, got an array/);
  });

  it('entries with a bad dtype, shape or offsets', () => {
    expectLoadError(build({ a: entry('F99', [2], 0, 8) }, 8), /tensor "a" has unknown dtype "F99" \(supported: F32, I32, BOOL/);
    expectLoadError(build({ a: entry('U64', [1], 0, 8) }, 8), /tensor "a" has dtype U64, which webtorch cannot load/);
    expectLoadError(build({ a: 5 }, 0), /tensor "a" must be an object with dtype, shape and data_offsets, got number 5/);
    expectLoadError(build({ a: { shape: [1], data_offsets: [0, 4] } }, 4), /tensor "a" has no string "dtype"/);
    expectLoadError(build({ a: entry('F32', [-1], 0, 4) }, 4), /"shape" array of non-negative integers, got \[-1\]/);
    expectLoadError(build({ a: entry('F32', [1.5], 0, 4) }, 4), /"shape" array of non-negative integers/);
    expectLoadError(
      build({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, 4),
      /"data_offsets" \[begin, end\] of non-negative integers, got \[0\]/,
    );
    expectLoadError(
      build({ a: entry('F32', [3], 0, 8) }, 8),
      /tensor "a" has shape \[3\] and dtype F32, which take 12 bytes, but data_offsets \[0, 8\] span 8/,
    );
    expectLoadError(
      build({ a: entry('F32', [2 ** 30, 2 ** 30, 2 ** 30], 0, 8) }, 8),
      /which take .* bytes, but data_offsets \[0, 8\] span 8/,
    );
    expectLoadError(build({ a: entry('F32', [0], 8, 4) }, 8), /data_offsets \[8, 4\] with begin after end/);
  });

  it('offsets past the end, overlapping, leaving holes or leaving bytes unused', () => {
    expectLoadError(build(good, 10), /tensor "b" has data_offsets \[8, 12\] past the end of the 10-byte data buffer/);
    expectLoadError(build({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 4, 12) }, 12), /tensors "a" and "b" overlap/);
    expectLoadError(
      build({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 8, 12) }, 12),
      /bytes \[4, 8\) of the data buffer belong to no tensor/,
    );
    expectLoadError(build({ a: entry('F32', [1], 4, 8) }, 8), /bytes \[0, 4\) of the data buffer belong to no tensor/);
    expectLoadError(build(good, 16), /4 bytes after the last tensor's data belong to no tensor/);
  });

  it('duplicate keys, at the top level or inside an entry', () => {
    expectLoadError(
      build('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 4),
      /the key "a" more than once/,
    );
    expectLoadError(build('{"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}', 4), /the key "dtype" more than once/);
    expectLoadError(
      build('{"a\\"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a\\u0022x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8),
      /the key "a\\"x" more than once/,
    );
  });

  it('accepts what the format allows: entries in any order, scalars, empty tensors, padding, odd names', () => {
    // A computed key defines an own "__proto__" property, as JSON.parse does.
    const bytes = build(
      { z: entry('I32', [1], 4, 8), ['__proto__']: entry('F32', [], 0, 4), e: entry('F32', [0, 5], 8, 8) },
      Uint8Array.from([0, 0, 128, 63, 7, 0, 0, 0]),
    );
    const sd = torch.load(bytes);
    expect(Object.keys(sd)).toEqual(['z', '__proto__', 'e']);
    expect(Object.getPrototypeOf(sd)).toBe(Object.prototype);
    expect(sd.z.tolistSync()).toEqual([7]);
    // biome-ignore lint/complexity/useLiteralKeys: the key under test is the string '__proto__', read as data
    // biome-ignore lint/suspicious/noProto: the same read; the loaded dict must hold it as an ordinary entry
    expect(sd['__proto__'].tolistSync()).toBe(1);
    expect(sd.e.shape).toEqual([0, 5]);
    disposeAll(sd);
  });

  it('every truncation of a real file is an error', () => {
    const bytes = fixture('safetensors_mlp.safetensors');
    for (let end = 0; end < bytes.length; end++) {
      expect(() => torch.load(bytes.subarray(0, end)), `truncated at ${end}`).toThrow(SafetensorsError);
    }
  });

  it('random corruptions only ever give a SafetensorsError (or a valid load)', () => {
    let state = 12345;
    const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const sources = [
      fixture('safetensors_mlp.safetensors'),
      fixture('safetensors_dtypes.safetensors'),
      fixture('safetensors_checkpoint.safetensors'),
    ];
    const headerOf = (bytes: Uint8Array) => {
      const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
      return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))), data: bytes.subarray(8 + length) };
    };
    const mutateHeader = (bytes: Uint8Array): Uint8Array => {
      const { header, data } = headerOf(bytes);
      const names = Object.keys(header).filter((k) => k !== '__metadata__');
      const target = header[pick(names)];
      const values = [-1, 0, 1, 3, 2 ** 31, 2 ** 53, 1.5, null, 'x', [], {}, true];
      switch (Math.floor(random() * 7)) {
        case 0:
          target.data_offsets[Math.floor(random() * 2)] += pick([-4, -1, 1, 4, 1000]);
          break;
        case 6:
          target.data_offsets = target.data_offsets.map((offset: number) => Math.max(0, offset + pick([-8, -4, -2, 2, 4, 8])));
          break;
        case 1:
          target.shape =
            target.shape.length && random() < 0.5 ? target.shape.map((s: number) => s + pick([-1, 1])) : [...target.shape, pick([0, 2])];
          break;
        case 2:
          target.dtype = pick(['F32', 'I64', 'F16', 'BF16', 'BOOL', 'F64', 'U8', 'X', 'U32']);
          break;
        case 3:
          delete target[pick(['dtype', 'shape', 'data_offsets'])];
          break;
        case 4:
          target[pick(['dtype', 'shape', 'data_offsets'])] = pick(values);
          break;
        default:
          header[pick(names)] = pick(values);
      }
      return build(header, random() < 0.8 ? data : data.subarray(0, Math.floor(random() * data.length)));
    };
    const mutateBytes = (bytes: Uint8Array): Uint8Array => {
      const out = bytes.slice();
      const count = 1 + Math.floor(random() * 4);
      for (let k = 0; k < count; k++) out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
      return random() < 0.3 ? out.subarray(0, Math.floor(random() * out.length)) : out;
    };
    const before = torch.memory().tensors;
    let failures = 0;
    for (let i = 0; i < 3000; i++) {
      const source = pick(sources);
      const corrupt = i % 2 === 0 ? mutateHeader(source) : mutateBytes(source);
      try {
        disposeAll(torch.load(corrupt));
      } catch (error) {
        failures++;
        expect(error, (error as Error).stack).toBeInstanceOf(SafetensorsError);
        expect((error as Error).message).toMatch(
          /^load: (invalid safetensors data: |invalid checkpoint structure |tensor ".*" \(I64\) holds)/,
        );
      }
    }
    expect(failures).toBeGreaterThan(1500);
    expect(torch.memory().tensors).toBe(before);
  });
});

describe('saveFile and loadFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'webtorch-io-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round trips through a path, a file: URL (string or URL) and a Response', async () => {
    const sd = {
      w: torch.tensor([
        [1, 2],
        [3, 4],
      ]),
      on: torch.tensor([false, true]),
    };
    const path = join(dir, 'model.safetensors');
    await torch.saveFile(sd, path, { metadata: { epoch: '1' } });
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    const bytes = new Uint8Array(readFileSync(path));
    expect(bytes).toEqual(torch.save(sd, { metadata: { epoch: '1' } }));
    const url = pathToFileURL(path);
    for (const source of [
      path,
      url,
      url.href,
      new Response(bytes),
      `data:application/octet-stream;base64,${Buffer.from(bytes).toString('base64')}`,
    ]) {
      const loaded = await torch.loadFile(source);
      expect(loaded.w.tolistSync()).toEqual([
        [1, 2],
        [3, 4],
      ]);
      expect(loaded.on.tolistSync()).toEqual([false, true]);
      disposeAll(loaded);
    }
    await torch.saveFile(sd, pathToFileURL(join(dir, 'by-url.safetensors')));
    disposeAll(await torch.loadFile(join(dir, 'by-url.safetensors')));
    disposeAll(sd);
  });

  it('errors name the source', async () => {
    await expect(torch.loadFile(join(dir, 'missing.safetensors'))).rejects.toThrow(
      /loadFile: cannot read '.*missing\.safetensors': ENOENT/,
    );
    await expect(torch.loadFile(new Response('nope', { status: 404, statusText: 'Not Found' }))).rejects.toThrow(
      /loadFile: cannot read the response: the request answered 404 Not Found/,
    );
    await expect(torch.loadFile(new Response(new Uint8Array(3)))).rejects.toThrow(
      /loadFile\(the response\): invalid safetensors data: 3 bytes is too short/,
    );
    await expect(torch.loadFile(42 as unknown as string)).rejects.toThrow(/loadFile: expected a path, a URL or a Response, got number/);
    await expect(torch.saveFile({ w: torch.ones(1) }, join(dir, 'no', 'such', 'dir.safetensors'))).rejects.toThrow(
      /saveFile: cannot write '.*dir\.safetensors': ENOENT/,
    );
  });

  it('the io modules import no node builtins statically (the browser bundle shares them)', () => {
    for (const file of ['index.ts', 'safetensors.ts', 'files.ts']) {
      const source = readFileSync(new URL(`../../src/io/${file}`, import.meta.url), 'utf8');
      expect(source, file).not.toMatch(/^import [^;]*['"](node:)?(fs|path|url|os)(\/promises)?['"]/m);
    }
  });
});
