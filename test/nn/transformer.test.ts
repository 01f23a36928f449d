// nn.TransformerEncoderLayer and nn.TransformerEncoder against PyTorch 1.13 (test/fixtures/nn_attention.py):
// printed trees, state_dict keys, outputs and the gradients of every parameter and of src in eval
// mode, with masks and padding masks; the zeros at padded positions of 1.13's eval fast path; then dropout in training, the deep copies TransformerEncoder
// makes (Module.deepCopy), memory over training steps, and the errors.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { type EncoderCase, expectClose, fixture, loadState } from '../helpers/attention-fixtures.js';
import { devices } from '../helpers/devices.js';
import { tensorOn } from '../helpers/fixtures.js';

const { nn } = torch;
type Tensor = torch.Tensor;

/** The webtorch option for the fixture's activation name. */
function activation(name: unknown): unknown {
  if (name === 'GELU(tanh)') return new nn.GELU({ approximate: 'tanh' });
  if (name === 'ReLU') return new nn.ReLU();
  return name;
}

function build(c: EncoderCase): torch.nn.TransformerEncoderLayer | torch.nn.TransformerEncoder {
  const options = { ...c.layer.options, activation: activation(c.layer.options.activation) } as torch.nn.TransformerEncoderLayerOptions;
  const layer = new nn.TransformerEncoderLayer(...c.layer.args, options);
  if (!c.encoder) return layer;
  return new nn.TransformerEncoder(layer, c.encoder.numLayers, { norm: c.encoder.norm ? new nn.LayerNorm(c.layer.args[0]) : null });
}

for (const device of devices) {
  describe(`TransformerEncoderLayer and TransformerEncoder match PyTorch 1.13 in eval mode (${device})`, () => {
    for (const c of fixture.encoder) {
      const runs = c.causal ? ['the mask', 'isCausal'] : ['the mask'];
      for (const run of runs) {
        it(`${c.name}${c.causal ? `, with ${run}` : ''}`, async () => {
          const module = build(c);
          expect(String(module)).toBe(c.repr);
          expect(Object.keys(module.stateDict())).toEqual(c.stateDictKeys);
          loadState(module, c.state, device);
          module.eval();
          const src = tensorOn(c.src, device, true);
          const masks = Object.fromEntries(Object.entries(c.forward).map(([name, spec]) => [name, tensorOn(spec, device)]));
          if (run === 'isCausal') {
            delete masks.srcMask;
            delete masks.mask;
          }
          const output = module.forward(src, { ...masks, isCausal: run === 'isCausal' });
          await expectClose('output', output, c.expected.output);
          output.backward(tensorOn(c.gradOutput, device));
          const params = Object.fromEntries(module.namedParameters());
          expect(Object.keys(params).sort()).toEqual(
            Object.keys(c.expected.grads)
              .filter((name) => name !== 'src')
              .sort(),
          );
          for (const [name, expected] of Object.entries(c.expected.grads))
            await expectClose(`gradient of ${name}`, name === 'src' ? src.grad : params[name].grad, expected);
        });
      }
    }
  });
}

for (const device of devices) {
  describe(`TransformerEncoder in eval mode without gradients: PyTorch 1.13's zeros at padded positions (${device})`, () => {
    for (const c of fixture.fastPath) {
      it(c.name, async () => {
        const layer = new nn.TransformerEncoderLayer(...c.layer.args, c.layer.options as torch.nn.TransformerEncoderLayerOptions);
        const norm = c.encoder.norm ? new nn.LayerNorm(c.layer.args[0]) : null;
        const encoder = new nn.TransformerEncoder(layer, c.encoder.numLayers, { norm });
        loadState(encoder, c.state, device);
        encoder.eval();
        const src = tensorOn(c.src, device);
        const srcKeyPaddingMask = tensorOn(c.forward.srcKeyPaddingMask, device);
        const output = torch.noGrad(() => encoder.forward(src, { srcKeyPaddingMask }));
        // 1.13 drops the padding columns every sequence shares; webtorch keeps src's shape, as 2.1 does.
        expect(output.shape).toEqual(src.shape);
        const [, steps] = c.expected.output.shape;
        await expectClose('output', output.narrow(1, 0, steps), c.expected.output);
        const dropped = output.narrow(1, steps, src.shape[1] - steps);
        if (dropped.numel() > 0) expect(Array.from(await dropped.data()).every((value) => value === 0)).toBe(true);

        // With gradients to record, or with enableNestedTensor false, the general path: the same
        // outputs at real positions, and what the layers computed at the padded ones.
        const general = encoder.forward(tensorOn(c.src, device, true), { srcKeyPaddingMask });
        const padding = srcKeyPaddingMask.dtype === 'bool' ? srcKeyPaddingMask : srcKeyPaddingMask.ne(0);
        const real = padding.logicalNot().unsqueeze(2);
        const unchanged = Number(await general.sub(output).mul(real).abs().max().item());
        expect(unchanged).toBeLessThan(1e-5);
        const atPadding = Number(await general.sub(output).mul(padding.unsqueeze(2)).abs().max().item());
        expect(atPadding > 0).toBe(c.zeroed);
        const switchedOff = new nn.TransformerEncoder(layer, c.encoder.numLayers, { norm, enableNestedTensor: false });
        loadState(switchedOff, c.state, device);
        switchedOff.eval();
        const unzeroed = torch.noGrad(() => switchedOff.forward(src, { srcKeyPaddingMask }));
        expect(await unzeroed.sub(general).abs().max().item()).toBeLessThan(1e-5);
      });
    }
  });
}

describe('printed trees of default-sized modules match PyTorch', () => {
  const builders: Record<string, () => torch.nn.Module> = {
    'TransformerEncoderLayer(8, 2)': () => new nn.TransformerEncoderLayer(8, 2),
    'TransformerEncoder(TransformerEncoderLayer(8, 2), 2)': () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2), 2),
    'MultiheadAttention(512, 8)': () => new nn.MultiheadAttention(512, 8),
  };
  for (const [call, repr] of Object.entries(fixture.reprs)) {
    it(call, () => expect(String(builders[call]())).toBe(repr));
  }
});

describe('dropout in training mode', () => {
  const src = torch.randn(5, 3, 8);

  it('drops in every place PyTorch does: with p = 1 attention and feedforward contribute nothing', () => {
    const postNorm = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 1 });
    const expected = postNorm.norm2.forward(postNorm.norm1.forward(src));
    expect(Array.from(postNorm.forward(src).dataSync())).toEqual(Array.from(expected.dataSync()));
    const preNorm = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 1, normFirst: true });
    expect(Array.from(preNorm.forward(src).dataSync())).toEqual(Array.from(src.dataSync()));
  });

  it('zeroes about p of the feedforward output while training and keeps its mean', () => {
    torch.manualSeed(8);
    const p = 0.5;
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: p, normFirst: true });
    // With the attention block silenced, output = src + dropout2(linear2(dropout(relu(linear1(norm2(src)))))),
    // linear in the two dropout masks: an element equals src exactly where dropout2 dropped it, and
    // the mean over many calls is the eval output.
    torch.noGrad(() => {
      layer.self_attn.out_proj.weight.zero_();
      layer.self_attn.out_proj.bias!.zero_();
    });
    const x = torch.randn(4, 2, 8);
    const expected = layer.eval().forward(x).dataSync();
    layer.train();
    const calls = 400;
    const total = new Float64Array(expected.length);
    let untouched = 0;
    const source = x.dataSync();
    torch.noGrad(() => {
      for (let call = 0; call < calls; call++) {
        torch.scope(() => {
          const values = layer.forward(x).dataSync();
          values.forEach((v, i) => {
            total[i] += v;
            if (v === source[i]) untouched++;
          });
        });
      }
    });
    expect(Math.abs(untouched / (calls * expected.length) - p)).toBeLessThan(0.02);
    const spread = Math.max(...Array.from(expected, (v, i) => Math.abs(v - source[i])));
    total.forEach((sum, i) => expect(Math.abs(sum / calls - expected[i])).toBeLessThan(0.15 * spread));
  });

  it('differs between training calls and is off (deterministic) after eval()', () => {
    torch.manualSeed(9);
    const encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.5 }), 2);
    const first = encoder.forward(src).dataSync();
    const second = encoder.forward(src).dataSync();
    expect(Array.from(first)).not.toEqual(Array.from(second));
    encoder.eval();
    for (const module of encoder.modules()) expect(module.training).toBe(false);
    const evalOutput = Array.from(encoder.forward(src).dataSync());
    expect(Array.from(encoder.forward(src).dataSync())).toEqual(evalOutput);
    // Eval equals the same stack with every dropout probability 0.
    const noDropout = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 }), 2);
    noDropout.loadStateDict(encoder.stateDict());
    expect(Array.from(noDropout.forward(src).dataSync())).toEqual(evalOutput);
  });
});

describe('activation', () => {
  it('may be a function: the same numbers as the module, and nothing printed for it', async () => {
    const c = fixture.encoder.find((e) => e.layer.options.activation === 'GELU(tanh)')!;
    const layer = new nn.TransformerEncoderLayer(...c.layer.args, {
      ...c.layer.options,
      activation: (x: Tensor) => nn.functional.gelu(x, { approximate: 'tanh' }),
    } as torch.nn.TransformerEncoderLayerOptions);
    expect(String(layer)).toBe(c.repr.replace("\n  (activation): GELU(approximate='tanh')", ''));
    loadState(layer, c.state, 'cpu');
    await expectClose('output', layer.eval().forward(tensorOn(c.src, 'cpu')), c.expected.output);
  });
});

describe('TransformerEncoder stacks deep copies of its layer', () => {
  it('each layer starts equal to the given one, in its own storage, and the given layer is not registered', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: 'gelu' });
    const encoder = new nn.TransformerEncoder(layer, 3);
    expect(encoder.layers.length).toBe(3);
    expect(encoder.children()).toEqual([encoder.layers]);
    const original = layer.stateDict();
    for (const copy of encoder.layers) {
      expect(copy).toBeInstanceOf(nn.TransformerEncoderLayer);
      expect(copy).not.toBe(layer);
      expect(copy.activation).toBe(layer.activation);
      for (const [key, value] of Object.entries(copy.stateDict())) {
        expect(value.storage).not.toBe(original[key].storage);
        expect(Array.from(value.dataSync())).toEqual(Array.from(original[key].dataSync()));
      }
    }
    torch.noGrad(() => encoder.layers[0].linear1.weight.fill_(0));
    expect(encoder.layers[1].linear1.weight.abs().sum().itemSync()).toBeGreaterThan(0);
    expect(layer.linear1.weight.abs().sum().itemSync()).toBeGreaterThan(0);
    // The copies register like modules built by hand: assignment still registers, train() reaches them.
    encoder.layers[2].norm1 = new nn.LayerNorm(8, { eps: 1e-3 });
    expect(String(encoder.layers[2].norm1)).toBe('LayerNorm((8,), eps=0.001, elementwise_affine=True)');
    encoder.eval();
    expect(encoder.layers[2].self_attn.training).toBe(false);
    expect(layer.training).toBe(true);
  });
});

describe('Module.deepCopy', () => {
  class Tied extends nn.Module {
    encoder = new nn.Embedding(6, 4);
    decoder = new nn.Linear(4, 6);
    shared: torch.nn.Sequential;
    sizes = [4, [6]];
    table = new Map([['a', { scale: 2 }]]);
    squash = (x: Tensor) => x.tanh();
    constructor() {
      super();
      this.decoder.weight = this.encoder.weight;
      this.shared = new nn.Sequential(this.decoder, new nn.Tanh());
      this.registerBuffer('steps', torch.tensor([3]));
    }
  }

  it('copies parameters, buffers and plain fields, keeping what is shared inside the module shared', () => {
    const model = new Tied();
    model.eval();
    const copy = model.deepCopy();
    expect(copy).toBeInstanceOf(Tied);
    expect(String(copy)).toBe(String(model));
    expect(Object.keys(copy.stateDict())).toEqual(Object.keys(model.stateDict()));
    expect(copy.training).toBe(false);
    expect(copy.decoder.weight).toBe(copy.encoder.weight);
    expect(copy.shared[0]).toBe(copy.decoder);
    expect(copy.encoder.weight).not.toBe(model.encoder.weight);
    expect(copy.encoder.weight).toBeInstanceOf(nn.Parameter);
    expect(copy.encoder.weight.requiresGrad).toBe(true);
    expect(copy.parameters().length).toBe(model.parameters().length);
    const steps = (copy as unknown as { steps: Tensor }).steps;
    expect(steps).not.toBe((model as unknown as { steps: Tensor }).steps);
    expect(copy.buffers()).toEqual([steps]);
    expect(steps.tolistSync()).toEqual([3]);
    expect(copy.sizes).toEqual([4, [6]]);
    expect(copy.sizes).not.toBe(model.sizes);
    expect(copy.table.get('a')).toEqual({ scale: 2 });
    expect(copy.table.get('a')).not.toBe(model.table.get('a'));
    expect(copy.squash).toBe(model.squash);
  });

  it('leaves parameter gradients behind (Parameter.__deepcopy__), and refuses tensors that are not graph leaves', () => {
    const model = new nn.Linear(2, 2);
    model.forward(torch.ones(1, 2)).sum().backward();
    expect(model.weight.grad).not.toBeNull();
    expect(model.deepCopy().weight.grad).toBeNull();
    class Holder extends nn.Module {
      cached = torch.ones(2, { requiresGrad: true }).mul(2);
    }
    expect(() => new Holder().deepCopy()).toThrow(
      'deepCopy: only tensors created explicitly (graph leaves) can be copied, got a tensor of shape [2] made by MulBackward0',
    );
  });
});

describe('memory', () => {
  it('a training loop over a TransformerEncoder keeps live tensors and bytes flat', () => {
    torch.manualSeed(4);
    const encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), 2, {
      norm: new nn.LayerNorm(8),
    });
    const optimizer = new torch.optim.SGD(encoder.parameters(), { lr: 0.01 });
    const src = torch.randn(2, 5, 8);
    const padding = torch.tensor(
      [
        [false, false, false, false, false],
        [false, false, false, true, true],
      ],
      { dtype: 'bool' },
    );
    const usage: [number, number][] = [];
    for (let step = 0; step < 4; step++) {
      torch.scope(() => {
        optimizer.zeroGrad();
        encoder.forward(src, { srcKeyPaddingMask: padding, isCausal: true }).pow(2).mean().backward();
        optimizer.step();
      });
      const { tensors, bytes } = torch.memory();
      usage.push([tensors, bytes.cpu]);
    }
    expect(usage[3]).toEqual(usage[1]);
  });
});

describe('errors', () => {
  it('name the module and the argument', () => {
    expect(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as 'relu' })).toThrow(
      'TransformerEncoderLayer: activation should be relu/gelu, not tanh',
    );
    expect(() => new nn.TransformerEncoderLayer(8, 3)).toThrow(
      'MultiheadAttention: embedDim must be divisible by numHeads, got embedDim 8 and numHeads 3',
    );
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    expect(() => new nn.TransformerEncoder(layer, 0)).toThrow('TransformerEncoder: numLayers must be a positive integer, got 0');
    const src = torch.randn(4, 2, 8);
    expect(() => layer.forward(torch.randn(2, 4, 2, 8))).toThrow(
      'MultiheadAttention: query should be an unbatched 2-D or batched 3-D tensor but received a 4-D query tensor',
    );
    expect(() => layer.forward(src, { srcMask: torch.zeros(3, 3) })).toThrow(
      'MultiheadAttention: the shape of the 2-D attnMask is [3, 3], but should be [4, 4] (L, S)',
    );
    expect(() => layer.forward(src, { srcKeyPaddingMask: torch.zeros(3, 4, { dtype: 'bool' }) })).toThrow(
      'MultiheadAttention: keyPaddingMask must have shape [2, 4] (N, S), got [3, 4]',
    );
    expect(() => layer.forward(torch.randn(4, 2, 6))).toThrow(
      'MultiheadAttention: query must have 8 features in its last dimension (embedDim), got shape [4, 2, 6] (L, N, E)',
    );
  });
});
