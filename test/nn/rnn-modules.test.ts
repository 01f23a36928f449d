// The recurrent modules beyond the PyTorch fixtures: packed-sequence utilities, parameter layout and
// initialisation, dropout between layers, printing, the errors bad inputs raise, finite-difference
// gradchecks through whole modules, memory, and API.md's Classifier example.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

const { nn } = torch;
const { PackedSequence, packPaddedSequence, padPackedSequence, packSequence, padSequence } = nn.utils.rnn;
type Tensor = torch.Tensor;

const values = (t: Tensor) => Array.from(t.dataSync());

describe('packed sequences', () => {
  it('pack then unpack is exact, in the caller order, with either layout', () => {
    for (const batchFirst of [false, true]) {
      const x = torch.randn(batchFirst ? [4, 6, 3] : [6, 4, 3]);
      const lengths = [3, 6, 1, 4];
      const packed = packPaddedSequence(x, lengths, { batchFirst, enforceSorted: false });
      expect(packed.batchSizes.dtype).toBe('int32');
      expect(packed.batchSizes.device).toBe('cpu');
      expect(packed.batchSizes.tolistSync()).toEqual([4, 3, 3, 2, 1, 1]);
      expect(packed.sortedIndices!.tolistSync()).toEqual([1, 3, 0, 2]);
      expect(packed.unsortedIndices!.tolistSync()).toEqual([2, 0, 3, 1]);
      const [padded, outLengths] = padPackedSequence(packed, { batchFirst });
      expect(outLengths.tolistSync()).toEqual(lengths);
      expect(padded.shape).toEqual(x.shape);
      const original = x.tolistSync() as number[][][];
      const unpacked = padded.tolistSync() as number[][][];
      lengths.forEach((length, b) => {
        for (let t = 0; t < 6; t++) {
          const [got, want] = batchFirst ? [unpacked[b][t], original[b][t]] : [unpacked[t][b], original[t][b]];
          expect(got).toEqual(t < length ? want : [0, 0, 0]);
        }
      });
    }
  });

  it('lays out time step after time step, longest sequences first', () => {
    const x = torch.arange(0, 8).reshape(2, 4).t().unsqueeze(2); // [T=4, B=2, 1]: x[t, b] = 4b + t
    const packed = packPaddedSequence(x, [2, 4], { enforceSorted: false });
    expect(values(packed.data)).toEqual([4, 0, 5, 1, 6, 7]);
    expect(packPaddedSequence(x, [4, 2]).sortedIndices).toBeNull();
  });

  it('pads with paddingValue to totalLength', () => {
    const packed = packSequence([torch.tensor([1, 2, 3]), torch.tensor([4])], { enforceSorted: true });
    const [padded, lengths] = padPackedSequence(packed, { batchFirst: true, paddingValue: -1, totalLength: 5 });
    expect(padded.tolistSync()).toEqual([
      [1, 2, 3, -1, -1],
      [4, -1, -1, -1, -1],
    ]);
    expect(lengths.tolistSync()).toEqual([3, 1]);
    expect(() => padPackedSequence(packed, { totalLength: 2 })).toThrow(
      'padPackedSequence: expected totalLength to be at least the length of the longest sequence in input, but got totalLength=2 and max sequence length being 3',
    );
  });

  it('padSequence and packSequence, sorted or not', () => {
    const seqs = [torch.ones(2, 2), torch.ones(3, 2).mul(2), torch.ones(1, 2).mul(3)];
    expect(padSequence(seqs, { paddingValue: 9 }).tolistSync()).toEqual([
      [
        [1, 1],
        [2, 2],
        [3, 3],
      ],
      [
        [1, 1],
        [2, 2],
        [9, 9],
      ],
      [
        [9, 9],
        [2, 2],
        [9, 9],
      ],
    ]);
    expect(padSequence(seqs, { batchFirst: true }).shape).toEqual([3, 3, 2]);
    const packed = packSequence(seqs, { enforceSorted: false });
    expect(packed.batchSizes.tolistSync()).toEqual([3, 2, 1]);
    expect(values(packed.data)).toEqual([2, 2, 1, 1, 3, 3, 2, 2, 1, 1, 2, 2]);
    expect(() => packSequence(seqs)).toThrow(
      'packPaddedSequence: lengths must be sorted in decreasing order when enforceSorted is true, but lengths[1] = 3 > lengths[0] = 2; pass { enforceSorted: false } to sort them',
    );
  });

  it('is differentiable: gradients flow back to the padded input, none to the padding', () => {
    const x = torch.randn(3, 2, 2, { requiresGrad: true });
    const packed = packPaddedSequence(x, torch.tensor([3, 1], { dtype: 'int32' }));
    const [padded] = padPackedSequence(packed, { paddingValue: 5 });
    padded
      .mul(torch.arange(1, 13).reshape(3, 2, 2))
      .sum()
      .backward();
    expect(x.grad!.tolistSync()).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [0, 0],
      ],
      [
        [9, 10],
        [0, 0],
      ],
    ]);
    const seqs = [torch.randn(2, 3, { requiresGrad: true }), torch.randn(1, 3, { requiresGrad: true })];
    packSequence(seqs).data.sum().backward();
    expect(seqs.map((s) => s.grad!.tolistSync())).toEqual([
      [
        [1, 1, 1],
        [1, 1, 1],
      ],
      [[1, 1, 1]],
    ]);
  });

  it('refuses bad lengths and layouts with clear errors', () => {
    const x = torch.randn(4, 3, 2);
    expect(() => packPaddedSequence(x, [4, 0, 1])).toThrow(
      'packPaddedSequence: length of all samples has to be greater than 0, but lengths[1] is 0',
    );
    expect(() => packPaddedSequence(x, [5, 2, 1])).toThrow(
      'packPaddedSequence: lengths[0] is 5, longer than the 4 time steps of the padded input (shape [4, 3, 2])',
    );
    expect(() => packPaddedSequence(x, [4, 2])).toThrow(
      'packPaddedSequence: expected len(lengths) to be equal to batch_size, but got 2 (batch_size=3, input shape [4, 3, 2])',
    );
    expect(() => packPaddedSequence(x, [2, 4, 1])).toThrow('lengths must be sorted in decreasing order when enforceSorted is true');
    expect(() => packPaddedSequence(x, torch.tensor([4, 2, 1]))).toThrow(
      'packPaddedSequence: lengths must be a 1-D int32 tensor, got float32 of shape [3]',
    );
    expect(() => packPaddedSequence(torch.randn(4), [4])).toThrow('packPaddedSequence: input must have at least 2 dimensions');
    expect(() => padSequence([])).toThrow('padSequence: expected a non-empty array of Tensors');
    expect(() => padSequence([torch.ones(2, 3), torch.ones(2, 4)])).toThrow(
      'padSequence: every sequence must have the same trailing dims, but sequences[0] has shape [2, 3] and sequences[1] has [2, 4]',
    );
    expect(() => new PackedSequence(torch.ones(5, 2), [2, 3])).toThrow(
      'PackedSequence: batchSizes must be positive and non-increasing, got [2, 3]',
    );
  });
});

describe('recurrent module layout', () => {
  it('names and shapes its parameters as PyTorch does, and draws them from U(-1/sqrt(H), 1/sqrt(H))', () => {
    const lstm = new nn.LSTM(3, 4, { projSize: 2, numLayers: 2, bidirectional: true });
    expect(lstm.namedParameters().map(([name, p]) => `${name} ${p.shape.join('x')}`)).toEqual([
      'weight_ih_l0 16x3',
      'weight_hh_l0 16x2',
      'bias_ih_l0 16',
      'bias_hh_l0 16',
      'weight_hr_l0 2x4',
      'weight_ih_l0_reverse 16x3',
      'weight_hh_l0_reverse 16x2',
      'bias_ih_l0_reverse 16',
      'bias_hh_l0_reverse 16',
      'weight_hr_l0_reverse 2x4',
      'weight_ih_l1 16x4',
      'weight_hh_l1 16x2',
      'bias_ih_l1 16',
      'bias_hh_l1 16',
      'weight_hr_l1 2x4',
      'weight_ih_l1_reverse 16x4',
      'weight_hh_l1_reverse 16x2',
      'bias_ih_l1_reverse 16',
      'bias_hh_l1_reverse 16',
      'weight_hr_l1_reverse 2x4',
    ]);
    expect(Object.keys(new nn.GRU(2, 3, { bias: false }).stateDict())).toEqual(['weight_ih_l0', 'weight_hh_l0']);
    expect(new nn.GRUCell(2, 3).namedParameters().map(([name, p]) => `${name} ${p.shape.join('x')}`)).toEqual([
      'weight_ih 9x2',
      'weight_hh 9x3',
      'bias_ih 9',
      'bias_hh 9',
    ]);
    const big = new nn.RNN(50, 400);
    const all = big.parameters().flatMap(values);
    const bound = 1 / Math.sqrt(400);
    // The bound as a float32 (0.05 rounds up): a draw just below it rounds to it, as in PyTorch.
    expect(all.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThanOrEqual(Math.fround(bound));
    expect(all.reduce((m, v) => Math.max(m, v), 0)).toBeGreaterThan(0.95 * bound);
    expect(Math.abs(all.reduce((a, b) => a + b, 0) / all.length)).toBeLessThan(0.01 * bound);
    expect(lstm.allWeights.map((group) => group.length)).toEqual([5, 5, 5, 5]);
  });

  it('prints like PyTorch', () => {
    expect(String(new nn.LSTM(3, 4, { projSize: 2, numLayers: 2, bidirectional: true }))).toBe(
      'LSTM(3, 4, proj_size=2, num_layers=2, bidirectional=True)',
    );
    expect(String(new nn.GRU(3, 4, { bias: false, batchFirst: true, dropout: 0.5, numLayers: 2 }))).toBe(
      'GRU(3, 4, num_layers=2, bias=False, batch_first=True, dropout=0.5)',
    );
    expect(String(new nn.RNN(3, 4, { nonlinearity: 'relu' }))).toBe('RNN(3, 4)');
    expect(String(new nn.RNNCell(3, 4, { nonlinearity: 'relu' }))).toBe('RNNCell(3, 4, nonlinearity=relu)');
    expect(String(new nn.LSTMCell(3, 4, { bias: false }))).toBe('LSTMCell(3, 4, bias=False)');
    expect(String(new nn.GRUCell(3, 4))).toBe('GRUCell(3, 4)');
  });

  it('keeps the output and states shapes of the course material', () => {
    const lstm = new nn.LSTM(10, 20, { numLayers: 2 });
    const [output, [hn, cn]] = lstm.forward(torch.randn(5, 3, 10), [torch.randn(2, 3, 20), torch.randn(2, 3, 20)]);
    expect([output.shape, hn.shape, cn.shape]).toEqual([
      [5, 3, 20],
      [2, 3, 20],
      [2, 3, 20],
    ]);
    const gru = new nn.GRU(10, 20, { numLayers: 2, batchFirst: true, bidirectional: true });
    const [out, h] = gru.forward(torch.randn(3, 5, 10));
    expect([out.shape, h.shape]).toEqual([
      [3, 5, 40],
      [4, 3, 20],
    ]);
    const [single, hSingle] = new nn.RNN(4, 2).forward(torch.randn(6, 4));
    expect([single.shape, hSingle.shape]).toEqual([
      [6, 2],
      [1, 2],
    ]);
    const [empty, [hEmpty, cEmpty]] = new nn.LSTM(3, 4, { bidirectional: true }).forward(torch.randn(2, 0, 3));
    expect([empty.shape, hEmpty.shape, cEmpty.shape]).toEqual([
      [2, 0, 8],
      [2, 0, 4],
      [2, 0, 4],
    ]);
    expect(() => new nn.LSTM(3, 4).forward(torch.randn(0, 2, 3))).toThrow(
      'LSTM: expected sequence length to be larger than 0, got input of shape [0, 2, 3]',
    );
  });
});

describe('packed input through the modules', () => {
  it('returns a PackedSequence, and hN holds each sequence at its own last step in the caller order', () => {
    torch.manualSeed(3);
    const gru = new nn.GRU(3, 4, { batchFirst: true, bidirectional: true });
    const x = torch.randn(3, 5, 3);
    const lengths = [2, 5, 3];
    const [out, hN] = gru.forward(packPaddedSequence(x, lengths, { batchFirst: true, enforceSorted: false }));
    expect(out).toBeInstanceOf(PackedSequence);
    lengths.forEach((length, b) => {
      const [alone, hAlone] = gru.forward(x.narrow(0, b, 1).narrow(1, 0, length));
      expect(values(hN.narrow(1, b, 1))).toEqual(values(hAlone).map((v) => expect.closeTo(v, 6)) as unknown as number[]);
      const [padded] = padPackedSequence(out as InstanceType<typeof PackedSequence>, { batchFirst: true });
      expect(values(padded.narrow(0, b, 1).narrow(1, 0, length))).toEqual(
        values(alone).map((v) => expect.closeTo(v, 6)) as unknown as number[],
      );
    });
  });
});

describe('dropout between layers', () => {
  it('drops the outputs of all but the last layer in training mode only, and gradients follow the mask', () => {
    torch.manualSeed(11);
    const lstm = new nn.LSTM(4, 64, { numLayers: 2, dropout: 0.5 });
    const x = torch.randn(3, 8, 4);
    const plain = new nn.LSTM(4, 64, { numLayers: 2 });
    plain.loadStateDict(lstm.stateDict());
    const [evalOut] = lstm.eval().forward(x);
    expect(values(evalOut)).toEqual(values(plain.forward(x)[0]));
    lstm.train();
    const [a] = lstm.forward(x);
    const [b] = lstm.forward(x);
    expect(values(a)).not.toEqual(values(b));
    // Dropping half of layer 1's inputs and doubling the rest changes every output a little but keeps its scale.
    const meanAbs = (t: Tensor) => t.abs().mean().itemSync() as number;
    expect(meanAbs(a) / meanAbs(evalOut)).toBeGreaterThan(0.7);
    expect(meanAbs(a) / meanAbs(evalOut)).toBeLessThan(1.6);
    torch.manualSeed(5);
    const [seeded] = lstm.forward(x);
    torch.manualSeed(5);
    expect(values(lstm.forward(x)[0])).toEqual(values(seeded));
    const xg = x.clone().requiresGrad_();
    lstm.forward(xg)[0].sum().backward();
    expect(lstm.weight_ih_l1.grad!.abs().sum().itemSync()).toBeGreaterThan(0);
  });

  it('leaves a 1-layer network alone', () => {
    const rnn = new nn.RNN(2, 3, { dropout: 0.9 });
    const x = torch.randn(4, 1, 2);
    expect(values(rnn.forward(x)[0])).toEqual(values(rnn.eval().forward(x)[0]));
  });
});

describe('gradcheck through whole modules', () => {
  for (const [name, make] of [
    ['bidirectional 2-layer LSTM with projection, packed', () => new nn.LSTM(2, 3, { numLayers: 2, bidirectional: true, projSize: 2 })],
    ['bidirectional GRU, packed', () => new nn.GRU(2, 3, { bidirectional: true })],
    ['relu RNN, packed', () => new nn.RNN(2, 3, { nonlinearity: 'relu', numLayers: 2 })],
  ] as [string, () => torch.nn.Module][]) {
    it(name, async () => {
      torch.manualSeed(2);
      const module = make();
      const x = torch.randn(3, 3, 2, { requiresGrad: true });
      const run = (input: Tensor) => {
        const [out, states] = module.forward(packPaddedSequence(input, [3, 1, 2], { enforceSorted: false })) as [
          InstanceType<typeof PackedSequence>,
          Tensor | Tensor[],
        ];
        return [out.data, ...(Array.isArray(states) ? states : [states])];
      };
      // The parameters are inputs too: gradcheck perturbs them in place, and the module reads them.
      expect(await torch.autograd.gradcheck(run, [x, ...module.parameters()], { eps: 1e-2, atol: 2e-3, rtol: 2e-2 })).toBe(true);
    });
  }

  it('cells', async () => {
    const cell = new nn.LSTMCell(2, 3);
    const x = torch.randn(2, 2, { requiresGrad: true });
    const h = torch.randn(2, 3, { requiresGrad: true });
    const c = torch.randn(2, 3, { requiresGrad: true });
    expect(await torch.autograd.gradcheck((x, h, c) => cell.forward(x, [h, c]), [x, h, c], { eps: 1e-2, atol: 2e-3, rtol: 2e-2 })).toBe(
      true,
    );
    const gru = new nn.GRUCell(2, 3);
    expect(await torch.autograd.gradcheck((x, h) => gru.forward(x, h), [x, h], { eps: 1e-2, atol: 2e-3, rtol: 2e-2 })).toBe(true);
  });
});

describe('errors', () => {
  it('wrong input sizes and ranks', () => {
    const rnn = new nn.RNN(2, 3);
    expect(() => rnn.forward(torch.randn(4, 6, 5))).toThrow('RNN: input.size(-1) must be equal to inputSize. Expected 2, got 5');
    expect(() => rnn.forward(torch.randn(4, 6, 2, 1))).toThrow(
      'RNN: expected input to be 2-D (unbatched [L, H_in]) or 3-D ([L, N, H_in], or [N, L, H_in] with batchFirst), got [4, 6, 2, 1]',
    );
    expect(() => new nn.GRUCell(2, 3).forward(torch.randn(4, 3))).toThrow('GRUCell: input has inconsistent input_size: got 3 expected 2');
    expect(() => new nn.GRUCell(2, 3).forward(torch.randn(4, 2, 1))).toThrow(
      'GRUCell: expected input to be 1-D or 2-D but received 3-D tensor',
    );
    expect(() => rnn.forward([torch.randn(3, 2)] as unknown as Tensor)).toThrow(
      'RNN: input must be a Tensor or a PackedSequence, got an array of 1',
    );
  });

  it('wrong initial-state shapes name the expected shape, which is never batch-first', () => {
    const gru = new nn.GRU(2, 3, { numLayers: 2, batchFirst: true });
    expect(() => gru.forward(torch.randn(5, 4, 2), torch.randn(5, 2, 3))).toThrow(
      'GRU: expected hx of size (2, 5, 3) = (numLayers * numDirections, batch, hiddenSize), got [5, 2, 3]; initial states are never batch-first',
    );
    const lstm = new nn.LSTM(2, 3, { bidirectional: true, projSize: 1 });
    expect(() => lstm.forward(torch.randn(4, 6, 2), [torch.zeros(2, 6, 1), torch.zeros(2, 5, 3)])).toThrow(
      'LSTM: expected c0 of size (2, 6, 3) = (numLayers * numDirections, batch, hiddenSize), got [2, 5, 3]',
    );
    expect(() => lstm.forward(torch.randn(4, 6, 2), [torch.zeros(2, 6, 3), torch.zeros(2, 6, 3)])).toThrow(
      'LSTM: expected h0 of size (2, 6, 1) = (numLayers * numDirections, batch, projSize), got [2, 6, 3]',
    );
    expect(() => new nn.GRU(2, 3).forward(torch.randn(4, 2), torch.zeros(1, 1, 3))).toThrow(
      'GRU: for unbatched 2-D input, hx should also be 2-D but got 3-D tensor (shape [1, 1, 3])',
    );
    expect(() => new nn.LSTMCell(2, 3).forward(torch.randn(4, 2), [torch.zeros(3, 3), torch.zeros(4, 3)])).toThrow(
      "LSTMCell: input batch size 4 doesn't match hx[0] batch size 3",
    );
  });

  it('a tuple where a tensor is expected, and the reverse', () => {
    // The course material passes (h, c) to nn.RNN; PyTorch rejects it, and so do we.
    expect(() =>
      new nn.RNN(2, 2, { batchFirst: true }).forward(torch.randn(1, 1, 2), [
        torch.randn(1, 1, 2),
        torch.randn(1, 1, 2),
      ] as unknown as Tensor),
    ).toThrow(
      "RNN: hx must be a Tensor (numLayers * numDirections, batch, hiddenSize), got an array of 2; an [h0, c0] pair is an LSTM's state",
    );
    expect(() => new nn.LSTM(2, 3).forward(torch.randn(4, 1, 2), torch.zeros(1, 1, 3) as unknown as [Tensor, Tensor])).toThrow(
      'LSTM: hx must be an array [h0, c0] of two Tensors, got a Tensor of shape [1, 1, 3]',
    );
    expect(() => new nn.LSTMCell(2, 3).forward(torch.randn(4, 2), torch.zeros(4, 3) as unknown as [Tensor, Tensor])).toThrow(
      'LSTMCell: hx must be an array [h0, c0] of two Tensors, got a Tensor of shape [4, 3]',
    );
    expect(() => new nn.GRUCell(2, 3).forward(torch.randn(4, 2), [torch.zeros(4, 3)] as unknown as Tensor)).toThrow(
      'GRUCell: hx must be a Tensor',
    );
  });

  it('bad constructor options', () => {
    expect(() => new nn.GRU(2, 3, { projSize: 1 } as torch.nn.RNNBaseOptions)).toThrow(
      'GRU: projSize is only supported for LSTM, not RNN or GRU',
    );
    expect(() => new nn.LSTM(2, 3, { projSize: 3 })).toThrow('LSTM: projSize (3) has to be smaller than hiddenSize (3)');
    expect(() => new nn.RNN(2, 3, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow(
      "RNN: unknown nonlinearity 'sigmoid'; select from 'tanh' or 'relu'",
    );
    expect(() => new nn.LSTM(2, 0)).toThrow('LSTM: hiddenSize must be an integer >= 1, got 0');
    expect(() => new nn.LSTM(2, 3, { numLayers: 0 })).toThrow('LSTM: numLayers must be an integer >= 1, got 0');
    expect(() => new nn.LSTM(2, 3, { dropout: 1.5 })).toThrow('LSTM: dropout should be a number in range [0, 1]');
  });
});

describe('memory', () => {
  it('a training loop over packed batches keeps live tensors and bytes flat', () => {
    const gru = new nn.GRU(3, 8, { numLayers: 2, bidirectional: true, batchFirst: true });
    const x = torch.randn(4, 6, 3);
    const step = () =>
      torch.scope(() => {
        const [, hN] = gru.forward(packPaddedSequence(x, [6, 2, 5, 1], { batchFirst: true, enforceSorted: false }));
        hN.sum().backward();
        gru.zeroGrad();
      });
    step();
    step();
    const before = torch.memory();
    for (let i = 0; i < 10; i++) step();
    expect(torch.memory()).toEqual(before);
  });
});

describe("API.md's Classifier", () => {
  it('runs as written: embedding, bidirectional 2-layer GRU over packed sequences, linear', () => {
    const F = nn.functional;
    class Classifier extends nn.Module {
      embedding = new nn.Embedding(128, 64, { paddingIdx: 0 });
      gru = new nn.GRU(64, 100, { numLayers: 2, batchFirst: true, bidirectional: true });
      fc = new nn.Linear(200, 18);
      override forward(x: torch.Tensor, lengths: number[]) {
        const packed = nn.utils.rnn.packPaddedSequence(this.embedding.forward(x), lengths, { batchFirst: true, enforceSorted: false });
        const [, hN] = this.gru.forward(packed); // hN: [numLayers*2, batch, 100]
        return this.fc.forward(torch.cat([hN.index(-2), hN.index(-1)], 1));
      }
    }
    const model = new Classifier();
    expect(String(model)).toBe(
      'Classifier(\n  (embedding): Embedding(128, 64, padding_idx=0)\n  (gru): GRU(64, 100, num_layers=2, batch_first=True, bidirectional=True)\n  (fc): Linear(in_features=200, out_features=18, bias=True)\n)',
    );
    const x = torch.randint(1, 128, [3, 7], { dtype: 'int32' });
    const logits = model.forward(x, [4, 7, 2]);
    expect(logits.shape).toEqual([3, 18]);
    F.crossEntropy(logits, torch.tensor([1, 5, 17], { dtype: 'int32' })).backward();
    expect(model.gru.weight_hh_l1_reverse.grad!.shape).toEqual([300, 100]);
  });
});
