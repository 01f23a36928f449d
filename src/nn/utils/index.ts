/** `nn.utils`: packed sequences (`nn.utils.rnn`) and gradient clipping. */
export * as rnn from './rnn.js';
export { clipGradNorm_, clipGradValue_ } from './clip-grad.js';
export type { ClipGradNormOptions } from './clip-grad.js';
