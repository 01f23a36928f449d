// A character-level language model on Shakespeare (data/README.md): Embedding -> 2-layer LSTM (or
// GRU) -> Linear, trained by truncated backpropagation through time on the first 90% of the text,
// its hidden state carried detached from chunk to chunk. Reports the validation perplexity on the
// last 10% beside a unigram baseline's, saves the model as safetensors and samples text from it.
//
//   node examples/charlm/main.mjs [flags]            train, evaluate, save, then sample
//   node examples/charlm/main.mjs --sample [flags]   sample from the saved model, no training
//   (or npm run example -- charlm [flags])
//
// Flags (training):
//   --steps N          optimizer steps (default 800, 1.6 passes over the text); the learning
//                      rate follows a cosine from 3e-3 down to 0 over them
//   --cell lstm|gru    the recurrent cell (default lstm)
//   --hidden N         hidden size of each recurrent layer (default 256)
//   --batch-size N     parallel streams of text per step (default 32)
//   --seq-len N        characters per chunk, how far back the gradient reaches (default 64)
//   --seed N           seeds the weights and the sampling (default 0)
//   --log-every N      steps per progress line (default 50)
//   --eval-every N     steps between validation passes (default 0: only after the last step)
//   --threads N        CPU threads (default 1, as the PyTorch twin runs; the results are the same
//                      bits at any count)
// Flags (sampling, after training or with --sample):
//   --prime TEXT       the text to continue (default "ROMEO:")
//   --temperature T    divides the scores before the softmax; below 1 is more conservative (default 0.8)
//   --length N         characters to draw (default 500)
// Both: --model PATH   the model file (default examples/charlm/model.safetensors)
// The embedding size, layer count, learning rate and clipping norm are SETTINGS in train.mjs.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../dist/node.js';
import { integerFlag, parseFlags, runCommandLine, UsageError } from '../flags.mjs';
import { charsetOf, encode, readText, Streams, splitCodes, unigramPerplexity } from './data.mjs';
import { CharLM, sample } from './model.mjs';
import { evaluate, SETTINGS, trainSteps } from './train.mjs';

const MODEL_FILE = fileURLToPath(new URL('./model.safetensors', import.meta.url));

function parseCommandLine() {
  return parseFlags(
    {
      options: {
        steps: { type: 'string', default: String(SETTINGS.steps) },
        cell: { type: 'string', default: SETTINGS.cell },
        hidden: { type: 'string', default: String(SETTINGS.hiddenSize) },
        'batch-size': { type: 'string', default: String(SETTINGS.batchSize) },
        'seq-len': { type: 'string', default: String(SETTINGS.seqLen) },
        seed: { type: 'string', default: String(SETTINGS.seed) },
        'log-every': { type: 'string', default: '50' },
        'eval-every': { type: 'string', default: '0' },
        threads: { type: 'string', default: '1' },
        sample: { type: 'boolean', default: false },
        prime: { type: 'string', default: 'ROMEO:' },
        temperature: { type: 'string', default: '0.8' },
        length: { type: 'string', default: '500' },
        model: { type: 'string', default: MODEL_FILE },
      },
    },
    '--steps N, --cell lstm|gru, --hidden N, --batch-size N, --seq-len N, --seed N, --log-every N, --eval-every N, --threads N, --sample, --prime TEXT, --temperature T, --length N, --model PATH (see the top of examples/charlm/main.mjs)',
  );
}

/** The sampling flags, checked: the prime must be written in the model's characters. */
function samplingFlags(flags, charset) {
  const temperature = Number(flags.temperature);
  if (!(temperature > 0)) throw new UsageError(`--temperature must be a number > 0, got '${flags.temperature}'`);
  const unknown = [...flags.prime].find((char) => !charset.includes(char));
  if (flags.prime.length === 0 || unknown !== undefined)
    throw new UsageError(
      flags.prime.length === 0
        ? '--prime must hold at least one character'
        : `--prime: the character ${JSON.stringify(unknown)} is not in the model's charset ${JSON.stringify(charset)}`,
    );
  return { prime: flags.prime, temperature, length: integerFlag(flags, 'length') };
}

function printSample(model, charset, options, seed) {
  const generator = new torch.Generator().manualSeed(seed);
  const text = sample(model, charset, { ...options, generator });
  console.log(`\n--- sample, temperature ${options.temperature} ---\n${options.prime}${text}`);
}

async function train(flags) {
  const steps = integerFlag(flags, 'steps');
  const hiddenSize = integerFlag(flags, 'hidden');
  const batch = integerFlag(flags, 'batch-size');
  const seqLen = integerFlag(flags, 'seq-len');
  const seed = integerFlag(flags, 'seed', 0);
  const logEvery = integerFlag(flags, 'log-every');
  const evalEvery = integerFlag(flags, 'eval-every', 0);
  torch.setNumThreads(integerFlag(flags, 'threads'));
  const cell = flags.cell;
  if (cell !== 'lstm' && cell !== 'gru') throw new UsageError(`--cell must be lstm or gru, got '${cell}'`);

  const text = readText();
  const charset = charsetOf(text);
  const sampling = samplingFlags(flags, charset);
  const { train: trainCodes, validation: validationCodes } = splitCodes(encode(text, charset), SETTINGS.validation);
  const trainStreams = new Streams(trainCodes, { batch, seqLen });
  const validationStreams = new Streams(validationCodes, { batch, seqLen });
  const unigram = unigramPerplexity(trainCodes, validationCodes, charset.length);

  torch.manualSeed(seed);
  const model = new CharLM({
    vocabularySize: charset.length,
    embeddingSize: SETTINGS.embeddingSize,
    hiddenSize,
    numLayers: SETTINGS.numLayers,
    cell,
  });
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: SETTINGS.lr });
  const scheduler = new torch.optim.lrScheduler.CosineAnnealingLR(optimizer, steps);
  console.log(
    `${trainCodes.length} training and ${validationCodes.length} validation characters, ${charset.length} distinct; ${batch} streams of ${trainStreams.streamLength} characters in ${trainStreams.length} chunks of ${seqLen}; Adam lr ${SETTINGS.lr} with cosine annealing over ${steps} steps, gradients clipped to norm ${SETTINGS.clip}`,
  );
  console.log(String(model));
  console.log(`unigram baseline: validation perplexity ${unigram.toFixed(2)}`);

  const validate = (step) => {
    const start = performance.now();
    const { crossEntropy, perplexity } = evaluate(model, validationStreams);
    console.log(
      `step ${step}/${steps}  validation loss ${crossEntropy.toFixed(4)}  perplexity ${perplexity.toFixed(3)}  (${((performance.now() - start) / 1000).toFixed(1)} s)`,
    );
    return perplexity;
  };
  const start = performance.now();
  let [lossSum, lossCount] = [0, 0];
  const { seconds } = trainSteps(model, trainStreams, optimizer, {
    steps,
    clip: SETTINGS.clip,
    scheduler,
    onStep: ({ step, loss, seconds }) => {
      lossSum += loss;
      lossCount += 1;
      if (step % logEvery === 0 || step === steps) {
        const rate = Math.round((step * batch * seqLen) / seconds);
        console.log(`step ${step}/${steps}  loss ${(lossSum / lossCount).toFixed(4)}  ${rate} chars/s  ${seconds.toFixed(1)} s`);
        [lossSum, lossCount] = [0, 0];
      }
      if (evalEvery > 0 && step % evalEvery === 0 && step !== steps) validate(step);
    },
  });
  const perplexity = validate(steps);
  const wallSeconds = (performance.now() - start) / 1000;
  console.log(
    `\ntrained ${steps} steps in ${seconds.toFixed(1)} s (${wallSeconds.toFixed(1)} s with the evaluations); validation perplexity ${perplexity.toFixed(3)}, unigram baseline ${unigram.toFixed(2)}`,
  );

  await torch.saveFile({ model: model.stateDict(), charset }, flags.model);
  const { tensors, bytes } = torch.memory();
  console.log(
    `saved ${relative(process.cwd(), flags.model)}; memory: ${tensors} live tensors, ${(bytes.cpu / 2 ** 20).toFixed(1)} MiB of wasm memory in use`,
  );
  printSample(model, charset, sampling, seed);
}

async function sampleSaved(flags) {
  if (!existsSync(flags.model))
    throw new UsageError(`--sample: ${flags.model} does not exist yet; train first with npm run example -- charlm`);
  const { model: stateDict, charset } = await torch.loadFile(flags.model);
  const model = CharLM.fromStateDict(stateDict);
  printSample(model, charset, samplingFlags(flags, charset), integerFlag(flags, 'seed', 0));
}

await runCommandLine(async () => {
  const { values: flags } = parseCommandLine();
  if (flags.sample) await sampleSaved(flags);
  else await train(flags);
});
