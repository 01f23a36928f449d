// torch.metrics.corpusBleu and sentenceBleu against NLTK 3.8's corpus_bleu and sentence_bleu
// (test/fixtures/generate_bleu.py writes bleu.json): perfect and partial matches, several
// references, clipping, the brevity penalty and its closest reference, zero n-gram matches with
// and without method1, custom weights and auto reweighing; then the errors for bad input.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

const { corpusBleu, sentenceBleu, SmoothingFunction } = torch.metrics;

interface BleuCase {
  name: string;
  fn: 'corpusBleu' | 'sentenceBleu';
  references: string[][][] | string[][];
  hypotheses: string[][];
  weights: number[];
  smoothing: 'method1' | null;
  autoReweigh: boolean;
  expected: number;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/bleu.json', import.meta.url), 'utf8')) as { cases: BleuCase[] };

describe('BLEU matches NLTK', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const options = {
      weights: c.weights,
      autoReweigh: c.autoReweigh,
      ...(c.smoothing === null ? {} : { smoothingFunction: new SmoothingFunction()[c.smoothing] }),
    };
    const score =
      c.fn === 'corpusBleu'
        ? corpusBleu(c.references as string[][][], c.hypotheses, options)
        : sentenceBleu(c.references as string[][], c.hypotheses[0], options);
    if (c.expected === 0) expect(score).toBe(0);
    // NLTK sums the weighted logarithms with math.fsum, exactly rounded; a plain sum may differ in the last bits.
    else expect(Math.abs(score - c.expected) / c.expected).toBeLessThan(1e-13);
  });

  it('scores no 4-gram match without smoothing as practically 0, as NLTK does', () => {
    const score = corpusBleu([[['the', 'cat', 'sat', 'on', 'a', 'mat']]], [['the', 'cat', 'sat', 'in', 'a', 'mat']]);
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThan(1e-70);
  });

  it('takes token indices as well as words, and keeps 1 apart from "1"', () => {
    expect(corpusBleu([[[1, 2, 3, 4]]], [[1, 2, 3, 4]])).toBe(1);
    expect(corpusBleu([[['1', '2']]], [[1, 2]], { weights: [1] })).toBe(0);
  });

  it('uses the options defaults as NLTK does: 4-gram uniform weights, no smoothing', () => {
    const references = [[['a', 'b', 'c', 'd', 'e']]];
    const hypotheses = [['a', 'b', 'c', 'd', 'x']];
    expect(corpusBleu(references, hypotheses)).toBe(corpusBleu(references, hypotheses, { weights: [0.25, 0.25, 0.25, 0.25] }));
    expect(new SmoothingFunction({ epsilon: 0.5 }).method1([{ numerator: 0, denominator: 4 }])).toEqual([0.125]);
  });
});

describe('BLEU refuses bad input', () => {
  const hyp = ['a', 'b'];
  it('names the function and what is wrong', () => {
    expect(() => corpusBleu([], [])).toThrow('corpusBleu: the corpus is empty (no hypotheses)');
    expect(() => corpusBleu([[hyp]], [hyp, hyp])).toThrow('corpusBleu: got 2 hypotheses but 1 reference lists');
    expect(() => corpusBleu([[]], [hyp])).toThrow('corpusBleu: listOfReferences[0] must be a non-empty array of references');
    expect(() => corpusBleu([[hyp]], ['a b' as never])).toThrow(
      "corpusBleu: hypotheses[0] must be an array of tokens (strings or numbers), got string 'a b'",
    );
    expect(() => corpusBleu([[[null as never]]], [hyp])).toThrow('corpusBleu: listOfReferences[0][0] must be an array of tokens');
    expect(() => sentenceBleu([hyp], hyp, { weights: [] })).toThrow(
      'sentenceBleu: weights must be a non-empty array of non-negative numbers',
    );
    expect(() => sentenceBleu([hyp], hyp, { weights: [0.5, -0.5] })).toThrow('sentenceBleu: weights must be');
    expect(() => sentenceBleu([hyp], hyp, { smoothingFunction: 'method1' as never })).toThrow(
      "sentenceBleu: smoothingFunction must be a function such as new SmoothingFunction().method1, got string 'method1'",
    );
    expect(() => sentenceBleu([hyp], hyp, { smoothing_function: null } as never)).toThrow(
      "sentenceBleu: unknown option 'smoothing_function'; did you mean 'smoothingFunction'?",
    );
    expect(() => new SmoothingFunction({ epsilon: 0 })).toThrow('SmoothingFunction: epsilon must be a positive number, got number 0');
  });
});
