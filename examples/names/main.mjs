// Surname -> nationality: trains a character-level bidirectional GRU classifier on 13,374 surnames
// of 18 nationalities (data/README.md), reports test accuracy after every epoch, saves the model as
// safetensors and classifies the names given on the command line.
//
//   node examples/names/main.mjs [flags] [names...]   train, evaluate, save, then classify names
//   node examples/names/main.mjs classify <names...>  classify with the saved model, no training
//
// Flags (training):
//   --epochs N       passes over the training set (default 6); the learning rate follows a cosine
//                    from 3e-3 down to 0 over them
//   --hidden N       GRU hidden size per direction (default 100)
//   --batch-size N   names per step (default 64)
//   --seed N         seeds the weights and the shuffling (default 0)
// The embedding size, learning rate and clipping norm are SETTINGS in train.mjs. The model is
// saved to (and classify reads) examples/names/model.safetensors.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from '../../dist/node.js';
import { NATIONALITIES, namesLoader, readNames, TEST_FILE, TRAIN_FILE } from './data.mjs';
import { classify, NameClassifier } from './model.mjs';
import { evaluate, SETTINGS, trainEpoch } from './train.mjs';

const MODEL_FILE = fileURLToPath(new URL('./model.safetensors', import.meta.url));

/** A mistake on the command line: reported as its message alone, with exit code 2. */
class UsageError extends Error {}

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        epochs: { type: 'string', default: String(SETTINGS.epochs) },
        hidden: { type: 'string', default: String(SETTINGS.hiddenSize) },
        'batch-size': { type: 'string', default: String(SETTINGS.batchSize) },
        seed: { type: 'string', default: String(SETTINGS.seed) },
      },
    });
  } catch (error) {
    throw new UsageError(
      `${error.message}\nflags: --epochs N, --hidden N, --batch-size N, --seed N (see the top of examples/names/main.mjs)`,
    );
  }
}

function integerFlag(flags, flag, min = 1) {
  const value = Number(flags[flag]);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${flag} must be an integer >= ${min}, got '${flags[flag]}'`);
  return value;
}

const percent = (fraction) => `${(100 * fraction).toFixed(1)}%`;

/**
 * Progress of one epoch: on a terminal a single line rewritten in place; in a log (stdout not a
 * TTY) a plain line every `every` batches and at the end.
 */
function progressReporter(epoch, epochs, { every = 50 } = {}) {
  const tty = process.stdout.isTTY;
  const width = 24;
  return ({ batch, batches, names, loss, seconds }) => {
    const rate = `${Math.round(names / seconds)} names/s`;
    const label = `epoch ${epoch}/${epochs}`;
    if (tty) {
      const filled = Math.round((width * batch) / batches);
      const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
      process.stdout.write(`\r${label} [${bar}] ${batch}/${batches}  loss ${loss.toFixed(4)}  ${rate}  ${seconds.toFixed(1)} s `);
      if (batch === batches) process.stdout.write('\n');
    } else if (batch % every === 0 || batch === batches) {
      console.log(`${label}  batch ${batch}/${batches}  loss ${loss.toFixed(4)}  ${rate}  ${seconds.toFixed(1)} s`);
    }
  };
}

function printClassified(results) {
  const width = Math.max(...results.map((r) => r.name.length));
  for (const { name, top } of results) {
    console.log(
      `${name.padEnd(width)}  ${top
        .map(({ nationality, probability }) => `${nationality} ${percent(probability)}`.padEnd(18))
        .join('  ')
        .trimEnd()}`,
    );
  }
}

async function train(flags, names) {
  const epochs = integerFlag(flags, 'epochs');
  const hiddenSize = integerFlag(flags, 'hidden');
  const batchSize = integerFlag(flags, 'batch-size');
  const seed = integerFlag(flags, 'seed', 0);

  torch.manualSeed(seed);
  const trainSet = readNames(TRAIN_FILE);
  const testSet = readNames(TEST_FILE);
  const trainLoader = namesLoader(trainSet, { batchSize, seed });
  const testLoader = namesLoader(testSet, { batchSize: 512 });
  const model = new NameClassifier({ embeddingSize: SETTINGS.embeddingSize, hiddenSize });
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: SETTINGS.lr });
  const scheduler = new torch.optim.lrScheduler.CosineAnnealingLR(optimizer, epochs);
  console.log(
    `${trainSet.length} training and ${testSet.length} test names, ${NATIONALITIES.length} nationalities; batch ${batchSize}, Adam lr ${SETTINGS.lr} with cosine annealing, gradients clipped to norm ${SETTINGS.clip}`,
  );
  console.log(String(model));

  const start = performance.now();
  let trainingSeconds = 0;
  let result = null;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const { loss, seconds } = trainEpoch(model, trainLoader, optimizer, { clip: SETTINGS.clip, onBatch: progressReporter(epoch, epochs) });
    scheduler.step();
    trainingSeconds += seconds;
    result = evaluate(model, testLoader);
    console.log(
      `epoch ${epoch}/${epochs}  train loss ${loss.toFixed(4)}  test accuracy ${percent(result.accuracy)}  balanced accuracy ${percent(result.balancedAccuracy)}  (${seconds.toFixed(1)} s)`,
    );
  }
  const wallSeconds = (performance.now() - start) / 1000;
  console.log(
    `\ntrained ${epochs} epoch${epochs === 1 ? '' : 's'} in ${trainingSeconds.toFixed(1)} s (${wallSeconds.toFixed(1)} s with the evaluations)`,
  );

  console.log('per-class test accuracy:');
  for (const { nationality, correct, total } of result.perClass) {
    console.log(`  ${nationality.padEnd(11)} ${percent(correct / total).padStart(6)}  (${correct}/${total})`);
  }
  await torch.saveFile(model.stateDict(), MODEL_FILE);
  const { tensors, bytes } = torch.memory();
  console.log(
    `\nsaved ${relative(process.cwd(), MODEL_FILE)}; memory: ${tensors} live tensors, ${(bytes.cpu / 2 ** 20).toFixed(1)} MiB of wasm memory in use`,
  );
  if (names.length > 0) {
    console.log();
    printClassified(await classify(model, names));
  }
}

async function classifySaved(names) {
  if (names.length === 0)
    throw new UsageError('classify: give one or more names, e.g. node examples/names/main.mjs classify Nguyen Schmidt');
  if (!existsSync(MODEL_FILE))
    throw new UsageError(`classify: ${MODEL_FILE} does not exist yet; train first with npm run demo (or node examples/names/main.mjs)`);
  const model = NameClassifier.fromStateDict(await torch.loadFile(MODEL_FILE));
  printClassified(await classify(model, names));
}

try {
  const { values: flags, positionals } = parseCommandLine();
  if (positionals[0] === 'classify') await classifySaved(positionals.slice(1));
  else await train(flags, positionals);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(error.message);
  process.exitCode = 2;
}
