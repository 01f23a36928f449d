/** `torch.text`: vocabularies and length-bucketed batches for text, after torchtext's. */

export type { BucketBatch, BucketIteratorOptions } from './bucket-iterator.js';
export { BucketIterator } from './bucket-iterator.js';
export type { BuildVocabOptions, NumericalizeOptions } from './vocab.js';
export { buildVocabFromIterator, Vocab } from './vocab.js';
