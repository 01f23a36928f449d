// The surname data set's text as samples, and batching them for the classifier: no file access, so
// the browser page (examples/web) shares it with data.mjs, which reads the files in Node. Like
// model.mjs and train.mjs it imports the Node bundle; the page's build points that at the browser's.
import * as torch from '../../dist/node.js';
import { encodeName, NATIONALITIES } from './vocabulary.mjs';

const ROW = /^"((?:[^"]|"")*)","((?:[^"]|"")*)"$/;

/**
 * The samples of the text of one of the CSV files (`"Surname","Nationality"` per line) as
 * `{ name, codes, label }`, label indexing NATIONALITIES. `limit` keeps every k-th row so that a
 * small sample still holds most classes; `source` names the text in errors.
 */
export function parseNames(text, { limit = Infinity, source = 'the names' } = {}) {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  const stride = Math.max(1, Math.floor(lines.length / limit));
  const samples = [];
  for (let i = 0; i < lines.length && samples.length < limit; i += stride) {
    const match = ROW.exec(lines[i]);
    if (!match) throw new Error(`parseNames: line ${i + 1} of ${source} is not "Surname","Nationality": ${lines[i]}`);
    const [name, nationality] = [match[1], match[2]].map((field) => field.replaceAll('""', '"'));
    const label = NATIONALITIES.indexOf(nationality);
    if (label < 0) throw new Error(`parseNames: line ${i + 1} of ${source} has the unknown nationality '${nationality}'`);
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
  // The view shares the flat tensor's storage; disposing the flat one now keeps the live-tensor
  // count flat over an epoch instead of leaving it to the garbage collector.
  const flat = torch.tensor(codes, { dtype: 'int32' });
  const x = flat.view(samples.length, steps);
  flat.dispose();
  const y = torch.tensor(
    Int32Array.from(samples, (sample) => sample.label),
    { dtype: 'int32' },
  );
  return [x, lengths, y];
}

/**
 * The batch's samples ordered for nn.DataParallel over `replicas` devices, which splits a batch
 * into contiguous pieces: sorted by length and dealt round-robin, so every piece gets names of
 * every length. A packed GRU takes as many steps as its longest name, so a piece that drew the
 * long names alone would keep the other replicas waiting. The deal starts from the last replica:
 * the first one also gathers the outputs, takes the loss and steps the optimizer, so it gets the
 * shorter name of each round.
 */
function dealtByLength(samples, replicas) {
  const sorted = [...samples].sort((a, b) => b.codes.length - a.codes.length);
  return Array.from({ length: replicas }, (_, r) => sorted.filter((_, i) => i % replicas === replicas - 1 - r)).flat();
}

/**
 * A DataLoader over samples with collateNames; shuffled from `seed` when one is given. With
 * `replicas` above 1 (the devices of an nn.DataParallel) each batch's names are ordered so that
 * every replica's piece holds names of every length (the batch's loss is the same).
 */
export function namesLoader(samples, { batchSize, seed = null, replicas = 1 }) {
  const shuffle = seed !== null;
  const generator = shuffle ? new torch.Generator().manualSeed(seed) : undefined;
  const collateFn = replicas > 1 ? (batch) => collateNames(dealtByLength(batch, replicas)) : collateNames;
  return new torch.utils.data.DataLoader(new NamesDataset(samples), { batchSize, shuffle, generator, collateFn });
}
