/** `torch.utils`. */
export * as data from './data/index.js';
