// Surname -> nationality with a Transformer encoder: the names example's surnames, split
// (13,374 training, 6,700 test names of 18 nationalities) and batches, classified by character
// Embedding scaled by sqrt(dModel) -> sinusoidal PositionalEncoding (a buffer) -> nn.TransformerEncoder
// (batchFirst, srcKeyPaddingMask true at the padding) -> the mean over each name's real positions
// -> Linear. Reports test accuracy after every epoch, then balanced and per-class accuracy, saves
// the model as safetensors (the PyTorch twin's state dict keys) and classifies the names given.
//
// The padded positions' outputs: in eval mode without gradients, webtorch's TransformerEncoder
// zeroes them, as PyTorch 1.13's nested-tensor fast path does (PyTorch 1.13 also drops a padding
// column that every sequence shares, a bug fixed in 2.1; webtorch keeps the shape, as 2.1 does). In
// training, or with gradients on, both leave there what the layers computed from the padding
// tokens. The masked mean reads only real positions, so the classifier's results are the same
// either way.
//
//   node examples/transformer/main.mjs [flags] [names...]   (or npm run example -- transformer [flags] [names...])
//
// Flags:
//   --epochs N            passes over the training set (default 25); the learning rate follows a
//                         cosine from --lr down to 0 over them
//   --batch-size N        names per step (default 64)
//   --d-model N           the embedding and encoder width (default 64)
//   --nhead N             attention heads; must divide --d-model (default 4)
//   --layers N            encoder layers (default 2)
//   --dim-feedforward N   width of each layer's feedforward block (default 256)
//   --dropout P           dropout after the position encoding and in the layers (default 0.1)
//   --lr X                Adam's initial learning rate (default 3e-3)
//   --seed N              seeds the weights, dropout and the shuffling (default 0)
//   --threads N           CPU threads (default 1, as the PyTorch twin): the matrices are small
// The clipping norm is in SETTINGS in train.mjs. The model is saved to examples/transformer/model.safetensors.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../dist/node.js';
import { integerFlag, parseFlags, probabilityFlag, runCommandLine, UsageError } from '../flags.mjs';
import { NATIONALITIES, namesLoader, readNames, TEST_FILE, TRAIN_FILE } from '../names/data.mjs';
import { classify } from '../names/model.mjs';
import { TransformerClassifier } from './model.mjs';
import { evaluate, SETTINGS, trainEpoch } from './train.mjs';

const MODEL_FILE = fileURLToPath(new URL('./model.safetensors', import.meta.url));

function parseCommandLine() {
  return parseFlags(
    {
      allowPositionals: true,
      options: {
        epochs: { type: 'string', default: String(SETTINGS.epochs) },
        'batch-size': { type: 'string', default: String(SETTINGS.batchSize) },
        'd-model': { type: 'string', default: String(SETTINGS.dModel) },
        nhead: { type: 'string', default: String(SETTINGS.nhead) },
        layers: { type: 'string', default: String(SETTINGS.numLayers) },
        'dim-feedforward': { type: 'string', default: String(SETTINGS.dimFeedforward) },
        dropout: { type: 'string', default: String(SETTINGS.dropout) },
        lr: { type: 'string', default: String(SETTINGS.lr) },
        seed: { type: 'string', default: String(SETTINGS.seed) },
        threads: { type: 'string', default: '1' },
      },
    },
    '--epochs N, --batch-size N, --d-model N, --nhead N, --layers N, --dim-feedforward N, --dropout P, --lr X, --seed N, --threads N (see the top of examples/transformer/main.mjs)',
  );
}

function learningRateFlag(flags) {
  const value = Number(flags.lr);
  if (!(value > 0 && value < Infinity)) throw new UsageError(`--lr must be a number > 0, got '${flags.lr}'`);
  return value;
}

function settingsOf(flags) {
  const settings = {
    ...SETTINGS,
    epochs: integerFlag(flags, 'epochs'),
    batchSize: integerFlag(flags, 'batch-size'),
    dModel: integerFlag(flags, 'd-model'),
    nhead: integerFlag(flags, 'nhead'),
    numLayers: integerFlag(flags, 'layers'),
    dimFeedforward: integerFlag(flags, 'dim-feedforward'),
    dropout: probabilityFlag(flags, 'dropout'),
    lr: learningRateFlag(flags),
    seed: integerFlag(flags, 'seed', 0),
  };
  if (settings.dModel % settings.nhead !== 0)
    throw new UsageError(`--nhead must divide --d-model, got --nhead ${settings.nhead} and --d-model ${settings.dModel}`);
  return settings;
}

const percent = (fraction) => `${(100 * fraction).toFixed(1)}%`;

function printClassified(results) {
  const width = Math.max(...results.map((r) => r.name.length));
  for (const { name, top } of results) {
    const guesses = top.map(({ nationality, probability }) => `${nationality} ${percent(probability)}`.padEnd(18));
    console.log(`${name.padEnd(width)}  ${guesses.join('  ').trimEnd()}`);
  }
}

async function main() {
  const { values: flags, positionals: names } = parseCommandLine();
  const settings = settingsOf(flags);
  torch.setNumThreads(integerFlag(flags, 'threads'));
  const start = performance.now();
  torch.manualSeed(settings.seed);
  const trainSet = readNames(TRAIN_FILE);
  const testSet = readNames(TEST_FILE);
  const trainLoader = namesLoader(trainSet, { batchSize: settings.batchSize, seed: settings.seed });
  const testLoader = namesLoader(testSet, { batchSize: 512 });
  const model = new TransformerClassifier(settings);
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: settings.lr });
  const scheduler = new torch.optim.lrScheduler.CosineAnnealingLR(optimizer, settings.epochs);
  console.log(
    `${trainSet.length} training and ${testSet.length} test names, ${NATIONALITIES.length} nationalities; batch ${settings.batchSize}, Adam lr ${settings.lr} with cosine annealing over ${settings.epochs} epochs, gradients clipped to norm ${settings.clip}; ${torch.getNumThreads()} CPU thread(s)`,
  );
  console.log(String(model));

  let trainingSeconds = 0;
  let result = null;
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    const { loss, names: seen, seconds } = await trainEpoch(model, trainLoader, optimizer, { clip: settings.clip });
    scheduler.step();
    trainingSeconds += seconds;
    result = await evaluate(model, testLoader);
    console.log(
      `epoch ${epoch}/${settings.epochs}  train loss ${loss.toFixed(4)}  test accuracy ${percent(result.accuracy)}  balanced accuracy ${percent(result.balancedAccuracy)}  ${Math.round(seen / seconds)} names/s  (${seconds.toFixed(1)} s)`,
    );
  }
  console.log(
    `\ntrained ${settings.epochs} epoch${settings.epochs === 1 ? '' : 's'} in ${trainingSeconds.toFixed(1)} s (${((performance.now() - start) / 1000).toFixed(1)} s with the evaluations)`,
  );
  console.log('per-class test accuracy:');
  for (const { nationality, correct, total } of result.perClass)
    console.log(`  ${nationality.padEnd(11)} ${percent(correct / total).padStart(6)}  (${correct}/${total})`);
  console.log(`test accuracy ${percent(result.accuracy)}, balanced accuracy ${percent(result.balancedAccuracy)}`);

  await torch.saveFile(model.stateDict(), MODEL_FILE);
  const { tensors, bytes } = torch.memory();
  console.log(
    `\nsaved ${relative(process.cwd(), MODEL_FILE)}; memory: ${tensors} live tensors, ${(bytes.cpu / 2 ** 20).toFixed(1)} MiB of wasm memory in use`,
  );
  if (names.length > 0) {
    console.log();
    printClassified(await classify(model, names));
  }
  console.log(`\nwall time ${((performance.now() - start) / 1000).toFixed(1)} s`);
}

await runCommandLine(main);
