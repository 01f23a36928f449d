// nn.TransformerDecoderLayer, nn.TransformerDecoder and nn.Transformer against PyTorch 1.13
// (test/fixtures/nn_transformer_decoder.py): printed trees, state_dict keys, outputs and the
// gradients of every parameter and input in eval mode with float, bool, per-head and padding masks,
// on every device; then the square subsequent mask, dropout in training, Transformer's
// initialisation and custom parts, memory over training steps, and the errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { loadState } from '../helpers/attention-fixtures.js';
import { devices } from '../helpers/devices.js';
import { expectTensorClose, largestMagnitude, type TensorData, tensorFrom, tensorOn } from '../helpers/fixtures.js';

const { nn } = torch;
type Tensor = torch.Tensor;

interface DecoderCase {
  name: string;
  module: 'TransformerDecoderLayer' | 'TransformerDecoder' | 'Transformer';
  options: Record<string, unknown>;
  numLayers: number | null;
  norm: boolean;
  repr: string;
  stateDictKeys: string[];
  state: Record<string, TensorData>;
  inputs: Record<'tgt', TensorData> & Partial<Record<'memory' | 'src', TensorData>>;
  forward: Record<string, TensorData>;
  gradOutput: TensorData;
  expected: { output: TensorData; grads: Record<string, TensorData> };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/nn_transformer_decoder.json', import.meta.url), 'utf8')) as {
  cases: DecoderCase[];
  squareSubsequentMask: Record<string, TensorData>;
  reprs: Record<string, string>;
};

/** The webtorch option for the fixture's activation name. */
function activation(name: unknown): unknown {
  if (name === 'GELU(tanh)') return new nn.GELU({ approximate: 'tanh' });
  if (name === 'ReLU') return new nn.ReLU();
  return name;
}

/**
 * rtol 1e-4 plus an absolute floor of 1e-5 times the tensor's largest magnitude: ten times the
 * single attention block's tolerance (test/helpers/attention-fixtures.ts), as these gradients pass
 * through up to six attention blocks, each summing in another order than PyTorch (measured: up to
 * 1.5e-5 relative, and 1.5e-6 of the largest entry for entries near 0, on cpu and webgpu).
 */
async function expectClose(what: string, actual: Tensor | null, expected: TensorData): Promise<void> {
  expect(actual, `${what}: missing`).not.toBeNull();
  await expectTensorClose(what, actual!, expected, { rtol: 1e-4, atol: 1e-5 * largestMagnitude(expected) });
}

function build(c: DecoderCase): torch.nn.Module {
  const options = { ...c.options, activation: activation(c.options.activation) };
  if (c.module === 'Transformer') return new nn.Transformer({ dModel: 8, nhead: 2, ...options } as torch.nn.TransformerOptions);
  const layer = new nn.TransformerDecoderLayer(8, 2, options as torch.nn.TransformerDecoderLayerOptions);
  if (c.module === 'TransformerDecoderLayer') return layer;
  return new nn.TransformerDecoder(layer, c.numLayers!, { norm: c.norm ? new nn.LayerNorm(8) : null });
}

for (const device of devices) {
  describe(`TransformerDecoderLayer, TransformerDecoder and Transformer match PyTorch 1.13 in eval mode (${device})`, () => {
    for (const c of fixture.cases) {
      it(c.name, async () => {
        const module = build(c);
        expect(String(module)).toBe(c.repr);
        expect(Object.keys(module.stateDict())).toEqual(c.stateDictKeys);
        loadState(module, c.state, device);
        module.eval();
        const inputs = Object.fromEntries(Object.entries(c.inputs).map(([name, spec]) => [name, tensorOn(spec, device, true)]));
        const masks = Object.fromEntries(Object.entries(c.forward).map(([name, spec]) => [name, tensorOn(spec, device)]));
        const output: Tensor =
          c.module === 'Transformer' ? module.forward(inputs.src, inputs.tgt, masks) : module.forward(inputs.tgt, inputs.memory, masks);
        await expectClose('output', output, c.expected.output);
        output.backward(tensorOn(c.gradOutput, device));
        const params = Object.fromEntries(module.namedParameters());
        expect(Object.keys(params).sort()).toEqual(
          Object.keys(c.expected.grads)
            .filter((name) => !(name in inputs))
            .sort(),
        );
        for (const [name, expected] of Object.entries(c.expected.grads))
          await expectClose(`gradient of ${name}`, name in inputs ? inputs[name].grad : params[name].grad, expected);
      });
    }

    it('generateSquareSubsequentMask gives PyTorch values on the device', async () => {
      for (const [size, expected] of Object.entries(fixture.squareSubsequentMask)) {
        const mask = nn.Transformer.generateSquareSubsequentMask(Number(size), { device });
        expect(mask.device).toBe(device);
        expect(mask.dtype).toBe('float32');
        expect(mask.shape).toEqual(expected.shape);
        expect(Array.from(await mask.data())).toEqual(Array.from(tensorFrom(expected).dataSync()));
      }
    });
  });
}

describe('gradcheck: finite differences agree with autograd', () => {
  it('TransformerDecoderLayer (and normFirst): tgt, memory and every parameter, with a causal mask and a padding mask', async () => {
    torch.manualSeed(6);
    const uniform = (shape: number[]) => torch.rand(shape).mul(2).sub(1).requiresGrad_();
    const tgtMask = nn.Transformer.generateSquareSubsequentMask(3);
    const memoryKeyPaddingMask = torch.tensor(
      [
        [false, false, false, false],
        [false, false, true, true],
      ],
      { dtype: 'bool' },
    );
    for (const normFirst of [false, true]) {
      const layer = new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 6, activation: 'gelu', normFirst }).eval();
      for (const param of layer.parameters()) torch.noGrad(() => param.copy_(torch.rand(param.shape).mul(2).sub(1)));
      const tgt = uniform([3, 2, 4]);
      const memory = uniform([4, 2, 4]);
      const run = () => layer.forward(tgt, memory, { tgtMask, memoryKeyPaddingMask });
      expect(await torch.autograd.gradcheck(run, [tgt, memory, ...layer.parameters()])).toBe(true);
    }
  });
});

describe('printed trees of default-sized modules match PyTorch', () => {
  const builders: Record<string, () => torch.nn.Module> = {
    'TransformerDecoderLayer(8, 2)': () => new nn.TransformerDecoderLayer(8, 2),
    'TransformerDecoder(TransformerDecoderLayer(8, 2), 2)': () => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2), 2),
    "Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16, activation: 'gelu' })": () =>
      new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16, activation: 'gelu' }),
  };
  for (const [call, repr] of Object.entries(fixture.reprs)) {
    it(call, () => expect(String(builders[call]())).toBe(repr));
  }
});

describe('dropout in training mode', () => {
  const tgt = torch.randn(4, 3, 8);
  const memory = torch.randn(6, 3, 8);

  it('drops after each of the three blocks: with p = 1 they contribute nothing', () => {
    const postNorm = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 1 });
    const expected = postNorm.norm3.forward(postNorm.norm2.forward(postNorm.norm1.forward(tgt)));
    expect(Array.from(postNorm.forward(tgt, memory).dataSync())).toEqual(Array.from(expected.dataSync()));
    const preNorm = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 1, normFirst: true });
    expect(Array.from(preNorm.forward(tgt, memory).dataSync())).toEqual(Array.from(tgt.dataSync()));
  });

  it('differs between training calls and equals dropout 0 after eval()', () => {
    torch.manualSeed(5);
    const model = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 16, dropout: 0.5 });
    const src = torch.randn(5, 3, 8);
    const first = model.forward(src, tgt).dataSync();
    expect(Array.from(model.forward(src, tgt).dataSync())).not.toEqual(Array.from(first));
    model.eval();
    for (const module of model.modules()) expect(module.training).toBe(false);
    const noDropout = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 16, dropout: 0 });
    noDropout.loadStateDict(model.stateDict());
    expect(Array.from(noDropout.forward(src, tgt).dataSync())).toEqual(Array.from(model.forward(src, tgt).dataSync()));
  });
});

describe('Transformer', () => {
  it("re-draws every matrix Xavier-uniform and leaves the vectors at their layers' values, as PyTorch's _reset_parameters", () => {
    torch.manualSeed(2);
    const model = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 16 });
    const { layers } = model.decoder as torch.nn.TransformerDecoder;
    const first = layers[0].linear1.weight.dataSync();
    const second = layers[1].linear1.weight.dataSync();
    expect(Array.from(first)).not.toEqual(Array.from(second));
    for (const [name, parameter] of model.namedParameters()) {
      const values = Array.from(parameter.dataSync());
      if (parameter.dim() > 1) {
        const [fanOut, fanIn] = parameter.shape;
        const bound = Math.sqrt(6 / (fanIn + fanOut));
        expect(Math.max(...values.map(Math.abs)), name).toBeLessThanOrEqual(bound);
      } else if (name.includes('norm') && name.endsWith('weight')) {
        expect(new Set(values), name).toEqual(new Set([1]));
      } else if (name.endsWith('in_proj_bias') || name.endsWith('out_proj.bias') || name.includes('norm')) {
        expect(new Set(values), name).toEqual(new Set([0]));
      }
    }
    expect([model.dModel, model.nhead, model.batchFirst]).toEqual([8, 2, false]);
  });

  it('takes a custom encoder and decoder, calling them with its masks', () => {
    const seen: string[] = [];
    class Encoder extends nn.Module {
      override forward(src: Tensor, options: object): Tensor {
        seen.push(`encoder ${Object.keys(options).join(' ')}`);
        return src.mul(2);
      }
    }
    class Decoder extends nn.Module {
      proj = new nn.Linear(8, 8);
      override forward(tgt: Tensor, memory: Tensor, options: object): Tensor {
        seen.push(`decoder ${Object.keys(options).join(' ')}`);
        return this.proj.forward(tgt).add(memory.mean(0));
      }
    }
    const model = new nn.Transformer({ dModel: 8, nhead: 2, customEncoder: new Encoder(), customDecoder: new Decoder() });
    expect(Object.keys(model.stateDict())).toEqual(['decoder.proj.weight', 'decoder.proj.bias']);
    expect(model.forward(torch.randn(5, 2, 8), torch.randn(3, 2, 8)).shape).toEqual([3, 2, 8]);
    expect(seen).toEqual(['encoder mask srcKeyPaddingMask', 'decoder tgtMask memoryMask tgtKeyPaddingMask memoryKeyPaddingMask']);
  });
});

describe('TransformerDecoder stacks deep copies of its layer', () => {
  it('each layer starts equal to the given one, in its own storage, and the given layer is not registered', () => {
    const layer = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
    const decoder = new nn.TransformerDecoder(layer, 2);
    expect(decoder.children()).toEqual([decoder.layers]);
    const original = layer.stateDict();
    for (const copy of decoder.layers) {
      expect(copy).toBeInstanceOf(nn.TransformerDecoderLayer);
      for (const [key, value] of Object.entries(copy.stateDict())) {
        expect(value.storage).not.toBe(original[key].storage);
        expect(Array.from(value.dataSync())).toEqual(Array.from(original[key].dataSync()));
      }
    }
  });
});

describe('memory', () => {
  it('a training loop over a Transformer keeps live tensors and bytes flat', () => {
    torch.manualSeed(4);
    const model = new nn.Transformer({
      dModel: 8,
      nhead: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 2,
      dimFeedforward: 16,
      batchFirst: true,
    });
    const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.01 });
    const src = torch.randn(2, 5, 8);
    const tgt = torch.randn(2, 4, 8);
    const tgtMask = nn.Transformer.generateSquareSubsequentMask(4);
    const usage: [number, number][] = [];
    for (let step = 0; step < 4; step++) {
      torch.scope(() => {
        optimizer.zeroGrad();
        model.forward(src, tgt, { tgtMask }).pow(2).mean().backward();
        optimizer.step();
      });
      const { tensors, bytes } = torch.memory();
      usage.push([tensors, bytes.cpu]);
    }
    expect(usage[3]).toEqual(usage[1]);
  });
});

describe('errors', () => {
  const layer = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
  const tgt = torch.randn(4, 2, 8);
  const memory = torch.randn(5, 2, 8);
  const bool = (...shape: number[]) => torch.zeros(shape, { dtype: 'bool' });

  it('name the module, the argument and the shapes', () => {
    expect(() => new nn.TransformerDecoderLayer(8, 2, { activation: 'tanh' as 'relu' })).toThrow(
      'TransformerDecoderLayer: activation should be relu/gelu, not tanh',
    );
    expect(() => new nn.TransformerDecoder(layer, 0)).toThrow('TransformerDecoder: numLayers must be a positive integer, got 0');
    expect(() => layer.forward(torch.randn(2, 4, 2, 8), memory)).toThrow(
      'TransformerDecoderLayer.forward: tgt must be 2-D (T, E) unbatched or 3-D (T, N, E) batched, got shape [2, 4, 2, 8]',
    );
    expect(() => layer.forward(tgt, torch.randn(5, 8))).toThrow(
      'TransformerDecoderLayer.forward: memory must have as many dims as tgt (S, N, E), got tgt [4, 2, 8] and memory [5, 8]',
    );
    expect(() => layer.forward(tgt, torch.randn(5, 2, 6))).toThrow(
      'TransformerDecoderLayer.forward: memory must have dModel = 8 features in its last dim, got shape [5, 2, 6]',
    );
    expect(() => layer.forward(tgt, torch.randn(5, 3, 8))).toThrow(
      'TransformerDecoderLayer.forward: tgt and memory must have the same batch size N, got tgt [4, 2, 8] and memory [5, 3, 8]',
    );
    expect(() => layer.forward(tgt, memory, { tgtMask: torch.zeros(4, 5) })).toThrow(
      'TransformerDecoderLayer.forward: tgtMask must have shape [4, 4] (T, T) or [4, 4, 4] (N * nhead, T, T), got [4, 5]',
    );
    expect(() => layer.forward(tgt, memory, { memoryMask: torch.zeros(4, 4) })).toThrow(
      'TransformerDecoderLayer.forward: memoryMask must have shape [4, 5] (T, S) or [4, 4, 5] (N * nhead, T, S), got [4, 4]',
    );
    expect(() => layer.forward(tgt, memory, { tgtKeyPaddingMask: bool(2, 5) })).toThrow(
      'TransformerDecoderLayer.forward: tgtKeyPaddingMask must have shape [2, 4] (N, T), got [2, 5]',
    );
    expect(() => layer.forward(tgt, memory, { memoryKeyPaddingMask: torch.zeros(5, { dtype: 'int32' }) })).toThrow(
      'TransformerDecoderLayer.forward: memoryKeyPaddingMask must be a bool or float32 tensor, got int32 (shape [5])',
    );
    expect(() => layer.forward(tgt.select(1, 0), memory.select(1, 0), { memoryKeyPaddingMask: bool(4) })).toThrow(
      'TransformerDecoderLayer.forward: memoryKeyPaddingMask must have shape [5] (S), got [4]',
    );
    expect(() => layer.forward(tgt, memory, { tgt_mask: null } as never)).toThrow("did you mean 'tgtMask'?");
  });

  it('Transformer checks src against tgt as PyTorch does, and the mask size', () => {
    const model = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 });
    expect(() => model.forward(torch.randn(5, 3, 8), tgt)).toThrow(
      'Transformer.forward: the batch number of src and tgt must be equal (dim 1 with batchFirst false), got src [5, 3, 8] and tgt [4, 2, 8]',
    );
    expect(() => model.forward(torch.randn(5, 2, 6), tgt)).toThrow(
      'Transformer.forward: the feature number of src and tgt must be equal to dModel = 8, got src [5, 2, 6] and tgt [4, 2, 8]',
    );
    expect(() => new nn.Transformer({ d_model: 8 } as never)).toThrow("did you mean 'dModel'?");
    expect(() => nn.Transformer.generateSquareSubsequentMask(-1)).toThrow(
      'Transformer.generateSquareSubsequentMask: sz must be a non-negative integer, got -1',
    );
  });
});
