/**
 * `nn.functional` (`const F = nn.functional`): the layers' computations as functions, PyTorch's
 * names in camelCase. A plain list of exports, grouped by the file that defines them.
 */

export { elu, glu, hardtanh, logsigmoid, mish, prelu, relu6, selu, silu, softplus } from '../ops/activations.js';
export type { ConvOptions, ConvPadding } from '../ops/conv.js';
export { conv1d, conv2d } from '../ops/conv.js';
export type { ConvTransposeOptions } from '../ops/conv-transpose.js';
export { convTranspose1d, convTranspose2d } from '../ops/conv-transpose.js';
export { oneHot } from '../ops/gather-scatter.js';
export type { AvgPoolOptions, MaxPoolOptions } from '../ops/pool.js';
export { adaptiveAvgPool1d, adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d } from '../ops/pool.js';
export { logSoftmax, softmax } from '../ops/softmax.js';
export { sigmoid, tanh } from '../ops/unary.js';
export type { GeluApproximate } from './activation.js';
export { gelu, leakyRelu, relu } from './activation.js';
export type { ScaledDotProductAttentionOptions } from './attention.js';
export { scaledDotProductAttention } from './attention.js';
export type { BatchNormOptions } from './batchnorm.js';
export { batchNorm } from './batchnorm.js';
export type { CtcLengths, CtcLossOptions } from './ctc-loss.js';
export { ctcLoss } from './ctc-loss.js';
export type { CosineSimilarityOptions, NormalizeOptions, PairwiseDistanceOptions } from './distance.js';
export { cosineSimilarity, normalize, pairwiseDistance } from './distance.js';
export { dropout } from './dropout.js';
export type { EmbeddingOptions } from './embedding.js';
export { embedding } from './embedding.js';
export type { BlockOptions } from './fold.js';
export { fold, unfold } from './fold.js';
export type { GroupNormOptions } from './group-norm.js';
export { groupNorm } from './group-norm.js';
export type { InstanceNormOptions } from './instance-norm.js';
export { instanceNorm } from './instance-norm.js';
export type { InterpolateMode, InterpolateOptions } from './interpolate.js';
export { interpolate } from './interpolate.js';
export { linear } from './linear.js';
export { binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, l1Loss, mseLoss, nllLoss } from './loss.js';
export type { CosineEmbeddingLossOptions, MarginRankingLossOptions, TripletMarginLossOptions } from './margin-loss.js';
export { cosineEmbeddingLoss, marginRankingLoss, tripletMarginLoss } from './margin-loss.js';
export { layerNorm } from './normalization.js';
export type { PadMode, PadOptions } from './padding.js';
export { pad } from './padding.js';
export type { HuberLossOptions, KlDivOptions, KlDivReduction, SmoothL1LossOptions } from './regression-loss.js';
export { huberLoss, klDiv, smoothL1Loss } from './regression-loss.js';
