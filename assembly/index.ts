// The kernel module: every family of kernels is re-exported from here, compiled into one wasm file.
export * from './memory';
export { setThreadScratch, threadScratchBytes } from './thread-scratch';
export * from './elementwise';
export * from './reduce';
export * from './gemm';
export * from './indexing';
export * from './random';
export * from './softmax';
export * from './scan';
export * from './sort';
export * from './conv';
export * from './pool';
export * from './rnn';
export * from './optim';
export * from './batchnorm';
