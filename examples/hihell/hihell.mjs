// 'hihell' -> 'ihello', the smallest RNN that learns a mapping (the course's NLP lecture, after
// PyTorchZeroToAll's 12_2_hello_rnn.py): an nn.RNN(5, 5) fed one one-hot character at a time, its
// hidden state carried over, whose 5 outputs are read directly as the scores of the next character.
// Shared by main.mjs and the test.
import * as torch from '../../dist/node.js';

const { nn } = torch;

export const IDX2CHAR = ['h', 'i', 'e', 'l', 'o'];
const X_DATA = [0, 1, 0, 2, 3, 3]; // hihell
const Y_DATA = [1, 0, 2, 3, 3, 4]; // ihello
const NUM_CLASSES = 5;
const INPUT_SIZE = 5; // one-hot size
const HIDDEN_SIZE = 5; // the RNN's output, 5 to predict the one-hot character directly
const BATCH_SIZE = 1; // one sentence
const SEQUENCE_LENGTH = 1; // one character at a time
const NUM_LAYERS = 1;

export class Model extends nn.Module {
  constructor() {
    super();
    this.rnn = new nn.RNN(INPUT_SIZE, HIDDEN_SIZE, { batchFirst: true });
  }

  /** hidden [numLayers, batch, hidden], x [inputSize] one character; returns [hidden, output [1, numClasses]]. */
  forward(hidden, x) {
    const [out, next] = this.rnn.forward(x.view(BATCH_SIZE, SEQUENCE_LENGTH, INPUT_SIZE), hidden);
    return [next, out.view(-1, NUM_CLASSES)];
  }

  initHidden() {
    return torch.zeros(NUM_LAYERS, BATCH_SIZE, HIDDEN_SIZE);
  }
}

/**
 * Trains a fresh model as the course does (Adam lr 0.1, the cross-entropy summed over the six
 * characters, one step per epoch) and calls `log({ epoch, predicted, loss })` after each epoch with
 * the string the model predicted during it. Returns the model and the per-epoch records.
 */
export function train({ epochs = 100, seed = 0, log = () => {} } = {}) {
  torch.manualSeed(seed);
  const model = new Model();
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 0.1 });
  const inputs = torch.oneHot(torch.tensor(X_DATA, { dtype: 'int32' }), NUM_CLASSES).float();
  const labels = torch.tensor(Y_DATA, { dtype: 'int32' });
  const history = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const record = torch.scope(() => {
      optimizer.zeroGrad();
      let loss = torch.zeros([]);
      let hidden = model.initHidden();
      const indices = [];
      for (let i = 0; i < X_DATA.length; i++) {
        let output;
        [hidden, output] = model.forward(hidden, inputs.index(i));
        indices.push(output.argmax(1));
        // The course's criterion(output, label) passed a 0-d label that old PyTorch accepted; a [1] slice is the target for [1, C] scores.
        loss = loss.add(criterion.forward(output, labels.narrow(0, i, 1)));
      }
      loss.backward();
      optimizer.step();
      const predicted = torch
        .cat(indices)
        .tolistSync()
        .map((c) => IDX2CHAR[c])
        .join('');
      return { epoch, predicted, loss: loss.itemSync() };
    });
    history.push(record);
    log(record);
  }
  return { model, history };
}
