// The surname data set (data/README.md) as files: reading the gzipped CSV files into samples.
// Shared by main.mjs, the rnn benchmark and the test; what the browser also needs (parsing, batching)
// is in dataset.mjs, which this re-exports.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseNames } from './dataset.mjs';

export { collateNames, NamesDataset, namesLoader, parseNames } from './dataset.mjs';
export { encodeName, NATIONALITIES, VOCABULARY_SIZE } from './vocabulary.mjs';

export const TRAIN_FILE = new URL('./data/names_train.csv.gz', import.meta.url);
export const TEST_FILE = new URL('./data/names_test.csv.gz', import.meta.url);

/** The samples of one of the gzipped CSV files, as parseNames reads them. */
export function readNames(file, { limit = Infinity } = {}) {
  return parseNames(gunzipSync(readFileSync(file)).toString('utf8'), { limit, source: file.pathname ?? String(file) });
}
