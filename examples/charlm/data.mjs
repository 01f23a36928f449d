// The Shakespeare text (data/README.md): reading it, its characters as codes, the train/validation
// split and the parallel streams that truncated backpropagation through time walks in chunks.
// Shared by main.mjs and the test; scripts/charlm_pytorch.py repeats it for PyTorch.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as torch from '../../dist/node.js';

export const TEXT_FILE = new URL('./data/shakespeare.txt.gz', import.meta.url);

/** The whole corpus as one string. */
export function readText(file = TEXT_FILE) {
  return gunzipSync(readFileSync(file)).toString('utf8');
}

/** The characters of a text, each once, in code-point order: the vocabulary, code i being `charset[i]`. */
export function charsetOf(text) {
  return [...new Set(text)].sort().join('');
}

/** `text` as an Int32Array of indices into `charset`; a character outside it is an error that names it. */
export function encode(text, charset) {
  const index = new Map([...charset].map((char, i) => [char, i]));
  const codes = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = index.get(text[i]);
    if (code === undefined) throw new RangeError(`encode: the character ${JSON.stringify(text[i])} is not in the model's charset`);
    codes[i] = code;
  }
  return codes;
}

export function decode(codes, charset) {
  return Array.from(codes, (code) => charset[code]).join('');
}

/** The first `1 - validation` of the codes for training, the rest held out (no shuffling: the text is one sequence). */
export function splitCodes(codes, validation = 0.1) {
  const cut = Math.floor(codes.length * (1 - validation));
  return { train: codes.subarray(0, cut), validation: codes.subarray(cut) };
}

/**
 * The codes cut into `batch` contiguous streams of equal length, walked in chunks of `seqLen`
 * steps: chunk k holds, for each stream b, the inputs `x` [batch, seqLen] from position k * seqLen
 * of the stream and the targets `y` [batch * seqLen] (b-major, as `x.reshape(-1)`), each the
 * character after its input. A stream's hidden state carries from chunk k to chunk k + 1. The
 * characters left over after `batch` equal streams, and a stream's tail shorter than a chunk, are
 * not used.
 */
export class Streams {
  constructor(codes, { batch, seqLen }) {
    this.codes = codes;
    this.batch = batch;
    this.seqLen = seqLen;
    this.streamLength = Math.floor((codes.length - 1) / batch);
    this.length = Math.floor(this.streamLength / seqLen);
    if (this.length === 0)
      throw new RangeError(
        `Streams: ${codes.length} characters make no chunk of ${batch} streams of ${seqLen} steps; use a smaller batch or sequence length`,
      );
  }

  /** Chunk `k` (0 <= k < length) as `[x, y]`, int32 tensors on the CPU. */
  chunk(k) {
    const { batch, seqLen, streamLength, codes } = this;
    const x = new Int32Array(batch * seqLen);
    const y = new Int32Array(batch * seqLen);
    for (let b = 0; b < batch; b++) {
      const start = b * streamLength + k * seqLen;
      x.set(codes.subarray(start, start + seqLen), b * seqLen);
      y.set(codes.subarray(start + 1, start + seqLen + 1), b * seqLen);
    }
    // The scope frees the flat tensor under the view (the view keeps its storage).
    return [torch.scope(() => torch.tensor(x, { dtype: 'int32' }).view(batch, seqLen)), torch.tensor(y, { dtype: 'int32' })];
  }
}

/**
 * The perplexity of a unigram model, each character's probability its frequency in `train` (add-one
 * smoothed, so that a character unseen there is not infinitely surprising), on the `validation` codes.
 */
export function unigramPerplexity(train, validation, vocabularySize) {
  const counts = new Float64Array(vocabularySize).fill(1);
  for (const code of train) counts[code] += 1;
  const total = train.length + vocabularySize;
  let crossEntropy = 0;
  for (const code of validation) crossEntropy -= Math.log(counts[code] / total);
  return torch.metrics.perplexity(crossEntropy / validation.length);
}
