// An op's output must not be kept alive by its own graph node: a result dropped without backward
// is collected and its storage freed. The garbage collector is exposed at run time (the same as
// node --expose-gc) so each case can collect and then wait for the finalizers' turn.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects garbage and gives the registry's cleanup tasks their turns. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

interface Inputs {
  /** [3, 4], requires grad. */ x: torch.Tensor;
  /** [3, 4], requires grad. */ y: torch.Tensor;
  /** [3, 4] in [0.5, 1.5), requires grad: for log, sqrt, pow with a tensor exponent. */ positive: torch.Tensor;
  /** [4, 5], requires grad. */ w: torch.Tensor;
  /** [3, 4] probabilities in (0, 1), requires grad. */ probabilities: torch.Tensor;
  /** [2, 3, 6]: (N, C, L) for 1-d convolution and pooling, requires grad. */ sequence: torch.Tensor;
  /** [1, 2, 6, 6]: (N, C, H, W), requires grad. */ image: torch.Tensor;
  /** [3] class indices for [3, 4] logits. */ target: torch.Tensor;
  /** [3] row indices into x. */ rows: torch.Tensor;
  /** [3, 4] int32 indices into dim 1 of x. */ indices: torch.Tensor;
  /** [3, 4] bool. */ mask: torch.Tensor;
}

function inputsOn(device: string): Inputs {
  torch.manualSeed(0);
  const leaf = (t: torch.Tensor) => t.to(device).requiresGrad_();
  return {
    x: leaf(torch.randn(3, 4)),
    y: leaf(torch.randn(3, 4)),
    positive: leaf(torch.rand(3, 4).add(0.5)),
    w: leaf(torch.randn(4, 5)),
    probabilities: leaf(torch.rand(3, 4).mul(0.8).add(0.1)),
    sequence: leaf(torch.randn(2, 3, 6)),
    image: leaf(torch.randn(1, 2, 6, 6)),
    target: torch.tensor([0, 3, 1], { dtype: 'int32' }).to(device),
    rows: torch.tensor([2, 0, 1], { dtype: 'int32' }).to(device),
    indices: torch
      .tensor(
        [
          [0, 1, 2, 3],
          [3, 2, 1, 0],
          [1, 1, 2, 2],
        ],
        { dtype: 'int32' },
      )
      .to(device),
    mask: torch
      .tensor([
        [true, false, true, false],
        [false, false, true, true],
        [true, true, true, false],
      ])
      .to(device),
  };
}

const { nn } = torch;
const F = nn.functional;

/** Every differentiable op, called on inputs that require grad; what it returns is dropped. */
const ops: Record<string, (t: Inputs) => unknown> = {
  // unary
  abs: ({ x }) => x.abs(),
  neg: ({ x }) => x.neg(),
  exp: ({ x }) => x.exp(),
  expm1: ({ x }) => x.expm1(),
  log: ({ positive }) => positive.log(),
  log2: ({ positive }) => positive.log2(),
  log1p: ({ positive }) => positive.log1p(),
  sqrt: ({ positive }) => positive.sqrt(),
  rsqrt: ({ positive }) => positive.rsqrt(),
  reciprocal: ({ positive }) => positive.reciprocal(),
  square: ({ x }) => x.square(),
  sin: ({ x }) => x.sin(),
  cos: ({ x }) => x.cos(),
  tanh: ({ x }) => x.tanh(),
  sigmoid: ({ x }) => x.sigmoid(),
  relu: ({ x }) => x.relu(),
  erf: ({ x }) => x.erf(),
  sign: ({ x }) => x.sign(),
  round: ({ x }) => x.round(),
  floor: ({ x }) => x.floor(),
  ceil: ({ x }) => x.ceil(),
  trunc: ({ x }) => x.trunc(),
  gelu: ({ x }) => F.gelu(x),
  leakyRelu: ({ x }) => F.leakyRelu(x),
  clamp: ({ x }) => x.clamp(-0.5, 0.5),
  silu: ({ x }) => F.silu(x),
  elu: ({ x }) => F.elu(x),
  selu: ({ x }) => F.selu(x),
  softplus: ({ x }) => F.softplus(x),
  mish: ({ x }) => F.mish(x),
  logsigmoid: ({ x }) => F.logsigmoid(x),
  hardtanh: ({ x }) => F.hardtanh(x),
  relu6: ({ x }) => F.relu6(x),
  glu: ({ x }) => F.glu(x),
  normalize: ({ x }) => F.normalize(x),
  cosineSimilarity: ({ x, y }) => F.cosineSimilarity(x, y),
  pairwiseDistance: ({ x, y }) => F.pairwiseDistance(x, y),
  interpolate: ({ sequence }) => F.interpolate(sequence, { scaleFactor: 2, mode: 'linear' }),
  upsampleNearest: ({ image }) => F.interpolate(image, { size: [5, 5] }),
  unfold: ({ image }) => F.unfold(image, 2),
  fold: ({ image }) => F.fold(F.unfold(image, 2), [image.shape[2], image.shape[3]], 2),
  prelu: ({ x, w }) => F.prelu(x, w.narrow(0, 0, 1).narrow(1, 0, 1).reshape(1)),
  // binary
  add: ({ x, y }) => x.add(y),
  sub: ({ x, y }) => x.sub(y),
  mul: ({ x, y }) => x.mul(y),
  div: ({ x, positive }) => x.div(positive),
  powScalar: ({ x }) => x.pow(3),
  powTensor: ({ positive, y }) => positive.pow(y),
  rpow: ({ x }) => torch.pow(2, x),
  maximum: ({ x, y }) => x.maximum(y),
  minimum: ({ x, y }) => x.minimum(y),
  remainder: ({ x }) => x.remainder(0.7),
  fmod: ({ x, positive }) => x.fmod(positive),
  where: ({ x, y, mask }) => torch.where(mask, x, y),
  maskedFill: ({ x, mask }) => x.maskedFill(mask, 0),
  comparisons: ({ x, y }) => [x.lt(y), x.le(y), x.gt(y), x.ge(y), x.eq(y), x.ne(y)],
  // reductions
  norm: ({ x }) => x.norm(),
  normDim: ({ x }) => x.norm(1, 1, true),
  normInf: ({ x }) => torch.norm(x, Infinity, [0, 1]),
  sum: ({ x }) => x.sum(),
  sumDim: ({ x }) => x.sum(1),
  prod: ({ x }) => x.prod(),
  prodDim: ({ x }) => x.prod(1, true),
  mean: ({ x }) => x.mean(0),
  var: ({ x }) => x.var(1),
  std: ({ x }) => x.std(),
  max: ({ x }) => x.max(),
  maxDim: ({ x }) => x.max(1),
  min: ({ x }) => x.min(),
  minDim: ({ x }) => x.min(0),
  logsumexp: ({ x }) => x.logsumexp(1),
  argmax: ({ x }) => x.argmax(1),
  softmax: ({ x }) => x.softmax(1),
  logSoftmax: ({ x }) => x.logSoftmax(1),
  sort: ({ x }) => x.sort(1),
  topk: ({ x }) => x.topk(2, 1),
  argsort: ({ x }) => x.argsort(1),
  // views and copies
  view: ({ x }) => x.view(12),
  reshape: ({ x }) => x.reshape(4, 3),
  permute: ({ x }) => x.permute(1, 0),
  t: ({ x }) => x.t(),
  transpose: ({ x }) => x.transpose(0, 1),
  squeeze: ({ x }) => x.unsqueeze(0).squeeze(0),
  unsqueeze: ({ x }) => x.unsqueeze(1),
  expand: ({ x }) => x.unsqueeze(0).expand(2, 3, 4),
  flatten: ({ x }) => x.flatten(),
  unflatten: ({ x }) => x.unflatten(1, [2, 2]),
  narrow: ({ x }) => x.narrow(1, 1, 2),
  select: ({ x }) => x.select(0, 1),
  split: ({ x }) => x.split(2, 1),
  chunk: ({ x }) => x.chunk(2, 0),
  unbind: ({ x }) => x.unbind(0),
  index: ({ x }) => x.index(':', -1),
  indexTensor: ({ x, rows }) => x.index(rows),
  clone: ({ x }) => x.clone(),
  flip: ({ x }) => x.flip(0),
  roll: ({ x }) => x.roll(1, 1),
  repeat: ({ x }) => x.repeat(2, 1),
  tile: ({ x }) => x.tile(2),
  repeatInterleave: ({ x }) => x.repeatInterleave(2, 0),
  triu: ({ x }) => x.triu(),
  tril: ({ x }) => x.tril(-1),
  diag: ({ x }) => x.diag(),
  diagEmbed: ({ x }) => x.select(0, 0).diag(1),
  tests: ({ x, y }) => [x.isnan(), x.isinf(), x.isfinite(), x.isclose(y), x.any(), x.all(1, true)],
  dot: ({ x, y }) => x.select(0, 0).dot(y.select(0, 1)),
  outer: ({ x, y }) => x.select(0, 0).outer(y.select(1, 1)),
  amax: ({ x }) => x.amax([0, 1]),
  amin: ({ x }) => x.amin(1, true),
  cumsum: ({ x }) => x.cumsum(1),
  cumprod: ({ x }) => torch.cumprod(x, 0),
  // relu leaves zeros, so the backward takes its paths for lines with zeros.
  cumprodZeros: ({ x }) => x.relu().cumprod({ dim: 1 }),
  maxBinary: ({ x, y }) => torch.max(x, y),
  minBinary: ({ x, y }) => x.min(y),
  log10: ({ positive }) => positive.log10(),
  frac: ({ x }) => x.frac(),
  atan2: ({ x, y }) => x.atan2(y),
  contiguous: ({ x }) => x.t().contiguous(),
  detach: ({ x }) => x.detach(),
  cat: ({ x, y }) => torch.cat([x, y], 1),
  stack: ({ x, y }) => torch.stack([x, y]),
  toDevice: ({ x }) => x.to(x.device === 'cpu' ? devices[devices.length - 1] : 'cpu'),
  // indexing
  gather: ({ x, indices }) => x.gather(1, indices),
  scatter: ({ x, y, indices }) => x.scatter(1, indices, y),
  scatterAdd: ({ x, y, indices }) => x.scatterAdd(1, indices, y),
  indexSelect: ({ x, target }) => x.indexSelect(1, target),
  indexAdd: ({ x, y, rows }) => x.indexAdd(0, rows, y),
  indexPut: ({ x, y, rows }) => x.indexPut([rows], y),
  // linear algebra, convolution, pooling
  matmul: ({ x, w }) => x.matmul(w),
  mm: ({ x, w }) => x.mm(w),
  bmm: ({ x, w }) => x.unsqueeze(0).bmm(w.unsqueeze(0)),
  linear: ({ x, w }) => F.linear(x, w.t()),
  conv1d: ({ sequence }) => F.conv1d(sequence, sequence.narrow(2, 0, 3)),
  conv2d: ({ image }) => F.conv2d(image, image.narrow(2, 0, 3).narrow(3, 0, 3)),
  convTranspose1d: ({ sequence }) => F.convTranspose1d(sequence, sequence.narrow(2, 0, 3).transpose(0, 1), null, 2),
  convTranspose2d: ({ image }) => F.convTranspose2d(image, image.narrow(2, 0, 3).narrow(3, 0, 3).transpose(0, 1), null, 2),
  maxPool1d: ({ sequence }) => F.maxPool1d(sequence, 2),
  maxPool2d: ({ image }) => F.maxPool2d(image, 2),
  avgPool1d: ({ sequence }) => F.avgPool1d(sequence, 2),
  avgPool2d: ({ image }) => F.avgPool2d(image, 2),
  adaptiveAvgPool1d: ({ sequence }) => F.adaptiveAvgPool1d(sequence, 2),
  adaptiveAvgPool2d: ({ image }) => F.adaptiveAvgPool2d(image, 2),
  // nn.functional and losses
  dropout: ({ x }) => F.dropout(x, 0.5, true),
  layerNorm: ({ x }) => F.layerNorm(x, [4]),
  batchNorm: ({ x }) => F.batchNorm(x, null, null, { training: true }),
  groupNorm: ({ x, w }) => F.groupNorm(x, 2, w.narrow(1, 0, 1).reshape(4), w.narrow(1, 1, 1).reshape(4)),
  instanceNorm: ({ sequence }) =>
    F.instanceNorm(sequence, torch.zeros([3], { device: sequence.device }), torch.ones([3], { device: sequence.device })),
  pad: ({ x }) => F.pad(x, [1, 1]),
  embedding: ({ w, target }) => F.embedding(target, w),
  attention: ({ x, y }) => F.scaledDotProductAttention(x, y, y),
  crossEntropy: ({ x, target }) => F.crossEntropy(x, target),
  nllLoss: ({ x, target }) => F.nllLoss(x.logSoftmax(1), target),
  mseLoss: ({ x, y }) => F.mseLoss(x, y),
  l1Loss: ({ x, y }) => F.l1Loss(x, y),
  binaryCrossEntropy: ({ probabilities, y }) => F.binaryCrossEntropy(probabilities, y.sigmoid().detach()),
  binaryCrossEntropyWithLogits: ({ x, y }) => F.binaryCrossEntropyWithLogits(x, y.sigmoid().detach()),
  smoothL1Loss: ({ x, y }) => F.smoothL1Loss(x, y, { beta: 0.5 }),
  huberLoss: ({ x, y }) => F.huberLoss(x, y),
  klDiv: ({ x, probabilities }) => F.klDiv(x, probabilities, { reduction: 'batchmean' }),
  klDivLogTarget: ({ x, y }) => F.klDiv(x, y, { logTarget: true }),
  marginRankingLoss: ({ x, y }) => F.marginRankingLoss(x, y, y.sign().detach()),
  cosineEmbeddingLoss: ({ x, y }) => F.cosineEmbeddingLoss(x, y, torch.ones([x.shape[0]], { device: x.device })),
  tripletMarginLoss: ({ x, y, positive }) => F.tripletMarginLoss(x, y, positive, { swap: true }),
  einsum: ({ x, w }) => torch.einsum('ij,jk->ik', x, w),
  einsumDiagonal: ({ w }) => torch.einsum('ii->i', w.narrow(1, 0, 4)),
  ctcLoss: ({ x }) => F.ctcLoss(x.logSoftmax(1).unsqueeze(1), torch.tensor([[1, 2]], { dtype: 'int32', device: x.device }), [3], [2]),
  perplexity: ({ x, target }) => torch.metrics.perplexity(F.crossEntropy(x, target)),
  // in place on a graph tensor: its node is replaced by the in-place op's
  inPlace: ({ x, y, mask }) =>
    x.mul(1).add_(y).sub_(y).mul_(2).div_(2).pow_(2).exp_().neg_().sigmoid_().tanh_().relu_().clamp_(0, 1).maskedFill_(mask, 0),
  // a chain: the intermediates are dropped as well
  chain: ({ x, w }) => x.matmul(w).relu().tanh().sigmoid().exp().softmax(1).logSoftmax(1).sum(),
};

/** Recurrent layers (their modules own the parameters; the output, hN and cN are dropped). */
const layers: Record<string, (device: string) => { run: (t: Inputs) => unknown }> = {
  RNN: (device) => {
    const rnn = new nn.RNN(4, 3).to(device);
    return { run: ({ x }) => rnn.forward(x.unsqueeze(1)) };
  },
  GRU: (device) => {
    const gru = new nn.GRU(4, 3, { batchFirst: true, bidirectional: true }).to(device);
    return { run: ({ x }) => gru.forward(x.unsqueeze(0)) };
  },
  LSTM: (device) => {
    const lstm = new nn.LSTM(4, 3, { numLayers: 2 }).to(device);
    return { run: ({ x }) => lstm.forward(x.unsqueeze(1)) };
  },
  'LSTM over a packed sequence': (device) => {
    const lstm = new nn.LSTM(4, 3).to(device);
    return { run: ({ x }) => lstm.forward(nn.utils.rnn.packPaddedSequence(x.unsqueeze(2).expand(3, 4, 4), [3, 2, 1, 1])) };
  },
  DataParallel: (device) => {
    const dp = new nn.DataParallel(new nn.Linear(4, 3).to(device), { deviceIds: [device, device] });
    return { run: ({ x }) => dp.forward(x) };
  },
  MultiheadAttention: (device) => {
    const attention = new nn.MultiheadAttention(4, 2).to(device);
    return { run: ({ x }) => attention.forward(x.unsqueeze(1), x.unsqueeze(1), x.unsqueeze(1)) };
  },
  Transformer: (device) => {
    const model = new nn.Transformer({ dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8, device });
    const tgtMask = nn.Transformer.generateSquareSubsequentMask(2, { device });
    return { run: ({ x }) => model.forward(x.unsqueeze(1), x.narrow(0, 0, 2).unsqueeze(1), { tgtMask }) };
  },
};

function weakRefsOf(value: unknown, found: WeakRef<torch.Tensor>[] = []): WeakRef<torch.Tensor>[] {
  if (value instanceof torch.Tensor) found.push(new WeakRef(value));
  else if (value instanceof nn.utils.rnn.PackedSequence) weakRefsOf(value.data, found);
  else if (Array.isArray(value)) for (const item of value) weakRefsOf(item, found);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) weakRefsOf(item, found);
  return found;
}

describe.each(devices)('an output dropped without backward is collected and its storage freed (%s)', (device) => {
  const inputs = inputsOn(device);
  /** Waits for the work issued so far, on every device (a copy to another device lands on both). */
  const settle = () => Promise.all(devices.map((d) => torch.zeros(1, { device: d }).data()));

  async function expectCollected(run: (t: Inputs) => unknown): Promise<void> {
    // A first call may fill caches that stay (webgpu's pooling window tables, pipelines).
    run(inputs);
    await settle();
    await collect();
    const before = torch.memory();
    // The outputs exist only inside this call; what outlives it is weakly referenced.
    const refs = ((): WeakRef<torch.Tensor>[] => weakRefsOf(run(inputs)))();
    expect(refs.length).toBeGreaterThan(0);
    await settle();
    await collect();
    expect(
      refs.filter((ref) => ref.deref() !== undefined).map((ref) => ref.deref()!.gradFn?.name ?? 'leaf'),
      'outputs still alive',
    ).toEqual([]);
    expect(torch.memory()).toEqual(before);
  }

  it.each(Object.keys(ops))('%s', async (name) => {
    await expectCollected(ops[name]);
  });

  it.each(Object.keys(layers))('%s', async (name) => {
    const { run } = layers[name](device);
    await expectCollected(run);
  });

  it('a tensor that asked to retain its gradient', async () => {
    await expectCollected(({ x }) => x.mul(2).retainGrad().sum());
  });

  it('the gradients of a createGraph backward, with the graph they record', async () => {
    await expectCollected(({ x, w }) =>
      torch.autograd.grad(x.matmul(w).tanh().softmax(-1).mul(x.sum()).sum(), [x, w], { createGraph: true }),
    );
  });

  // Only a tensor no scope holds is registered with the finalizer: these leave their scopes alive.
  it('a tensor returned from nested scopes', async () => {
    await expectCollected(({ x }) => torch.scope(() => torch.scope(() => x.mul(2))));
  });

  it('tensors kept inside a scope, one returned and one dropped', async () => {
    await expectCollected(({ x }) =>
      torch.scope(() => {
        torch.keep(x.mul(3));
        return torch.keep(x.mul(4));
      }),
    );
  });

  it('a view written in place, and its base', async () => {
    await expectCollected(({ x }) => {
      const base = x.mul(1);
      const view = base.narrow(1, 0, 2);
      view.mul_(2);
      return [base, view.add(1)];
    });
  });
});

describe('the lifetime cases cover every op', () => {
  /** Tensor methods that make no new graph output (reads, lifetime, autograd state) or write in place. */
  const notOps = new Set([
    'constructor',
    'assertAlive',
    'assertReady',
    'backward',
    'checkSingleElement',
    'data',
    'dataSync',
    'dim',
    'dispose',
    'isContiguous',
    'item',
    'itemSync',
    'numel',
    'requiresGrad_',
    'retainGrad',
    'setGradFn',
    'size',
    'tolist',
    'tolistSync',
    'toString',
    'toStringAsync',
    'toAsync',
    'indexAsync',
    'indexPutAsync',
    'indexPutAsync_',
    // values and indices read from the input: no graph
    'nonzero',
    'nonzeroAsync',
    'unique',
    'uniqueAsync',
    // the random ops record nothing (their inputs get no gradient), and int/bool/long conversions neither
    'bernoulli',
    'multinomial',
    'int',
    'long',
    'bool',
    'cpu',
    'float',
    // booleans read from the values, not tensors
    'equal',
    'equalSync',
    'allclose',
    'allcloseSync',
  ]);
  /** Methods whose case has another name, or that another case exercises. */
  const coveredBy: Record<string, string> = {
    expandAs: 'expand',
    floorDivide: 'remainder',
    logicalAnd: 'comparisons',
    logicalOr: 'comparisons',
    logicalNot: 'comparisons',
    lt: 'comparisons',
    le: 'comparisons',
    gt: 'comparisons',
    ge: 'comparisons',
    eq: 'comparisons',
    ne: 'comparisons',
    to: 'toDevice',
    pow: 'powTensor',
    argmin: 'argmax',
    isnan: 'tests',
    isinf: 'tests',
    isfinite: 'tests',
    isclose: 'tests',
    any: 'tests',
    all: 'tests',
  };

  it('names each Tensor method that makes a graph output, or says why not', () => {
    const methods = Object.getOwnPropertyNames(torch.Tensor.prototype).filter(
      (name) => typeof Object.getOwnPropertyDescriptor(torch.Tensor.prototype, name)!.value === 'function',
    );
    // The in-place case runs the differentiable ones; fill_, zero_ and the random fills cut the history.
    const missing = methods.filter((name) => !notOps.has(name) && !(name in ops) && !(name in coveredBy) && !name.endsWith('_'));
    expect(missing).toEqual([]);
  });
});
