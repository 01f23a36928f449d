// Surname -> nationality: trains a character-level bidirectional GRU classifier on 13,374 surnames
// of 18 nationalities (data/README.md), reports test accuracy after every epoch, saves the model as
// safetensors and classifies the names given on the command line.
//
//   node examples/names/main.mjs [flags] [names...]   train, evaluate, save, then classify names
//   node examples/names/main.mjs classify <names...>  classify with the saved model, no training
//
// Flags (training):
//   --epochs N       passes over the training set (default 6); the learning rate follows a cosine
//                    from 3e-3 down to 0 over them (at batch 64; see --batch-size)
//   --hidden N       GRU hidden size per direction (default 100)
//   --batch-size N   names per step (default 64); the learning rate grows with the square root of
//                    the batch size, from 3e-3 at 64 (6e-3 at 256)
//   --seed N         seeds the weights and the shuffling (default 0)
//   --devices LIST   trains with nn.DataParallel over these devices, e.g. cpu:1,cpu:2 (worker CPU
//                    devices, started here) or webgpu,webgpu:1; without it, on the main-thread CPU
// The embedding size, learning rate and clipping norm are SETTINGS in train.mjs. The model is
// saved to (and classify reads) examples/names/model.safetensors.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../dist/node.js';
import { integerFlag, parseFlags, runCommandLine, UsageError } from '../flags.mjs';
import { NATIONALITIES, namesLoader, readNames, TEST_FILE, TRAIN_FILE } from './data.mjs';
import { classify, moveToCpu, NameClassifier } from './model.mjs';
import { evaluate, learningRate, SETTINGS, trainEpoch } from './train.mjs';

const MODEL_FILE = fileURLToPath(new URL('./model.safetensors', import.meta.url));

function parseCommandLine() {
  return parseFlags(
    {
      allowPositionals: true,
      options: {
        epochs: { type: 'string', default: String(SETTINGS.epochs) },
        hidden: { type: 'string', default: String(SETTINGS.hiddenSize) },
        'batch-size': { type: 'string', default: String(SETTINGS.batchSize) },
        seed: { type: 'string', default: String(SETTINGS.seed) },
        devices: { type: 'string' },
      },
    },
    '--epochs N, --hidden N, --batch-size N, --seed N, --devices LIST (see the top of examples/names/main.mjs)',
  );
}

/** The devices of --devices (null without it), each a name torch knows: cpu, cpu:N, webgpu, webgpu:N. */
function devicesFlag(flags) {
  if (flags.devices === undefined) return null;
  const names = flags.devices.split(',').map((name) => name.trim());
  const bad = names.find((name) => !/^(cpu|webgpu)(:[0-9]+)?$/.test(name));
  if (bad !== undefined)
    throw new UsageError(
      `--devices takes device names separated by commas (cpu, cpu:1, webgpu, webgpu:1, ...), got '${bad}' in '${flags.devices}'`,
    );
  return names;
}

/** Starts what `devices` needs: worker CPU devices up to the highest cpu:N, WebGPU devices up to the highest webgpu:N. */
async function startDevices(devices) {
  const highest = (kind) =>
    Math.max(
      -1,
      ...devices
        .map((name) => name.split(':'))
        .filter(([k]) => k === kind)
        .map(([, n]) => Number(n ?? 0)),
    );
  if (highest('cpu') > 0) await torch.cpu.init({ devices: highest('cpu') });
  if (highest('webgpu') >= 0) await torch.webgpu.init({ deviceCount: highest('webgpu') + 1 });
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
  const devices = devicesFlag(flags);
  const lr = learningRate(batchSize);

  if (devices) await startDevices(devices);
  torch.manualSeed(seed);
  const trainSet = readNames(TRAIN_FILE);
  const testSet = readNames(TEST_FILE);
  const replicas = devices?.length ?? 1;
  const trainLoader = namesLoader(trainSet, { batchSize, seed, replicas });
  const testLoader = namesLoader(testSet, { batchSize: 512, replicas });
  const model = new NameClassifier({ embeddingSize: SETTINGS.embeddingSize, hiddenSize });
  // The module's parameters live on the first device; every step copies them to the others.
  const net = devices ? new torch.nn.DataParallel(model.to(devices[0]), { deviceIds: devices }) : model;
  const optimizer = new torch.optim.Adam(model.parameters(), { lr });
  const scheduler = new torch.optim.lrScheduler.CosineAnnealingLR(optimizer, epochs);
  console.log(
    `${trainSet.length} training and ${testSet.length} test names, ${NATIONALITIES.length} nationalities; batch ${batchSize}, Adam lr ${lr} with cosine annealing, gradients clipped to norm ${SETTINGS.clip}${devices ? `; DataParallel over ${devices.join(', ')}` : ''}`,
  );
  console.log(String(model));

  const start = performance.now();
  let trainingSeconds = 0;
  let result = null;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const { loss, seconds } = await trainEpoch(net, trainLoader, optimizer, {
      clip: SETTINGS.clip,
      onBatch: progressReporter(epoch, epochs),
    });
    scheduler.step();
    trainingSeconds += seconds;
    result = await evaluate(net, testLoader);
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
  await moveToCpu(model);
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

await runCommandLine(async () => {
  const { values: flags, positionals } = parseCommandLine();
  if (positionals[0] === 'classify') await classifySaved(positionals.slice(1));
  else await train(flags, positionals);
});
