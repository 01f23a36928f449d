// The course's Conv1d over word vectors (CNN+RNN deck): a sentence's embeddings, (batch, seq len,
// embedding dim), transposed so the embedding dimensions are the input channels, (batch, in channel,
// seq len), and convolved along the words into (batch, out channel, seq len), zero-padded by k per
// side for a kernel of 2k + 1 so the length stays. Then the deck's formula by hand,
// out(x_i, c_j) = bias(c_j) + sum_k weight(c_j, k) * in(x_i, k) with * a cross-correlation, and the
// same convolution as one matmul with the weight flattened from (in channel, k size) to
// (in channel * k size), channel-major. Last, the layer trained as a sentence classifier (Conv1d,
// ReLU, max over time, Linear), where a kernel of 3 words can see "not good". Shared by main.mjs
// and the test.
import * as torch from '../../dist/node.js';

const { nn } = torch;
const F = nn.functional;

/** Sentences and their labels (1 positive, 0 negative); negation flips a word's meaning, so single words do not decide. */
export const SENTENCES = [
  ['the film was good', 1],
  ['a really good film', 1],
  ['the plot was not bad', 1],
  ['good acting and a good plot', 1],
  ['not bad at all', 1],
  ['the film was not good', 0],
  ['a really bad film', 0],
  ['the plot was bad', 0],
  ['bad acting and a bad plot', 0],
  ['not good at all', 0],
];

/** Tokens by split(' ') as the course does, a vocabulary with '<pad>' at 0, padded [N, L] indices and [N] labels. */
export function encode(sentences = SENTENCES) {
  const tokens = sentences.map(([text]) => text.split(' '));
  const vocab = torch.text.buildVocabFromIterator(tokens, { specials: ['<pad>'] });
  const length = Math.max(...tokens.map((t) => t.length));
  const padded = tokens.map((t) => [...vocab.lookupIndices(t), ...new Array(length - t.length).fill(0)]);
  return {
    vocab,
    x: torch.tensor(padded, { dtype: 'int32' }),
    y: torch.tensor(
      sentences.map(([, label]) => label),
      { dtype: 'int32' },
    ),
  };
}

export class SentenceCNN extends nn.Module {
  constructor(vocabSize, { embeddingDim = 8, outChannels = 6, kernelSize = 3, classes = 2 } = {}) {
    super();
    this.padding = (kernelSize - 1) / 2;
    this.embedding = new nn.Embedding(vocabSize, embeddingDim, { paddingIdx: 0 });
    this.conv = new nn.Conv1d(embeddingDim, outChannels, kernelSize);
    this.fc = new nn.Linear(outChannels, classes);
  }

  /** x [N, L] word indices; returns the logits [N, classes] and the convolution's input and output. */
  forward(x) {
    const words = this.embedding.forward(x); // (batch, seq len, embedding dim)
    const channels = words.transpose(1, 2); // (batch, in channel, seq len)
    const features = this.conv.forward(F.pad(channels, [this.padding, this.padding], 'constant', 0)); // (batch, out channel, seq len)
    const pooled = features.relu().max(2).values; // max over time
    return { logits: this.fc.forward(pooled), words, channels, features };
  }
}

/** The convolution's output at [n, j, i] by the deck's sum over input channels, each a cross-correlation over the window. */
export function convolveByHand(conv, channels, n, j, i) {
  const [, inChannels, length] = channels.shape;
  const kernel = conv.weight.shape[2];
  const half = (kernel - 1) / 2;
  const input = channels.tolistSync();
  const weight = conv.weight.tolistSync();
  let sum = conv.bias.tolistSync()[j];
  for (let k = 0; k < inChannels; k++)
    for (let t = 0; t < kernel; t++) {
      const position = i - half + t;
      if (position >= 0 && position < length) sum += weight[j][k][t] * input[n][k][position];
    }
  return sum;
}

/** The convolution as one matmul: windows (batch, seq len, in channel * k size), channel-major, times the flattened weight. */
export function convolveAsMatmul(conv, channels) {
  const kernel = conv.weight.shape[2];
  const half = (kernel - 1) / 2;
  const padded = F.pad(channels, [half, half], 'constant', 0);
  const length = channels.shape[2];
  const windows = torch.stack(
    Array.from({ length }, (_, i) => padded.narrow(2, i, kernel).flatten(1)),
    1,
  );
  const flatWeight = conv.weight.view(conv.weight.shape[0], -1); // (out channel, in channel * k size)
  return windows.matmul(flatWeight.t()).add(conv.bias).transpose(1, 2);
}

/** Trains a fresh model full-batch (Adam lr 0.01, cross-entropy) and calls `log({ epoch, loss, accuracy })` after each epoch. */
export function train({ epochs = 60, seed = 0, log = () => {} } = {}) {
  torch.manualSeed(seed);
  const { vocab, x, y } = encode();
  const model = new SentenceCNN(vocab.length);
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 0.01 });
  const history = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const record = torch.scope(() => {
      optimizer.zeroGrad();
      const { logits } = model.forward(x);
      const loss = F.crossEntropy(logits, y);
      loss.backward();
      optimizer.step();
      const accuracy = logits.argmax(1).eq(y).float().mean().itemSync();
      return { epoch, loss: loss.itemSync(), accuracy };
    });
    history.push(record);
    log(record);
  }
  return { model, vocab, x, y, history };
}
