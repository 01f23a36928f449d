// One training epoch and one evaluation pass of the surname classifier, written the PyTorch way.
// Shared by main.mjs, the rnn benchmark, the test and the browser page (examples/web).
import * as torch from '../../dist/node.js';
import { NATIONALITIES } from './vocabulary.mjs';

const { nn } = torch;

/**
 * The demo's settings, also the rnn benchmark's; scripts/names_pytorch.py repeats them for
 * PyTorch. Trained this way the model reaches about 85% test accuracy (84.7-85.3% over seeds 0-2).
 */
export const SETTINGS = Object.freeze({
  epochs: 6,
  embeddingSize: 64,
  hiddenSize: 100,
  batchSize: 64,
  /** Adam's learning rate, annealed along a cosine to 0 over the epochs. */
  lr: 3e-3,
  /** Gradients are clipped to this total norm (the first steps of a GRU can have large ones). */
  clip: 5,
  seed: 0,
});

/** The learning rate at `batchSize`: Adam's step grows less than linearly with the batch; the square root is the usual rule for it. */
export function learningRate(batchSize) {
  return SETTINGS.lr * Math.sqrt(batchSize / SETTINGS.batchSize);
}

/**
 * One pass over `loader` with Adam (or any optimizer) and cross-entropy; gradients are clipped to
 * a total norm of `clip` when given. Each step runs in torch.scope, so memory stays flat.
 * `model` may be an nn.DataParallel (the flag --devices of main.mjs), on any device: the labels go
 * to its output's device. `onBatch({ batch, batches, names, loss, seconds })` follows the progress
 * (loss = running mean). Resolves to `{ loss, names, seconds }` for the epoch.
 */
export async function trainEpoch(model, loader, optimizer, { clip = null, onBatch = () => {} } = {}) {
  const lossFn = new nn.CrossEntropyLoss();
  model.train();
  const start = performance.now();
  const batches = loader.length;
  let [batch, names, lossSum] = [0, 0, 0];
  // Each step's loss is read after the next step is issued, so a device that queues its work (a
  // worker CPU device, WebGPU) has that step to run while this thread reads, and issues the next.
  let previous = null;
  const report = async ({ loss, count }) => {
    const value = await loss.item();
    loss.dispose();
    batch += 1;
    names += count;
    lossSum += value * count;
    await onBatch({ batch, batches, names, loss: lossSum / names, seconds: (performance.now() - start) / 1000 });
  };
  for (const [x, lengths, y] of loader) {
    const loss = torch.scope(() => {
      optimizer.zeroGrad();
      const output = model.forward(x, lengthsFor(model, lengths));
      const loss = lossFn.forward(output, y.to(output.device));
      loss.backward();
      if (clip !== null) nn.utils.clipGradNorm_(model.parameters(), clip);
      optimizer.step();
      return loss.detach();
    });
    x.dispose();
    y.dispose();
    if (previous) await report(previous);
    previous = { loss, count: lengths.length };
  }
  if (previous) await report(previous);
  return { loss: lossSum / names, names, seconds: (performance.now() - start) / 1000 };
}

/**
 * The lengths as `model.forward` takes them: a number[] for the classifier itself, an int32 CPU
 * tensor for nn.DataParallel, which splits a tensor with the batch (as PyTorch's scatter does, it
 * would hand a number[] to every replica whole) and keeps its pieces' values on the host for packing.
 */
function lengthsFor(model, lengths) {
  return model instanceof nn.DataParallel ? torch.tensor(lengths, { dtype: 'int32' }) : lengths;
}

/**
 * Accuracy on `loader` in eval mode without gradients: overall, balanced (the mean of the
 * per-class recalls, since the classes are very uneven) and per class `{ nationality, correct, total }`.
 * `model` may be an nn.DataParallel, as in trainEpoch.
 */
export async function evaluate(model, loader) {
  model.eval();
  const correct = new Array(NATIONALITIES.length).fill(0);
  const total = new Array(NATIONALITIES.length).fill(0);
  for (const [x, lengths, y] of loader) {
    const classes = torch.scope(() => torch.noGrad(() => model.forward(x, lengthsFor(model, lengths)).argmax(1)));
    const predicted = await classes.data();
    classes.dispose();
    y.dataSync().forEach((label, n) => {
      total[label] += 1;
      if (predicted[n] === label) correct[label] += 1;
    });
    x.dispose();
    y.dispose();
  }
  model.train();
  const perClass = NATIONALITIES.map((nationality, c) => ({ nationality, correct: correct[c], total: total[c] }));
  const present = perClass.filter((row) => row.total > 0);
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  return {
    accuracy: sum(correct) / sum(total),
    balancedAccuracy: sum(present.map((row) => row.correct / row.total)) / present.length,
    perClass,
  };
}
