// The example's settings. Training and evaluation are the names example's own (trainEpoch and
// evaluate in examples/names/train.mjs): the classifier takes that example's batches.
export { evaluate, trainEpoch } from '../names/train.mjs';

/** scripts/transformer_pytorch.py repeats these for PyTorch. */
export const SETTINGS = Object.freeze({
  epochs: 25,
  batchSize: 64,
  dModel: 64,
  nhead: 4,
  numLayers: 2,
  dimFeedforward: 256,
  dropout: 0.1,
  /** Adam's learning rate, annealed along a cosine to 0 over the epochs; no warm-up was needed at this size. */
  lr: 3e-3,
  /** Gradients are clipped to this total norm. */
  clip: 1,
  seed: 0,
});
