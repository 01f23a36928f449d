/**
 * webtorch: PyTorch's API for JavaScript. `import * as torch from 'webtorch'`; the CPU device is
 * ready when the import resolves.
 */
import './ops/views.js';
import './ops/elementwise.js';
import './ops/reduce.js';
import './ops/conversion.js';
import './ops/linalg.js';
import './ops/random.js';
import './ops/softmax.js';
import './ops/sort.js';
import './ops/gather-scatter.js';
import './ops/subscript.js';
import './autograd/engine.js';
import './format.js';
import { initCpu } from './devices/cpu/init.js';

export { Tensor } from './tensor.js';
export type { NestedArray } from './tensor.js';
export { float32, int32, int64, long, bool, float, int, float64, double, float16, half } from './dtype.js';
export type { DType } from './dtype.js';
export { tensor, zeros, ones, full, empty, arange, linspace, eye, zerosLike, onesLike, fullLike, emptyLike } from './ops/creation.js';
export {
  add, sub, mul, div, pow, clamp, maximum, minimum, where, eq, ne, lt, le, gt, ge, logicalNot, logicalAnd, logicalOr,
  remainder, floorDivide, fmod, leakyRelu,
} from './ops/elementwise.js';
export * from './ops/unary.js';
export { sum, prod, mean, max, min, argmax, argmin, variance as var, std, logsumexp } from './ops/reduce.js';
export { norm } from './ops/norm.js';
export type { NormOrder, NormOptions } from './ops/norm.js';
export { flip, roll, tile, repeatInterleave, triu, tril, diag } from './ops/shape-ops.js';
export { isnan, isinf, isfinite, isclose, allclose, allcloseSync, equal, equalSync, any, all } from './ops/logical.js';
export type { CloseOptions, AnyAllOptions } from './ops/logical.js';
export { dot, outer } from './ops/products.js';
export { amax, amin } from './ops/extrema.js';
export type { AmaxOptions } from './ops/extrema.js';
export { log10, frac, atan2 } from './ops/math.js';
export type { FlipOptions, RollOptions, RepeatInterleaveOptions } from './ops/shape-ops.js';
export type { ValuesIndices } from './ops/reduce.js';
export { view, reshape, permute, transpose, t, squeeze, unsqueeze, expand, flatten, unflatten, narrow, select, split, chunk, unbind, cat, stack, clone, detach } from './ops/views.js';
export { matmul, mm, bmm } from './ops/linalg.js';
export { rand, randn, randint, randLike, randnLike, randperm, bernoulli, multinomial, dropout } from './ops/random.js';
export type { RandomOptions, GeneratorOptions, MultinomialOptions } from './ops/random.js';
export { Generator, defaultGenerator, manualSeed, seed, initialSeed } from './random/generator.js';
export type { GeneratorState } from './random/generator.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { sort, argsort, topk } from './ops/sort.js';
export { gather, scatter, scatterAdd, indexSelect, indexAdd, oneHot } from './ops/gather-scatter.js';
export { maskedFill, indexPut } from './ops/subscript.js';
export type { IndexPutOptions } from './ops/subscript.js';
export type { IndexEntry, IndexArray } from './ops/subscript-plan.js';
export { conv1d, conv2d } from './ops/conv.js';
export type { ConvOptions, ConvPadding } from './ops/conv.js';
export { maxPool1d, maxPool2d, avgPool1d, adaptiveAvgPool1d } from './ops/pool.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './graph/grad-mode.js';
export { scope, keep, memory } from './memory.js';
export { setDefaultDevice } from './devices/registry.js';
export * as cpu from './devices/cpu/namespace.js';
export * as webgpu from './devices/webgpu/index.js';
export type { WebGpuInitOptions } from './devices/webgpu/index.js';
export * as autograd from './autograd/index.js';
export { save, load, saveFile, loadFile } from './io/index.js';
export type { SaveOptions, LoadOptions, FileSource } from './io/index.js';
export * as utils from './utils/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';

await initCpu();
