// Training the character-level language model by truncated backpropagation through time, and its
// validation perplexity, written the PyTorch way. Shared by main.mjs and the test.
import * as torch from '../../dist/node.js';
import { detachState, stateTensors } from './model.mjs';

const { nn } = torch;

/**
 * The example's settings (the charlm benchmark's model); scripts/charlm_pytorch.py repeats them for
 * PyTorch. A step reads batchSize * seqLen = 2048 characters; 800 steps are 1.6 passes over
 * the training text.
 */
export const SETTINGS = Object.freeze({
  steps: 800,
  cell: 'lstm',
  embeddingSize: 64,
  hiddenSize: 256,
  numLayers: 2,
  batchSize: 32,
  /** Characters per chunk: how far back the gradient reaches. */
  seqLen: 64,
  /** Adam's learning rate, annealed along a cosine to 0 over the steps. */
  lr: 3e-3,
  /** Gradients are clipped to this total norm. */
  clip: 5,
  /** Share of the text, at its end, held out for validation. */
  validation: 0.1,
  seed: 0,
});

/**
 * `steps` optimizer steps over the chunks of `streams` (data.mjs), Adam (or any optimizer) on the
 * mean cross-entropy of the next character, gradients clipped to a total norm of `clip`,
 * `scheduler.step()` after each step when given. The hidden state carries from chunk to chunk,
 * detached so that each backward pass stops at its chunk's start; it restarts from zeros when the
 * chunks begin again at the streams' start. Each step runs in torch.scope, so memory stays flat.
 * `onStep({ step, loss, seconds })` follows the progress (seconds of training so far, the time
 * spent in onStep itself not counted). Returns `{ seconds }`.
 */
export function trainSteps(model, streams, optimizer, { steps, clip = null, scheduler = null, onStep = () => {} }) {
  const lossFn = new nn.CrossEntropyLoss();
  model.train();
  let state = null;
  let seconds = 0;
  for (let step = 1; step <= steps; step++) {
    const start = performance.now();
    const k = (step - 1) % streams.length;
    if (k === 0) state = replaceState(state, null);
    const [x, y] = streams.chunk(k);
    const [loss, next] = torch.scope(() => {
      optimizer.zeroGrad();
      const [logits, after] = model.forward(x, state);
      const loss = lossFn.forward(logits, y);
      loss.backward();
      if (clip !== null) nn.utils.clipGradNorm_(model.parameters(), clip);
      optimizer.step();
      return [loss.detach(), detachState(after)];
    });
    if (scheduler !== null) scheduler.step();
    state = replaceState(state, next);
    x.dispose();
    y.dispose();
    const value = loss.itemSync();
    loss.dispose();
    seconds += (performance.now() - start) / 1000;
    onStep({ step, loss: value, seconds });
  }
  replaceState(state, null);
  return { seconds };
}

/** `next`, the tensors of `state` disposed. */
function replaceState(state, next) {
  for (const t of stateTensors(state)) t.dispose();
  return next;
}

/**
 * The mean cross-entropy (nats per character) over every target of `streams`, read in order with
 * the state carried from chunk to chunk as in training, in eval mode without gradients, and its
 * perplexity exp(mean): `{ crossEntropy, perplexity, characters }`.
 */
export function evaluate(model, streams) {
  const lossFn = new nn.CrossEntropyLoss({ reduction: 'sum' });
  const wasTraining = model.training;
  model.eval();
  let state = null;
  let sum = 0;
  for (let k = 0; k < streams.length; k++) {
    const [x, y] = streams.chunk(k);
    const [loss, next] = torch.scope(() =>
      torch.noGrad(() => {
        const [logits, after] = model.forward(x, state);
        return [lossFn.forward(logits, y), after];
      }),
    );
    state = replaceState(state, next);
    sum += loss.itemSync();
    loss.dispose();
    x.dispose();
    y.dispose();
  }
  replaceState(state, null);
  model.train(wasTraining);
  const characters = streams.length * streams.batch * streams.seqLen;
  const crossEntropy = sum / characters;
  return { crossEntropy, perplexity: torch.metrics.perplexity(crossEntropy), characters };
}
