// Training the date translator and measuring it: batches of character indices, the training loop
// with teacher forcing, and exact-match accuracy and BLEU of greedy or beam-search translations.
// Shared by main.mjs and the test.
import * as torch from '../../dist/node.js';
import { mulberry32, shuffle } from './dates.mjs';
import { EOS, PAD } from './model.mjs';

const { nn } = torch;

/**
 * The example's settings; scripts/seq2seq_pytorch.py repeats them for PyTorch. `teacherForcing` is
 * the chance that a batch is trained on the target's previous characters rather than the model's own.
 */
export const SETTINGS = Object.freeze({
  steps: 1500,
  batchSize: 64,
  embeddingSize: 32,
  hiddenSize: 64,
  decoderSize: 128,
  attentionSize: 64,
  /** Adam's learning rate, annealed along a cosine to 0 over the steps. */
  lr: 3e-3,
  clip: 1,
  teacherForcing: 0.5,
  beam: 5,
  seed: 0,
});

/** Every ISO date has 10 characters; decoding stops at EOS or after this many. */
export const MAX_OUTPUT_LENGTH = 12;

/** Pairs as index arrays: { source: Int32Array, target: Int32Array ending in EOS }. */
export function encodePairs(pairs, vocabularies) {
  return pairs.map(([source, target]) => ({
    source: Int32Array.from(vocabularies.source.lookupIndices([...source])),
    target: Int32Array.from([...vocabularies.target.lookupIndices([...target]), EOS]),
  }));
}

/** `sequences` padded with PAD into an int32 [B, longest] tensor. */
function padded(sequences) {
  const longest = Math.max(...sequences.map((sequence) => sequence.length));
  const values = new Int32Array(sequences.length * longest).fill(PAD);
  sequences.forEach((sequence, b) => values.set(sequence, b * longest));
  return torch.scope(() => torch.tensor(values, { dtype: 'int32' }).view(sequences.length, longest));
}

/** A batch of encoded pairs: [x [B, L], lengths number[], y [B, T]]. */
export function collate(encoded) {
  return [
    padded(encoded.map((pair) => pair.source)),
    encoded.map((pair) => pair.source.length),
    padded(encoded.map((pair) => pair.target)),
  ];
}

/**
 * The batches and teacher-forcing choices of training, drawn from mulberry32(seed + 1) as
 * scripts/seq2seq_pytorch.py draws them: the pairs are shuffled at the start of every pass over
 * them, then each batch takes the next batchSize and draws one uniform against `teacherForcing`.
 */
export function* schedule(count, { steps, batchSize, teacherForcing, seed }) {
  const random = mulberry32(seed + 1);
  let order = [];
  for (let step = 0; step < steps; step++) {
    if (order.length < batchSize)
      order = shuffle(
        Array.from({ length: count }, (_, i) => i),
        random,
      );
    yield { indices: order.splice(0, batchSize), teacherForcing: random() < teacherForcing };
  }
}

/**
 * Trains `model` on the encoded pairs for settings.steps steps of Adam (lr annealed by a cosine to
 * 0), cross-entropy ignoring PAD, gradients clipped to settings.clip. Each step runs in torch.scope,
 * so memory stays flat. `onStep({ step, steps, loss, pairs, seconds })` follows the progress (loss:
 * the mean since the last call). Resolves to { losses: the loss of every step, seconds }.
 */
export async function train(model, encoded, settings, { onStep = () => {}, every = 100 } = {}) {
  const { steps, batchSize, lr, clip } = settings;
  const optimizer = new torch.optim.Adam(model.parameters(), { lr });
  const scheduler = new torch.optim.lrScheduler.CosineAnnealingLR(optimizer, steps);
  const lossFn = new nn.CrossEntropyLoss({ ignoreIndex: PAD });
  model.train();
  const losses = [];
  const start = performance.now();
  let step = 0;
  for (const { indices, teacherForcing } of schedule(encoded.length, settings)) {
    const [x, lengths, y] = collate(indices.map((i) => encoded[i]));
    const loss = torch.scope(() => {
      optimizer.zeroGrad();
      const logits = model.forward(x, lengths, y, { teacherForcing });
      const loss = lossFn.forward(logits.view(-1, logits.shape[2]), y.view(-1));
      loss.backward();
      nn.utils.clipGradNorm_(model.parameters(), clip);
      optimizer.step();
      return loss.detach();
    });
    scheduler.step();
    x.dispose();
    y.dispose();
    losses.push(loss.itemSync());
    loss.dispose();
    step += 1;
    if (step % every === 0 || step === steps) {
      const recent = losses.slice(-every);
      const seconds = (performance.now() - start) / 1000;
      onStep({ step, steps, loss: recent.reduce((a, b) => a + b, 0) / recent.length, pairs: step * batchSize, seconds });
    }
  }
  return { losses, seconds: (performance.now() - start) / 1000 };
}

/**
 * Translations of `sources` (strings): greedy in batches, or beam search one source at a time with
 * `beam` > 1. Returns [{ output, weights }] with weights [output char][source char] (greedy only).
 */
export function translate(model, sources, vocabularies, { beam = 1, batchSize = 500 } = {}) {
  const wasTraining = model.training;
  model.eval();
  const encoded = sources.map((source) => ({ source: Int32Array.from(vocabularies.source.lookupIndices([...source])), target: [] }));
  const decode = (tokens) => vocabularies.target.lookupTokens(tokens).join('');
  const results = [];
  for (let start = 0; start < encoded.length; start += beam > 1 ? 1 : batchSize) {
    const batch = encoded.slice(start, start + (beam > 1 ? 1 : batchSize));
    const x = padded(batch.map((pair) => pair.source));
    const lengths = batch.map((pair) => pair.source.length);
    if (beam > 1) {
      results.push({ output: decode(model.beamSearch(x, lengths, MAX_OUTPUT_LENGTH, beam)), weights: null });
    } else {
      const { tokens, weights } = model.greedy(x, lengths, MAX_OUTPUT_LENGTH);
      tokens.forEach((row, b) => results.push({ output: decode(row), weights: weights[b] }));
    }
    x.dispose();
  }
  model.train(wasTraining);
  return results;
}

/**
 * Exact-match accuracy and corpus BLEU (NLTK's, over characters: 1- to 4-grams of the ISO string)
 * of the translations of [source, target] pairs. Returns { accuracy, bleu, outputs }.
 */
export function evaluate(model, pairs, vocabularies, { beam = 1 } = {}) {
  const outputs = translate(
    model,
    pairs.map(([source]) => source),
    vocabularies,
    { beam },
  ).map((result) => result.output);
  const correct = outputs.filter((output, i) => output === pairs[i][1]).length;
  const bleu = torch.metrics.corpusBleu(
    pairs.map(([, target]) => [[...target]]),
    outputs.map((output) => [...output]),
  );
  return { accuracy: correct / pairs.length, bleu, outputs };
}
