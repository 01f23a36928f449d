import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { nearestKey } from '../../src/options.js';

type AnyFunction = (...args: never[]) => unknown;

const { nn, optim } = torch;
const F = nn.functional;

/**
 * Options and arguments are checked, never ignored: every public entry point that takes an options
 * object refuses a key it does not know, naming itself and the key. The entry points are found by
 * walking the exports, so a new one must be listed here, either with a call that passes it options
 * or among the names that take none.
 */

const BAD_KEY = 'notAnOption';
const bad = { [BAD_KEY]: 1 } as never;

type Call = (options: never) => unknown;

const x = () => torch.ones(2, 3);
const probabilities = () => torch.tensor([0.2, 0.8]);
const leaf = () => torch.ones(2, { requiresGrad: true });
const sgd = () => new optim.SGD([leaf()], { lr: 0.1 });
const columnIndex = () => torch.tensor([[0], [2]], { dtype: 'int32' });

/** Entry points that take options: a call with valid arguments and `options` where they go, and the name the error must give. */
const WITH_OPTIONS: Record<string, [name: string, call: Call]> = {
  'torch.tensor': ['tensor', (o) => torch.tensor([1], o)],
  'torch.zeros': ['zeros', (o) => torch.zeros(2, o)],
  'torch.ones': ['ones', (o) => torch.ones([2], o)],
  'torch.empty': ['empty', (o) => torch.empty(2, o)],
  'torch.full': ['full', (o) => torch.full([2], 1, o)],
  'torch.arange': ['arange', (o) => torch.arange(3, o)],
  'torch.linspace': ['linspace', (o) => torch.linspace(0, 1, 3, o)],
  'torch.eye': ['eye', (o) => torch.eye(2, o)],
  'torch.zerosLike': ['zerosLike', (o) => torch.zerosLike(x(), o)],
  'torch.onesLike': ['onesLike', (o) => torch.onesLike(x(), o)],
  'torch.fullLike': ['fullLike', (o) => torch.fullLike(x(), 1, o)],
  'torch.emptyLike': ['emptyLike', (o) => torch.emptyLike(x(), o)],
  'torch.rand': ['rand', (o) => torch.rand(2, o)],
  'torch.randn': ['randn', (o) => torch.randn([2], o)],
  'torch.randLike': ['randLike', (o) => torch.randLike(x(), o)],
  'torch.randnLike': ['randnLike', (o) => torch.randnLike(x(), o)],
  'torch.randint': ['randint', (o) => torch.randint(0, 5, [2], o)],
  'torch.randperm': ['randperm', (o) => torch.randperm(3, o)],
  'torch.bernoulli': ['bernoulli', (o) => torch.bernoulli(probabilities(), o)],
  'torch.multinomial': ['multinomial', (o) => torch.multinomial(probabilities(), 1, o)],
  'torch.dropout': ['dropout', (o) => torch.dropout(x(), 0.5, true, o)],
  'torch.add': ['add', (o) => torch.add(x(), 1, o)],
  'torch.sub': ['sub', (o) => torch.sub(x(), 1, o)],
  'torch.clamp': ['clamp', (o) => torch.clamp(x(), o)],
  'torch.sum': ['sum', (o) => torch.sum(x(), 0, o)],
  'torch.prod': ['prod', (o) => torch.prod(x(), 0, o)],
  'torch.mean': ['mean', (o) => torch.mean(x(), 0, o)],
  'torch.max': ['max', (o) => torch.max(x(), 0, o)],
  'torch.min': ['min', (o) => torch.min(x(), 0, o)],
  'torch.argmax': ['argmax', (o) => torch.argmax(x(), 0, o)],
  'torch.argmin': ['argmin', (o) => torch.argmin(x(), 0, o)],
  'torch.var': ['var', (o) => torch.var(x(), 0, o)],
  'torch.std': ['std', (o) => torch.std(x(), 0, o)],
  'torch.logsumexp': ['logsumexp', (o) => torch.logsumexp(x(), 0, o)],
  'torch.softmax': ['softmax', (o) => torch.softmax(x(), 0, o)],
  'torch.logSoftmax': ['logSoftmax', (o) => torch.logSoftmax(x(), 0, o)],
  'torch.sort': ['sort', (o) => torch.sort(x(), 0, o)],
  'torch.argsort': ['argsort', (o) => torch.argsort(x(), o)],
  'torch.topk': ['topk', (o) => torch.topk(x(), 1, 0, o)],
  'torch.indexPut': ['indexPut', (o) => torch.indexPut(x(), [0], 1, o)],
  'torch.conv1d': ['conv1d', (o) => torch.conv1d(torch.ones(1, 1, 4), torch.ones(1, 1, 2), o)],
  'torch.conv2d': ['conv2d', (o) => torch.conv2d(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 2, 2), o)],
  'torch.convTranspose1d': ['convTranspose1d', (o) => torch.convTranspose1d(torch.ones(1, 1, 4), torch.ones(1, 1, 2), o)],
  'torch.convTranspose2d': ['convTranspose2d', (o) => torch.convTranspose2d(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 2, 2), o)],
  'torch.maxPool1d': ['maxPool1d', (o) => torch.maxPool1d(torch.ones(1, 4), 2, o)],
  'torch.maxPool2d': ['maxPool2d', (o) => torch.maxPool2d(torch.ones(1, 4, 4), 2, o)],
  'torch.avgPool1d': ['avgPool1d', (o) => torch.avgPool1d(torch.ones(1, 4), 2, o)],
  'torch.save': ['save', (o) => torch.save({ w: x() }, o)],
  'torch.saveFile': ['saveFile', (o) => torch.saveFile({ w: x() }, '/nonexistent/never-written.safetensors', o)],
  'torch.load': ['load', (o) => torch.load(torch.save({ w: x() }), o)],
  'torch.loadFile': ['loadFile', (o) => torch.loadFile('/nonexistent/never-read.safetensors', o)],
  'torch.Generator': ['Generator', (o) => new torch.Generator(o)],
  'torch.autograd.grad': ['autograd.grad', (o) => torch.autograd.grad(leaf().sum(), leaf(), o)],
  'torch.autograd.gradcheck': ['gradcheck', (o) => torch.autograd.gradcheck((a) => a.sum(), [leaf()], o)],
  'torch.autograd.gradgradcheck': ['gradgradcheck', (o) => torch.autograd.gradgradcheck((a) => a.square(), [leaf()], o)],
  'torch.webgpu.init': ['webgpu.init', (o) => torch.webgpu.init(o)],
  'torch.cpu.init': ['cpu.init', (o) => torch.cpu.init(o)],
  'torch.utils.data.DataLoader': ['DataLoader', (o) => new torch.utils.data.DataLoader([1, 2], o)],
  'torch.utils.data.randomSplit': ['randomSplit', (o) => torch.utils.data.randomSplit([1, 2], [1, 1], o)],
  'torch.metrics.corpusBleu': ['corpusBleu', (o) => torch.metrics.corpusBleu([[['a']]], [['a']], o)],
  'torch.metrics.sentenceBleu': ['sentenceBleu', (o) => torch.metrics.sentenceBleu([['a']], ['a'], o)],
  'torch.metrics.SmoothingFunction': ['SmoothingFunction', (o) => new torch.metrics.SmoothingFunction(o)],
  'torch.text.buildVocabFromIterator': ['buildVocabFromIterator', (o) => torch.text.buildVocabFromIterator([['a']], o)],
  'torch.text.Vocab#numericalize': ['Vocab.numericalize', (o) => new torch.text.Vocab(['a']).numericalize(['a'], o)],
  'torch.text.BucketIterator': ['BucketIterator', (o) => new torch.text.BucketIterator([[1]], 1, o)],

  'torch.Tensor#add': ['add', (o) => x().add(1, o)],
  'torch.Tensor#sub': ['sub', (o) => x().sub(1, o)],
  'torch.Tensor#add_': ['add', (o) => x().add_(1, o)],
  'torch.Tensor#sub_': ['sub', (o) => x().sub_(1, o)],
  'torch.Tensor#clamp': ['clamp', (o) => x().clamp(o)],
  'torch.Tensor#clamp_': ['clamp', (o) => x().clamp_(o)],
  'torch.Tensor#sum': ['sum', (o) => x().sum(0, o)],
  'torch.Tensor#prod': ['prod', (o) => x().prod(0, o)],
  'torch.Tensor#mean': ['mean', (o) => x().mean(0, o)],
  'torch.Tensor#max': ['max', (o) => x().max(0, o)],
  'torch.Tensor#min': ['min', (o) => x().min(0, o)],
  'torch.Tensor#argmax': ['argmax', (o) => x().argmax(0, o)],
  'torch.Tensor#argmin': ['argmin', (o) => x().argmin(0, o)],
  'torch.Tensor#var': ['var', (o) => x().var(0, o)],
  'torch.Tensor#std': ['std', (o) => x().std(0, o)],
  'torch.Tensor#logsumexp': ['logsumexp', (o) => x().logsumexp(0, o)],
  'torch.Tensor#softmax': ['softmax', (o) => x().softmax(0, o)],
  'torch.Tensor#logSoftmax': ['logSoftmax', (o) => x().logSoftmax(0, o)],
  'torch.Tensor#sort': ['sort', (o) => x().sort(o)],
  'torch.Tensor#argsort': ['argsort', (o) => x().argsort(0, o)],
  'torch.Tensor#topk': ['topk', (o) => x().topk(1, 0, o)],
  'torch.Tensor#uniform_': ['uniform_', (o) => x().uniform_(0, 1, o)],
  'torch.Tensor#normal_': ['normal_', (o) => x().normal_(0, 1, o)],
  'torch.Tensor#bernoulli_': ['bernoulli_', (o) => x().bernoulli_(0.5, o)],
  'torch.Tensor#bernoulli': ['bernoulli', (o) => probabilities().bernoulli(o)],
  'torch.Tensor#multinomial': ['multinomial', (o) => probabilities().multinomial(1, o)],
  'torch.Tensor#indexPut': ['indexPut', (o) => x().indexPut([0], 1, o)],
  'torch.Tensor#indexPut_': ['indexPut_', (o) => x().indexPut_([0], 1, o)],
  'torch.Tensor#indexPutAsync': ['indexPut', (o) => x().indexPutAsync([0], 1, o)],
  'torch.Tensor#indexPutAsync_': ['indexPut_', (o) => x().indexPutAsync_([0], 1, o)],
  'torch.Tensor#to': ['to', (o) => x().to(o)],
  'torch.Tensor#toAsync': ['to', (o) => x().toAsync(o)],
  'torch.Tensor#backward': ['backward', (o) => leaf().sum().backward(undefined, o)],

  'torch.nn.Module#stateDict': ['Linear.stateDict', (o) => new nn.Linear(2, 2).stateDict(o)],
  'torch.nn.Module#loadStateDict': ['Linear.loadStateDict', (o) => new nn.Linear(2, 2).loadStateDict({}, o)],
  'torch.nn.Module#zeroGrad': ['Linear.zeroGrad', (o) => new nn.Linear(2, 2).zeroGrad(o)],
  'torch.nn.ReLU': ['ReLU', (o) => new nn.ReLU(o)],
  'torch.nn.LeakyReLU': ['LeakyReLU', (o) => new nn.LeakyReLU(0.1, o)],
  'torch.nn.GELU': ['GELU', (o) => new nn.GELU(o)],
  'torch.nn.SiLU': ['SiLU', (o) => new nn.SiLU(o)],
  'torch.nn.SELU': ['SELU', (o) => new nn.SELU(o)],
  'torch.nn.Mish': ['Mish', (o) => new nn.Mish(o)],
  'torch.nn.ReLU6': ['ReLU6', (o) => new nn.ReLU6(o)],
  'torch.nn.ELU': ['ELU', (o) => new nn.ELU(0.5, o)],
  'torch.nn.Softplus': ['Softplus', (o) => new nn.Softplus(o)],
  'torch.nn.Hardtanh': ['Hardtanh', (o) => new nn.Hardtanh(-2, o)],
  'torch.nn.GLU': ['GLU', (o) => new nn.GLU(o)],
  'torch.nn.PReLU': ['PReLU', (o) => new nn.PReLU(2, 0.1, o)],
  'torch.nn.Dropout': ['Dropout', (o) => new nn.Dropout(0.5, o)],
  'torch.nn.Linear': ['Linear', (o) => new nn.Linear(2, 3, o)],
  'torch.nn.DataParallel': ['DataParallel', (o) => new nn.DataParallel(new nn.Linear(2, 3), o)],
  'torch.nn.Conv1d': ['Conv1d', (o) => new nn.Conv1d(1, 1, 2, o)],
  'torch.nn.Conv2d': ['Conv2d', (o) => new nn.Conv2d(1, 1, 2, o)],
  'torch.nn.ConvTranspose1d': ['ConvTranspose1d', (o) => new nn.ConvTranspose1d(1, 1, 2, o)],
  'torch.nn.ConvTranspose2d': ['ConvTranspose2d', (o) => new nn.ConvTranspose2d(1, 1, 2, o)],
  'torch.nn.MaxPool1d': ['MaxPool1d', (o) => new nn.MaxPool1d(2, o)],
  'torch.nn.MaxPool2d': ['MaxPool2d', (o) => new nn.MaxPool2d(2, o)],
  'torch.nn.AvgPool1d': ['AvgPool1d', (o) => new nn.AvgPool1d(2, o)],
  'torch.nn.AvgPool2d': ['AvgPool2d', (o) => new nn.AvgPool2d(2, o)],
  'torch.nn.BatchNorm1d': ['BatchNorm1d', (o) => new nn.BatchNorm1d(3, o)],
  'torch.nn.BatchNorm2d': ['BatchNorm2d', (o) => new nn.BatchNorm2d(3, o)],
  'torch.nn.LayerNorm': ['LayerNorm', (o) => new nn.LayerNorm(3, o)],
  'torch.nn.Embedding': ['Embedding', (o) => new nn.Embedding(4, 2, o)],
  'torch.nn.Embedding.fromPretrained': ['Embedding.fromPretrained', (o) => nn.Embedding.fromPretrained(torch.ones(4, 2), o)],
  'torch.nn.RNN': ['RNN', (o) => new nn.RNN(2, 3, o)],
  'torch.nn.GRU': ['GRU', (o) => new nn.GRU(2, 3, o)],
  'torch.nn.LSTM': ['LSTM', (o) => new nn.LSTM(2, 3, o)],
  'torch.nn.RNNCell': ['RNNCell', (o) => new nn.RNNCell(2, 3, o)],
  'torch.nn.GRUCell': ['GRUCell', (o) => new nn.GRUCell(2, 3, o)],
  'torch.nn.LSTMCell': ['LSTMCell', (o) => new nn.LSTMCell(2, 3, o)],
  'torch.nn.MultiheadAttention': ['MultiheadAttention', (o) => new nn.MultiheadAttention(4, 2, o)],
  'torch.nn.MultiheadAttention#forward': [
    'MultiheadAttention.forward',
    (o) => new nn.MultiheadAttention(4, 2).forward(torch.ones(3, 1, 4), torch.ones(3, 1, 4), torch.ones(3, 1, 4), o),
  ],
  'torch.nn.TransformerEncoderLayer': ['TransformerEncoderLayer', (o) => new nn.TransformerEncoderLayer(4, 2, o)],
  'torch.nn.TransformerEncoderLayer#forward': [
    'TransformerEncoderLayer.forward',
    (o) => new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }).forward(torch.ones(3, 1, 4), o),
  ],
  'torch.nn.TransformerEncoder': [
    'TransformerEncoder',
    (o) => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }), 1, o),
  ],
  'torch.nn.TransformerEncoder#forward': [
    'TransformerEncoder.forward',
    (o) => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }), 1).forward(torch.ones(3, 1, 4), o),
  ],
  'torch.nn.TransformerDecoderLayer': ['TransformerDecoderLayer', (o) => new nn.TransformerDecoderLayer(4, 2, o)],
  'torch.nn.TransformerDecoderLayer#forward': [
    'TransformerDecoderLayer.forward',
    (o) => new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 8 }).forward(torch.ones(3, 1, 4), torch.ones(2, 1, 4), o),
  ],
  'torch.nn.TransformerDecoder': [
    'TransformerDecoder',
    (o) => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 8 }), 1, o),
  ],
  'torch.nn.TransformerDecoder#forward': [
    'TransformerDecoder.forward',
    (o) =>
      new nn.TransformerDecoder(new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 8 }), 1).forward(
        torch.ones(3, 1, 4),
        torch.ones(2, 1, 4),
        o,
      ),
  ],
  'torch.nn.Transformer': ['Transformer', (o) => new nn.Transformer(o)],
  'torch.nn.Transformer#forward': [
    'Transformer.forward',
    (o) =>
      new nn.Transformer({ dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8 }).forward(
        torch.ones(2, 1, 4),
        torch.ones(3, 1, 4),
        o,
      ),
  ],
  'torch.nn.Transformer.generateSquareSubsequentMask': [
    'Transformer.generateSquareSubsequentMask',
    (o) => nn.Transformer.generateSquareSubsequentMask(2, o),
  ],
  'torch.nn.CrossEntropyLoss': ['CrossEntropyLoss', (o) => new nn.CrossEntropyLoss(o)],
  'torch.nn.NLLLoss': ['NLLLoss', (o) => new nn.NLLLoss(o)],
  'torch.nn.MSELoss': ['MSELoss', (o) => new nn.MSELoss(o)],
  'torch.nn.L1Loss': ['L1Loss', (o) => new nn.L1Loss(o)],
  'torch.nn.BCELoss': ['BCELoss', (o) => new nn.BCELoss(o)],
  'torch.nn.BCEWithLogitsLoss': ['BCEWithLogitsLoss', (o) => new nn.BCEWithLogitsLoss(o)],
  'torch.nn.CosineSimilarity': ['CosineSimilarity', (o) => new nn.CosineSimilarity(o)],
  'torch.nn.PairwiseDistance': ['PairwiseDistance', (o) => new nn.PairwiseDistance(o)],
  'torch.nn.GroupNorm': ['GroupNorm', (o) => new nn.GroupNorm(1, 3, o)],
  'torch.nn.InstanceNorm1d': ['InstanceNorm1d', (o) => new nn.InstanceNorm1d(3, o)],
  'torch.nn.InstanceNorm2d': ['InstanceNorm2d', (o) => new nn.InstanceNorm2d(3, o)],
  'torch.nn.functional.groupNorm': ['groupNorm', (o) => F.groupNorm(x(), 1, o)],
  'torch.nn.functional.instanceNorm': ['instanceNorm', (o) => F.instanceNorm(torch.ones(1, 2, 3), o)],
  'torch.nn.SmoothL1Loss': ['SmoothL1Loss', (o) => new nn.SmoothL1Loss(o)],
  'torch.nn.HuberLoss': ['HuberLoss', (o) => new nn.HuberLoss(o)],
  'torch.nn.KLDivLoss': ['KLDivLoss', (o) => new nn.KLDivLoss(o)],
  'torch.nn.MarginRankingLoss': ['MarginRankingLoss', (o) => new nn.MarginRankingLoss(o)],
  'torch.nn.CosineEmbeddingLoss': ['CosineEmbeddingLoss', (o) => new nn.CosineEmbeddingLoss(o)],
  'torch.nn.TripletMarginLoss': ['TripletMarginLoss', (o) => new nn.TripletMarginLoss(o)],

  'torch.nn.CTCLoss': ['CTCLoss', (o) => new nn.CTCLoss(o)],
  'torch.nn.functional.ctcLoss': ['ctcLoss', (o) => F.ctcLoss(torch.zeros(3, 1, 2), torch.tensor([[1]], { dtype: 'int32' }), [3], [1], o)],

  'torch.nn.functional.conv1d': ['conv1d', (o) => F.conv1d(torch.ones(1, 1, 4), torch.ones(1, 1, 2), o)],
  'torch.nn.functional.conv2d': ['conv2d', (o) => F.conv2d(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 2, 2), o)],
  'torch.nn.functional.convTranspose1d': ['convTranspose1d', (o) => F.convTranspose1d(torch.ones(1, 1, 4), torch.ones(1, 1, 2), o)],
  'torch.nn.functional.convTranspose2d': ['convTranspose2d', (o) => F.convTranspose2d(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 2, 2), o)],
  'torch.nn.functional.maxPool1d': ['maxPool1d', (o) => F.maxPool1d(torch.ones(1, 4), 2, o)],
  'torch.nn.functional.maxPool2d': ['maxPool2d', (o) => F.maxPool2d(torch.ones(1, 4, 4), 2, o)],
  'torch.nn.functional.avgPool1d': ['avgPool1d', (o) => F.avgPool1d(torch.ones(1, 4), 2, o)],
  'torch.nn.functional.avgPool2d': ['avgPool2d', (o) => F.avgPool2d(torch.ones(1, 4, 4), 2, o)],
  'torch.nn.functional.batchNorm': ['batchNorm', (o) => F.batchNorm(torch.ones(2, 3), torch.zeros(3), torch.ones(3), o)],
  'torch.nn.functional.crossEntropy': ['crossEntropy', (o) => F.crossEntropy(x(), torch.tensor([0, 1], { dtype: 'int32' }), o)],
  'torch.nn.functional.nllLoss': ['nllLoss', (o) => F.nllLoss(x(), torch.tensor([0, 1], { dtype: 'int32' }), o)],
  'torch.nn.functional.mseLoss': ['mseLoss', (o) => F.mseLoss(x(), x(), o)],
  'torch.nn.functional.l1Loss': ['l1Loss', (o) => F.l1Loss(x(), x(), o)],
  'torch.nn.functional.binaryCrossEntropy': ['binaryCrossEntropy', (o) => F.binaryCrossEntropy(probabilities(), probabilities(), o)],
  'torch.nn.functional.binaryCrossEntropyWithLogits': ['binaryCrossEntropyWithLogits', (o) => F.binaryCrossEntropyWithLogits(x(), x(), o)],
  'torch.nn.functional.smoothL1Loss': ['smoothL1Loss', (o) => F.smoothL1Loss(x(), x(), o)],
  'torch.nn.functional.huberLoss': ['huberLoss', (o) => F.huberLoss(x(), x(), o)],
  'torch.nn.functional.klDiv': ['klDiv', (o) => F.klDiv(x(), probabilities(), o)],
  'torch.nn.functional.marginRankingLoss': ['marginRankingLoss', (o) => F.marginRankingLoss(x(), x(), x(), o)],
  'torch.nn.functional.cosineEmbeddingLoss': ['cosineEmbeddingLoss', (o) => F.cosineEmbeddingLoss(x(), x(), torch.ones(2), o)],
  'torch.nn.functional.tripletMarginLoss': ['tripletMarginLoss', (o) => F.tripletMarginLoss(x(), x(), x(), o)],
  'torch.nn.functional.embedding': ['embedding', (o) => F.embedding(torch.tensor([0], { dtype: 'int32' }), torch.ones(4, 2), o)],
  'torch.nn.functional.gelu': ['gelu', (o) => F.gelu(x(), o)],
  'torch.nn.functional.silu': ['silu', (o) => F.silu(x(), o)],
  'torch.nn.functional.elu': ['elu', (o) => F.elu(x(), 0.5, o)],
  'torch.nn.functional.selu': ['selu', (o) => F.selu(x(), o)],
  'torch.nn.functional.softplus': ['softplus', (o) => F.softplus(x(), o)],
  'torch.nn.functional.mish': ['mish', (o) => F.mish(x(), o)],
  'torch.nn.functional.hardtanh': ['hardtanh', (o) => F.hardtanh(x(), -2, 2, o)],
  'torch.nn.functional.relu6': ['relu6', (o) => F.relu6(x(), o)],
  'torch.nn.functional.normalize': ['normalize', (o) => F.normalize(x(), o)],
  'torch.nn.functional.cosineSimilarity': ['cosineSimilarity', (o) => F.cosineSimilarity(x(), x(), o)],
  'torch.nn.functional.pairwiseDistance': ['pairwiseDistance', (o) => F.pairwiseDistance(x(), x(), o)],
  'torch.nn.functional.interpolate': ['interpolate', (o) => F.interpolate(x().reshape(1, 2, 3), 4, o)],
  'torch.nn.functional.unfold': ['unfold', (o) => F.unfold(torch.ones(1, 1, 3, 3), 2, o)],
  'torch.nn.functional.fold': ['fold', (o) => F.fold(torch.ones(1, 4, 4), 3, 2, o)],
  'torch.norm': ['norm', (o) => torch.norm(x(), o)],
  'torch.Tensor#norm': ['norm', (o) => x().norm(o)],
  'torch.flip': ['flip', (o) => torch.flip(x(), [0], o)],
  'torch.Tensor#flip': ['flip', (o) => x().flip([0], o)],
  'torch.roll': ['roll', (o) => torch.roll(x(), 1, o)],
  'torch.Tensor#roll': ['roll', (o) => x().roll(1, o)],
  'torch.repeatInterleave': ['repeatInterleave', (o) => torch.repeatInterleave(x(), 2, o)],
  'torch.Tensor#repeatInterleave': ['repeatInterleave', (o) => x().repeatInterleave(2, o)],
  'torch.triu': ['triu', (o) => torch.triu(x(), o)],
  'torch.Tensor#triu': ['triu', (o) => x().triu(o)],
  'torch.tril': ['tril', (o) => torch.tril(x(), o)],
  'torch.Tensor#tril': ['tril', (o) => x().tril(o)],
  'torch.diag': ['diag', (o) => torch.diag(x(), o)],
  'torch.Tensor#diag': ['diag', (o) => x().diag(o)],
  'torch.isclose': ['isclose', (o) => torch.isclose(x(), x(), o)],
  'torch.Tensor#isclose': ['isclose', (o) => x().isclose(x(), o)],
  'torch.allclose': ['allclose', (o) => torch.allclose(x(), x(), o)],
  'torch.Tensor#allclose': ['allclose', (o) => x().allclose(x(), o)],
  'torch.allcloseSync': ['allcloseSync', (o) => torch.allcloseSync(x(), x(), o)],
  'torch.Tensor#allcloseSync': ['allcloseSync', (o) => x().allcloseSync(x(), o)],
  'torch.any': ['any', (o) => torch.any(x(), o)],
  'torch.Tensor#any': ['any', (o) => x().any(0, o)],
  'torch.all': ['all', (o) => torch.all(x(), o)],
  'torch.Tensor#all': ['all', (o) => x().all(o)],
  'torch.amax': ['amax', (o) => torch.amax(x(), 0, o)],
  'torch.Tensor#amax': ['amax', (o) => x().amax(o)],
  'torch.amin': ['amin', (o) => torch.amin(x(), 0, o)],
  'torch.Tensor#amin': ['amin', (o) => x().amin(o)],
  'torch.nonzero': ['nonzero', (o) => torch.nonzero(x(), o)],
  'torch.nonzeroAsync': ['nonzero', (o) => torch.nonzeroAsync(x(), o)],
  'torch.Tensor#nonzero': ['nonzero', (o) => x().nonzero(o)],
  'torch.Tensor#nonzeroAsync': ['nonzero', (o) => x().nonzeroAsync(o)],
  'torch.unique': ['unique', (o) => torch.unique(x(), o)],
  'torch.uniqueAsync': ['unique', (o) => torch.uniqueAsync(x(), o)],
  'torch.Tensor#unique': ['unique', (o) => x().unique(o)],
  'torch.Tensor#uniqueAsync': ['unique', (o) => x().uniqueAsync(o)],
  'torch.cumsum': ['cumsum', (o) => torch.cumsum(x(), 0, o)],
  'torch.Tensor#cumsum': ['cumsum', (o) => x().cumsum(o)],
  'torch.cumprod': ['cumprod', (o) => torch.cumprod(x(), 0, o)],
  'torch.Tensor#cumprod': ['cumprod', (o) => x().cumprod(0, o)],
  'torch.nn.Upsample': ['Upsample', (o) => new nn.Upsample(2, o)],
  'torch.nn.Unfold': ['Unfold', (o) => new nn.Unfold(2, o)],
  'torch.nn.Fold': ['Fold', (o) => new nn.Fold(3, 2, o)],
  'torch.nn.functional.glu': ['glu', (o) => F.glu(torch.ones(2, 4), o)],
  'torch.nn.functional.pad': ['pad', (o) => F.pad(x(), [1, 1], o)],
  'torch.nn.functional.scaledDotProductAttention': [
    'scaledDotProductAttention',
    (o) => F.scaledDotProductAttention(torch.ones(1, 3, 4), torch.ones(1, 3, 4), torch.ones(1, 3, 4), o),
  ],
  'torch.nn.functional.softmax': ['softmax', (o) => F.softmax(x(), 0, o)],
  'torch.nn.functional.logSoftmax': ['logSoftmax', (o) => F.logSoftmax(x(), 0, o)],
  'torch.nn.init.kaimingUniform_': ['kaimingUniform_', (o) => nn.init.kaimingUniform_(x(), o)],
  'torch.nn.init.kaimingNormal_': ['kaimingNormal_', (o) => nn.init.kaimingNormal_(x(), o)],
  'torch.nn.utils.clipGradNorm_': ['clipGradNorm_', (o) => nn.utils.clipGradNorm_([leaf()], 1, o)],
  'torch.nn.utils.rnn.packPaddedSequence': ['packPaddedSequence', (o) => nn.utils.rnn.packPaddedSequence(torch.ones(2, 1, 3), [2], o)],
  'torch.nn.utils.rnn.padPackedSequence': [
    'padPackedSequence',
    (o) => nn.utils.rnn.padPackedSequence(nn.utils.rnn.packSequence([torch.ones(2, 3)]), o),
  ],
  'torch.nn.utils.rnn.padSequence': ['padSequence', (o) => nn.utils.rnn.padSequence([torch.ones(2, 3)], o)],
  'torch.nn.utils.rnn.packSequence': ['packSequence', (o) => nn.utils.rnn.packSequence([torch.ones(2, 3)], o)],

  'torch.cat': ['cat', (o) => torch.cat([x(), x()], o)],
  'torch.stack': ['stack', (o) => torch.stack([x(), x()], o)],
  'torch.split': ['split', (o) => torch.split(x(), 1, o)],
  'torch.Tensor#split': ['split', (o) => x().split(1, o)],
  'torch.chunk': ['chunk', (o) => torch.chunk(x(), 2, o)],
  'torch.Tensor#chunk': ['chunk', (o) => x().chunk(2, o)],
  'torch.unbind': ['unbind', (o) => torch.unbind(x(), o)],
  'torch.Tensor#unbind': ['unbind', (o) => x().unbind(o)],
  'torch.squeeze': ['squeeze', (o) => torch.squeeze(x(), o)],
  'torch.Tensor#squeeze': ['squeeze', (o) => x().squeeze(o)],
  'torch.unsqueeze': ['unsqueeze', (o) => torch.unsqueeze(x(), o)],
  'torch.Tensor#unsqueeze': ['unsqueeze', (o) => x().unsqueeze(o)],
  'torch.flatten': ['flatten', (o) => torch.flatten(x(), o)],
  'torch.Tensor#flatten': ['flatten', (o) => x().flatten(0, o)],
  'torch.unflatten': ['unflatten', (o) => torch.unflatten(x(), 1, o)],
  'torch.Tensor#unflatten': ['unflatten', (o) => x().unflatten(1, o)],
  'torch.transpose': ['transpose', (o) => torch.transpose(x(), 0, o)],
  'torch.Tensor#transpose': ['transpose', (o) => x().transpose(0, o)],
  'torch.narrow': ['narrow', (o) => torch.narrow(x(), 1, 0, o)],
  'torch.Tensor#narrow': ['narrow', (o) => x().narrow(1, 0, o)],
  'torch.select': ['select', (o) => torch.select(x(), 1, o)],
  'torch.Tensor#select': ['select', (o) => x().select(1, o)],
  'torch.gather': ['gather', (o) => torch.gather(x(), 1, o)],
  'torch.Tensor#gather': ['gather', (o) => x().gather(1, o)],
  'torch.indexSelect': ['indexSelect', (o) => torch.indexSelect(x(), 0, o)],
  'torch.Tensor#indexSelect': ['indexSelect', (o) => x().indexSelect(0, o)],
  'torch.scatter': ['scatter', (o) => torch.scatter(x(), 1, columnIndex(), x(), o)],
  'torch.Tensor#scatter': ['scatter', (o) => x().scatter(1, columnIndex(), 0, o)],
  'torch.Tensor#scatter_': ['scatter_', (o) => x().scatter_(1, columnIndex(), o)],
  'torch.scatterAdd': ['scatterAdd', (o) => torch.scatterAdd(x(), 1, columnIndex(), o)],
  'torch.Tensor#scatterAdd': ['scatterAdd', (o) => x().scatterAdd(1, columnIndex(), o)],
  'torch.Tensor#scatterAdd_': ['scatterAdd_', (o) => x().scatterAdd_(1, columnIndex(), o)],
  'torch.nn.Flatten': ['Flatten', (o) => new nn.Flatten(o)],
  'torch.nn.Unflatten': ['Unflatten', (o) => new nn.Unflatten(1, o)],
  'torch.oneHot': ['oneHot', (o) => torch.oneHot(torch.zeros(2, { dtype: 'int32' }), o)],
  'torch.nn.functional.oneHot': ['oneHot', (o) => F.oneHot(torch.zeros(2, { dtype: 'int32' }), o)],
  'torch.nn.functional.dropout': ['dropout', (o) => F.dropout(x(), 0.5, o)],
  'torch.nn.functional.relu': ['relu', (o) => F.relu(x(), o)],
  'torch.nn.functional.leakyRelu': ['leakyRelu', (o) => F.leakyRelu(x(), 0.1, o)],
  'torch.nn.Softmax': ['Softmax', (o) => new nn.Softmax(o)],
  'torch.nn.LogSoftmax': ['LogSoftmax', (o) => new nn.LogSoftmax(o)],

  'torch.optim.SGD': ['SGD', (o) => new optim.SGD([leaf()], o)],
  'torch.optim.Adam': ['Adam', (o) => new optim.Adam([leaf()], o)],
  'torch.optim.AdamW': ['AdamW', (o) => new optim.AdamW([leaf()], o)],
  'torch.optim.Adagrad': ['Adagrad', (o) => new optim.Adagrad([leaf()], o)],
  'torch.optim.RMSprop': ['RMSprop', (o) => new optim.RMSprop([leaf()], o)],
  'torch.optim.NAdam': ['NAdam', (o) => new optim.NAdam([leaf()], o)],
  'torch.optim.RAdam': ['RAdam', (o) => new optim.RAdam([leaf()], o)],
  'torch.optim.Adamax': ['Adamax', (o) => new optim.Adamax([leaf()], o)],
  'torch.optim.Adadelta': ['Adadelta', (o) => new optim.Adadelta([leaf()], o)],
  'torch.optim.LBFGS': ['LBFGS', (o) => new optim.LBFGS([leaf()], o)],
  'torch.optim.Optimizer#zeroGrad': ['SGD.zeroGrad', (o) => sgd().zeroGrad(o)],
  'torch.optim.Optimizer#addParamGroup': ['SGD: parameter group', (o) => sgd().addParamGroup({ params: [leaf()], ...(o as object) })],
  'torch.optim.lrScheduler.StepLR': ['StepLR', (o) => new optim.lrScheduler.StepLR(sgd(), 2, o)],
  'torch.optim.lrScheduler.ExponentialLR': ['ExponentialLR', (o) => new optim.lrScheduler.ExponentialLR(sgd(), 0.9, o)],
  'torch.optim.lrScheduler.CosineAnnealingLR': ['CosineAnnealingLR', (o) => new optim.lrScheduler.CosineAnnealingLR(sgd(), 10, o)],
  'torch.optim.lrScheduler.ReduceLROnPlateau': ['ReduceLROnPlateau', (o) => new optim.lrScheduler.ReduceLROnPlateau(sgd(), o)],
  'torch.optim.lrScheduler.LambdaLR': ['LambdaLR', (o) => new optim.lrScheduler.LambdaLR(sgd(), () => 1, o)],
  'torch.optim.lrScheduler.MultiplicativeLR': ['MultiplicativeLR', (o) => new optim.lrScheduler.MultiplicativeLR(sgd(), () => 1, o)],
  'torch.optim.lrScheduler.MultiStepLR': ['MultiStepLR', (o) => new optim.lrScheduler.MultiStepLR(sgd(), [2], o)],
  'torch.optim.lrScheduler.ConstantLR': ['ConstantLR', (o) => new optim.lrScheduler.ConstantLR(sgd(), o)],
  'torch.optim.lrScheduler.LinearLR': ['LinearLR', (o) => new optim.lrScheduler.LinearLR(sgd(), o)],
  'torch.optim.lrScheduler.CosineAnnealingWarmRestarts': [
    'CosineAnnealingWarmRestarts',
    (o) => new optim.lrScheduler.CosineAnnealingWarmRestarts(sgd(), 5, o),
  ],
  'torch.optim.lrScheduler.CyclicLR': ['CyclicLR', (o) => new optim.lrScheduler.CyclicLR(sgd(), 0.01, 0.1, o)],
  'torch.optim.lrScheduler.OneCycleLR': ['OneCycleLR', (o) => new optim.lrScheduler.OneCycleLR(sgd(), 0.1, o)],
  'torch.optim.lrScheduler.SequentialLR': [
    'SequentialLR',
    (o) => {
      const opt = sgd();
      return new optim.lrScheduler.SequentialLR(opt, [new optim.lrScheduler.StepLR(opt, 2), new optim.lrScheduler.StepLR(opt, 3)], [4], o);
    },
  ],
};

/**
 * Names (of functions, classes and methods, wherever they are exported) that take no options
 * object. A name here whose parameter list mentions options fails the test below.
 */
const WITHOUT_OPTIONS = new Set([
  // torch.* and Tensor methods
  'abs',
  'getNumThreads',
  'parallelInfo',
  'setNumThreads',
  'adaptiveAvgPool1d',
  'adaptiveAvgPool2d',
  'bmm',
  'ceil',
  'clone',
  'cos',
  'detach',
  'einsum',
  'div',
  'enableGrad',
  'eq',
  'erf',
  'exp',
  'expand',
  'expm1',
  'floor',
  'floorDivide',
  'fmod',
  'ge',
  'gt',
  'indexAdd',
  'initialSeed',
  'isGradEnabled',
  'keep',
  'le',
  'leakyRelu',
  'log',
  'log1p',
  'log2',
  'logicalAnd',
  'logicalNot',
  'logicalOr',
  'lt',
  'manualSeed',
  'maskedFill',
  'matmul',
  'maximum',
  'memory',
  'minimum',
  'mm',
  'mul',
  'ne',
  'neg',
  'noGrad',
  'permute',
  'pow',
  'reciprocal',
  'relu',
  'remainder',
  'reshape',
  'round',
  'rsqrt',
  'scope',
  'seed',
  'setDefaultDevice',
  'setGradEnabled',
  'sigmoid',
  'sign',
  'sin',
  'sqrt',
  'square',
  't',
  'tanh',
  'trunc',
  'view',
  'where',
  'repeat',
  'tile',
  'isnan',
  'isinf',
  'isfinite',
  'equal',
  'equalSync',
  'dot',
  'outer',
  'log10',
  'frac',
  'atan2',
  'deviceCount',
  'isAvailable',
  'synchronize',
  'bindGroups',
  'empty',
  // Tensor's own methods
  'assertAlive',
  'assertReady',
  'bool',
  'contiguous',
  'copy_',
  'cpu',
  'data',
  'dataSync',
  'dim',
  'dispose',
  'div_',
  'exp_',
  'expandAs',
  'fill_',
  'float',
  'index',
  'indexAsync',
  'int',
  'isContiguous',
  'item',
  'itemSync',
  'long',
  'mul_',
  'neg_',
  'numel',
  'relu_',
  'requiresGrad_',
  'retainGrad',
  'setGradFn',
  'size',
  'tolist',
  'tolistSync',
  'toString',
  'zero_',
  'sigmoid_',
  'tanh_',
  'pow_',
  'maskedFill_',
  // nn
  'Module',
  'Parameter',
  'Identity',
  'Tanh',
  'Sigmoid',
  'LogSigmoid',
  'logsigmoid',
  'prelu',
  'Sequential',
  'ModuleList',
  'ParameterList',
  'ParameterDict',
  'ModuleDict',
  'AdaptiveAvgPool1d',
  'AdaptiveAvgPool2d',
  'PackedSequence',
  'linear',
  'layerNorm',
  'calculateGain',
  'calculateFanInAndFanOut',
  'constant_',
  'normal_',
  'ones_',
  'orthogonal_',
  'uniform_',
  'xavierNormal_',
  'xavierUniform_',
  'zeros_',
  'clipGradValue_',
  'copyValue',
  'copyFields',
  // optim, utils.data
  'Optimizer',
  'PerParameterOptimizer',
  'LRScheduler',
  'ChainedScheduler',
  'Dataset',
  'AsyncDataset',
  'Subset',
  'TensorDataset',
  'defaultCollate',
  // metrics, text
  'perplexity',
  'method0',
  'method1',
  'Vocab',
  'stoi',
  'itos',
  'lookupIndices',
  'lookupTokens',
  'getItos',
  'getStoi',
  'getDefaultIndex',
  'setDefaultIndex',
  // methods shared by many classes
  'forward',
  'extraRepr',
  'resetParameters',
  'step',
  'getLr',
  'getLastLr',
  'stateDict',
  'loadStateDict',
  'getState',
  'setState',
  'reserve',
  'getName',
  'parameters',
  'namedParameters',
  'buffers',
  'namedBuffers',
  'children',
  'namedChildren',
  'modules',
  'namedModules',
  'train',
  'eval',
  'to',
  'apply',
  'registerBuffer',
  'registerParameter',
  'registerModule',
  'addModule',
  'keys',
  'values',
  'items',
  'get',
  'has',
  'update',
  'pop',
  'clear',
  'getItem',
  'initialState',
  'currentLrs',
  'initialStep',
  'Tensor',
  'toStringAsync',
  'deepCopy',
  'replicateForDataParallel',
  'set',
  'delete',
  'batchSizeList',
  'sortedOrder',
  'withData',
  'addParamGroup',
  'at',
  'append',
  'extend',
]);

/** Methods that are private or protected in TypeScript, so not API, though JavaScript lists them. */
const NOT_API_METHODS = new Set([
  'checkOptions',
  'checkSingleElement',
  'batchIndices',
  'fetch',
  'fetchAsync',
  'isAsync',
  'register',
  'occupied',
  'namedMembers',
  'stateEntries',
  'along',
  'layoutOf',
  'checkMasks',
  'project',
  'mergedMask',
  'checkInputDim',
  'convolve',
  'convolveTransposed',
  'outputPaddingFor',
  'transposeOptions',
  'disposeState',
  'initIsBetter',
  'isBetter',
  'reduceLr',
  'compute',
  'stateShape',
  'gatherFlatGrad',
  'addGrad',
  'evaluate',
  'direction',
  'directionalEvaluate',
  'strongWolfe',
  'closedFormLr',
  'setLrs',
  'scale',
  'anneal',
  'absoluteIndex',
  'replica',
  'warnScalars',
  'typeName',
  'collate',
  'permutation',
]);

interface Entry {
  path: string;
  name: string;
  fn: AnyFunction;
}

function isClass(fn: AnyFunction): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/** Every function, class, static and prototype method reachable from the torch namespace. */
function publicEntries(): Entry[] {
  const entries: Entry[] = [];
  const seen = new Set<unknown>();
  const walk = (prefix: string, namespace: object): void => {
    for (const [key, value] of Object.entries(namespace)) {
      const path = `${prefix}.${key}`;
      if (typeof value === 'function') {
        entries.push({ path, name: key, fn: value });
        if (!isClass(value) || seen.has(value)) continue;
        seen.add(value);
        for (const [owner, separator] of [
          [value, '.'],
          [value.prototype, '#'],
        ] as const) {
          for (const name of Object.getOwnPropertyNames(owner)) {
            const descriptor = Object.getOwnPropertyDescriptor(owner, name)!;
            if (name !== 'constructor' && typeof descriptor.value === 'function' && !NOT_API_METHODS.has(name))
              entries.push({ path: `${path}${separator}${name}`, name, fn: descriptor.value });
          }
        }
      } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === null) {
        walk(path, value);
      }
    }
  };
  walk('torch', torch);
  return entries;
}

/** The parameter list a function or class declares (a class's constructor, or the nearest inherited one). */
function parameterList(fn: AnyFunction): string {
  for (let current: AnyFunction | null = fn; current && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    const source = Function.prototype.toString.call(current);
    if (!isClass(current)) return source.match(/^[^(]*\(([^)]*)\)/)?.[1] ?? '';
    const declared = source.match(/\bconstructor\s*\(([^)]*)\)/);
    if (declared) return declared[1];
  }
  return '';
}

async function errorOf(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return null;
}

describe('every public entry point that takes options checks them', () => {
  const entries = publicEntries();

  it('the walk finds the API', () => {
    expect(entries.length).toBeGreaterThan(300);
    expect(entries.map((e) => e.path)).toContain('torch.nn.GRU');
    expect(entries.map((e) => e.path)).toContain('torch.Tensor#sum');
  });

  it('each entry point is listed, with options or among those without', () => {
    const unlisted = entries
      .filter((e) => !(e.path in WITH_OPTIONS) && !WITHOUT_OPTIONS.has(e.name))
      .map((e) => `${e.path}(${parameterList(e.fn)})`);
    expect(unlisted).toEqual([]);
  });

  it('nothing listed without options declares an options parameter', () => {
    const misfiled = entries
      .filter((e) => !(e.path in WITH_OPTIONS) && /options/i.test(parameterList(e.fn)))
      .map((e) => `${e.path}(${parameterList(e.fn)})`);
    expect(misfiled).toEqual([]);
  });

  it('every listed path and name is a real entry point', () => {
    const paths = new Set(entries.map((e) => e.path));
    const names = new Set(entries.map((e) => e.name));
    expect(Object.keys(WITH_OPTIONS).filter((path) => !paths.has(path))).toEqual([]);
    expect([...WITHOUT_OPTIONS].filter((name) => !names.has(name))).toEqual([]);
  });

  for (const [path, [name, call]] of Object.entries(WITH_OPTIONS)) {
    it(`${path} refuses an unknown key`, async () => {
      const error = await errorOf(() => call(bad));
      expect(error, `${path} accepted { ${BAD_KEY} }`).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain(`${name}: unknown option '${BAD_KEY}'`);
      expect((error as Error).message).toContain('(accepted: ');
    });
  }
});

describe('the reproductions from the issue', () => {
  const message = (fn: () => unknown): string => {
    try {
      fn();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected an error');
  };

  it('snake_case keys suggest the camelCase name', () => {
    expect(message(() => new nn.GRU(2, 3, { batch_first: true } as never))).toMatch(
      /^GRU: unknown option 'batch_first'; did you mean 'batchFirst'\? \(accepted: .*batchFirst/,
    );
    expect(message(() => new torch.utils.data.DataLoader([1, 2, 3], { batch_size: 2 } as never))).toContain(
      "DataLoader: unknown option 'batch_size'; did you mean 'batchSize'?",
    );
    expect(message(() => new nn.CrossEntropyLoss({ ignore_index: 0 } as never))).toContain(
      "CrossEntropyLoss: unknown option 'ignore_index'; did you mean 'ignoreIndex'?",
    );
    expect(message(() => torch.ones(2).sum(0, { keepDim: true } as never))).toContain(
      "sum: unknown option 'keepDim'; did you mean 'keepdim'?",
    );
    expect(
      message(() =>
        torch
          .ones(1, { requiresGrad: true })
          .sum()
          .backward(undefined, { retain_graph: true } as never),
      ),
    ).toContain("backward: unknown option 'retain_graph'; did you mean 'retainGraph'?");
  });

  it('typos suggest the nearest key', () => {
    expect(message(() => new nn.GRU(2, 3, { bacthFirst: true } as never))).toContain("did you mean 'batchFirst'?");
    expect(message(() => torch.zeros(2, { dtpye: 'int32' } as never))).toContain("zeros: unknown option 'dtpye'; did you mean 'dtype'?");
    expect(message(() => new optim.SGD([torch.ones(1, { requiresGrad: true })], { lr: 0.1, momentun: 0.9 } as never))).toContain(
      "SGD: unknown option 'momentun'; did you mean 'momentum'?",
    );
  });

  it('a key unlike any accepted one lists the accepted keys without a guess', () => {
    const text = message(() => new optim.Adam([torch.ones(1, { requiresGrad: true })], { learning_rate: 0.1 } as never));
    expect(text).toBe("Adam: unknown option 'learning_rate' (accepted: lr, betas, eps, weightDecay, amsgrad, maximize)");
  });

  it('parameter groups are checked like the defaults', () => {
    const groups = [{ params: [torch.ones(1, { requiresGrad: true })], momentun: 0.9 }];
    expect(message(() => new optim.SGD(groups as never, { lr: 0.1 }))).toContain(
      "SGD: parameter group: unknown option 'momentun'; did you mean 'momentum'?",
    );
  });

  it('nearestKey: camelCase first, then case, then edit distance when close', () => {
    expect(nearestKey('batch_first', ['batchFirst', 'bias'])).toBe('batchFirst');
    expect(nearestKey('keepDim', ['keepdim'])).toBe('keepdim');
    expect(nearestKey('bacthFirst', ['numLayers', 'batchFirst'])).toBe('batchFirst');
    expect(nearestKey('momentun', ['lr', 'momentum', 'dampening'])).toBe('momentum');
    expect(nearestKey('foo', ['lr', 'eps'])).toBeNull();
    expect(nearestKey('lr', ['eps'])).toBeNull();
  });

  it('options must be an object', () => {
    expect(message(() => new nn.GELU(true as never))).toBe(
      'GELU: options must be an object such as { approximate: ... }, got boolean true',
    );
    expect(message(() => torch.ones(2).add(1, null as never))).toContain('add: options must be an object');
  });
});

describe('positional arguments beyond the signature', () => {
  /** Every exported Module: a layer and its forward's valid arguments (null: it has no forward of its own). */
  const FORWARDS: Record<string, [() => torch.nn.Module, () => unknown[]] | null> = {
    Module: null,
    ModuleList: null,
    ModuleDict: null,
    ParameterList: null,
    ParameterDict: null,
    // Its forward passes every argument on to the wrapped module's, which checks them.
    DataParallel: null,
    CosineSimilarity: [() => new nn.CosineSimilarity(), () => [torch.ones(2, 3), torch.ones(2, 3)]],
    PairwiseDistance: [() => new nn.PairwiseDistance(), () => [torch.ones(2, 3), torch.ones(2, 3)]],
    Identity: [() => new nn.Identity(), () => [torch.ones(2)]],
    Linear: [() => new nn.Linear(3, 2), () => [torch.ones(2, 3)]],
    Sequential: [() => new nn.Sequential(new nn.Linear(3, 2)), () => [torch.ones(2, 3)]],
    ReLU: [() => new nn.ReLU(), () => [torch.ones(2)]],
    LeakyReLU: [() => new nn.LeakyReLU(), () => [torch.ones(2)]],
    GELU: [() => new nn.GELU(), () => [torch.ones(2)]],
    SiLU: [() => new nn.SiLU(), () => [torch.ones(2)]],
    SELU: [() => new nn.SELU(), () => [torch.ones(2)]],
    Mish: [() => new nn.Mish(), () => [torch.ones(2)]],
    ReLU6: [() => new nn.ReLU6(), () => [torch.ones(2)]],
    ELU: [() => new nn.ELU(), () => [torch.ones(2)]],
    Softplus: [() => new nn.Softplus(), () => [torch.ones(2)]],
    Hardtanh: [() => new nn.Hardtanh(), () => [torch.ones(2)]],
    LogSigmoid: [() => new nn.LogSigmoid(), () => [torch.ones(2)]],
    GLU: [() => new nn.GLU(), () => [torch.ones(2)]],
    Upsample: [() => new nn.Upsample({ scaleFactor: 2 }), () => [torch.ones(1, 1, 2)]],
    Unfold: [() => new nn.Unfold(2), () => [torch.ones(1, 1, 3, 3)]],
    Fold: [() => new nn.Fold(3, 2), () => [torch.ones(1, 4, 4)]],
    PReLU: [() => new nn.PReLU(), () => [torch.ones(2)]],
    Tanh: [() => new nn.Tanh(), () => [torch.ones(2)]],
    Sigmoid: [() => new nn.Sigmoid(), () => [torch.ones(2)]],
    Softmax: [() => new nn.Softmax(0), () => [torch.ones(2)]],
    LogSoftmax: [() => new nn.LogSoftmax(0), () => [torch.ones(2)]],
    Dropout: [() => new nn.Dropout(), () => [torch.ones(2)]],
    Flatten: [() => new nn.Flatten(), () => [torch.ones(2, 3, 4)]],
    Unflatten: [() => new nn.Unflatten(1, [2, 2]), () => [torch.ones(2, 4)]],
    Embedding: [() => new nn.Embedding(4, 2), () => [torch.tensor([0, 1], { dtype: 'int32' })]],
    LayerNorm: [() => new nn.LayerNorm(3), () => [torch.ones(2, 3)]],
    BatchNorm1d: [() => new nn.BatchNorm1d(3), () => [torch.ones(2, 3)]],
    BatchNorm2d: [() => new nn.BatchNorm2d(3), () => [torch.ones(2, 3, 2, 2)]],
    Conv1d: [() => new nn.Conv1d(1, 1, 2), () => [torch.ones(1, 1, 4)]],
    Conv2d: [() => new nn.Conv2d(1, 1, 2), () => [torch.ones(1, 1, 4, 4)]],
    ConvTranspose1d: [() => new nn.ConvTranspose1d(1, 1, 2, { stride: 2 }), () => [torch.ones(1, 1, 4), [1, 1, 9]]],
    ConvTranspose2d: [() => new nn.ConvTranspose2d(1, 1, 2, { stride: 2 }), () => [torch.ones(1, 1, 4, 4), [9, 9]]],
    MaxPool1d: [() => new nn.MaxPool1d(2), () => [torch.ones(1, 4)]],
    MaxPool2d: [() => new nn.MaxPool2d(2), () => [torch.ones(1, 4, 4)]],
    AvgPool1d: [() => new nn.AvgPool1d(2), () => [torch.ones(1, 4)]],
    AvgPool2d: [() => new nn.AvgPool2d(2), () => [torch.ones(1, 4, 4)]],
    AdaptiveAvgPool1d: [() => new nn.AdaptiveAvgPool1d(2), () => [torch.ones(1, 4)]],
    AdaptiveAvgPool2d: [() => new nn.AdaptiveAvgPool2d(2), () => [torch.ones(1, 4, 4)]],
    RNN: [() => new nn.RNN(2, 3), () => [torch.ones(4, 1, 2), torch.zeros(1, 1, 3)]],
    GRU: [() => new nn.GRU(2, 3), () => [torch.ones(4, 1, 2), torch.zeros(1, 1, 3)]],
    LSTM: [() => new nn.LSTM(2, 3), () => [torch.ones(4, 1, 2), [torch.zeros(1, 1, 3), torch.zeros(1, 1, 3)]]],
    RNNCell: [() => new nn.RNNCell(2, 3), () => [torch.ones(1, 2), torch.zeros(1, 3)]],
    GRUCell: [() => new nn.GRUCell(2, 3), () => [torch.ones(1, 2), torch.zeros(1, 3)]],
    LSTMCell: [() => new nn.LSTMCell(2, 3), () => [torch.ones(1, 2), [torch.zeros(1, 3), torch.zeros(1, 3)]]],
    MultiheadAttention: [() => new nn.MultiheadAttention(4, 2), () => [torch.ones(3, 1, 4), torch.ones(3, 1, 4), torch.ones(3, 1, 4), {}]],
    TransformerEncoderLayer: [() => new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }), () => [torch.ones(3, 1, 4), {}]],
    TransformerEncoder: [
      () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }), 1),
      () => [torch.ones(3, 1, 4), {}],
    ],
    TransformerDecoderLayer: [
      () => new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 8 }),
      () => [torch.ones(3, 1, 4), torch.ones(2, 1, 4), {}],
    ],
    TransformerDecoder: [
      () => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 8 }), 1),
      () => [torch.ones(3, 1, 4), torch.ones(2, 1, 4), {}],
    ],
    Transformer: [
      () => new nn.Transformer({ dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8 }),
      () => [torch.ones(2, 1, 4), torch.ones(3, 1, 4), {}],
    ],
    CrossEntropyLoss: [() => new nn.CrossEntropyLoss(), () => [torch.ones(2, 3), torch.tensor([0, 1], { dtype: 'int32' })]],
    NLLLoss: [() => new nn.NLLLoss(), () => [torch.ones(2, 3), torch.tensor([0, 1], { dtype: 'int32' })]],
    MSELoss: [() => new nn.MSELoss(), () => [torch.ones(2), torch.ones(2)]],
    L1Loss: [() => new nn.L1Loss(), () => [torch.ones(2), torch.ones(2)]],
    BCELoss: [() => new nn.BCELoss(), () => [torch.full([2], 0.5), torch.ones(2)]],
    BCEWithLogitsLoss: [() => new nn.BCEWithLogitsLoss(), () => [torch.ones(2), torch.ones(2)]],
    GroupNorm: [() => new nn.GroupNorm(1, 3), () => [torch.ones(2, 3)]],
    InstanceNorm1d: [() => new nn.InstanceNorm1d(2), () => [torch.ones(1, 2, 3)]],
    InstanceNorm2d: [() => new nn.InstanceNorm2d(2), () => [torch.ones(1, 2, 3, 3)]],
    SmoothL1Loss: [() => new nn.SmoothL1Loss(), () => [torch.ones(2), torch.ones(2)]],
    HuberLoss: [() => new nn.HuberLoss(), () => [torch.ones(2), torch.ones(2)]],
    KLDivLoss: [() => new nn.KLDivLoss({ reduction: 'sum' }), () => [torch.ones(2), torch.ones(2)]],
    MarginRankingLoss: [() => new nn.MarginRankingLoss(), () => [torch.ones(2), torch.ones(2), torch.ones(2)]],
    CosineEmbeddingLoss: [() => new nn.CosineEmbeddingLoss(), () => [torch.ones(2, 3), torch.ones(2, 3), torch.ones(2)]],
    TripletMarginLoss: [() => new nn.TripletMarginLoss(), () => [torch.ones(2, 3), torch.ones(2, 3), torch.ones(2, 3)]],
    CTCLoss: [() => new nn.CTCLoss(), () => [torch.zeros(3, 1, 2), torch.tensor([[1]], { dtype: 'int32' }), [3], [1]]],
  };

  it('every exported Module is listed', () => {
    const modules = Object.entries(nn)
      .filter(([, value]) => typeof value === 'function' && (value === nn.Module || value.prototype instanceof nn.Module))
      .map(([name]) => name);
    expect(modules.filter((name) => !(name in FORWARDS))).toEqual([]);
  });

  for (const [name, layer] of Object.entries(FORWARDS)) {
    if (layer === null) continue;
    const [build, inputs] = layer;
    it(`${name}.forward accepts its arguments and refuses one more`, () => {
      torch.scope(() => {
        const module = build();
        const args = inputs();
        expect(() => module.forward(...args)).not.toThrow();
        expect(() => module.forward(...args, 7)).toThrow(
          new RegExp(`^${name}\\.forward: takes ${args.length === 1 ? '1 argument' : `${args.length} arguments`} \\(`),
        );
      });
    });
  }

  it('names the arguments it takes', () => {
    const linear = new nn.Linear(3, 2) as unknown as { forward(...args: unknown[]): unknown };
    const sequential = new nn.Sequential(new nn.Linear(3, 2)) as unknown as { forward(...args: unknown[]): unknown };
    expect(() => linear.forward(torch.ones(2, 3), torch.ones(2, 3))).toThrow('Linear.forward: takes 1 argument (input), got 2');
    expect(() => sequential.forward(torch.ones(2, 3), 7)).toThrow('Sequential.forward: takes 1 argument (input), got 2');
  });
});

describe('dtypes', () => {
  it('unknown dtypes are refused with the supported list', () => {
    for (const dtype of ['float64', 'float16', 'floot32']) {
      expect(() => torch.zeros(2, { dtype } as never)).toThrow(`zeros: unsupported dtype '${dtype}'`);
      expect(() => torch.tensor([1], { dtype } as never)).toThrow('(supported: float32, int32, bool');
      expect(() => torch.ones(2).to(dtype)).toThrow(`to: unsupported dtype '${dtype}'`);
    }
    expect(() => torch.zeros(2, { dtype: 'floot32' } as never)).toThrow("did you mean 'float32'?");
    expect(() => torch.zeros(2, { dtype: 'float64' } as never)).not.toThrow(/did you mean/);
    expect(() => torch.softmax(torch.ones(2), 0, { dtype: 'float64' } as never)).toThrow("softmax: unsupported dtype 'float64'");
  });

  it("PyTorch's dtype constants webtorch lacks are refused when used, not read as the default", () => {
    for (const dtype of [torch.float64, torch.double, torch.float16, torch.half]) {
      expect(() => torch.zeros(2, { dtype } as never)).toThrow(`zeros: unsupported dtype '${dtype}'`);
    }
    expect([torch.float, torch.int]).toEqual(['float32', 'int32']);
  });

  it("'int64', torch.int64 and torch.long mean int32", () => {
    expect(torch.int64).toBe('int32');
    expect(torch.long).toBe('int32');
    expect(torch.tensor([1, 2], { dtype: 'int64' } as never).dtype).toBe('int32');
    expect(torch.zeros(2, { dtype: torch.long }).dtype).toBe('int32');
    expect(torch.ones(2).to('int64').dtype).toBe('int32');
    expect(torch.ones(2).to({ dtype: 'int64' } as never).dtype).toBe('int32');
  });

  it('integers outside int32 are refused, not wrapped', () => {
    expect(() => torch.tensor([2 ** 40], { dtype: 'int64' } as never)).toThrow(
      'tensor: value 1099511627776 (element 0 of the flattened data) cannot be converted to int32 without overflow',
    );
    expect(() => torch.tensor([-(2 ** 31) - 1], { dtype: 'int32' })).toThrow(RangeError);
    expect(() => torch.full([2], 2 ** 31, { dtype: 'int32' })).toThrow(
      'full: value 2147483648 (the fill value) cannot be converted to int32',
    );
    expect(() => torch.arange(0, 2 ** 40, 2 ** 38, { dtype: 'int64' } as never)).toThrow(
      'arange: value 824633720832 cannot be converted to int32',
    );
    expect(() => torch.linspace(0, 2 ** 40, 3, { dtype: 'int64' } as never)).toThrow(
      'linspace: value 549755813888 cannot be converted to int32',
    );
    expect(torch.arange(2 ** 31 - 3, 2 ** 31, { dtype: 'int32' }).tolistSync()).toEqual([2 ** 31 - 3, 2 ** 31 - 2, 2 ** 31 - 1]);
    expect(torch.tensor([2 ** 31 - 1, -(2 ** 31), 2.7], { dtype: 'int32' }).tolistSync()).toEqual([2 ** 31 - 1, -(2 ** 31), 2]);
  });

  it('a device name still moves the tensor', () => {
    expect(torch.ones(2).to('cpu').device).toBe('cpu');
    expect(() => torch.ones(2).to('cuda')).toThrow("device 'cuda' is not available");
    expect(() => torch.ones(2).to(undefined as never)).toThrow('to: expected a device name, a dtype or { device, dtype }, got undefined');
  });
});

describe('non-number scalars are TypeErrors, not NaN', () => {
  const t = () => torch.ones(2);
  it.each([
    ['add', () => t().add('a' as never), "add: other must be a Tensor, a number or a boolean, got string 'a'"],
    ['mul', () => t().mul(undefined as never), 'mul: other must be a Tensor, a number or a boolean, got undefined'],
    ['add null', () => t().add(null as never), 'add: other must be a Tensor, a number or a boolean, got null'],
    ['add array', () => t().add([1, 2] as never), 'add: other must be a Tensor, a number or a boolean, got an array [1, 2]'],
    ['add with alpha', () => t().add('a' as never, { alpha: 2 }), "add: other must be a Tensor, a number or a boolean, got string 'a'"],
    ['reversed', () => torch.sub('1' as never, t()), "sub: input must be a Tensor, a number or a boolean, got string '1'"],
    ['pow', () => t().pow('2' as never), "pow: exponent must be a Tensor, a number or a boolean, got string '2'"],
    ['comparison', () => t().gt({} as never), 'gt: other must be a Tensor, a number or a boolean, got an object of class Object'],
    [
      'where',
      () => torch.where(torch.tensor([true, false]), t(), 'a' as never),
      "where: other must be a Tensor, a number or a boolean, got string 'a'",
    ],
    ['clamp', () => t().clamp('0' as never, 1), "clamp: min must be a number or null, got string '0'"],
    ['full', () => torch.full([2], 'a' as never), "full: fillValue must be a number or a boolean, got string 'a'"],
    ['fill_', () => t().fill_('a' as never), "fill_: value must be a number or a boolean, got string 'a'"],
    [
      'maskedFill',
      () => t().maskedFill(torch.tensor([true, false]), undefined as never),
      'maskedFill: value must be a number, boolean or 0-d tensor, got undefined',
    ],
  ])('%s', (_, fn, text) => {
    expect(fn).toThrow(TypeError);
    expect(fn).toThrow(text);
  });
});
