// nn.Module against PyTorch 1.13 (test/fixtures/nn_layers.json, written by test/fixtures/nn_layers.py):
// the printed module tree, the names and order of stateDict, parameters, buffers and modules, and
// loadStateDict's errors, for models defined here field for field as the fixture script defines
// them in Python; then the module system's behaviour: registration, modes, gradients, containers,
// and on cpu and webgpu loadStateDict, stateDict, zeroGrad, training memory and to() both ways.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { formatFloat } from '../../src/nn/repr.js';
import { devices, expectNoGrowth } from '../helpers/devices.js';

const { nn } = torch;
type Tensor = torch.Tensor;

interface Structure {
  stateDictKeys: string[];
  namedParameters: string[];
  namedBuffers: string[];
  namedModules: string[];
  namedChildren: string[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/nn_layers.json', import.meta.url), 'utf8')) as {
  reprs: Record<string, string>;
  structure: Record<string, Structure>;
  loadErrors: Record<string, string>;
};

// ---- the fixture's models -------------------------------------------------------------------------

class Embeddings extends nn.Module {
  word_embeddings: torch.nn.Embedding;
  LayerNorm: torch.nn.LayerNorm;
  dropout: torch.nn.Dropout;
  constructor(dModel = 32, vocabSize = 50002, dropout = 0.1) {
    super();
    this.word_embeddings = new nn.Embedding(vocabSize, dModel, { paddingIdx: 1 });
    this.LayerNorm = new nn.LayerNorm(dModel, { eps: 1e-12 });
    this.dropout = new nn.Dropout(dropout);
  }
}

class MultiHeadAttention extends nn.Module {
  W_q = new nn.Linear(32, 32, { bias: false });
  W_k = new nn.Linear(32, 32, { bias: false });
  W_v = new nn.Linear(32, 32, { bias: false });
  W_h = new nn.Linear(32, 32);
  dropout = new nn.Dropout(0.1);
}

class EncoderLayer extends nn.Module {
  mha = new MultiHeadAttention();
  cnn = new nn.Sequential(new nn.Linear(32, 128), new nn.ReLU(), new nn.Linear(128, 32));
  layernorm1 = new nn.LayerNorm(32, { eps: 1e-6 });
  layernorm2 = new nn.LayerNorm(32, { eps: 1e-6 });
}

class TransformerClassifier extends nn.Module {
  embeddings = new Embeddings(32, 50002);
  enc_layers = new nn.ModuleList(Array.from({ length: 2 }, () => new EncoderLayer()));
  dense = new nn.Linear(32, 2);
}

class TweetClassifier extends nn.ModuleList {
  dropout = new nn.Dropout(0.5);
  embedding = new nn.Embedding(1000, 16, { paddingIdx: 0 });
  fc1 = new nn.Linear(16, 257);
  fc2 = new nn.Linear(257, 1);
}

class WithBuffers extends nn.Module {
  fc: torch.nn.Linear;
  scale: torch.nn.Parameter;
  head: torch.nn.Linear | null;
  constructor() {
    super();
    this.registerBuffer('steps', torch.zeros(1));
    this.fc = new nn.Linear(3, 2);
    this.scale = nn.Parameter(torch.ones(2));
    this.registerBuffer('cache', torch.zeros(2), { persistent: false });
    this.registerBuffer('empty', null);
    this.head = new nn.Linear(2, 2);
    this.head = null;
  }
}

class Tied extends nn.Module {
  encoder = new nn.Embedding(6, 4);
  decoder = new nn.Linear(4, 6);
  shared: torch.nn.Sequential;
  constructor() {
    super();
    this.decoder.weight = this.encoder.weight;
    this.shared = new nn.Sequential(this.decoder, new nn.Tanh());
  }
}

class Reassigned extends nn.Module {
  a: torch.nn.Linear;
  b?: torch.nn.Module;
  w: torch.nn.Parameter;
  constructor() {
    super();
    this.a = new nn.Linear(2, 2);
    this.b = new nn.Linear(2, 3);
    this.a = new nn.Linear(2, 4);
    this.w = nn.Parameter(torch.zeros(1));
    delete this.b;
    this.b = new nn.Identity();
  }
}

const MODELS: Record<string, () => torch.nn.Module> = {
  empty: () => new nn.Module(),
  sequential_nested: () =>
    new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Sequential(new nn.Linear(8, 8), new nn.Dropout(0.1)), new nn.Flatten()),
  sequential_named: () => new nn.Sequential({ conv: new nn.Linear(3, 3), act: new nn.LeakyReLU(0.2), out: new nn.LogSoftmax(1) }),
  activations: () =>
    new nn.Sequential(
      new nn.ReLU(),
      new nn.ReLU({ inplace: true }),
      new nn.LeakyReLU(),
      new nn.LeakyReLU(0.2, { inplace: true }),
      new nn.GELU(),
      new nn.GELU({ approximate: 'tanh' }),
      new nn.Tanh(),
      new nn.Sigmoid(),
      new nn.Softmax(1),
      new nn.Softmax(),
      new nn.LogSoftmax(-1),
      new nn.Identity(),
      new nn.Flatten(0, 2),
      new nn.Unflatten(1, [2, 5]),
      new nn.Dropout(),
      new nn.Dropout(0.25, { inplace: true }),
    ),
  layers: () =>
    new nn.ModuleList([
      new nn.Linear(32, 32, { bias: false }),
      new nn.Embedding(50002, 32, { paddingIdx: 1 }),
      new nn.LayerNorm(32, { eps: 1e-12 }),
      new nn.LayerNorm([3, 4], { elementwiseAffine: false }),
      new nn.Dropout(0.1),
      new nn.Embedding(10, 3, { maxNorm: 2, normType: 1, scaleGradByFreq: true }),
      new nn.LayerNorm(8, { eps: 1e-5 }),
    ]),
  // A Map keeps integer-like keys in insertion order (an object literal would sort them first).
  module_dict: () =>
    new nn.ModuleDict(
      new Map<string, torch.nn.Module>([
        ['relu', new nn.ReLU()],
        ['10', new nn.Linear(2, 2)],
        ['2', new nn.Tanh()],
      ]),
    ),
  module_list_empty: () => new nn.ModuleList(),
  transformer_classifier: () => new TransformerClassifier(),
  tweet_classifier: () => new TweetClassifier(),
  with_buffers: () => new WithBuffers(),
  tied: () => new Tied(),
  reassigned: () => new Reassigned(),
};

/** Builds a model inside a scope and frees its parameters and buffers afterwards. */
function withModel<T extends torch.nn.Module>(make: () => T, fn: (model: T) => void): void {
  torch.scope(() => {
    const model = make();
    try {
      fn(model);
    } finally {
      for (const tensor of [...model.parameters(), ...model.buffers()]) tensor.dispose();
    }
  });
}

describe('module trees match PyTorch 1.13', () => {
  for (const [name, make] of Object.entries(MODELS)) {
    it(`${name}: String(model) is repr(model)`, () => withModel(make, (model) => expect(String(model)).toBe(fixture.reprs[name])));

    it(`${name}: stateDict keys, parameters, buffers, modules and children in PyTorch's order`, () => {
      withModel(make, (model) => {
        const names = <T>(entries: [string, T][]) => entries.map(([key]) => key);
        expect({
          stateDictKeys: Object.keys(model.stateDict()),
          namedParameters: names(model.namedParameters()),
          namedBuffers: names(model.namedBuffers()),
          namedModules: names(model.namedModules()),
          namedChildren: names(model.namedChildren()),
        }).toEqual(fixture.structure[name]);
      });
    });
  }

  it("formats float options as Python's repr does", () => {
    const values = [
      1e-5,
      1e-12,
      0.1,
      1,
      1e-4,
      0.0001234,
      12345678.9,
      1e16,
      1.5e17,
      123456789012345.6,
      -0,
      3e-7,
      0.3333333432674408,
      5e-324,
      Infinity,
      NaN,
    ];
    expect(values.map(formatFloat)).toEqual([
      '1e-05',
      '1e-12',
      '0.1',
      '1.0',
      '0.0001',
      '0.0001234',
      '12345678.9',
      '1e+16',
      '1.5e+17',
      '123456789012345.6',
      '-0.0',
      '3e-07',
      '0.3333333432674408',
      '5e-324',
      'inf',
      'nan',
    ]);
  });

  it('prints nested modules in console.log form as well', () => {
    withModel(MODELS.sequential_nested, (model) => {
      const inspect = (model as unknown as Record<symbol, () => string>)[Symbol.for('nodejs.util.inspect.custom')];
      expect(inspect.call(model)).toBe(fixture.reprs.sequential_nested);
    });
  });
});

// ---- loadStateDict ---------------------------------------------------------------------------------

class Small extends nn.Module {
  fc = new nn.Linear(4, 3);
  norm = new nn.LayerNorm(3);
  blocks: torch.nn.ModuleList<torch.nn.Linear>;
  constructor() {
    super();
    this.registerBuffer('steps', torch.zeros(2));
    this.blocks = new nn.ModuleList([new nn.Linear(3, 3), new nn.Linear(3, 3, { bias: false })]);
  }
}

/** The state of a fresh Small with the fixture script's edits applied. */
const LOAD_EDITS: Record<string, (state: Map<string, Tensor>) => void> = {
  missing: (s) => void s.delete('norm.bias'),
  unexpected: (s) => void s.set('blocks.0.extra', torch.zeros(1)),
  size_mismatch: (s) => void s.set('fc.weight', torch.zeros(3, 5)),
  all_kinds: (s) => {
    s.delete('fc.bias');
    s.delete('blocks.1.weight');
    s.set('fc.extra', torch.zeros(1));
    s.set('blocks.2.weight', torch.zeros(1));
    s.set('unknown', torch.zeros(1));
    s.set('norm.weight', torch.zeros(4));
    s.set('steps', torch.zeros(3));
  },
};

async function snapshot(model: torch.nn.Module): Promise<Record<string, unknown>> {
  const entries = Object.entries(model.stateDict());
  return Object.fromEntries(await Promise.all(entries.map(async ([key, value]) => [key, await value.tolist()])));
}

/** withModel for tests that await: builds the model on `device` and frees its tensors afterwards. */
async function withModelOn<T extends torch.nn.Module>(device: string, make: () => T, fn: (model: T) => Promise<void>): Promise<void> {
  const model = make().to(device);
  try {
    await fn(model);
  } finally {
    for (const tensor of [...model.parameters(), ...model.buffers()]) tensor.dispose();
  }
}

/** A fresh Small's state dict on `device`, each value plus 1. */
function shiftedState(device: string): Map<string, Tensor> {
  return new Map(Object.entries(new Small().to(device).stateDict()).map(([key, value]) => [key, value.add(1)]));
}

for (const device of devices) {
  describe(`loadStateDict (${device})`, () => {
    for (const [name, edit] of Object.entries(LOAD_EDITS)) {
      it(`${name}: one error with PyTorch's message, and nothing loaded`, () =>
        withModelOn(
          device,
          () => new Small(),
          async (model) => {
            const before = await snapshot(model);
            const state = shiftedState(device);
            edit(state);
            expect(() => model.loadStateDict(state)).toThrow(fixture.loadErrors[name]);
            try {
              model.loadStateDict(state);
            } catch (error) {
              expect((error as Error).message).toBe(fixture.loadErrors[name]);
            }
            expect(await snapshot(model)).toEqual(before);
          },
        ));
    }

    it('copies values (not storage) into the existing parameters and buffers, under noGrad', () =>
      withModelOn(
        device,
        () => new Small(),
        async (model) => {
          const weight = model.fc.weight;
          const source = new Small().to(device);
          const result = model.loadStateDict(source.stateDict());
          expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
          expect(model.fc.weight).toBe(weight);
          expect(await weight.tolist()).toEqual(await source.fc.weight.tolist());
          expect(weight.requiresGrad && weight.isLeaf && weight.device === device).toBe(true);
          torch.noGrad(() => source.fc.weight.fill_(7));
          expect(await weight.tolist()).not.toEqual(await source.fc.weight.tolist());
        },
      ));

    it('loads a state dict from the CPU, as torch.load gives it', () =>
      withModelOn(
        device,
        () => new Small(),
        async (model) => {
          const source = new Small();
          model.loadStateDict(torch.load(torch.save(source.stateDict())));
          expect(await snapshot(model)).toEqual(await snapshot(source));
          expect(model.buffers()[0].device).toBe(device);
        },
      ));

    it('non-strict: loads what matches and reports missing and unexpected keys', () =>
      withModelOn(
        device,
        () => new Small(),
        async (model) => {
          const result = model.loadStateDict(
            { 'fc.bias': torch.tensor([1, 2, 3], { device }), 'extra.weight': torch.zeros(1) },
            { strict: false },
          );
          expect(result.unexpectedKeys).toEqual(['extra.weight']);
          expect(result.missingKeys).toEqual([
            'steps',
            'fc.weight',
            'norm.weight',
            'norm.bias',
            'blocks.0.weight',
            'blocks.0.bias',
            'blocks.1.weight',
          ]);
          expect(await model.fc.bias!.tolist()).toEqual([1, 2, 3]);
        },
      ));

    it('non-strict still refuses shape mismatches and non-tensors, loading nothing', () =>
      withModelOn(
        device,
        () => new Small(),
        async (model) => {
          const before = await snapshot(model);
          const state = {
            'fc.bias': torch.tensor([1, 2, 3], { device }),
            'norm.bias': torch.zeros(4, { device }),
            steps: [1, 2] as unknown as Tensor,
          };
          expect(() => model.loadStateDict(state, { strict: false })).toThrow(
            'Error(s) in loading state_dict for Small:\n\tWhile copying the parameter named "steps", expected a Tensor from checkpoint but received an object of class Array\n\t' +
              'size mismatch for norm.bias: copying a param with shape [4] from checkpoint, the shape in current model is [3].',
          );
          expect(await snapshot(model)).toEqual(before);
        },
      ));

    it('stateDict values are detached aliases on the device, or the parameters themselves with keepVars', () =>
      withModelOn(
        device,
        () => new Small(),
        async (model) => {
          const aliases = model.stateDict();
          expect(aliases['fc.weight']).not.toBe(model.fc.weight);
          expect(aliases['fc.weight'].requiresGrad).toBe(false);
          expect(Object.values(aliases).every((t) => t.device === device)).toBe(true);
          torch.noGrad(() => aliases['fc.weight'].fill_(2));
          expect(await model.fc.weight.tolist()).toEqual(Array.from({ length: 3 }, () => [2, 2, 2, 2]));
          aliases['fc.weight'].dispose();
          expect(model.fc.weight.isDisposed).toBe(false);
          const own = model.stateDict({ keepVars: true, prefix: 'model.' });
          expect(own['model.fc.weight']).toBe(model.fc.weight);
          expect(own['model.steps']).toBe(model.buffers()[0]);
        },
      ));
  });
}

describe.skipIf(!devices.includes('webgpu'))("to('webgpu') and back", () => {
  it('moves every parameter and buffer, keeping them Parameters that require grad, their gradients, ties and the names', async () => {
    const model = new Tied();
    const frozen = new nn.Linear(2, 2);
    frozen.requiresGrad_(false);
    const withBuffers = new WithBuffers();
    withBuffers.fc.forward(torch.ones(1, 3)).sum().backward();
    const grad = await withBuffers.fc.weight.grad!.tolist();
    const before = await snapshot(withBuffers);
    for (const m of [model, frozen, withBuffers]) expect(m.to('webgpu')).toBe(m);
    expect(model.decoder.weight).toBe(model.encoder.weight);
    expect(model.shared[0]).toBe(model.decoder);
    for (const m of [model, frozen, withBuffers]) {
      for (const [name, t] of [...m.namedParameters(), ...m.namedBuffers()]) expect(t.device, name).toBe('webgpu');
      for (const p of m.parameters()) expect(p).toBeInstanceOf(nn.Parameter);
    }
    expect(model.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(frozen.parameters().some((p) => p.requiresGrad)).toBe(false);
    expect(withBuffers.fc.weight.grad!.device).toBe('webgpu');
    expect(await withBuffers.fc.weight.grad!.tolist()).toEqual(grad);
    expect(await snapshot(withBuffers)).toEqual(before);
    expect(Object.keys(withBuffers.stateDict())).toEqual(fixture.structure.with_buffers.stateDictKeys);
    expect(withBuffers.namedBuffers().map(([name]) => name)).toEqual(fixture.structure.with_buffers.namedBuffers);
    // Back on the CPU the values arrive after the copy: a read waits for them.
    withBuffers.to('cpu');
    expect(await withBuffers.fc.weight.tolist()).toEqual(before['fc.weight']);
    expect(await snapshot(withBuffers)).toEqual(before);
  });

  it('a module on the CPU refuses a state dict on webgpu, saying how to move it, and loads nothing', async () => {
    const model = new Small();
    const before = await snapshot(model);
    const state = shiftedState('webgpu');
    expect(() => model.loadStateDict(state)).toThrow(
      'Error(s) in loading state_dict for Small:\n\tWhile copying the parameter named "steps", the checkpoint\'s tensor is on webgpu and the parameter on cpu: that copy cannot complete synchronously; ' +
        "move the checkpoint there first, each tensor with await t.toAsync('cpu')",
    );
    expect(await snapshot(model)).toEqual(before);
    const moved = new Map(await Promise.all([...state].map(async ([key, t]) => [key, await t.toAsync('cpu')] as const)));
    model.loadStateDict(moved);
    expect(await snapshot(model)).toEqual(
      Object.fromEntries(await Promise.all([...state].map(async ([key, t]) => [key, await t.tolist()]))),
    );
  });
});

// ---- registration ------------------------------------------------------------------------------------

describe('registration by assignment', () => {
  it('registers fields in declaration order, then constructor assignments, own parameters before children', () => {
    class Net extends nn.Module {
      fc1 = new nn.Linear(2, 3);
      bias = nn.Parameter(torch.zeros(3));
      later: torch.nn.Linear;
      constructor() {
        super();
        this.later = new nn.Linear(3, 1);
      }
    }
    withModel(
      () => new Net(),
      (net) => {
        expect(net.namedParameters().map(([name]) => name)).toEqual(['bias', 'fc1.weight', 'fc1.bias', 'later.weight', 'later.bias']);
        expect(net.children()).toEqual([net.fc1, net.later]);
      },
    );
  });

  it('Parameter: callable with or without new, requires grad, outlives scopes, shares storage', () => {
    const data = torch.ones(2);
    const p = torch.scope(() => nn.Parameter(data));
    expect(p).toBeInstanceOf(nn.Parameter);
    expect(p).toBeInstanceOf(torch.Tensor);
    expect(p.isDisposed).toBe(false);
    expect(p.requiresGrad && p.isLeaf).toBe(true);
    expect(new nn.Parameter(torch.zeros(1), false).requiresGrad).toBe(false);
    expect(String(nn.Parameter(torch.tensor([1, 2])))).toBe('Parameter containing:\ntensor([1., 2.], requires_grad=True)');
    torch.noGrad(() => data.fill_(5));
    expect(p.tolistSync()).toEqual([5, 5]);
    expect(() => nn.Parameter(torch.tensor([1], { dtype: 'int32' }))).toThrow(/only float32 tensors can require gradients/);
    p.dispose();
  });

  it('refuses what PyTorch refuses: a plain tensor as a parameter, a number as a child, dotted names', () => {
    withModel(
      () => new nn.Linear(2, 2),
      (fc) => {
        expect(() => Object.assign(fc, { weight: torch.zeros(2, 2) })).toThrow(
          "Linear: cannot assign a Tensor of shape [2, 2] as parameter 'weight' (nn.Parameter or null expected)",
        );
        const seq = new nn.Sequential(new nn.ReLU());
        expect(() => Object.assign(seq, { 0: 3 })).toThrow(
          "Sequential: cannot assign a number (3) as child module '0' (nn.Module or null expected)",
        );
        expect(() => fc.registerBuffer('a.b', torch.zeros(1))).toThrow(
          `Linear: a parameter, buffer or module name can't contain ".", got 'a.b'`,
        );
        expect(() => fc.registerBuffer('weight', torch.zeros(1))).toThrow("Linear.registerBuffer: attribute 'weight' already exists");
        expect(() => fc.addModule('forward', new nn.ReLU())).toThrow("Linear.addModule: attribute 'forward' already exists");
        fc.bias = null;
        expect(fc.namedParameters().map(([name]) => name)).toEqual(['weight']);
        expect(String(fc)).toBe('Linear(in_features=2, out_features=2, bias=False)');
      },
    );
  });

  it('buffers: reassignment keeps the slot, non-persistent buffers stay out of stateDict, to() and train() keep them', () => {
    class Counter extends nn.Module {
      declare count: Tensor;
      declare scratch: Tensor;
      constructor() {
        super();
        this.registerBuffer('count', torch.zeros(1));
        this.registerBuffer('scratch', torch.zeros(2), false);
      }
    }
    withModel(
      () => new Counter(),
      (counter) => {
        const replaced = counter.count;
        counter.count = torch.scope(() => torch.ones(1));
        expect(counter.count.isDisposed).toBe(false);
        expect(counter.namedBuffers().map(([name, b]) => [name, b.tolistSync()])).toEqual([
          ['count', [1]],
          ['scratch', [0, 0]],
        ]);
        expect(Object.keys(counter.stateDict())).toEqual(['count']);
        expect(() => Object.assign(counter, { count: 3 })).toThrow(
          "Counter: cannot assign a number (3) as buffer 'count' (Tensor or null expected)",
        );
        expect(counter.to('cpu').count).toBe(counter.buffers()[0]);
        replaced.dispose();
      },
    );
  });

  it('a field declared null (or undefined) can be registered later', () => {
    class Gate extends nn.Module {
      bias: torch.nn.Parameter | null = null;
      scale: torch.nn.Parameter | null = null;
      constructor(withBias: boolean) {
        super();
        this.registerParameter('scale', nn.Parameter(torch.ones(1)));
        this.registerParameter('bias', withBias ? nn.Parameter(torch.zeros(1)) : null);
      }
    }
    withModel(
      () => new Gate(true),
      (gate) => expect(gate.namedParameters().map(([name]) => name)).toEqual(['scale', 'bias']),
    );
    withModel(
      () => new Gate(false),
      (gate) => {
        expect(gate.namedParameters().map(([name]) => name)).toEqual(['scale']);
        expect(() => Object.assign(gate, { bias: torch.zeros(1) })).toThrow(
          "Gate: cannot assign a Tensor of shape [1] as parameter 'bias'",
        );
      },
    );
  });

  it('delete removes a registration', () => {
    withModel(
      () => new nn.Sequential(new nn.Linear(1, 1), new nn.Tanh()),
      (seq) => {
        const first = seq[0];
        delete (seq as unknown as Record<string, unknown>)['0'];
        expect(seq.namedChildren().map(([name]) => name)).toEqual(['1']);
        for (const p of first.parameters()) p.dispose();
      },
    );
  });
});

// ---- modes, gradients, devices ---------------------------------------------------------------------

describe('train/eval, zeroGrad, requiresGrad_, apply, to', () => {
  it('train and eval reach every descendant, and Dropout follows them', () => {
    withModel(
      () => new nn.Sequential(new nn.Linear(3, 3), new nn.Sequential(new nn.Dropout(0.5))),
      (model) => {
        const x = torch.ones(64, 3);
        expect(model.training).toBe(true);
        expect(model.eval()).toBe(model);
        expect(model.modules().map((m) => m.training)).toEqual([false, false, false, false]);
        const dropout = model.modules()[3];
        expect(dropout.forward(x)).toBe(x);
        model.train();
        expect(model.modules().every((m) => m.training)).toBe(true);
        const dropped = dropout.forward(x).dataSync();
        expect(new Set(dropped)).toEqual(new Set([0, 2]));
      },
    );
  });

  for (const device of devices) {
    it(`zeroGrad zeroes gradients in place (PyTorch 1.13 default) or frees them with setToNone (${device})`, () =>
      withModelOn(
        device,
        () => new nn.Linear(3, 2),
        async (fc) => {
          fc.forward(torch.ones(4, 3, { device }))
            .sum()
            .backward();
          const grad = fc.weight.grad!;
          expect(await grad.tolist()).toEqual([
            [4, 4, 4],
            [4, 4, 4],
          ]);
          fc.zeroGrad();
          expect(fc.weight.grad).toBe(grad);
          expect(await grad.tolist()).toEqual([
            [0, 0, 0],
            [0, 0, 0],
          ]);
          fc.zeroGrad({ setToNone: true });
          expect(fc.weight.grad).toBeNull();
          expect(grad.isDisposed).toBe(true);
        },
      ));
  }

  it('requiresGrad_ freezes and unfreezes every parameter', () => {
    withModel(
      () => new nn.Sequential(new nn.Linear(2, 2), new nn.LayerNorm(2)),
      (model) => {
        model.requiresGrad_(false);
        expect(model.parameters().map((p) => p.requiresGrad)).toEqual([false, false, false, false]);
        expect(model.forward(torch.ones(1, 2)).requiresGrad).toBe(false);
        model.requiresGrad_();
        expect(model.parameters().every((p) => p.requiresGrad)).toBe(true);
      },
    );
  });

  it('apply visits children before parents, and can re-initialise', () => {
    withModel(
      () => new nn.Sequential(new nn.Linear(2, 2), new nn.Sequential(new nn.Tanh())),
      (model) => {
        const visited: string[] = [];
        model.apply((m) => {
          visited.push(m.getName());
          if (m instanceof nn.Linear) nn.init.constant_(m.weight, 0.5);
        });
        expect(visited).toEqual(['Linear', 'Tanh', 'Sequential', 'Sequential']);
        expect((model[0] as torch.nn.Linear).weight.tolistSync()).toEqual([
          [0.5, 0.5],
          [0.5, 0.5],
        ]);
      },
    );
  });

  it("to('cpu') keeps every tensor when it is already there", () => {
    withModel(
      () => new WithBuffers(),
      (model) => {
        const before = [...model.parameters(), ...model.buffers()];
        expect(model.to('cpu')).toBe(model);
        expect([...model.parameters(), ...model.buffers()]).toEqual(before);
        expect(() => model.to('cpu:9')).toThrow();
      },
    );
  });

  it('forward must be defined by subclasses', () => {
    expect(() => new nn.ModuleList().forward()).toThrow('Module [ModuleList] is missing the required "forward" function');
  });

  for (const device of devices) {
    it(`a training loop keeps the live tensors and the bytes in use flat (${device})`, () =>
      withModelOn(
        device,
        () =>
          new nn.Sequential(
            new nn.Embedding(20, 8, { paddingIdx: 0 }),
            new nn.LayerNorm(8),
            new nn.GELU(),
            new nn.Dropout(0.1),
            new nn.Linear(8, 3),
          ),
        async (model) => {
          const indices = torch.randint(0, 20, [4, 5], { device });
          const step = () => {
            model.zeroGrad();
            torch.scope(() => model.forward(indices).logSoftmax(-1).mean().neg().backward());
            torch.scope(() => torch.noGrad(() => model.parameters().forEach((p) => p.sub_(p.grad!.mul(0.1)))));
          };
          step();
          await model.parameters()[0].data();
          const before = torch.memory();
          for (let i = 0; i < 5; i++) step();
          await model.parameters()[0].data();
          expectNoGrowth(device, before);
          indices.dispose();
        },
      ));
  }
});

// ---- containers -----------------------------------------------------------------------------------

describe('containers', () => {
  it('Sequential runs its modules in order; takes an object or a Map of names', () => {
    withModel(
      () => new nn.Sequential({ double: new nn.Linear(1, 1, { bias: false }), act: new nn.ReLU() }),
      (seq) => {
        nn.init.constant_((seq.at(0) as torch.nn.Linear).weight, 2);
        expect(seq.forward(torch.tensor([[3], [-1]])).tolistSync()).toEqual([[6], [0]]);
        expect(seq.namedChildren().map(([name]) => name)).toEqual(['double', 'act']);
        expect(seq.length).toBe(2);
        expect(seq.at(-1)).toBeInstanceOf(nn.ReLU);
        expect(
          new nn.Sequential(
            new Map([
              ['b', new nn.Tanh()],
              ['a', new nn.Tanh()],
            ]),
          )
            .namedChildren()
            .map(([name]) => name),
        ).toEqual(['b', 'a']);
        expect(new nn.Sequential().forward(torch.ones(1)).tolistSync()).toEqual([1]);
      },
    );
  });

  it('ModuleList: append, extend, insert, pop, index access, iteration, length', () => {
    const [a, b, c, d] = [new nn.Tanh(), new nn.ReLU(), new nn.Sigmoid(), new nn.Identity()];
    const list = new nn.ModuleList<torch.nn.Module>([a]);
    list.append(b).extend([c]);
    expect([...list]).toEqual([a, b, c]);
    expect(list[1]).toBe(b);
    expect(list.at(-1)).toBe(c);
    list.insert(1, d);
    expect([...list]).toEqual([a, d, b, c]);
    expect(list.namedChildren().map(([name]) => name)).toEqual(['0', '1', '2', '3']);
    expect(list.pop(0)).toBe(a);
    expect(list.pop()).toBe(c);
    expect([...list]).toEqual([d, b]);
    expect(list[0]).toBe(d);
    expect(list.length).toBe(2);
    expect(() => list.at(2)).toThrow('ModuleList.at: index 2 is out of range for 2 modules');
    list.append(d);
    expect([...list]).toEqual([d, b, d]);
    expect(list.modules()).toEqual([list, d, b]);
    expect(String(list)).toBe('ModuleList(\n  (0): Identity()\n  (1): ReLU()\n  (2): Identity()\n)');
  });

  it('ModuleDict: get, set, has, delete, pop, keys in insertion order', () => {
    const dict = new nn.ModuleDict({ act: new nn.ReLU() });
    const tanh = new nn.Tanh();
    dict.set('2', tanh).set('1', new nn.Sigmoid());
    expect([...dict.keys()]).toEqual(['act', '2', '1']);
    expect([...dict]).toEqual(['act', '2', '1']);
    expect(dict.get('2')).toBe(tanh);
    expect((dict as unknown as Record<string, unknown>).act).toBe(dict.get('act'));
    expect(dict.has('act')).toBe(true);
    dict.set('act', new nn.GELU());
    expect([...dict.items()].map(([k, m]) => `${k}:${m.getName()}`)).toEqual(['act:GELU', '2:Tanh', '1:Sigmoid']);
    expect(dict.pop('2')).toBe(tanh);
    expect(dict.delete('missing')).toBe(false);
    expect(dict.length).toBe(2);
    expect(() => dict.get('2')).toThrow("ModuleDict: no module under key '2' (keys: 'act', '1')");
    expect(() => dict.set('keys', new nn.ReLU())).toThrow("ModuleDict.addModule: attribute 'keys' already exists");
    dict.clear();
    expect(dict.length).toBe(0);
  });

  it('a ModuleList subclass registers its fields and can append', () => {
    withModel(
      () => new TweetClassifier(),
      (model) => {
        model.append(new nn.Sigmoid());
        expect(model.namedChildren().map(([name]) => name)).toEqual(['dropout', 'embedding', 'fc1', 'fc2', '4']);
        expect(model.length).toBe(5);
      },
    );
  });
});
