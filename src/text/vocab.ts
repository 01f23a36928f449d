/** Vocabularies: tokens to indices and back, built from token lists by frequency, after torchtext's Vocab. */

import { tensor } from '../ops/creation.js';
import { checkOptions, describeValue, optionKeys } from '../options.js';
import type { Tensor } from '../tensor.js';

export interface BuildVocabOptions {
  /** Tokens seen fewer times are left out (default 1). */
  minFreq?: number;
  /** Tokens put in whatever their counts, such as '<unk>' and '<pad>', in this order (default none). */
  specials?: readonly string[];
  /** Specials take the first indices, else the last (default true). */
  specialFirst?: boolean;
  /** The most tokens kept, specials included; the rarest go (default all). */
  maxTokens?: number;
  /** The special that unknown tokens map to, when it is among `specials` (default '<unk>'). */
  unkToken?: string;
}

const BUILD_VOCAB_OPTIONS = optionKeys<BuildVocabOptions>({
  minFreq: true,
  specials: true,
  specialFirst: true,
  maxTokens: true,
  unkToken: true,
});

export interface NumericalizeOptions {
  /** Where the tensor goes (default: the default device). */
  device?: string;
}

const NUMERICALIZE_OPTIONS = optionKeys<NumericalizeOptions>({ device: true });

/**
 * A vocabulary: `itos` (index to string) and `stoi` (string to index). Unknown tokens map to the
 * default index when there is one (the unk special's, when the vocabulary has it; see
 * setDefaultIndex) and are an error otherwise.
 *
 * ```ts
 * const vocab = torch.text.buildVocabFromIterator([['a', 'b', 'b']], { specials: ['<unk>', '<pad>'] });
 * vocab.getItos();         // ['<unk>', '<pad>', 'b', 'a']
 * vocab.stoi('b');         // 2
 * vocab.stoi('zebra');     // 0
 * ```
 */
export class Vocab {
  private readonly tokens: readonly string[];
  private readonly indices: ReadonlyMap<string, number>;
  private defaultIndex: number | null;

  /** A vocabulary of these tokens in index order, with unknown tokens mapping to `defaultIndex` (null: an error). */
  constructor(itos: readonly string[], defaultIndex: number | null = null) {
    if (!Array.isArray(itos) || !itos.every((token) => typeof token === 'string'))
      throw new TypeError(`Vocab: itos must be an array of strings, got ${describeValue(itos)}`);
    const indices = new Map<string, number>();
    itos.forEach((token, i) => {
      if (indices.has(token)) throw new RangeError(`Vocab: token '${token}' is at both index ${indices.get(token)} and ${i}`);
      indices.set(token, i);
    });
    this.tokens = [...itos];
    this.indices = indices;
    this.defaultIndex = null;
    this.setDefaultIndex(defaultIndex);
  }

  /** The number of tokens (torchtext's `len(vocab)`). */
  get length(): number {
    return this.tokens.length;
  }

  /** The index of a token; an unknown token gets the default index, or throws when there is none. */
  stoi(token: string): number {
    const index = this.indices.get(token);
    if (index !== undefined) return index;
    if (this.defaultIndex !== null) return this.defaultIndex;
    throw new RangeError(
      `Vocab.stoi: token ${describeValue(token)} is not in the vocabulary of ${this.length} tokens, which has no default index; ` +
        `build it with an '<unk>' special or call setDefaultIndex`,
    );
  }

  /** The token at an index. */
  itos(index: number): string {
    if (!Number.isInteger(index) || index < 0 || index >= this.length)
      throw new RangeError(`Vocab.itos: index ${describeValue(index)} is out of range for a vocabulary of ${this.length} tokens`);
    return this.tokens[index];
  }

  /** Whether the token is in the vocabulary (torchtext's `token in vocab`). */
  has(token: string): boolean {
    return this.indices.has(token);
  }

  /** stoi of each token. */
  lookupIndices(tokens: readonly string[]): number[] {
    checkTokens('Vocab.lookupIndices', tokens);
    return tokens.map((token) => this.stoi(token));
  }

  /** itos of each index. */
  lookupTokens(indices: readonly number[]): string[] {
    if (!Array.isArray(indices))
      throw new TypeError(`Vocab.lookupTokens: indices must be an array of numbers, got ${describeValue(indices)}`);
    return indices.map((index) => this.itos(index));
  }

  /** The tokens in index order (a copy). */
  getItos(): string[] {
    return [...this.tokens];
  }

  /** Token to index for every token (a copy). */
  getStoi(): Map<string, number> {
    return new Map(this.indices);
  }

  /** The index unknown tokens map to, or null when they are an error. */
  getDefaultIndex(): number | null {
    return this.defaultIndex;
  }

  /** Sets the index unknown tokens map to; null makes them an error. */
  setDefaultIndex(index: number | null): void {
    if (index !== null && (!Number.isInteger(index) || index < 0 || index >= this.length))
      throw new RangeError(`Vocab.setDefaultIndex: index must be null or an integer in [0, ${this.length}), got ${describeValue(index)}`);
    this.defaultIndex = index;
  }

  /**
   * The indices of the tokens as a 1-D int32 tensor, the input nn.Embedding takes (legacy
   * torchtext's Field.numericalize for one example).
   */
  numericalize(tokens: readonly string[], options?: NumericalizeOptions): Tensor {
    const { device } = checkOptions('Vocab.numericalize', options, NUMERICALIZE_OPTIONS);
    return tensor(Int32Array.from(this.lookupIndices(tokens)), { device });
  }
}

/**
 * A vocabulary of the tokens of `iterator` (token lists, such as tokenised sentences), as
 * torchtext's `build_vocab_from_iterator`, ordered by count, most frequent first, with ties in the
 * order the tokens first appear (the course's `Counter` with Python's stable sort; torchtext breaks
 * ties alphabetically). Specials come first (or last) whatever their counts; unknown tokens map to
 * `unkToken` when it is a special. torchtext's legacy `max_size=50000` with two specials is
 * `maxTokens: 50002`.
 *
 * ```ts
 * const vocab = torch.text.buildVocabFromIterator([['to', 'be', 'or', 'not', 'to', 'be']], { specials: ['<unk>'], maxTokens: 3 });
 * vocab.getItos();        // ['<unk>', 'to', 'be']
 * ```
 */
export function buildVocabFromIterator(iterator: Iterable<readonly string[]>, options?: BuildVocabOptions): Vocab {
  const fn = 'buildVocabFromIterator';
  const { minFreq = 1, specials = [], specialFirst = true, maxTokens, unkToken = '<unk>' } = checkOptions(fn, options, BUILD_VOCAB_OPTIONS);
  if (iterator === null || typeof (iterator as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function')
    throw new TypeError(`${fn}: iterator must be an iterable of token arrays, got ${describeValue(iterator)}`);
  if (!Number.isInteger(minFreq) || minFreq < 1)
    throw new RangeError(`${fn}: minFreq must be a positive integer, got ${describeValue(minFreq)}`);
  checkTokens(fn, specials, 'specials');
  if (new Set(specials).size !== specials.length) throw new RangeError(`${fn}: specials has a repeated token: [${specials.join(', ')}]`);
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < specials.length || maxTokens < 1))
    throw new RangeError(
      `${fn}: maxTokens must be an integer of at least 1 and of at least the ${specials.length} specials, got ${describeValue(maxTokens)}`,
    );

  // A Map iterates in insertion order, so sorting its entries stably keeps first appearances in order.
  const counts = new Map<string, number>();
  let lists = 0;
  for (const tokens of iterator) {
    checkTokens(fn, tokens, `token list ${lists}`);
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
    lists++;
  }
  if (lists === 0 && specials.length === 0)
    throw new RangeError(`${fn}: the corpus is empty and there are no specials: the vocabulary would have no tokens`);
  const special = new Set(specials);
  const ranked = [...counts]
    .filter(([token, count]) => count >= minFreq && !special.has(token))
    .sort((a, b) => b[1] - a[1])
    .map(([token]) => token);
  const kept = maxTokens === undefined ? ranked : ranked.slice(0, maxTokens - specials.length);
  const itos = specialFirst ? [...specials, ...kept] : [...kept, ...specials];
  if (itos.length === 0) throw new RangeError(`${fn}: no token occurs at least minFreq = ${minFreq} times and there are no specials`);
  return new Vocab(itos, special.has(unkToken) ? itos.indexOf(unkToken) : null);
}

function checkTokens(fn: string, tokens: unknown, name = 'tokens'): asserts tokens is readonly string[] {
  if (!Array.isArray(tokens) || !tokens.every((token) => typeof token === 'string'))
    throw new TypeError(`${fn}: ${name} must be an array of strings, got ${describeValue(tokens)}`);
}
