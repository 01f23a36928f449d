// Human-written dates -> ISO dates with an encoder-decoder and additive (Bahdanau) attention:
// trains on dates written in 14 forms (dates.mjs), then reports the exact-match accuracy and
// corpus BLEU of greedy and beam-search decoding on held-out dates in those forms and on dates in 5
// forms never seen in training, draws the attention of a few examples as an SVG heat map, saves the
// model as safetensors and translates the dates given on the command line.
//
//   node examples/seq2seq/main.mjs [flags] [dates...]     (or npm run example -- seq2seq [flags] [dates...])
//
// Flags:
//   --steps N             training steps (default 1500); the learning rate follows a cosine to 0 over them
//   --batch-size N        pairs per step (default 64)
//   --hidden N            encoder GRU hidden size per direction (default 64)
//   --teacher-forcing P   the chance that a batch is fed the target's previous characters (default 0.5)
//   --beam K              beam size of the beam-search evaluation (default 5; 1 skips it)
//   --seed N              seeds the dates, the weights, the batches and teacher forcing (default 0)
//   --svg FILE            where the heat map goes (default docs/seq2seq-attention.svg)
//   --threads N           CPU threads (default 1, as the PyTorch twin runs; the results are the same
//                         bits at any count)
// The other sizes, the learning rate and the clipping norm are SETTINGS in train.mjs. The model is
// saved to examples/seq2seq/model.safetensors, its vocabularies in the file's metadata.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../dist/node.js';
import { integerFlag, parseFlags, probabilityFlag, runCommandLine } from '../flags.mjs';
import { makeDates, TRAINING_FORMS, UNSEEN_FORMS } from './dates.mjs';
import { attentionSvg } from './heatmap.mjs';
import { buildVocabularies, Seq2Seq } from './model.mjs';
import { encodePairs, evaluate, SETTINGS, train, translate } from './train.mjs';

const MODEL_FILE = fileURLToPath(new URL('./model.safetensors', import.meta.url));
const SVG_FILE = fileURLToPath(new URL('../../docs/seq2seq-attention.svg', import.meta.url));
/** The heat map's examples: reordered fields, a two-digit year, and a form never seen in training. */
const HEAT_MAP_DATES = ['Saturday, November 22 1986', '3rd of March 2014', '17-06-41', 'MAR 11th 1958'];

function parseCommandLine() {
  return parseFlags(
    {
      allowPositionals: true,
      options: {
        steps: { type: 'string', default: String(SETTINGS.steps) },
        'batch-size': { type: 'string', default: String(SETTINGS.batchSize) },
        hidden: { type: 'string', default: String(SETTINGS.hiddenSize) },
        'teacher-forcing': { type: 'string', default: String(SETTINGS.teacherForcing) },
        beam: { type: 'string', default: String(SETTINGS.beam) },
        seed: { type: 'string', default: String(SETTINGS.seed) },
        svg: { type: 'string', default: SVG_FILE },
        threads: { type: 'string', default: '1' },
      },
    },
    '--steps N, --batch-size N, --hidden N, --teacher-forcing P, --beam K, --seed N, --svg FILE, --threads N (see the top of examples/seq2seq/main.mjs)',
  );
}

const percent = (fraction) => `${(100 * fraction).toFixed(2)}%`;

function report(label, { accuracy, bleu, outputs }, seconds) {
  const correct = `(${Math.round(accuracy * outputs.length)}/${outputs.length})`.padStart(11);
  console.log(
    `${label.padEnd(22)} exact match ${percent(accuracy).padStart(7)} ${correct}  BLEU ${(100 * bleu).toFixed(2)}  (${seconds.toFixed(1)} s)`,
  );
}

function timed(fn) {
  const start = performance.now();
  const result = fn();
  return [result, (performance.now() - start) / 1000];
}

async function main() {
  const { values: flags, positionals: dates } = parseCommandLine();
  const settings = {
    ...SETTINGS,
    steps: integerFlag(flags, 'steps'),
    batchSize: integerFlag(flags, 'batch-size'),
    hiddenSize: integerFlag(flags, 'hidden'),
    teacherForcing: probabilityFlag(flags, 'teacher-forcing'),
    beam: integerFlag(flags, 'beam'),
    seed: integerFlag(flags, 'seed', 0),
  };
  torch.setNumThreads(integerFlag(flags, 'threads'));
  const start = performance.now();
  const data = makeDates({ seed: settings.seed });
  const vocabularies = buildVocabularies(data.train);
  console.log(
    `${data.train.length} training pairs in ${TRAINING_FORMS.length} forms, ${data.test.length} held-out dates in those forms, ` +
      `${data.unseen.length} in ${UNSEEN_FORMS.length} unseen forms; ${vocabularies.source.length} source and ${vocabularies.target.length} target characters (specials included)`,
  );
  for (const [source, target] of data.train.slice(0, 4)) console.log(`  ${source.padEnd(28)} -> ${target}`);
  console.log(
    `batch ${settings.batchSize}, ${settings.steps} steps, Adam lr ${settings.lr} with cosine annealing, gradients clipped to norm ${settings.clip}, teacher forcing ratio ${settings.teacherForcing}; ${torch.getNumThreads()} CPU thread(s)`,
  );
  torch.manualSeed(settings.seed);
  const model = new Seq2Seq({ sourceVocabSize: vocabularies.source.length, targetVocabSize: vocabularies.target.length, ...settings });
  console.log(String(model));

  const { seconds } = await train(model, encodePairs(data.train, vocabularies), settings, {
    onStep: ({ step, steps, loss, pairs, seconds }) =>
      console.log(`step ${step}/${steps}  loss ${loss.toFixed(4)}  ${Math.round(pairs / seconds)} pairs/s  ${seconds.toFixed(1)} s`),
  });
  console.log(`trained ${settings.steps} steps in ${seconds.toFixed(1)} s\n`);

  report('test, greedy', ...timed(() => evaluate(model, data.test, vocabularies)));
  if (settings.beam > 1)
    report(`test, beam ${settings.beam}`, ...timed(() => evaluate(model, data.test, vocabularies, { beam: settings.beam })));
  const [unseen, unseenSeconds] = timed(() => evaluate(model, data.unseen, vocabularies));
  report('unseen forms, greedy', unseen, unseenSeconds);
  if (settings.beam > 1)
    report(`unseen forms, beam ${settings.beam}`, ...timed(() => evaluate(model, data.unseen, vocabularies, { beam: settings.beam })));
  console.log(
    'BLEU: corpus BLEU-4 over characters (torch.metrics.corpusBleu, as NLTK); beam search: summed log-probabilities, not length-normalised',
  );
  console.log('unseen forms, a few:');
  for (let i = 0; i < 5; i++)
    console.log(
      `  ${data.unseen[i][0].padEnd(28)} -> ${unseen.outputs[i]}${unseen.outputs[i] === data.unseen[i][1] ? '' : `  (want ${data.unseen[i][1]})`}`,
    );

  const examples = translate(model, HEAT_MAP_DATES, vocabularies).map((result, i) => ({ source: HEAT_MAP_DATES[i], ...result }));
  writeFileSync(flags.svg, attentionSvg(examples));
  console.log(`\nattention heat map of ${examples.map((e) => `'${e.source}'`).join(', ')}: ${relative(process.cwd(), flags.svg)}`);
  await torch.saveFile(model.stateDict(), MODEL_FILE, {
    metadata: { source: JSON.stringify(vocabularies.source.getItos()), target: JSON.stringify(vocabularies.target.getItos()) },
  });
  const { tensors, bytes } = torch.memory();
  console.log(
    `saved ${relative(process.cwd(), MODEL_FILE)}; memory: ${tensors} live tensors, ${(bytes.cpu / 2 ** 20).toFixed(1)} MiB of wasm memory in use`,
  );
  if (dates.length > 0) {
    console.log();
    translate(model, dates, vocabularies).forEach(({ output }, i) => console.log(`${dates[i].padEnd(28)} -> ${output}`));
    if (settings.beam > 1)
      translate(model, dates, vocabularies, { beam: settings.beam }).forEach(({ output }, i) =>
        console.log(`${dates[i].padEnd(28)} -> ${output}  (beam ${settings.beam})`),
      );
  }
  console.log(`\nwall time ${((performance.now() - start) / 1000).toFixed(1)} s`);
}

await runCommandLine(main);
