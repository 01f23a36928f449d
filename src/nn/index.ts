/** `torch.nn`: modules and layers, `nn.functional` and `nn.init`. */
import type { Tensor } from '../tensor.js';
import { Parameter as ParameterClass } from './parameter.js';

export type { InplaceOptions } from './activation.js';
export {
  ELU,
  GELU,
  GLU,
  Hardtanh,
  LeakyReLU,
  LogSigmoid,
  LogSoftmax,
  Mish,
  PReLU,
  ReLU,
  ReLU6,
  SELU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
} from './activation.js';
export type { MultiheadAttentionForwardOptions, MultiheadAttentionOptions } from './attention.js';
export { MultiheadAttention } from './attention.js';
export type { BatchNormModuleOptions } from './batchnorm.js';
export { BatchNorm1d, BatchNorm2d } from './batchnorm.js';
export { ModuleDict, ModuleList, Sequential } from './container.js';
export type { ConvModuleOptions, PaddingMode } from './conv.js';
export { Conv1d, Conv2d } from './conv.js';
export type { ConvTransposeModuleOptions } from './conv-transpose.js';
export { ConvTranspose1d, ConvTranspose2d } from './conv-transpose.js';
export type { CtcLengths, CtcLossOptions } from './ctc-loss.js';
export { CTCLoss } from './ctc-loss.js';
export type { DataParallelOptions } from './data-parallel.js';
export { DataParallel } from './data-parallel.js';
export { CosineSimilarity, PairwiseDistance } from './distance-modules.js';
export { Dropout } from './dropout.js';
export type { EmbeddingModuleOptions } from './embedding.js';
export { Embedding } from './embedding.js';
export { Flatten, Unflatten } from './flatten.js';
export { Fold, Unfold } from './fold.js';
export * as functional from './functional.js';
export type { GroupNormModuleOptions } from './group-norm.js';
export { GroupNorm } from './group-norm.js';
export * as init from './init.js';
export type { InstanceNormModuleOptions } from './instance-norm.js';
export { InstanceNorm1d, InstanceNorm2d } from './instance-norm.js';
export { Upsample } from './interpolate.js';
export type { LinearOptions } from './linear.js';
export { Identity, Linear } from './linear.js';
export type {
  BinaryCrossEntropyOptions,
  BinaryCrossEntropyWithLogitsOptions,
  CrossEntropyOptions,
  LossOptions,
  NllLossOptions,
  Reduction,
} from './loss.js';
export { BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss } from './loss.js';
export type { CosineEmbeddingLossOptions, MarginRankingLossOptions, TripletMarginLossOptions } from './margin-loss.js';
export { CosineEmbeddingLoss, MarginRankingLoss, TripletMarginLoss } from './margin-loss.js';
export type { IncompatibleKeys, LoadStateDictOptions, StateDict, StateDictOptions } from './module.js';
export { Module } from './module.js';
export type { LayerNormOptions } from './normalization.js';
export { LayerNorm } from './normalization.js';
export { ParameterDict, ParameterList } from './parameter-container.js';
export type { AvgPoolModuleOptions, MaxPoolModuleOptions } from './pooling.js';
export { AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d } from './pooling.js';
export type { HuberLossOptions, KlDivOptions, KlDivReduction, SmoothL1LossOptions } from './regression-loss.js';
export { HuberLoss, KLDivLoss, SmoothL1Loss } from './regression-loss.js';
export type { LSTMOptions, RNNBaseOptions, RNNCellOptions, RNNOptions } from './rnn.js';
export { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell } from './rnn.js';
export type {
  Activation,
  TransformerEncoderForwardOptions,
  TransformerEncoderLayerForwardOptions,
  TransformerEncoderLayerOptions,
  TransformerEncoderOptions,
} from './transformer.js';
export { TransformerEncoder, TransformerEncoderLayer } from './transformer.js';
export type {
  TransformerDecoderForwardOptions,
  TransformerDecoderLayerOptions,
  TransformerDecoderOptions,
} from './transformer-decoder.js';
export { TransformerDecoder, TransformerDecoderLayer } from './transformer-decoder.js';
export type { SquareSubsequentMaskOptions, TransformerForwardOptions, TransformerOptions } from './transformer-model.js';
export { Transformer } from './transformer-model.js';
export * as utils from './utils/index.js';

/** `new nn.Parameter(t)`, or `nn.Parameter(t)` without `new`, as PyTorch code writes it. */
export const Parameter = new Proxy(ParameterClass, {
  apply: (target, _self, args: [Tensor, boolean?]) => new target(...args),
}) as typeof ParameterClass & ((data: Tensor, requiresGrad?: boolean) => ParameterClass);
export type Parameter = ParameterClass;
