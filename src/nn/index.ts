/** `torch.nn`: modules and layers, `nn.functional` and `nn.init`. */
import type { Tensor } from '../tensor.js';
import { Parameter as ParameterClass } from './parameter.js';

export { Module } from './module.js';
export type { StateDict, StateDictOptions, LoadStateDictOptions, IncompatibleKeys } from './module.js';
export { ReLU, LeakyReLU, GELU, Tanh, Sigmoid, Softmax, LogSoftmax, SiLU, SELU, Mish, ReLU6, ELU, Softplus, Hardtanh, LogSigmoid, GLU, PReLU } from './activation.js';
export type { InplaceOptions } from './activation.js';
export { Sequential, ModuleList, ModuleDict } from './container.js';
export { ParameterList, ParameterDict } from './parameter-container.js';
export { CosineSimilarity, PairwiseDistance } from './distance-modules.js';
export { MultiheadAttention } from './attention.js';
export type { MultiheadAttentionOptions, MultiheadAttentionForwardOptions } from './attention.js';
export { BatchNorm1d, BatchNorm2d } from './batchnorm.js';
export type { BatchNormModuleOptions } from './batchnorm.js';
export { Conv1d, Conv2d } from './conv.js';
export type { ConvModuleOptions, PaddingMode } from './conv.js';
export { Dropout } from './dropout.js';
export { Embedding } from './embedding.js';
export type { EmbeddingModuleOptions } from './embedding.js';
export { Flatten, Unflatten } from './flatten.js';
export { Fold, Unfold } from './fold.js';
export { Upsample } from './interpolate.js';
export { Linear, Identity } from './linear.js';
export type { LinearOptions } from './linear.js';
export { CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss } from './loss.js';
export type { Reduction, LossOptions, NllLossOptions, CrossEntropyOptions, BinaryCrossEntropyOptions, BinaryCrossEntropyWithLogitsOptions } from './loss.js';
export { CosineEmbeddingLoss, MarginRankingLoss, TripletMarginLoss } from './margin-loss.js';
export type { CosineEmbeddingLossOptions, MarginRankingLossOptions, TripletMarginLossOptions } from './margin-loss.js';
export { HuberLoss, KLDivLoss, SmoothL1Loss } from './regression-loss.js';
export type { HuberLossOptions, KlDivOptions, KlDivReduction, SmoothL1LossOptions } from './regression-loss.js';
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d } from './pooling.js';
export type { MaxPoolModuleOptions, AvgPoolModuleOptions } from './pooling.js';
export { GroupNorm } from './group-norm.js';
export type { GroupNormModuleOptions } from './group-norm.js';
export { InstanceNorm1d, InstanceNorm2d } from './instance-norm.js';
export type { InstanceNormModuleOptions } from './instance-norm.js';
export { LayerNorm } from './normalization.js';
export type { LayerNormOptions } from './normalization.js';
export { RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell } from './rnn.js';
export type { RNNBaseOptions, RNNOptions, LSTMOptions, RNNCellOptions } from './rnn.js';
export { TransformerEncoderLayer, TransformerEncoder } from './transformer.js';
export type { Activation, TransformerEncoderLayerOptions, TransformerEncoderLayerForwardOptions, TransformerEncoderOptions, TransformerEncoderForwardOptions } from './transformer.js';
export * as functional from './functional.js';
export * as init from './init.js';
export * as utils from './utils/index.js';

/** `new nn.Parameter(t)`, or `nn.Parameter(t)` without `new`, as PyTorch code writes it. */
export const Parameter = new Proxy(ParameterClass, {
  apply: (target, _self, args: [Tensor, boolean?]) => new target(...args),
}) as typeof ParameterClass & ((data: Tensor, requiresGrad?: boolean) => ParameterClass);
export type Parameter = ParameterClass;
