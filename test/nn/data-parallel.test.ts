// nn.DataParallel against the same module on one device: outputs, loss, every gradient and three
// SGD steps equal for a GRU over packed names, a CNN and an LSTM language model; BatchNorm as
// PyTorch's DataParallel runs it (each replica its own chunk, running statistics from replica 0);
// scatter and gather of containers, small batches, scalar outputs, packing inside a replica, and
// the errors. Runs on ['cpu', 'cpu'] (two replicas on one device), on the worker CPU devices
// ['cpu:1', 'cpu:2'] and ['cpu', 'cpu:1'], and on ['webgpu', 'webgpu:1'], two GPUDevices, where
// WebGPU is available (required under WEBTORCH_REQUIRE_WEBGPU=1).
import { describe, expect, it, vi } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';

const { nn } = torch;
const F = nn.functional;

const webgpu = devices.includes('webgpu');
if (webgpu) await torch.webgpu.init({ deviceCount: 2 });
await torch.cpu.init({ devices: 2 });
const pairs: [string, string][] = [
  ['cpu', 'cpu'],
  ['cpu:1', 'cpu:2'],
  ['cpu', 'cpu:1'],
  ...(webgpu ? [['webgpu', 'webgpu:1'] as [string, string]] : []),
];

const TOLERANCE = { rtol: 1e-5, atol: 1e-6 };

async function expectClose(actual: torch.Tensor, expected: torch.Tensor, what: string): Promise<void> {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const [a, e] = [await actual.data(), await expected.data()];
  const bad = [...a].findIndex((v, i) => !(Math.abs(v - e[i]) <= TOLERANCE.atol + TOLERANCE.rtol * Math.abs(e[i])));
  expect(bad, `${what}: element ${bad} is ${a[bad]}, expected ${e[bad]}`).toBe(-1);
}

/** The names classifier of examples/names, smaller: codes -> Embedding -> 2-layer bidirectional GRU over a packed batch -> Linear. */
class NamesGru extends nn.Module {
  embedding = new nn.Embedding(20, 6, { paddingIdx: 0 });
  gru = new nn.GRU(6, 5, { numLayers: 2, batchFirst: true, bidirectional: true });
  fc = new nn.Linear(10, 3);
  override forward(x: torch.Tensor, lengths: torch.Tensor): torch.Tensor {
    const packed = nn.utils.rnn.packPaddedSequence(this.embedding.forward(x), lengths, { batchFirst: true, enforceSorted: false });
    const [, hN] = this.gru.forward(packed);
    return this.fc.forward(torch.cat([hN.index(-2), hN.index(-1)], 1));
  }
}

/** A language model whose forward packs, runs an LSTM and pads back to the whole length, so every replica's output has it. */
class LstmLanguageModel extends nn.Module {
  embedding = new nn.Embedding(20, 6);
  lstm = new nn.LSTM(6, 5, { numLayers: 2, batchFirst: true });
  decoder = new nn.Linear(5, 20);
  override forward(x: torch.Tensor, lengths: torch.Tensor): torch.Tensor {
    const packed = nn.utils.rnn.packPaddedSequence(this.embedding.forward(x), lengths, { batchFirst: true, enforceSorted: false });
    const [output] = this.lstm.forward(packed);
    const [padded] = nn.utils.rnn.padPackedSequence(output as torch.nn.utils.rnn.PackedSequence, {
      batchFirst: true,
      totalLength: x.shape[1],
    });
    return this.decoder.forward(padded);
  }
}

class Cnn extends nn.Module {
  conv = new nn.Conv2d(1, 3, 3);
  pool = new nn.MaxPool2d(2);
  fc = new nn.Linear(12, 4);
  override forward(x: torch.Tensor): torch.Tensor {
    return this.fc.forward((this.pool.forward(this.conv.forward(x).relu()) as torch.Tensor).flatten(1));
  }
}

interface Case {
  model: () => torch.nn.Module;
  /** The forward's arguments, on the CPU. */
  inputs: () => unknown[];
  /** The loss of an output, with targets on the output's device. */
  loss: (output: torch.Tensor) => torch.Tensor;
}

const NAMES_LENGTHS = [3, 7, 1, 5, 2];
/** Codes [N, 7] padded with 0 after each name's length. */
function names(): torch.Tensor {
  const codes = NAMES_LENGTHS.map((length, n) => Array.from({ length: 7 }, (_, t) => (t < length ? 1 + ((n * 7 + t * 3) % 19) : 0)));
  return torch.tensor(codes, { dtype: 'int32' });
}
const lengths = () => torch.tensor(NAMES_LENGTHS, { dtype: 'int32' });
const targets = (values: number[], device: string) => torch.tensor(values, { dtype: 'int32', device });
/** The arguments for the module itself on `device`: lengths (1-D int32) stay on the CPU, where packing reads them. */
const onDevice = (args: unknown[], device: string) =>
  args.map((arg) => (arg instanceof torch.Tensor && !(arg.dtype === 'int32' && arg.dim() === 1) ? arg.to(device) : arg));

const CASES: Record<string, Case> = {
  'the names GRU over packed sequences': {
    model: () => new NamesGru(),
    inputs: () => [names(), lengths()],
    loss: (output) => F.crossEntropy(output, targets([0, 2, 1, 2, 0], output.device)),
  },
  'a CNN': {
    model: () => new Cnn(),
    inputs: () => [torch.randn(5, 1, 6, 6)],
    loss: (output) => F.crossEntropy(output, targets([3, 0, 1, 2, 1], output.device)),
  },
  'an LSTM language model': {
    model: () => new LstmLanguageModel(),
    inputs: () => [names(), lengths()],
    loss: (output) => F.crossEntropy(output.reshape(-1, 20), names().reshape(-1).to(output.device)),
  },
};

describe.each(pairs)('nn.DataParallel on [%s, %s]', (first, second) => {
  const deviceIds = [first, second];

  describe.each(Object.keys(CASES))('%s: the same numbers as one device', (name) => {
    const { model, inputs, loss } = CASES[name];

    it('outputs, loss and every parameter gradient', async () => {
      torch.manualSeed(1);
      const single = model().to(first);
      const wrapped = single.deepCopy();
      const args = inputs();
      const expected = single.forward(...onDevice(args, first));
      const expectedLoss = loss(expected);
      expectedLoss.backward();

      const dp = new nn.DataParallel(wrapped, { deviceIds });
      const output = dp.forward(...args);
      expect(output.device).toBe(first);
      const got = loss(output);
      got.backward();
      await expectClose(output, expected, 'output');
      await expectClose(got, expectedLoss, 'loss');
      const grads = single.namedParameters();
      expect(wrapped.namedParameters().map(([key]) => key)).toEqual(grads.map(([key]) => key));
      for (const [i, [key, param]] of wrapped.namedParameters().entries()) {
        expect(param.grad?.device, `${key}.grad`).toBe(first);
        await expectClose(param.grad!, grads[i][1].grad!, `${key}.grad`);
      }
    });

    it('three SGD steps keep the parameters equal', async () => {
      torch.manualSeed(2);
      const single = model().to(first);
      const wrapped = single.deepCopy();
      const dp = new nn.DataParallel(wrapped, { deviceIds });
      const optimizers = [single, wrapped].map((m) => new torch.optim.SGD(m.parameters(), { lr: 0.5 }));
      for (let step = 0; step < 3; step++) {
        const args = inputs();
        const runs = [() => single.forward(...onDevice(args, first)), () => dp.forward(...args)];
        for (const [k, forward] of runs.entries()) {
          torch.scope(() => {
            optimizers[k].zeroGrad();
            loss(forward()).backward();
            optimizers[k].step();
          });
        }
      }
      const expected = single.namedParameters();
      for (const [i, [key, param]] of wrapped.namedParameters().entries()) await expectClose(param, expected[i][1], key);
    });
  });

  it('BatchNorm in training: each replica normalises its own chunk, running statistics from replica 0', async () => {
    torch.manualSeed(3);
    const build = () => new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.ReLU()).to(first);
    const module = build();
    // PyTorch's rules run one by one: chunk 0 through the module itself, chunk 1 through a copy of it.
    const reference = module.deepCopy();
    const replicaOne = module.deepCopy();
    const x = torch.randn(6, 3);
    const expected = torch.cat([reference.forward(x.narrow(0, 0, 3).to(first)), replicaOne.forward(x.narrow(0, 3, 3).to(first))]);
    expected.square().sum().backward();

    const dp = new nn.DataParallel(module, { deviceIds });
    const output = dp.forward(x);
    output.square().sum().backward();
    await expectClose(output, expected, 'output');
    const stats = module.namedBuffers();
    for (const [i, [key, buffer]] of reference.namedBuffers().entries()) await expectClose(stats[i][1], buffer, key);
    expect(await (module.at(1) as torch.nn.BatchNorm1d).num_batches_tracked!.item()).toBe(1);
    const copies = replicaOne.parameters();
    for (const [i, [key, param]] of reference.namedParameters().entries())
      await expectClose(module.parameters()[i].grad!, param.grad!.add(copies[i].grad!.to(first)), `${key}.grad`);
  });

  it('stateDict keys carry the module. prefix and .module is the wrapped model', () => {
    const model = new nn.Linear(2, 3).to(first);
    const dp = new nn.DataParallel(model, { deviceIds });
    expect(dp.module).toBe(model);
    expect(Object.keys(dp.stateDict())).toEqual(['module.weight', 'module.bias']);
    expect(dp.parameters().every((param, i) => param === model.parameters()[i])).toBe(true);
    expect(dp.toString()).toBe('DataParallel(\n  (module): Linear(in_features=2, out_features=3, bias=True)\n)');
  });

  it('a batch smaller than the device count runs on fewer replicas', async () => {
    torch.manualSeed(4);
    const model = new nn.Linear(3, 2).to(first);
    const single = model.deepCopy();
    const x = torch.randn(1, 3);
    const output = new nn.DataParallel(model, { deviceIds }).forward(x);
    const expected = single.forward(x.to(first));
    await expectClose(output, expected, 'output');
    output.sum().backward();
    expected.sum().backward();
    await expectClose(model.weight.grad!, single.weight.grad!, 'weight.grad');
  });

  it('a scalar output becomes one value per replica, with PyTorch warning once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    class MeanSquare extends nn.Module {
      fc = new nn.Linear(2, 1);
      override forward(x: torch.Tensor) {
        return this.fc.forward(x).square().mean();
      }
    }
    const model = new MeanSquare().to(first);
    const x = torch.randn(4, 2);
    const dp = new nn.DataParallel(model, { deviceIds });
    const output = dp.forward(x);
    dp.forward(x);
    expect(output.shape).toEqual([2]);
    const each = [0, 2].map((start) => model.forward(x.narrow(0, start, 2).to(first)));
    await expectClose(output, torch.stack(each), 'output');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/^DataParallel: was asked to gather along dimension 0, but all input tensors were scalars/);
    warn.mockRestore();
  });

  it('scatters tensors in arrays and plain objects along dim, shares other values, gathers the same structure', async () => {
    const seen: unknown[] = [];
    const shared = { note: 'shared' };
    class Probe extends nn.Module {
      scale = new nn.Linear(1, 1, { bias: false });
      override forward(batch: { x: torch.Tensor; pair: [torch.Tensor, string] }, tag: object) {
        seen.push([batch.x.device, batch.x.shape, batch.pair[1], tag]);
        return { sum: batch.x.add(batch.pair[0]), list: [batch.x, null] };
      }
    }
    const dp = new nn.DataParallel(new Probe().to(first), { deviceIds, dim: 1 });
    const x = torch.arange(12).reshape(2, 6);
    const output = dp.forward({ x, pair: [x.mul(10), 'label'] }, shared);
    // Replicas on queueing devices are issued before one on a synchronous device, so the order varies.
    expect(seen).toHaveLength(2);
    expect(seen).toEqual(
      expect.arrayContaining([
        [first, [2, 3], 'label', shared],
        [second, [2, 3], 'label', shared],
      ]),
    );
    expect(output.sum.device).toBe(first);
    expect(await output.sum.tolist()).toEqual(await x.mul(11).tolist());
    expect(await output.list[0]!.tolist()).toEqual(await x.tolist());
    expect(output.list[1]).toBeNull();
  });

  it('a number[] of lengths reaches every replica whole, as with PyTorch scatter, and packing refuses it', () => {
    const dp = new nn.DataParallel(new NamesGru().to(first), { deviceIds });
    expect(() => dp.forward(names(), NAMES_LENGTHS as unknown as torch.Tensor)).toThrow(
      // The first replica to run refuses: replica 0 (3 rows), or replica 1 (2 rows) when it is the one that queues.
      /^packPaddedSequence: expected len\(lengths\) to be equal to batch_size, but got 5 \(batch_size=[32]/,
    );
  });

  it('without grad mode the replicas record nothing', async () => {
    const model = new nn.Linear(3, 2).to(first);
    const output = torch.noGrad(() => new nn.DataParallel(model, { deviceIds }).forward(torch.ones(4, 3)));
    expect(output.requiresGrad).toBe(false);
    expect(await output.tolist()).toEqual(await torch.noGrad(() => model.forward(torch.ones(4, 3).to(first))).tolist());
  });
});

describe.runIf(webgpu)("nn.DataParallel on ['webgpu', 'webgpu:1'] only", () => {
  const deviceIds = ['webgpu', 'webgpu:1'];

  it('the API.md lines run as written: dp.forward(x, lengths), lengths a CPU int32 tensor split with x, output on deviceIds[0]', async () => {
    torch.manualSeed(5);
    const model = new NamesGru().to('webgpu');
    // lengths is a CPU int32 tensor, split with x: a number[] would reach every replica whole, as with PyTorch's scatter.
    const [x, lengths] = [names(), torch.tensor(NAMES_LENGTHS, { dtype: 'int32' })];
    const dp = new nn.DataParallel(model, { deviceIds: ['webgpu', 'webgpu:1'] });
    const out = dp.forward(x, lengths); // x split along dim 0, output gathered on deviceIds[0]
    expect(out.device).toBe('webgpu');
    await expectClose(out, model.forward(x.to('webgpu'), lengths), 'out');
  });

  it('gathers on outputDevice, another GPU or the CPU, with gradients flowing back', async () => {
    torch.manualSeed(6);
    const model = new nn.Linear(3, 2).to('webgpu');
    const x = torch.randn(4, 3);
    const expected = (await model.forward(x.to('webgpu')).toAsync('cpu')).tolistSync() as number[][];
    for (const outputDevice of ['webgpu:1', 'cpu']) {
      model.zeroGrad();
      const output = new nn.DataParallel(model, { deviceIds, outputDevice }).forward(x);
      expect(output.device).toBe(outputDevice);
      const values = (await output.tolist()) as number[][];
      values.flat().forEach((v, i) => expect(v).toBeCloseTo(expected.flat()[i], 5));
      if (outputDevice !== 'cpu') {
        output.sum().backward();
        expect(await model.bias!.grad!.tolist()).toEqual([4, 4]);
      }
    }
  });

  it('lengths computed on a device that queues its work are refused, asking for CPU lengths', async () => {
    const dp = new nn.DataParallel(new NamesGru().to('webgpu'), { deviceIds });
    expect(() => dp.forward(names(), lengths().to('webgpu').add(0))).toThrow(
      'packPaddedSequence: lengths must be on the CPU, where it is read to plan the layout, but is on webgpu; pass lengths as a number[] or a CPU tensor',
    );
  });

  it('refuses devices of different kinds and a module off deviceIds[0]', () => {
    expect(() => new nn.DataParallel(new nn.Linear(2, 2), { deviceIds: ['cpu', 'webgpu'] })).toThrow(
      'DataParallel: deviceIds must all be devices of one kind, got cpu (cpu) and webgpu (webgpu)',
    );
    const dp = new nn.DataParallel(new nn.Linear(2, 2), { deviceIds });
    expect(() => dp.forward(torch.ones(2, 2))).toThrow(
      "DataParallel: module must have its parameters and buffers on device webgpu (deviceIds[0]) but found one of them on device: cpu ('weight')",
    );
  });
});

describe('Module.replicateForDataParallel', () => {
  it('shares plain fields, replaces children, owns no parameters, and keeps tied weights tied', () => {
    const embedding = new nn.Embedding(5, 4);
    const decoder = new nn.Linear(4, 5);
    decoder.weight = embedding.weight;
    const model = new nn.Sequential(embedding, decoder);
    const copies: [torch.Tensor, string][] = [];
    const replica = model.replicateForDataParallel((tensor, kind) => {
      copies.push([tensor, kind]);
      return tensor.mul(2);
    });
    expect(replica).toBeInstanceOf(nn.Sequential);
    expect(replica).not.toBe(model);
    expect(replica.parameters()).toEqual([]);
    expect(copies).toEqual([
      [embedding.weight, 'parameter'],
      [decoder.bias, 'parameter'],
    ]);
    const [e, d] = [replica.at(0) as torch.nn.Embedding, replica.at(1) as torch.nn.Linear];
    expect(e).not.toBe(embedding);
    expect(e.weight).toBe(d.weight);
    expect(d.bias).not.toBeInstanceOf(nn.Parameter);
    expect(d.bias!.gradFn?.name).toBe('MulBackward0');
    expect(e.numEmbeddings).toBe(5);
    expect(model.at(0)).toBe(embedding);
    expect(embedding.weight.gradFn).toBeNull();
  });

  it("keeps buffers registered, so a layer that replaces one replaces the replica's", () => {
    const norm = new nn.BatchNorm1d(2);
    const replica = norm.replicateForDataParallel((tensor) => tensor.clone());
    expect(replica.namedBuffers().map(([key]) => key)).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    expect(replica.running_mean).not.toBe(norm.running_mean);
    expect(Object.keys(replica.stateDict())).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
  });
});

describe('nn.DataParallel refuses bad arguments', () => {
  it('names the argument and what was wrong', () => {
    const model = new nn.Linear(2, 2);
    expect(() => new nn.DataParallel(model, { deviceIds: [] })).toThrow('DataParallel: deviceIds must name at least one device, got');
    expect(() => new nn.DataParallel(model, {} as never)).toThrow('DataParallel: deviceIds must name at least one device, got undefined');
    expect(() => new nn.DataParallel(model, { deviceIds: ['cpu', 'webgpu:7'] })).toThrow(
      "DataParallel: deviceIds[1]: device 'webgpu:7' is not available",
    );
    expect(() => new nn.DataParallel(model, { deviceIds: [0] as never })).toThrow(
      "DataParallel: deviceIds[0] must be a device name such as 'webgpu:1', got",
    );
    expect(() => new nn.DataParallel(model, { deviceIds: ['cpu'], outputDevice: 'gpu' })).toThrow(
      "DataParallel: outputDevice: device 'gpu' is not available",
    );
    expect(() => new nn.DataParallel(model, { deviceIds: ['cpu'], dim: 0.5 })).toThrow('DataParallel: dim must be an integer, got');
    expect(() => new nn.DataParallel({} as never, { deviceIds: ['cpu'] })).toThrow('DataParallel: module must be an nn.Module, got');
    const dp = new nn.DataParallel(model, { deviceIds: ['cpu', 'cpu'] });
    expect(() => dp.forward(torch.ones(2, 2).sum())).toThrow('DataParallel: cannot scatter an input of shape [] along dim 0');
  });

  it('refuses to gather what is not a tensor, array, plain object or null', () => {
    class Packs extends nn.Module {
      override forward(x: torch.Tensor) {
        return nn.utils.rnn.packSequence([x]);
      }
    }
    const dp = new nn.DataParallel(new Packs(), { deviceIds: ['cpu', 'cpu'] });
    expect(() => dp.forward(torch.ones(4, 2))).toThrow(/^DataParallel: cannot gather outputs of type .*PackedSequence.*padPackedSequence/);
  });

  it('with one device, runs the module there', () => {
    const model = new nn.Linear(2, 3);
    const output = new nn.DataParallel(model, { deviceIds: ['cpu'] }).forward(torch.ones(4, 2));
    expect(output.tolistSync()).toEqual(model.forward(torch.ones(4, 2)).tolistSync());
  });
});
