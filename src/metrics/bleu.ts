/** BLEU as NLTK's nltk.translate.bleu_score computes it: corpus and sentence BLEU, smoothing. */
import { checkOptions, describeValue, optionKeys } from '../options.js';

/** A token: a word, or an index into a vocabulary. */
export type Token = string | number;

/** A modified n-gram precision before division, as NLTK's unnormalised Fraction keeps it. */
export interface Precision {
  numerator: number;
  denominator: number;
}

/**
 * Turns the corpus's n-gram precisions (unigrams first) into the numbers whose logarithms BLEU
 * averages. A precision left at numerator 0 is dropped from the average, as NLTK drops it.
 */
export type SmoothingFunctionType = (precisions: readonly Precision[]) => number[];

export interface BleuOptions {
  /** Weights of the 1-gram, 2-gram, ... log precisions; their count is the largest n (default [0.25, 0.25, 0.25, 0.25]). */
  weights?: readonly number[];
  /** Default `new SmoothingFunction().method0`: no smoothing. */
  smoothingFunction?: SmoothingFunctionType;
  /** With the default weights and a corpus under 4 tokens long, weigh its 1..length-grams uniformly instead (default false). */
  autoReweigh?: boolean;
}

const BLEU_OPTIONS = optionKeys<BleuOptions>({ weights: true, smoothingFunction: true, autoReweigh: true });

export interface SmoothingFunctionOptions {
  /** What method1 adds to a zero numerator (default 0.1). */
  epsilon?: number;
}

const SMOOTHING_OPTIONS = optionKeys<SmoothingFunctionOptions>({ epsilon: true });

/** NLTK's smallest positive normal double (sys.float_info.min), which method0 puts in place of a zero precision. */
const FLOAT_MIN = 2.2250738585072014e-308;

/**
 * NLTK's SmoothingFunction (Chen and Cherry, 2014): pass one of its methods as `smoothingFunction`.
 * The methods are bound, so they can be passed alone.
 *
 * ```ts
 * const { corpusBleu, SmoothingFunction } = torch.metrics;
 * corpusBleu([[['a', 'b', 'c']]], [['a', 'b', 'd']], { smoothingFunction: new SmoothingFunction().method1 });
 * ```
 */
export class SmoothingFunction {
  readonly epsilon: number;

  constructor(options: SmoothingFunctionOptions = {}) {
    const { epsilon = 0.1 } = checkOptions('SmoothingFunction', options, SMOOTHING_OPTIONS);
    if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon))
      throw new RangeError(`SmoothingFunction: epsilon must be a positive number, got ${describeValue(epsilon)}`);
    this.epsilon = epsilon;
    this.method0 = this.method0.bind(this);
    this.method1 = this.method1.bind(this);
  }

  /**
   * No smoothing: a zero precision becomes the smallest normal double, so a corpus with no
   * matching n-gram of some order scores practically 0 (about 1e-77 with 4-grams), as NLTK's does.
   */
  method0(precisions: readonly Precision[]): number[] {
    return precisions.map(({ numerator, denominator }) => (numerator === 0 ? FLOAT_MIN : numerator / denominator));
  }

  /** Adds epsilon to the numerator of each zero precision. */
  method1(precisions: readonly Precision[]): number[] {
    return precisions.map(({ numerator, denominator }) => (numerator === 0 ? this.epsilon : numerator) / denominator);
  }
}

/**
 * Corpus BLEU (Papineni et al., 2002) as NLTK's `corpus_bleu`: clipped n-gram counts and
 * hypothesis n-gram counts are summed over the corpus before dividing, the brevity penalty compares
 * the total hypothesis length with the total of each hypothesis's closest reference length (the
 * shorter on a tie), and the score is the penalty times the weighted geometric mean of the
 * precisions. A corpus with no matching unigram scores 0.
 *
 * `listOfReferences[i]` holds the references of `hypotheses[i]`; sentences are token arrays.
 *
 * ```ts
 * torch.metrics.corpusBleu([[['the', 'cat', 'sat']]], [['the', 'cat', 'sat']]);   // 1
 * ```
 */
export function corpusBleu(
  listOfReferences: readonly (readonly (readonly Token[])[])[],
  hypotheses: readonly (readonly Token[])[],
  options?: BleuOptions,
): number {
  return bleu('corpusBleu', listOfReferences, hypotheses, options);
}

/**
 * BLEU of one hypothesis against its references: `corpusBleu([references], [hypothesis])`, as NLTK's
 * `sentence_bleu`.
 *
 * ```ts
 * torch.metrics.sentenceBleu([['a', 'cat', 'sat', 'on', 'the', 'mat']], ['a', 'cat', 'sat', 'on', 'a', 'mat']);
 * ```
 */
export function sentenceBleu(references: readonly (readonly Token[])[], hypothesis: readonly Token[], options?: BleuOptions): number {
  return bleu('sentenceBleu', [references], [hypothesis], options);
}

function bleu(
  fn: string,
  listOfReferences: readonly (readonly (readonly Token[])[])[],
  hypotheses: readonly (readonly Token[])[],
  rawOptions: BleuOptions | undefined,
): number {
  const options = checkOptions(fn, rawOptions, BLEU_OPTIONS);
  const weights = checkWeights(fn, options.weights ?? [0.25, 0.25, 0.25, 0.25]);
  const { smoothingFunction = new SmoothingFunction().method0, autoReweigh = false } = options;
  if (typeof smoothingFunction !== 'function')
    throw new TypeError(
      `${fn}: smoothingFunction must be a function such as new SmoothingFunction().method1, got ${describeValue(smoothingFunction)}`,
    );
  checkCorpus(fn, listOfReferences, hypotheses);

  const maxOrder = weights.length;
  const numerators = new Array<number>(maxOrder).fill(0);
  const denominators = new Array<number>(maxOrder).fill(0);
  let hypothesisLength = 0;
  let referenceLength = 0;
  hypotheses.forEach((hypothesis, i) => {
    const references = listOfReferences[i];
    for (let n = 1; n <= maxOrder; n++) {
      const { numerator, denominator } = modifiedPrecision(references, hypothesis, n);
      numerators[n - 1] += numerator;
      denominators[n - 1] += denominator;
    }
    hypothesisLength += hypothesis.length;
    referenceLength += closestReferenceLength(references, hypothesis.length);
  });
  if (numerators[0] === 0) return 0;

  const penalty = brevityPenalty(referenceLength, hypothesisLength);
  const precisions = smoothingFunction(numerators.map((numerator, i) => ({ numerator, denominator: denominators[i] })));
  const reweighed =
    autoReweigh && hypothesisLength < 4 && weights.length === 4 && weights.every((w) => w === 0.25)
      ? new Array<number>(hypothesisLength).fill(1 / hypothesisLength)
      : weights;
  let logSum = 0;
  reweighed.forEach((weight, i) => {
    if (i < precisions.length && precisions[i] > 0) logSum += weight * Math.log(precisions[i]);
  });
  return penalty * Math.exp(logSum);
}

function checkWeights(fn: string, weights: unknown): readonly number[] {
  if (!Array.isArray(weights) || weights.length === 0 || !weights.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0))
    throw new TypeError(
      `${fn}: weights must be a non-empty array of non-negative numbers such as [0.5, 0.5], got ${describeValue(weights)}`,
    );
  return weights;
}

function checkCorpus(fn: string, listOfReferences: unknown, hypotheses: unknown): void {
  if (!Array.isArray(hypotheses))
    throw new TypeError(`${fn}: hypotheses must be an array of token arrays, got ${describeValue(hypotheses)}`);
  if (!Array.isArray(listOfReferences))
    throw new TypeError(`${fn}: listOfReferences must be an array of reference lists, got ${describeValue(listOfReferences)}`);
  if (hypotheses.length === 0) throw new RangeError(`${fn}: the corpus is empty (no hypotheses)`);
  if (listOfReferences.length !== hypotheses.length)
    throw new RangeError(
      `${fn}: got ${hypotheses.length} hypotheses but ${listOfReferences.length} reference lists; each hypothesis needs its list of references`,
    );
  hypotheses.forEach((hypothesis, i) => {
    checkSentence(fn, `hypotheses[${i}]`, hypothesis);
    const references = listOfReferences[i];
    if (!Array.isArray(references) || references.length === 0)
      throw new RangeError(`${fn}: listOfReferences[${i}] must be a non-empty array of references, got ${describeValue(references)}`);
    references.forEach((reference, j) => checkSentence(fn, `listOfReferences[${i}][${j}]`, reference));
  });
}

function checkSentence(fn: string, name: string, sentence: unknown): void {
  if (!Array.isArray(sentence) || !sentence.every((token) => typeof token === 'string' || typeof token === 'number'))
    throw new TypeError(`${fn}: ${name} must be an array of tokens (strings or numbers), got ${describeValue(sentence)}`);
}

/** The n-grams of a sentence and their counts; the key tells 1 from '1' and keeps tokens apart whatever they contain. */
function ngramCounts(sentence: readonly Token[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let start = 0; start + n <= sentence.length; start++) {
    const key = JSON.stringify(sentence.slice(start, start + n));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Hypothesis n-grams matched, each at most as often as in the reference that has it most, over all hypothesis n-grams (at least 1). */
function modifiedPrecision(references: readonly (readonly Token[])[], hypothesis: readonly Token[], n: number): Precision {
  const counts = ngramCounts(hypothesis, n);
  const maxCounts = new Map<string, number>();
  for (const reference of references) {
    const referenceCounts = ngramCounts(reference, n);
    for (const ngram of counts.keys()) maxCounts.set(ngram, Math.max(maxCounts.get(ngram) ?? 0, referenceCounts.get(ngram) ?? 0));
  }
  let numerator = 0;
  let total = 0;
  for (const [ngram, count] of counts) {
    numerator += Math.min(count, maxCounts.get(ngram) ?? 0);
    total += count;
  }
  return { numerator, denominator: Math.max(1, total) };
}

function closestReferenceLength(references: readonly (readonly Token[])[], hypothesisLength: number): number {
  let best = references[0].length;
  for (const { length } of references) {
    const distance = Math.abs(length - hypothesisLength);
    const bestDistance = Math.abs(best - hypothesisLength);
    if (distance < bestDistance || (distance === bestDistance && length < best)) best = length;
  }
  return best;
}

function brevityPenalty(referenceLength: number, hypothesisLength: number): number {
  if (hypothesisLength > referenceLength) return 1;
  if (hypothesisLength === 0) return 0;
  return Math.exp(1 - referenceLength / hypothesisLength);
}
