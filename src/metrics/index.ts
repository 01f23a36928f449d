/** `torch.metrics`: evaluation measures of the course's models, perplexity and BLEU. */

export type { BleuOptions, Precision, SmoothingFunctionOptions, SmoothingFunctionType, Token } from './bleu.js';
export { corpusBleu, SmoothingFunction, sentenceBleu } from './bleu.js';
export { perplexity } from './perplexity.js';
