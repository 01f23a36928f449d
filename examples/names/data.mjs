// The surname data set (data/README.md): reading the CSV files, turning names into character
// codes, and batching them for the classifier. Shared by main.mjs, the rnn benchmark and the test.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as torch from '../../dist/node.js';
import { encodeName, NATIONALITIES } from './vocabulary.mjs';

export { encodeName, NATIONALITIES, VOCABULARY_SIZE } from './vocabulary.mjs';

export const TRAIN_FILE = new URL('./data/names_train.csv.gz', import.meta.url);
export const TEST_FILE = new URL('./data/names_test.csv.gz', import.meta.url);

const ROW = /^"((?:[^"]|"")*)","((?:[^"]|"")*)"$/;

/**
 * The samples of one of the gzipped CSV files (`"Surname","Nationality"` per line) as
 * `{ name, codes, label }`, label indexing NATIONALITIES. `limit` keeps every k-th row so that a
 * small sample still holds most classes.
 */
export function readNames(file, { limit = Infinity } = {}) {
  const lines = gunzipSync(readFileSync(file))
    .toString('utf8')
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
  const stride = Math.max(1, Math.floor(lines.length / limit));
  const samples = [];
  for (let i = 0; i < lines.length && samples.length < limit; i += stride) {
    const match = ROW.exec(lines[i]);
    if (!match) throw new Error(`readNames: line ${i + 1} of ${file.pathname ?? file} is not "Surname","Nationality": ${lines[i]}`);
    const [name, nationality] = [match[1], match[2]].map((field) => field.replaceAll('""', '"'));
    const label = NATIONALITIES.indexOf(nationality);
    if (label < 0) throw new Error(`readNames: line ${i + 1} of ${file.pathname ?? file} has the unknown nationality '${nationality}'`);
    samples.push({ name, codes: encodeName(name), label });
  }
  return samples;
}

/** Names as a dataset: `getItem(i)` is `{ name, codes, label }`. */
export class NamesDataset extends torch.utils.data.Dataset {
  constructor(samples) {
    super();
    this.samples = samples;
  }

  get length() {
    return this.samples.length;
  }

  getItem(index) {
    return this.samples[index];
  }
}

/**
 * The DataLoader's collateFn: pads the batch's codes with 0 into `x` [B, T] (int32, T the longest
 * name), and returns `[x, lengths, y]` with lengths a number[] and `y` [B] the int32 labels.
 */
export function collateNames(samples) {
  const lengths = samples.map((sample) => sample.codes.length);
  const steps = Math.max(...lengths);
  const codes = new Int32Array(samples.length * steps);
  samples.forEach((sample, b) => codes.set(sample.codes, b * steps));
  const x = torch.tensor(codes, { dtype: 'int32' }).view(samples.length, steps);
  const y = torch.tensor(
    Int32Array.from(samples, (sample) => sample.label),
    { dtype: 'int32' },
  );
  return [x, lengths, y];
}

/** A DataLoader over samples with collateNames; shuffled from `seed` when one is given. */
export function namesLoader(samples, { batchSize, seed = null }) {
  const shuffle = seed !== null;
  const generator = shuffle ? new torch.Generator().manualSeed(seed) : undefined;
  return new torch.utils.data.DataLoader(new NamesDataset(samples), { batchSize, shuffle, generator, collateFn: collateNames });
}
