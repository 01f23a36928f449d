/** `torch.optim`: optimizers and, in `lrScheduler`, learning-rate schedulers. */

export type { AdadeltaOptions } from './adadelta.js';
export { Adadelta } from './adadelta.js';
export type { AdagradOptions } from './adagrad.js';
export { Adagrad } from './adagrad.js';
export type { AdamOptions } from './adam.js';
export { Adam, AdamW } from './adam.js';
export type { AdamaxOptions } from './adamax.js';
export { Adamax } from './adamax.js';
export type { LBFGSClosure, LBFGSOptions } from './lbfgs.js';
export { LBFGS } from './lbfgs.js';
export * as lrScheduler from './lr-scheduler.js';
export type { NAdamOptions } from './nadam.js';
export { NAdam } from './nadam.js';
export type { OptimizerOptions, OptimizerStateDict, ParamGroup, ParamGroupInput, ParamState } from './optimizer.js';
export { Optimizer, PerParameterOptimizer } from './optimizer.js';
export type { RAdamOptions } from './radam.js';
export { RAdam } from './radam.js';
export type { RMSpropOptions } from './rmsprop.js';
export { RMSprop } from './rmsprop.js';
export type { SGDOptions } from './sgd.js';
export { SGD } from './sgd.js';
