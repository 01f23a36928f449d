// torch.text: buildVocabFromIterator (frequency order with ties in first-appearance order, specials
// first or last, maxTokens, minFreq, the unk default index), Vocab's stoi/itos and numericalize;
// BucketIterator's length buckets sorted for packPaddedSequence, padding, lengths, shuffling from a
// seeded generator and pools; a bucketed batch through a packed GRU; and the errors for bad input.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';

const { buildVocabFromIterator, Vocab, BucketIterator } = torch.text;

// The course's tokenisation by split(' '): a trailing space leaves an empty token, kept as a word.
const corpus = ['saya pergi ke pasar', 'saya makan nasi di pasar ', 'dia pergi ke depok'].map((line) => line.split(' '));

describe('buildVocabFromIterator', () => {
  it('orders by count, most frequent first, ties in the order tokens first appear', () => {
    const vocab = buildVocabFromIterator(corpus);
    expect(vocab.getItos()).toEqual(['saya', 'pergi', 'ke', 'pasar', 'makan', 'nasi', 'di', '', 'dia', 'depok']);
    expect(vocab.length).toBe(10);
    expect(vocab.getDefaultIndex()).toBeNull();
  });

  it('puts specials first (or last), maps unknown tokens to <unk>, keeps maxTokens including specials', () => {
    const vocab = buildVocabFromIterator(corpus, { specials: ['<unk>', '<pad>'], maxTokens: 5 });
    expect(vocab.getItos()).toEqual(['<unk>', '<pad>', 'saya', 'pergi', 'ke']);
    expect(vocab.stoi('pergi')).toBe(3);
    expect(vocab.stoi('depok')).toBe(0);
    expect(vocab.itos(1)).toBe('<pad>');
    expect(vocab.has('depok')).toBe(false);
    expect(vocab.lookupIndices(['saya', 'dia', '<pad>'])).toEqual([2, 0, 1]);
    expect(vocab.lookupTokens([4, 0])).toEqual(['ke', '<unk>']);
    expect(vocab.getStoi().get('ke')).toBe(4);
    const last = buildVocabFromIterator(corpus, { specials: ['<pad>', '<UNK>'], specialFirst: false, unkToken: '<UNK>', minFreq: 2 });
    expect(last.getItos()).toEqual(['saya', 'pergi', 'ke', 'pasar', '<pad>', '<UNK>']);
    expect(last.stoi('nasi')).toBe(5);
  });

  it('counts a special that also occurs in the text only once, at its special place', () => {
    const vocab = buildVocabFromIterator([['<eos>', 'a', '<eos>']], { specials: ['<eos>'] });
    expect(vocab.getItos()).toEqual(['<eos>', 'a']);
  });

  it('numericalizes a token list to an int32 tensor on any device', async () => {
    const vocab = buildVocabFromIterator(corpus, { specials: ['<unk>'] });
    for (const device of devices) {
      const ids = vocab.numericalize(['dia', 'makan', 'roti'], { device });
      expect(ids.dtype).toBe('int32');
      expect(ids.device).toBe(device);
      expect(await ids.tolist()).toEqual([9, 5, 0]);
    }
  });

  it('sets and clears the default index', () => {
    const vocab = new Vocab(['a', 'b']);
    expect(() => vocab.stoi('c')).toThrow(
      "Vocab.stoi: token string 'c' is not in the vocabulary of 2 tokens, which has no default index; build it with an '<unk>' special or call setDefaultIndex",
    );
    vocab.setDefaultIndex(1);
    expect(vocab.stoi('c')).toBe(1);
    vocab.setDefaultIndex(null);
    expect(() => vocab.lookupIndices(['a', 'c'])).toThrow("Vocab.stoi: token string 'c' is not in the vocabulary");
  });

  it('refuses bad input, naming the function, the argument and the value', () => {
    expect(() => buildVocabFromIterator([])).toThrow('buildVocabFromIterator: the corpus is empty and there are no specials');
    expect(() => buildVocabFromIterator([['a']], { minFreq: 2 })).toThrow(
      'buildVocabFromIterator: no token occurs at least minFreq = 2 times',
    );
    expect(() => buildVocabFromIterator(['a b'] as never)).toThrow(
      "buildVocabFromIterator: token list 0 must be an array of strings, got string 'a b'",
    );
    expect(() => buildVocabFromIterator(5 as never)).toThrow(
      'buildVocabFromIterator: iterator must be an iterable of token arrays, got number 5',
    );
    expect(() => buildVocabFromIterator(corpus, { specials: ['<unk>', '<pad>'], maxTokens: 1 })).toThrow(
      'buildVocabFromIterator: maxTokens must be an integer of at least 1 and of at least the 2 specials, got number 1',
    );
    expect(() => buildVocabFromIterator(corpus, { specials: ['<unk>', '<unk>'] })).toThrow(
      'buildVocabFromIterator: specials has a repeated token',
    );
    expect(() => buildVocabFromIterator(corpus, { max_size: 5 } as never)).toThrow("buildVocabFromIterator: unknown option 'max_size'");
    expect(() => new Vocab(['a', 'a'])).toThrow("Vocab: token 'a' is at both index 0 and 1");
    const vocab = new Vocab(['a']);
    expect(() => vocab.itos(1)).toThrow('Vocab.itos: index number 1 is out of range for a vocabulary of 1 tokens');
    expect(() => vocab.setDefaultIndex(3)).toThrow('Vocab.setDefaultIndex: index must be null or an integer in [0, 1), got number 3');
    expect(() => vocab.numericalize('a' as never)).toThrow("Vocab.lookupIndices: tokens must be an array of strings, got string 'a'");
  });
});

describe('BucketIterator', () => {
  const sequences = [[1, 2], [3], [4, 5, 6, 7], [8, 9, 10], [11, 12], [13, 14, 15]];

  it('batches similar lengths, longest first, padded with padIndex, lengths as an int32 CPU tensor', async () => {
    const iterator = new BucketIterator(sequences, 2, { padIndex: 0 });
    expect(iterator.length).toBe(3);
    const batches = [...iterator];
    expect(batches.map((b) => b.indices)).toEqual([
      [2, 3],
      [5, 0],
      [4, 1],
    ]);
    expect(await batches[0].padded.tolist()).toEqual([
      [4, 8],
      [5, 9],
      [6, 10],
      [7, 0],
    ]);
    expect(batches[0].lengths.device).toBe('cpu');
    expect(batches[0].lengths.dtype).toBe('int32');
    expect(await batches[2].lengths.tolist()).toEqual([2, 1]);
    const batchFirst = [...new BucketIterator(sequences, 4, { batchFirst: true, padIndex: 1 })];
    expect(await batchFirst[1].padded.tolist()).toEqual([
      [11, 12],
      [3, 1],
    ]);
  });

  it('sorts within pools and shuffles from a seeded generator, anew on each pass', () => {
    const pooled = [...new BucketIterator(sequences, 1, { poolSize: 3 })].map((b) => b.indices[0]);
    expect(pooled).toEqual([2, 0, 1, 3, 5, 4]);
    const passes = (seed: number) => {
      const iterator = new BucketIterator(sequences, 2, { shuffle: true, generator: new torch.Generator().manualSeed(seed) });
      return [0, 1, 2].map(() => [...iterator].map((b) => b.indices));
    };
    const first = passes(3);
    expect(passes(3)).toEqual(first);
    expect(first.flat(2).sort((a, b) => a - b)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5]);
    expect(first[0]).not.toEqual(first[1]);
    for (const batch of first.flat()) expect(sequences[batch[0]].length).toBeGreaterThanOrEqual(sequences[batch[1]].length);
  });

  it('feeds packPaddedSequence and a GRU as it is', () => {
    torch.manualSeed(0);
    const embedding = new torch.nn.Embedding(16, 3, { paddingIdx: 0 });
    const gru = new torch.nn.GRU(3, 4);
    for (const { padded, lengths } of new BucketIterator(sequences, 3)) {
      const packed = torch.nn.utils.rnn.packPaddedSequence(embedding.forward(padded), lengths);
      const [, hidden] = gru.forward(packed);
      expect(hidden.shape).toEqual([1, 3, 4]);
    }
  });

  it('refuses bad input', () => {
    expect(() => new BucketIterator([], 2)).toThrow('BucketIterator: sequences is empty: there is nothing to batch');
    expect(() => new BucketIterator([[1], []], 2)).toThrow(
      'BucketIterator: sequences[1] is empty; packPaddedSequence needs every length >= 1',
    );
    expect(() => new BucketIterator([[1], ['a']] as never, 2)).toThrow('BucketIterator: sequences[1] must be an array of integer indices');
    expect(() => new BucketIterator([[1]], 0)).toThrow('BucketIterator: batchSize must be a positive integer, got number 0');
    expect(() => new BucketIterator([[1]], 1, { padIndex: 0.5 })).toThrow('BucketIterator: padIndex must be an integer, got number 0.5');
    expect(() => new BucketIterator([[1]], 1, { batch_first: true } as never)).toThrow(
      "BucketIterator: unknown option 'batch_first'; did you mean 'batchFirst'?",
    );
  });
});
