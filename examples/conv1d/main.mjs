// Conv1d over word vectors: prints the shapes the course's deck writes beside its code, checks the
// deck's formula and its flattened-weight matmul against the layer, then trains the layer as a
// sentence classifier and prints its loss and accuracy.
//
//   node examples/conv1d/main.mjs [--epochs N] [--seed N]    (or npm run example -- conv1d)
import { parseArgs } from 'node:util';
import * as torch from '../../dist/node.js';
import { convolveAsMatmul, convolveByHand, encode, SentenceCNN, train } from './conv1d.mjs';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '60' }, seed: { type: 'string', default: '0' } } });
const size = (t) => `torch.Size([${t.shape.join(', ')}])`;

torch.manualSeed(Number(values.seed));
const { vocab, x } = encode();
const model = new SentenceCNN(vocab.length);
console.log(String(model));
const { words, channels, features } = model.forward(x);
console.log(`word vectors (batch, seq len, embedding dim):    ${size(words)}`);
console.log(`conv input (batch, in channel, seq len):        ${size(channels)}`);
console.log(`conv output (batch, out channel, seq len):      ${size(features)}`);
const [batch, outChannels, length] = features.shape;
const output = features.tolistSync();
let byHand = 0;
for (let n = 0; n < batch; n++)
  for (let j = 0; j < outChannels; j++)
    for (let i = 0; i < length; i++) byHand = Math.max(byHand, Math.abs(convolveByHand(model.conv, channels, n, j, i) - output[n][j][i]));
console.log(`out(x_i, c_j) = bias(c_j) + sum_k weight(c_j, k) * in(x_i, k), by hand: max |difference| ${byHand.toExponential(1)}`);
console.log(`weight ${size(model.conv.weight)} flattened to ${size(model.conv.weight.view(model.conv.weight.shape[0], -1))}`);
const asMatmul = convolveAsMatmul(model.conv, channels).sub(features).abs().max().itemSync();
console.log(`windows (batch, seq len, in channel * k size) @ flattened weight: max |difference| ${asMatmul.toExponential(1)}`);

train({
  epochs: Number(values.epochs),
  seed: Number(values.seed),
  log: ({ epoch, loss, accuracy }) => {
    if (epoch === 1 || epoch % 10 === 0) console.log(`epoch ${epoch}: loss ${loss.toFixed(4)}, accuracy ${(accuracy * 100).toFixed(0)}%`);
  },
});
