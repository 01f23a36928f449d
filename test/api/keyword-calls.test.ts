// PyTorch's all-keyword calls of module constructors and utilities (`nn.Linear(in_features=5,
// out_features=2)`), written as one options object: each builds what the positional call builds,
// and a missing argument is named, never printed as [object Object].
import { describe, expect, it, vi } from 'vitest';
import * as torch from '../../src/index.js';

const { nn } = torch;
const F = nn.functional;

/** Two modules built the two ways agree on their printed form and their parameter shapes. */
function sameModule(byKeywords: torch.nn.Module, byPosition: torch.nn.Module): void {
  expect(String(byKeywords)).toBe(String(byPosition));
  expect(byKeywords.parameters().map((p) => p.shape)).toEqual(byPosition.parameters().map((p) => p.shape));
}

describe('all-keyword calls', () => {
  it('module constructors take their leading arguments by name', () => {
    sameModule(new nn.Linear({ inFeatures: 5, outFeatures: 2, bias: false }), new nn.Linear(5, 2, { bias: false }));
    sameModule(new nn.Embedding({ numEmbeddings: 7, embeddingDim: 3, paddingIdx: 0 }), new nn.Embedding(7, 3, { paddingIdx: 0 }));
    sameModule(new nn.LayerNorm({ normalizedShape: [4, 5], eps: 1e-6 }), new nn.LayerNorm([4, 5], { eps: 1e-6 }));
    sameModule(new nn.Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, stride: 2 }), new nn.Conv2d(3, 8, 3, { stride: 2 }));
    sameModule(new nn.Conv1d({ inChannels: 2, outChannels: 4, kernelSize: [5], padding: 2 }), new nn.Conv1d(2, 4, [5], { padding: 2 }));
    sameModule(
      new nn.LSTM({ inputSize: 5, hiddenSize: 3, numLayers: 2, batchFirst: true }),
      new nn.LSTM(5, 3, { numLayers: 2, batchFirst: true }),
    );
    sameModule(new nn.GRU({ inputSize: 4, hiddenSize: 6, bidirectional: true }), new nn.GRU(4, 6, { bidirectional: true }));
    sameModule(new nn.RNN({ inputSize: 4, hiddenSize: 6, nonlinearity: 'relu' }), new nn.RNN(4, 6, { nonlinearity: 'relu' }));
    sameModule(new nn.BatchNorm1d({ numFeatures: 4, momentum: 0.2 }), new nn.BatchNorm1d(4, { momentum: 0.2 }));
    sameModule(new nn.BatchNorm2d({ numFeatures: 3 }), new nn.BatchNorm2d(3));
    sameModule(new nn.MultiheadAttention({ embedDim: 8, numHeads: 2, bias: false }), new nn.MultiheadAttention(8, 2, { bias: false }));
    sameModule(
      new nn.TransformerEncoderLayer({ dModel: 8, nhead: 2, dimFeedforward: 16 }),
      new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }),
    );
    sameModule(
      new nn.TransformerDecoderLayer({ dModel: 8, nhead: 2, dimFeedforward: 16 }),
      new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 }),
    );
    sameModule(
      new nn.ConvTranspose2d({ inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2 }),
      new nn.ConvTranspose2d(2, 3, 3, { stride: 2 }),
    );
    sameModule(new nn.ConvTranspose1d({ inChannels: 2, outChannels: 3, kernelSize: 3 }), new nn.ConvTranspose1d(2, 3, 3));
    sameModule(new nn.RNNCell({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu' }), new nn.RNNCell(3, 4, { nonlinearity: 'relu' }));
    sameModule(new nn.LSTMCell({ inputSize: 3, hiddenSize: 4 }), new nn.LSTMCell(3, 4));
    sameModule(new nn.GRUCell({ inputSize: 3, hiddenSize: 4, bias: false }), new nn.GRUCell(3, 4, { bias: false }));
  });

  // These calls also compile: tsc (npm run typecheck) checks that the constructors' types take
  // every mix a PyTorch user writes, leading positionals then the rest by name.
  it('module constructors take some leading arguments positionally and the rest by name', () => {
    sameModule(new nn.Linear(5, { outFeatures: 2 }), new nn.Linear(5, 2));
    sameModule(new nn.Linear(5, { outFeatures: 2, bias: false }), new nn.Linear(5, 2, { bias: false }));
    sameModule(new nn.Conv2d(3, { outChannels: 8, kernelSize: 3 }), new nn.Conv2d(3, 8, 3));
    sameModule(new nn.Conv2d(3, 8, { kernelSize: 3, stride: 2 }), new nn.Conv2d(3, 8, 3, { stride: 2 }));
    sameModule(new nn.Conv1d(2, { outChannels: 4, kernelSize: [5], padding: 2 }), new nn.Conv1d(2, 4, [5], { padding: 2 }));
    sameModule(new nn.Conv2d(3, 8, 3, 2, { padding: 1 }), new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1 }));
    sameModule(new nn.ConvTranspose2d(2, { outChannels: 3, kernelSize: 3 }), new nn.ConvTranspose2d(2, 3, 3));
    sameModule(new nn.ConvTranspose1d(2, 3, { kernelSize: 3 }), new nn.ConvTranspose1d(2, 3, 3));
    sameModule(new nn.Embedding(7, { embeddingDim: 3, paddingIdx: 0 }), new nn.Embedding(7, 3, { paddingIdx: 0 }));
    sameModule(new nn.LSTM(5, { hiddenSize: 3, numLayers: 2 }), new nn.LSTM(5, 3, { numLayers: 2 }));
    sameModule(new nn.GRU(4, { hiddenSize: 6 }), new nn.GRU(4, 6));
    sameModule(new nn.RNN(4, { hiddenSize: 6, nonlinearity: 'relu' }), new nn.RNN(4, 6, { nonlinearity: 'relu' }));
    sameModule(new nn.RNNCell(3, { hiddenSize: 4 }), new nn.RNNCell(3, 4));
    sameModule(new nn.LSTMCell(3, { hiddenSize: 4 }), new nn.LSTMCell(3, 4));
    sameModule(new nn.GRUCell(3, { hiddenSize: 4, bias: false }), new nn.GRUCell(3, 4, { bias: false }));
    sameModule(new nn.MultiheadAttention(8, { numHeads: 2 }), new nn.MultiheadAttention(8, 2));
    sameModule(
      new nn.TransformerEncoderLayer(8, { nhead: 2, dimFeedforward: 16 }),
      new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }),
    );
    sameModule(
      new nn.TransformerDecoderLayer(8, { nhead: 2, dimFeedforward: 16 }),
      new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 }),
    );
    sameModule(new nn.Unflatten(1, { unflattenedSize: [2, 3] }), new nn.Unflatten(1, [2, 3]));
  });

  it('the types refuse a mix that leaves a leading argument out, and the runtime names it', () => {
    // @ts-expect-error outFeatures is neither positional nor in the options
    expect(() => new nn.Linear(5, { bias: false })).toThrow('Linear: outFeatures must be a non-negative integer, got undefined');
    // @ts-expect-error kernelSize is neither positional nor in the options
    expect(() => new nn.Conv2d(3, { outChannels: 8 })).toThrow(/Conv2d: .*kernelSize|kernel_size/);
    // @ts-expect-error a leading argument given positionally cannot also go by name
    expect(() => new nn.LSTM(5, 3, { hiddenSize: 3 })).toThrow(/LSTM: unknown option 'hiddenSize'/);
  });

  it('names a leading argument the options object lacks, and a misspelt one', () => {
    expect(() => new nn.Linear({ inFeatures: 5 } as never)).toThrow('Linear: outFeatures must be a non-negative integer, got undefined');
    expect(() => new nn.Linear({ in_features: 5, outFeatures: 2 } as never)).toThrow(/Linear: unknown option 'in_features'/);
    expect(() => new nn.LSTM({ hiddenSize: 3 } as never)).toThrow(/inputSize/);
    for (const make of [
      () => new nn.Embedding({ embeddingDim: 3 } as never),
      () => new nn.Conv2d({ inChannels: 1, outChannels: 2 } as never),
    ])
      expect(make).toThrow(/undefined/);
    expect(() => new nn.Linear({ inFeatures: 5 } as never)).not.toThrow(/object Object/);
  });

  it('StepLR takes stepSize by name after the optimizer', () => {
    const sgd = () => new torch.optim.SGD([torch.zeros([2], { requiresGrad: true })], { lr: 1 });
    const [a, b] = [sgd(), sgd()];
    const byName = new torch.optim.lrScheduler.StepLR(a, { stepSize: 2, gamma: 0.5 });
    const byPosition = new torch.optim.lrScheduler.StepLR(b, 2, { gamma: 0.5 });
    for (let epoch = 0; epoch < 5; epoch++) {
      byName.step();
      byPosition.step();
    }
    expect(byName.getLastLr()).toEqual(byPosition.getLastLr());
  });

  it('clipGradNorm_ takes maxNorm by name, gelu takes approximate positionally', () => {
    const grads = () => {
      const p = torch.tensor([3, 4], { requiresGrad: true });
      p.mul(p).sum().backward();
      return p;
    };
    const [a, b] = [grads(), grads()];
    const byName = torch.nn.utils.clipGradNorm_([a], { maxNorm: 1, normType: 2 });
    const byPosition = torch.nn.utils.clipGradNorm_([b], 1, { normType: 2 });
    expect(byName.itemSync()).toBe(byPosition.itemSync());
    expect(a.grad!.tolistSync()).toEqual(b.grad!.tolistSync());
    expect(() => torch.nn.utils.clipGradNorm_([a], {} as never)).toThrow('clipGradNorm_: maxNorm must be a number, got undefined');
    const x = torch.randn([6]);
    expect(F.gelu(x, 'tanh').tolistSync()).toEqual(F.gelu(x, { approximate: 'tanh' }).tolistSync());
  });
});

/**
 * The losses take PyTorch's positional order (`nn.NLLLoss(weight, size_average, ignore_index,
 * reduce, reduction)`) and each argument by name; the deprecated sizeAverage and reduce map onto
 * reduction as PyTorch 1.13's legacy_get_string maps them, overriding reduction, with a warning.
 * The reductions below are PyTorch's for the same calls.
 */
describe('loss arguments in PyTorch order', () => {
  const logits = () =>
    torch.tensor([
      [2, 0.5, -1],
      [0.1, 0.2, 3],
      [1, 1, 1],
    ]);
  const labels = () => torch.tensor([0, 1, 2], { dtype: 'int32' });
  const classWeight = () => torch.tensor([1, 2, 0.5]);
  const same = (a: torch.Tensor, b: torch.Tensor) => expect(a.tolistSync()).toEqual(b.tolistSync());

  it('the class weight goes first, the rest positionally or by name', () => {
    torch.scope(() => {
      const byName = new nn.NLLLoss({ weight: classWeight(), ignoreIndex: 1 });
      same(new nn.NLLLoss(classWeight(), { ignoreIndex: 1 }).forward(logits(), labels()), byName.forward(logits(), labels()));
      same(new nn.NLLLoss(classWeight(), null, 1).forward(logits(), labels()), byName.forward(logits(), labels()));
      expect(new nn.CrossEntropyLoss(null, null, 1).ignoreIndex).toBe(1);
      expect(new nn.CrossEntropyLoss(classWeight(), { labelSmoothing: 0.1 }).labelSmoothing).toBe(0.1);
      expect(new nn.BCEWithLogitsLoss(null, null, null, 'sum', torch.ones(3)).posWeight!.shape).toEqual([3]);
      expect(new nn.CTCLoss(1, 'sum', true).blank).toBe(1);
      same(F.crossEntropy(logits(), labels(), classWeight()), F.crossEntropy(logits(), labels(), { weight: classWeight() }));
      same(F.nllLoss(logits(), labels(), null, null, 2), F.nllLoss(logits(), labels(), { ignoreIndex: 2 }));
      same(
        F.binaryCrossEntropy(torch.tensor([0.8, 0.1]), torch.tensor([1, 0]), torch.tensor([2, 1])),
        F.binaryCrossEntropy(torch.tensor([0.8, 0.1]), torch.tensor([1, 0]), { weight: torch.tensor([2, 1]) }),
      );
    });
  });

  it('sizeAverage and reduce map onto reduction as in PyTorch, overriding it, with one warning per op', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(new nn.MSELoss(false).reduction).toBe('sum');
      expect(new nn.MSELoss(null, false).reduction).toBe('none');
      expect(new nn.MSELoss({ reduce: true, reduction: 'none' }).reduction).toBe('mean');
      expect(new nn.NLLLoss(null, false).reduction).toBe('sum');
      expect(new nn.KLDivLoss(null, null, 'batchmean').reduction).toBe('batchmean');
      expect(new nn.MarginRankingLoss(0.5, false).reduction).toBe('sum');
      expect(new nn.TripletMarginLoss({ reduce: false }).reduction).toBe('none');
      expect(new nn.SmoothL1Loss({ sizeAverage: false }).reduction).toBe('sum');
      const warnings = warn.mock.calls.map(([message]) => String(message));
      expect(warnings.filter((m) => m.startsWith('MSELoss:'))).toEqual([
        "MSELoss: sizeAverage and reduce are deprecated (as in PyTorch); pass { reduction: 'sum' } instead",
      ]);
      torch.scope(() => {
        const [x, y] = [torch.tensor([1, 2, 3]), torch.tensor([0, 0, 1])];
        expect(F.mseLoss(x, y, null, false).tolistSync()).toEqual([1, 4, 4]);
        expect(F.mseLoss(x, y, false).itemSync()).toBe(9);
        expect(F.l1Loss(x, y, { sizeAverage: false }).itemSync()).toBe(5);
      });
      expect(warn.mock.calls.some(([m]) => String(m).startsWith('mseLoss: sizeAverage and reduce are deprecated'))).toBe(true);
    } finally {
      warn.mockRestore();
    }
  });

  it('a reduction in a deprecated slot is an error that names the slot', () => {
    // @ts-expect-error PyTorch's first positional argument of MSELoss is size_average
    expect(() => new nn.MSELoss('sum')).toThrow(
      "MSELoss: sizeAverage must be a boolean or null (deprecated: pass reduction instead), got string 'sum'",
    );
    // @ts-expect-error smoothL1Loss's third positional argument is size_average, as in PyTorch
    expect(() => F.smoothL1Loss(torch.ones(2), torch.ones(2), 'sum')).toThrow(/^smoothL1Loss: sizeAverage must be a boolean/);
    expect(() => new nn.NLLLoss({ ignore_index: 1 } as never)).toThrow(
      /NLLLoss: unknown option 'ignore_index'; did you mean 'ignoreIndex'\?/,
    );
  });
});
