/** `nn.utils`: packed sequences (`nn.utils.rnn`) and gradient clipping. */

export type { ClipGradNormOptions } from './clip-grad.js';
export { clipGradNorm_, clipGradValue_ } from './clip-grad.js';
export * as rnn from './rnn.js';
