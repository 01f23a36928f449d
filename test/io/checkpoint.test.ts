// Checkpoints (objects nesting state dicts, numbers, strings, ... around tensors) through torch.save
// and torch.load: the round trip, the layout in the file, training resumed from one on cpu and
// webgpu, what cannot be saved, corrupt structures, and a committed file that the reference
// safetensors reader (Python) has read.
//
// test/fixtures/safetensors_checkpoint.safetensors is what torch.save writes for fixtureCheckpoint()
// below; regenerate it with WEBTORCH_WRITE_FIXTURES=1 npx vitest run test/io/checkpoint.test.ts,
// then /usr/bin/python3 test/fixtures/safetensors_fixtures.py to record what the reference reader
// reads from it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { decodeTensors, readHeader, SafetensorsError } from '../../src/io/safetensors.js';
import { devices } from '../helpers/devices.js';
import { decode, type Value } from '../helpers/fixtures.js';

type Tensor = torch.Tensor;
const { nn } = torch;

const scratch = mkdtempSync(join(tmpdir(), 'webtorch-checkpoint-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const FIXTURE = new URL('../fixtures/safetensors_checkpoint.safetensors', import.meta.url);

/** The header JSON of safetensors bytes. */
function headerOf(bytes: Uint8Array): Record<string, { dtype: string; shape: number[] } | Record<string, string>> {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
}

/** A file from a header and data bytes, for structures no writer would produce. */
function build(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Bit patterns, so that NaN, -0 and exact float32 values compare exactly. */
function bits(t: Tensor): number[] {
  const values = t.dataSync();
  return Array.from(values instanceof Float32Array ? new Uint32Array(values.buffer, values.byteOffset, values.length) : values);
}

/** A value with each tensor replaced by its dtype, shape and bits, for deep comparison (Object.is for numbers). */
function snapshot(value: unknown): unknown {
  if (value instanceof torch.Tensor) return { tensor: [value.dtype, value.shape, bits(value)] };
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : Number.isNaN(value) ? 'NaN' : value;
  if (Array.isArray(value)) return value.map(snapshot);
  if (value instanceof Map) return snapshot(Object.fromEntries(value));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, snapshot(v)]));
  return value;
}

function tensorsIn(value: unknown): Tensor[] {
  if (value instanceof torch.Tensor) return [value];
  if (value instanceof Map) return [...value.values()].flatMap(tensorsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(tensorsIn);
  return [];
}

function disposeAll(value: unknown): void {
  for (const t of tensorsIn(value)) t.dispose();
}

/**
 * A small checkpoint with every kind of value, written without any kernel (fixed values), so the
 * committed file depends on the format only.
 */
function fixtureCheckpoint() {
  const f32 = (values: number[], shape: number[]) => torch.tensor(Float32Array.from(values)).reshape(shape);
  return {
    model: { weight: f32([0.5, -1, 2, 0.25, -0, 3], [3, 2]), bias: f32([0.125, -0.25, 0.375], [3]) },
    optimizer: {
      state: {
        0: {
          step: 3,
          expAvg: f32([0.01, 0.02, -0.03, 0.04, 0.05, -0.06], [3, 2]),
          expAvgSq: f32([1e-4, 2e-4, 3e-4, 4e-4, 5e-4, 6e-4], [3, 2]),
        },
        1: { step: 3, expAvg: f32([0.1, 0.2, 0.3], [3]), expAvgSq: f32([1e-3, 2e-3, 3e-3], [3]) },
      },
      paramGroups: [
        { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, initialLr: 0.001, params: [0, 1] },
      ],
    },
    scheduler: { factor: 0.1, minLrs: [0], mode: 'min', best: Infinity, modeWorse: Infinity, lastEpoch: 0, lastLr: [0.001] },
    epoch: 3,
    odd: {
      'a/b': torch.tensor(Int32Array.from([7, -7])),
      'a~b': torch.tensor([true, false, true]),
      $ref: 'a key starting with $',
      'x.y': -0,
      numbers: [NaN, -Infinity, 1.5e-300, -(2 ** 53)],
      list: [torch.tensor(2.5), null, true, 'text', [], {}],
    },
  };
}

describe('checkpoints round trip', () => {
  it('keeps every kind of value and the key order; Maps come back as objects, integer keys as strings', () => {
    const checkpoint = {
      ...fixtureCheckpoint(),
      ['__proto__']: { inner: torch.tensor([1, 2]) },
      '': 'empty key',
      map: new Map<string, unknown>([
        ['w', torch.ones(2)],
        ['n', 4],
      ]),
      nested: [[[torch.zeros(0, 3)], { $$: 1, $tensor: 'not a tag' }]],
    };
    const loaded = torch.load(torch.save(checkpoint));
    expect(snapshot(loaded)).toEqual(snapshot(checkpoint));
    expect(Object.getPrototypeOf(loaded)).toBe(Object.prototype);
    expect(Object.keys(loaded)).toEqual(Object.keys(checkpoint));
    expect(Object.keys(loaded.optimizer.state)).toEqual(['0', '1']);
    expect(loaded.map).not.toBeInstanceOf(Map);
    expect(Object.is(loaded.odd['x.y'], -0)).toBe(true);
    expect(loaded.scheduler.best).toBe(Infinity);
    disposeAll(loaded);
    disposeAll(checkpoint);
  });

  it('an optimizer state dict alone, as torch.save(opt.state_dict()) saves it', () => {
    const w = torch.ones(2).requiresGrad_();
    const opt = new torch.optim.SGD([w], { lr: 0.1, momentum: 0.9 });
    w.sum().backward();
    opt.step();
    const loaded = torch.load(torch.save(opt.stateDict())) as ReturnType<typeof opt.stateDict>;
    expect(snapshot(loaded)).toEqual(snapshot(opt.stateDict()));
    opt.loadStateDict(loaded);
    disposeAll(loaded);
    opt.dispose();
    w.dispose();
  });

  it('loads the tensors on { device }, each a new tensor', async () => {
    const w = torch.tensor([1, 2, 3]);
    for (const device of devices) {
      const loaded = torch.load(torch.save({ nested: { w }, epoch: 1 }), { device });
      expect(loaded.nested.w.device).toBe(device);
      expect(loaded.nested.w).not.toBe(w);
      expect(await loaded.nested.w.tolist()).toEqual([1, 2, 3]);
      disposeAll(loaded);
    }
    w.dispose();
  });

  it('lays the file out as documented: tensors under escaped paths, the structure in one metadata string', () => {
    const checkpoint = fixtureCheckpoint();
    const bytes = torch.save(checkpoint, { metadata: { note: 'kept' } });
    const header = headerOf(bytes);
    expect(Object.keys(header)).toEqual([
      '__metadata__',
      'model/weight',
      'model/bias',
      'optimizer/state/0/expAvg',
      'optimizer/state/0/expAvgSq',
      'optimizer/state/1/expAvg',
      'optimizer/state/1/expAvgSq',
      'odd/a~1b',
      'odd/a~0b',
      'odd/list/0',
    ]);
    const metadata = readHeader(bytes).metadata!;
    expect(Object.keys(metadata)).toEqual(['note', 'webtorch.structure']);
    expect(JSON.parse(metadata['webtorch.structure'])).toEqual({
      model: { weight: { $tensor: 'model/weight' }, bias: { $tensor: 'model/bias' } },
      optimizer: {
        state: {
          0: { step: 3, expAvg: { $tensor: 'optimizer/state/0/expAvg' }, expAvgSq: { $tensor: 'optimizer/state/0/expAvgSq' } },
          1: { step: 3, expAvg: { $tensor: 'optimizer/state/1/expAvg' }, expAvgSq: { $tensor: 'optimizer/state/1/expAvgSq' } },
        },
        paramGroups: [
          { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, initialLr: 0.001, params: [0, 1] },
        ],
      },
      scheduler: {
        factor: 0.1,
        minLrs: [0],
        mode: 'min',
        best: { $number: 'Infinity' },
        modeWorse: { $number: 'Infinity' },
        lastEpoch: 0,
        lastLr: [0.001],
      },
      epoch: 3,
      odd: {
        'a/b': { $tensor: 'odd/a~1b' },
        'a~b': { $tensor: 'odd/a~0b' },
        $$ref: 'a key starting with $',
        'x.y': { $number: '-0' },
        numbers: [{ $number: 'NaN' }, { $number: '-Infinity' }, 1.5e-300, -(2 ** 53)],
        list: [{ $tensor: 'odd/list/0' }, null, true, 'text', [], {}],
      },
    });
    disposeAll(checkpoint);
  });

  it('a state dict, even a Map, is written as before: no structure, no metadata unless given', () => {
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
    const sd = model.stateDict();
    const bytes = torch.save(sd);
    expect(Object.keys(headerOf(bytes))).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(torch.save(new Map(Object.entries(sd)))).toEqual(bytes);
    expect(readHeader(torch.save(sd, { metadata: { format: 'pt' } })).metadata).toEqual({ format: 'pt' });
    const loaded = torch.load(bytes);
    expect(Object.keys(loaded)).toEqual(Object.keys(sd));
    model.loadStateDict(loaded);
    disposeAll(loaded);
  });
});

/** Three steps of training, ending with the schedulers' steps. */
async function train(
  model: torch.nn.Module,
  opt: torch.optim.Adam,
  step: torch.optim.lrScheduler.StepLR,
  plateau: torch.optim.lrScheduler.ReduceLROnPlateau,
  device: string,
): Promise<void> {
  const x = torch
    .tensor([
      [0.5, -1, 2, 0.1],
      [1, 0.3, -0.7, 0.2],
      [-1.5, 0.8, 0.4, -0.3],
    ])
    .to(device);
  const y = torch.tensor([0, 2, 1], { dtype: 'int32' }).to(device);
  for (let i = 0; i < 3; i++) {
    const loss = torch.scope(() => {
      opt.zeroGrad();
      const loss = torch.nn.functional.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.detach();
    });
    step.step();
    plateau.step(Number(await loss.item()));
    loss.dispose();
  }
  x.dispose();
  y.dispose();
}

function setup(device: string) {
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3)).to(device);
  const opt = new torch.optim.Adam(model.parameters(), { lr: 0.01 });
  // Patience 0 and a large threshold, so that the plateau scheduler reduces the rate within three steps.
  return {
    model,
    opt,
    step: new torch.optim.lrScheduler.StepLR(opt, 2, { gamma: 0.5 }),
    plateau: new torch.optim.lrScheduler.ReduceLROnPlateau(opt, { patience: 0, threshold: 0.5 }),
  };
}

for (const device of devices) {
  describe(`training resumed from a checkpoint, on ${device}`, () => {
    it('continues exactly as the run that was not interrupted (Adam, StepLR, ReduceLROnPlateau)', async () => {
      torch.manualSeed(7);
      const first = setup(device);
      expect(first.plateau.stateDict().best).toBe(Infinity);
      await train(first.model, first.opt, first.step, first.plateau, device);
      const checkpoint = {
        model: first.model.stateDict(),
        optimizer: first.opt.stateDict(),
        scheduler: first.step.stateDict(),
        plateau: first.plateau.stateDict(),
        epoch: 3,
      };
      expect(checkpoint.plateau.modeWorse).toBe(Infinity);
      let loaded: ReturnType<typeof torch.load>;
      if (device === 'cpu') {
        loaded = torch.load(torch.save(checkpoint));
      } else {
        const path = join(scratch, `resume-${device}.safetensors`);
        await torch.saveFile(checkpoint, path);
        loaded = await torch.loadFile(path, { device });
      }
      torch.manualSeed(99);
      const second = setup(device);
      second.model.loadStateDict(loaded.model);
      second.opt.loadStateDict(loaded.optimizer);
      second.step.loadStateDict(loaded.scheduler);
      second.plateau.loadStateDict(loaded.plateau);
      expect(loaded.epoch).toBe(3);
      disposeAll(loaded);
      expect(second.plateau.stateDict()).toEqual(first.plateau.stateDict());
      expect(second.opt.paramGroups[0].lr).toBe(first.opt.paramGroups[0].lr);
      await train(first.model, first.opt, first.step, first.plateau, device);
      await train(second.model, second.opt, second.step, second.plateau, device);
      expect(second.opt.paramGroups[0].lr).toBe(first.opt.paramGroups[0].lr);
      expect(first.opt.paramGroups[0].lr).toBeLessThan(0.01 * 0.5 ** 3);
      const after = second.model.parameters();
      for (const [i, param] of first.model.parameters().entries()) {
        expect(bits(await param.toAsync('cpu')), `parameter ${i}`).toEqual(bits(await after[i].toAsync('cpu')));
      }
      first.opt.dispose();
      second.opt.dispose();
    });
  });
}

describe('what cannot be saved', () => {
  const w = torch.ones(2);
  afterAll(() => w.dispose());
  const refuses = (checkpoint: unknown, message: string | RegExp) => {
    expect(() => torch.save(checkpoint as Parameters<typeof torch.save>[0])).toThrow(message);
  };

  it('values of other kinds, naming the path and the kind', () => {
    const storable =
      'which save cannot store (it stores tensors, plain objects, Maps with string keys, arrays, numbers, strings, booleans and null)';
    refuses({ w, fn: function forward() {} }, `save: checkpoint.fn is a function (forward), ${storable}`);
    refuses({ w, when: { at: new Date(0) } }, `save: checkpoint.when.at is an instance of Date, ${storable}`);
    refuses(
      { w, values: new Float32Array(2) },
      `save: checkpoint.values is a Float32Array (make it a tensor: torch.tensor(values)), ${storable}`,
    );
    refuses({ state: { 0: { step: 3n } } }, `save: checkpoint.state[0].step is a bigint (3n), ${storable}`);
    refuses({ tag: Symbol('x') }, `save: checkpoint.tag is a symbol (Symbol(x)), ${storable}`);
    refuses({ 'a.b': [1, undefined] }, `save: checkpoint["a.b"][1] is undefined (store null for an absent value), ${storable}`);
    // biome-ignore lint/suspicious/noSparseArray: the hole is the input under test
    refuses({ list: [1, , 3] }, `save: checkpoint.list[1] is undefined (store null for an absent value), ${storable}`);
    refuses({ best: undefined }, `save: checkpoint.best is undefined (store null for an absent value), ${storable}`);
    refuses({ set: new Set([1]) }, `save: checkpoint.set is an instance of Set, ${storable}`);
    refuses(
      { made: Object.create({ inherited: 1 }) },
      `save: checkpoint.made is an object with a prototype other than Object.prototype, ${storable}`,
    );
  });

  it('circular references, keys that are not strings, disposed tensors, the reserved names', () => {
    const loop: Record<string, unknown> = { n: 1 };
    loop.self = { again: loop };
    refuses({ w, loop }, 'save: checkpoint.loop.self.again is checkpoint.loop itself (a circular reference), which save cannot store');
    const list: unknown[] = [1];
    list.push(list);
    refuses({ list }, 'save: checkpoint.list[1] is checkpoint.list itself (a circular reference)');
    refuses(
      { state: new Map([[0, { step: 1 }]]) },
      'save: checkpoint.state is a Map with the key 0 (number); only string keys can be stored, as in a plain object',
    );
    refuses(new Map([[w, 1]]), /save: checkpoint is a Map with the key .* \(object\)/);
    refuses({ w, [Symbol('s')]: 1, n: 1 }, 'save: checkpoint has the symbol key Symbol(s); only string keys can be stored');
    const gone = torch.ones(2);
    gone.dispose();
    refuses({ optimizer: { state: { 0: { expAvg: gone } } } }, 'save: checkpoint.optimizer.state[0].expAvg is a disposed tensor');
    refuses({ gone }, 'save: checkpoint.gone is a disposed tensor');
    refuses({ __metadata__: w, epoch: 1 }, "save: '__metadata__' is reserved by the safetensors format and cannot name a tensor");
  });

  it('top levels other than an object, and the reserved metadata key', () => {
    refuses([w], 'save: expected a state dict or a checkpoint object (module.stateDict(), { model, optimizer, epoch }), got an array');
    refuses(null, 'got null');
    refuses(3, 'got number');
    refuses(new Date(0), 'got an instance of Date');
    expect(() => torch.save({ w }, { metadata: { 'webtorch.structure': '{}' } })).toThrow(
      "save: the metadata key 'webtorch.structure' is reserved for the structure of checkpoints",
    );
  });

  it('saveFile refuses the same, naming itself', async () => {
    await expect(torch.saveFile({ w, fn: () => 1 }, join(scratch, 'never.safetensors'))).rejects.toThrow(
      /^saveFile: checkpoint.fn is a function \(fn\), which saveFile cannot store/,
    );
  });
});

describe('corrupt checkpoint structures give clear errors and no tensors', () => {
  const data = new Uint8Array(8);
  const tensors = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, 'b/0': { dtype: 'F32', shape: [1], data_offsets: [4, 8] } };
  const file = (structure: unknown) =>
    build(
      { __metadata__: { 'webtorch.structure': typeof structure === 'string' ? structure : JSON.stringify(structure) }, ...tensors },
      data,
    );
  const refuses = (structure: unknown, message: string | RegExp) => {
    const before = torch.memory().tensors;
    let error: unknown;
    try {
      disposeAll(torch.load(file(structure)));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SafetensorsError);
    const prefix = 'load: invalid checkpoint structure (the "webtorch.structure" metadata): ';
    if (typeof message === 'string') expect((error as Error).message).toBe(prefix + message);
    else expect((error as Error).message.slice(prefix.length)).toMatch(message);
    expect(torch.memory().tensors).toBe(before);
  };
  const a = { $tensor: 'a' };
  const b = { $tensor: 'b/0' };

  it('accepts the well-formed one', () => {
    const loaded = torch.load(file({ a, b: [b], n: { $number: '-Infinity' } }));
    expect(snapshot(loaded)).toEqual({ a: { tensor: ['float32', [1], [0]] }, b: [{ tensor: ['float32', [1], [0]] }], n: -Infinity });
    disposeAll(loaded);
  });

  it('malformed JSON, duplicate keys, or not an object at the top', () => {
    refuses('{"a": ', /^not valid JSON \(.+\)$/);
    refuses([a, b], 'the checkpoint must be an object, got an array');
    refuses(a, 'the checkpoint must be an object, got {"$tensor":"a"}');
    refuses('3', 'the checkpoint must be an object, got 3');
    refuses('{"a":{"$tensor":"a"},"b":{"$tensor":"b/0"},"n":1,"n":2}', 'an object has the key "n" more than once');
  });

  it('references to tensors that are missing, used twice or left out', () => {
    refuses({ a, b, c: { $tensor: 'c' } }, 'checkpoint.c refers to the tensor "c", which the file does not have');
    refuses({ a, b, again: [a] }, 'checkpoint.again[0] refers to the tensor "a", which an earlier entry refers to as well');
    refuses({ a }, 'the file has tensors the structure does not refer to: "b/0"');
    refuses({ a, b: { $tensor: 3 } }, 'checkpoint.b is {"$tensor": 3}, expected a tensor name');
  });

  it('unknown or malformed tags', () => {
    refuses(
      { a, b, x: { $tensors: 'a' } },
      'checkpoint.x has the unknown tag "$tensors" (tags are "$tensor" and "$number"; an object key starting with \'$\' is written with one more \'$\')',
    );
    refuses({ a, b: { $tensor: 'b/0', extra: 1 } }, 'checkpoint.b has the tag "$tensor" beside other keys');
    refuses({ a, b, n: { $number: 'nan' } }, 'checkpoint.n is {"$number": "nan"}, expected one of "NaN", "Infinity", "-Infinity", "-0"');
    refuses({ a, b, n: { $number: 5 } }, 'checkpoint.n is {"$number": 5}, expected one of "NaN", "Infinity", "-Infinity", "-0"');
  });

  it('nesting deeper than 1000 levels', () => {
    refuses(
      `{"a":{"$tensor":"a"},"b":{"$tensor":"b/0"},"deep":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      'checkpoint.deep[0][0]... nests deeper than 1000 levels',
    );
  });
});

describe('the committed checkpoint file, as the reference safetensors reader reads it', () => {
  interface Expected {
    dtype: torch.DType;
    shape: number[];
    data: (Value | boolean)[];
  }
  const expected = JSON.parse(readFileSync(new URL('../fixtures/safetensors_expected.json', import.meta.url), 'utf8')).checkpoint as {
    reader: string;
    keys: string[];
    metadata: Record<string, string>;
    structure: unknown;
    tensors: Record<string, Expected>;
    modelOutput: Expected;
  };

  it('is what torch.save writes for the checkpoint today', () => {
    const checkpoint = fixtureCheckpoint();
    const bytes = torch.save(checkpoint);
    disposeAll(checkpoint);
    if (process.env.WEBTORCH_WRITE_FIXTURES === '1') writeFileSync(FIXTURE, bytes);
    expect(bytes, 'regenerate as the comment at the top of this file says').toEqual(new Uint8Array(readFileSync(FIXTURE)));
  });

  it('was read by the reference reader with our names and values, string-to-string metadata and the structure as JSON', () => {
    expect(expected.reader).toMatch(/^safetensors \d/);
    const bytes = new Uint8Array(readFileSync(FIXTURE));
    const header = readHeader(bytes);
    expect(expected.metadata).toEqual(header.metadata);
    expect(expected.structure).toEqual(JSON.parse(header.metadata!['webtorch.structure']));
    const host = decodeTensors(bytes, header);
    expect(expected.keys).toEqual(host.map((t) => t.name).sort());
    for (const { name, dtype, shape, values } of host) {
      const spec = expected.tensors[name];
      expect([dtype, shape], name).toEqual([spec.dtype, spec.shape]);
      if (dtype === 'bool')
        expect(
          Array.from(values, (v) => v !== 0),
          name,
        ).toEqual(spec.data);
      else expect(Array.from(values), name).toEqual(decode(spec.data as Value[]));
    }
    const loaded = torch.load(bytes, { device: 'cpu' });
    // PyTorch loaded the 'model/' tensors into nn.Linear(2, 3) and applied it to [[1, -2]].
    const model = new nn.Linear(2, 3, { device: 'cpu' });
    model.loadStateDict(loaded.model);
    const out = torch.noGrad(() => model.forward(torch.tensor([[1, -2]], { device: 'cpu' })));
    expect(out.shape).toEqual(expected.modelOutput.shape);
    expect(Array.from(out.dataSync())).toEqual(decode(expected.modelOutput.data as Value[]));
    out.dispose();
    disposeAll(loaded);
  });
});
