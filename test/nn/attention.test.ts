// F.scaledDotProductAttention and nn.MultiheadAttention against PyTorch (test/fixtures/nn_attention.py):
// outputs, attention weights (averaged and per head) and the gradients of every parameter and of
// query, key and value, with PyTorch's weights loaded by their state_dict keys; then finite-difference
// gradchecks, default initialisation, dropout in training and eval, and the errors.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { expectClose, fixture, loadState, projectedLoss } from '../helpers/attention-fixtures.js';
import { devices } from '../helpers/devices.js';
import { tensorOn } from '../helpers/fixtures.js';

const { nn } = torch;
const F = nn.functional;
type Tensor = torch.Tensor;

for (const device of devices) {
  describe(`scaledDotProductAttention matches PyTorch 2's formula (${device})`, () => {
    for (const c of fixture.sdpa) {
      it(c.name, async () => {
        const [query, key, value] = [c.inputs.query, c.inputs.key, c.inputs.value].map((spec) => tensorOn(spec, device, true));
        const attnMask = c.inputs.attnMask ? tensorOn(c.inputs.attnMask, device) : null;
        const output = F.scaledDotProductAttention(query, key, value, { ...c.options, attnMask });
        await expectClose('output', output, c.expected.output);
        output.backward(tensorOn(c.gradOutput, device));
        for (const [name, input] of [
          ['query', query],
          ['key', key],
          ['value', value],
        ] as const)
          await expectClose(`gradient of ${name}`, input.grad, c.expected.grads[name]);
      });
    }
  });

  describe(`MultiheadAttention matches PyTorch 1.13 (${device})`, () => {
    for (const c of fixture.mha) {
      it(c.name, async () => {
        const attention = new nn.MultiheadAttention(...c.args, c.options);
        expect(String(attention)).toBe(c.repr);
        expect(Object.keys(attention.stateDict())).toEqual(c.stateDictKeys);
        loadState(attention, c.state, device);
        attention.eval();
        const query = tensorOn(c.inputs.query, device, true);
        const key = c.inputs.key === 'query' ? query : tensorOn(c.inputs.key, device, true);
        const value = c.inputs.value === 'query' ? query : c.inputs.value === 'key' ? key : tensorOn(c.inputs.value, device, true);
        const masks = {
          keyPaddingMask: c.forward.keyPaddingMask ? tensorOn(c.forward.keyPaddingMask, device) : null,
          attnMask: c.forward.attnMask ? tensorOn(c.forward.attnMask, device) : null,
        };
        const [output, weights] = attention.forward(query, key, value, { ...c.forward, ...masks });
        await expectClose('output', output, c.expected.output);
        if (c.expected.weights) await expectClose('weights', weights, c.expected.weights);
        else expect(weights).toBeNull();
        const gradWeights = c.gradWeights ? tensorOn(c.gradWeights, device) : null;
        projectedLoss([
          [output, tensorOn(c.gradOutput, device)],
          [weights, gradWeights],
        ]).backward();
        const params = Object.fromEntries(attention.namedParameters());
        const inputs: Record<string, Tensor> = { query, key, value };
        for (const [name, expected] of Object.entries(c.expected.grads))
          await expectClose(`gradient of ${name}`, (params[name] ?? inputs[name]).grad, expected);
        expect(
          Object.keys(c.expected.grads)
            .filter((name) => params[name])
            .sort(),
        ).toEqual(Object.keys(params).sort());
      });
    }
  });
}

/** Values in [-1, 1) from a seeded generator, small enough for float32 finite differences. */
function uniform(shape: number[], requiresGrad = true): Tensor {
  return torch.rand(shape).mul(2).sub(1).requiresGrad_(requiresGrad);
}

describe('finite-difference gradients', () => {
  it('scaledDotProductAttention with a float mask, a bool mask and causal masking', async () => {
    torch.manualSeed(11);
    const query = uniform([2, 3, 4]);
    const key = uniform([2, 5, 4]);
    const value = uniform([2, 5, 3]);
    const floatMask = uniform([3, 5], false);
    const boolMask = torch.tensor(
      [
        [true, false, true, true, false],
        [false, true, true, false, true],
        [true, true, false, false, false],
      ],
      { dtype: 'bool' },
    );
    expect(
      await torch.autograd.gradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: floatMask }), [query, key, value]),
    ).toBe(true);
    expect(
      await torch.autograd.gradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: boolMask }), [query, key, value]),
    ).toBe(true);
    expect(
      await torch.autograd.gradcheck(
        (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.7 }),
        [query, key, value],
      ),
    ).toBe(true);
  });

  it('MultiheadAttention: query, key, value and every parameter, through both outputs', async () => {
    torch.manualSeed(12);
    const attention = new nn.MultiheadAttention(4, 2, { addBiasKV: true, kdim: 3, vdim: 5, batchFirst: true });
    for (const param of attention.parameters()) torch.noGrad(() => param.copy_(torch.rand(param.shape).mul(2).sub(1)));
    const query = uniform([2, 3, 4]);
    const key = uniform([2, 4, 3]);
    const value = uniform([2, 4, 5]);
    const keyPaddingMask = torch.tensor(
      [
        [false, false, false, false],
        [false, false, true, true],
      ],
      { dtype: 'bool' },
    );
    const attnMask = uniform([3, 4], false);
    const run = () => attention.forward(query, key, value, { keyPaddingMask, attnMask, averageAttnWeights: false }) as Tensor[];
    expect(await torch.autograd.gradcheck(run, [query, key, value, ...attention.parameters()])).toBe(true);
    const packed = new nn.MultiheadAttention(4, 2, { addZeroAttn: true });
    for (const param of packed.parameters()) torch.noGrad(() => param.copy_(torch.rand(param.shape).mul(2).sub(1)));
    const x = uniform([3, 2, 4]);
    expect(await torch.autograd.gradcheck(() => packed.forward(x, x, x) as Tensor[], [x, ...packed.parameters()])).toBe(true);
  });
});

describe('MultiheadAttention initialisation', () => {
  /** Mean and standard deviation of a tensor's values. */
  function moments(t: Tensor): { mean: number; std: number; max: number } {
    const values = Array.from(t.dataSync());
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    return { mean, std, max: values.reduce((m, v) => Math.max(m, Math.abs(v)), 0) };
  }

  it("is PyTorch's: Xavier-uniform projections, zero biases, Linear's out_proj.weight, Xavier-normal bias_k/v", () => {
    torch.manualSeed(3);
    const E = 256;
    const packed = new nn.MultiheadAttention(E, 4, { addBiasKV: true });
    const xavier = Math.sqrt(6 / (E + 3 * E));
    const inProj = moments(packed.in_proj_weight!);
    expect(inProj.max).toBeLessThanOrEqual(xavier);
    expect(Math.abs(inProj.std - xavier / Math.sqrt(3)) / (xavier / Math.sqrt(3))).toBeLessThan(0.01);
    expect(Math.abs(inProj.mean)).toBeLessThan(1e-3);
    expect(moments(packed.in_proj_bias!).max).toBe(0);
    expect(moments(packed.out_proj.bias!).max).toBe(0);
    const outBound = 1 / Math.sqrt(E);
    const outProj = moments(packed.out_proj.weight);
    expect(outProj.max).toBeLessThanOrEqual(outBound);
    expect(Math.abs(outProj.std - outBound / Math.sqrt(3)) / (outBound / Math.sqrt(3))).toBeLessThan(0.02);
    // bias_k [1, 1, E]: fan in = fan out = E, so std = sqrt(2 / 2E).
    const biasKV = moments(torch.cat([packed.bias_k!.flatten(), packed.bias_v!.flatten()]));
    expect(Math.abs(biasKV.std - Math.sqrt(1 / E)) / Math.sqrt(1 / E)).toBeLessThan(0.1);

    const separate = new nn.MultiheadAttention(E, 4, { kdim: 64, vdim: 128, bias: false });
    expect(separate.in_proj_weight).toBeNull();
    expect(separate.in_proj_bias).toBeNull();
    expect(separate.out_proj.bias).toBeNull();
    for (const [weight, fanIn] of [
      [separate.q_proj_weight!, E],
      [separate.k_proj_weight!, 64],
      [separate.v_proj_weight!, 128],
    ] as const) {
      const bound = Math.sqrt(6 / (E + fanIn));
      const stats = moments(weight);
      expect(stats.max).toBeLessThanOrEqual(bound);
      expect(Math.abs(stats.std - bound / Math.sqrt(3)) / (bound / Math.sqrt(3))).toBeLessThan(0.02);
    }
  });
});

describe('dropout on the attention weights', () => {
  it('MultiheadAttention zeroes about p of the weights while training, scales the rest by 1 / (1 - p), and eval turns it off', () => {
    torch.manualSeed(5);
    const p = 0.3;
    const attention = new nn.MultiheadAttention(8, 2, { dropout: p });
    const x = torch.randn(16, 8, 8);
    const options = { averageAttnWeights: false };
    const [evalOutput, reference] = attention.eval().forward(x, x, x, options);
    const [again] = attention.forward(x, x, x, options);
    expect(Array.from(again.dataSync())).toEqual(Array.from(evalOutput.dataSync()));
    const [trainOutput, dropped] = attention.train().forward(x, x, x, options);
    const kept = reference!.dataSync();
    const values = dropped!.dataSync();
    let zeros = 0;
    values.forEach((v, i) => {
      if (v === 0) zeros++;
      else expect(Math.abs(v - kept[i] / (1 - p))).toBeLessThanOrEqual(1e-6 * (kept[i] / (1 - p)));
    });
    expect(Math.abs(zeros / values.length - p)).toBeLessThan(0.02);
    expect(Array.from(trainOutput.dataSync())).not.toEqual(Array.from(evalOutput.dataSync()));
  });

  it('scaledDotProductAttention applies dropoutP whenever it is above 0, and 0 leaves the weights whole', () => {
    torch.manualSeed(6);
    const S = 32;
    const query = torch.randn(4, 2, S, 8);
    const key = torch.randn(4, 2, S, 8);
    const value = torch.eye(S); // the output is then the attention weights themselves
    const weights = F.scaledDotProductAttention(query, key, value).dataSync();
    expect(Array.from(F.scaledDotProductAttention(query, key, value, { dropoutP: 0 }).dataSync())).toEqual(Array.from(weights));
    const dropped = F.scaledDotProductAttention(query, key, value, { dropoutP: 0.5 }).dataSync();
    let zeros = 0;
    dropped.forEach((v, i) => {
      if (v === 0) zeros++;
      else expect(Math.abs(v - 2 * weights[i])).toBeLessThanOrEqual(1e-6 * 2 * weights[i]);
    });
    expect(Math.abs(zeros / dropped.length - 0.5)).toBeLessThan(0.02);
  });
});

describe('errors name the argument and the shapes', () => {
  const attention = new nn.MultiheadAttention(8, 2);
  const x = torch.randn(3, 2, 8);

  it('MultiheadAttention constructor', () => {
    expect(() => new nn.MultiheadAttention(10, 3)).toThrow(
      'MultiheadAttention: embedDim must be divisible by numHeads, got embedDim 10 and numHeads 3',
    );
    expect(() => new nn.MultiheadAttention(8, 0)).toThrow('MultiheadAttention: numHeads must be a positive integer, got 0');
    expect(() => new nn.MultiheadAttention(8, 2, { dropout: 1.5 })).toThrow(
      'MultiheadAttention: dropout probability has to be between 0 and 1, but got 1.5',
    );
    expect(() => new nn.MultiheadAttention(8, 2, { kdim: -1 })).toThrow('MultiheadAttention: kdim must be a non-negative integer, got -1');
  });

  it('MultiheadAttention ranks, features and batch sizes', () => {
    expect(() => attention.forward(torch.randn(8), torch.randn(8), torch.randn(8))).toThrow(
      'MultiheadAttention: query should be an unbatched 2-D or batched 3-D tensor but received a 1-D query tensor (shape [8])',
    );
    expect(() => attention.forward(x, torch.randn(3, 8), torch.randn(3, 8))).toThrow(
      'MultiheadAttention: for batched (3-D) query, expected key and value to be 3-D but found 2-D and 2-D tensors respectively',
    );
    expect(() => attention.forward(torch.randn(3, 2, 6), x, x)).toThrow(
      'MultiheadAttention: query must have 8 features in its last dimension (embedDim), got shape [3, 2, 6] (L, N, E)',
    );
    expect(() => attention.forward(x, torch.randn(4, 3, 8), torch.randn(4, 3, 8))).toThrow(
      'MultiheadAttention: query and key must have the same batch size N, got query [3, 2, 8] and key [4, 3, 8] (L, N, E)',
    );
    expect(() => attention.forward(x, torch.randn(4, 2, 8), torch.randn(5, 2, 8))).toThrow(
      "MultiheadAttention: key's sequence and batch dims [4, 2] do not match value's [5, 2]",
    );
    expect(() => attention.forward(x, x, x.to('cpu').int())).toThrow(
      "MultiheadAttention: argument 'value' must have dtype float32, got int32",
    );
  });

  it('MultiheadAttention masks', () => {
    const forward = (options: Record<string, Tensor>) => () => attention.forward(x, x, x, options);
    expect(forward({ keyPaddingMask: torch.zeros(3, 3, { dtype: 'bool' }) })).toThrow(
      'MultiheadAttention: keyPaddingMask must have shape [2, 3] (N, S), got [3, 3]',
    );
    expect(forward({ attnMask: torch.zeros(3, 4) })).toThrow(
      'MultiheadAttention: the shape of the 2-D attnMask is [3, 4], but should be [3, 3] (L, S)',
    );
    expect(forward({ attnMask: torch.zeros(2, 3, 3) })).toThrow(
      'MultiheadAttention: the shape of the 3-D attnMask is [2, 3, 3], but should be [4, 3, 3] (N * numHeads, L, S)',
    );
    expect(forward({ attnMask: torch.zeros(1, 4, 3, 3) })).toThrow(
      'MultiheadAttention: attnMask must be 2-D (L, S) or 3-D (N * numHeads, L, S), got a 4-D tensor of shape [1, 4, 3, 3]',
    );
    expect(forward({ attnMask: torch.zeros(3, 3, { dtype: 'int32' }) })).toThrow(
      'MultiheadAttention: attnMask must be a bool or float32 tensor, got int32 (shape [3, 3])',
    );
    const unbatched = torch.randn(3, 8);
    expect(() => attention.forward(unbatched, unbatched, unbatched, { attnMask: torch.zeros(4, 3, 3) })).toThrow(
      'MultiheadAttention: the shape of the 3-D attnMask is [4, 3, 3], but should be [2, 3, 3] (numHeads, L, S)',
    );
    expect(() => attention.forward(unbatched, unbatched, unbatched, { keyPaddingMask: torch.zeros(1, 3, { dtype: 'bool' }) })).toThrow(
      'MultiheadAttention: keyPaddingMask must have shape [3] (S), got [1, 3]',
    );
  });

  it('scaledDotProductAttention', () => {
    const q = torch.randn(2, 3, 4);
    const kv = torch.randn(2, 5, 4);
    expect(() => F.scaledDotProductAttention(torch.randn(4), kv, kv)).toThrow(
      'scaledDotProductAttention: query must have at least 2 dimensions (..., L, E), got shape [4]',
    );
    expect(() => F.scaledDotProductAttention(q, torch.randn(2, 5, 3), kv)).toThrow(
      'scaledDotProductAttention: query and key must have the same last dimension E, got query [2, 3, 4] and key [2, 5, 3]',
    );
    expect(() => F.scaledDotProductAttention(q, kv, torch.randn(2, 6, 4))).toThrow(
      'scaledDotProductAttention: key and value must have the same sequence length S (dim -2), got key [2, 5, 4] and value [2, 6, 4]',
    );
    expect(() => F.scaledDotProductAttention(q, torch.randn(3, 5, 4), torch.randn(3, 5, 4))).toThrow(
      'scaledDotProductAttention: the shapes of query batch dims [2] and key batch dims [3] cannot be broadcast together',
    );
    expect(() => F.scaledDotProductAttention(q, kv, kv, { attnMask: torch.zeros(3, 4) })).toThrow(
      "scaledDotProductAttention: attnMask of shape [3, 4] cannot be broadcast to the attention scores' shape [2, 3, 5] (..., L, S)",
    );
    expect(() => F.scaledDotProductAttention(q, kv, kv, { attnMask: torch.zeros(3, 5), isCausal: true })).toThrow(
      'scaledDotProductAttention: pass either attnMask or isCausal, not both',
    );
    expect(() => F.scaledDotProductAttention(q, kv, kv, { dropoutP: 2 })).toThrow(
      'scaledDotProductAttention: dropoutP has to be between 0 and 1, but got 2',
    );
  });
});
