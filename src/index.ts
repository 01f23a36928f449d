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

export * as autograd from './autograd/index.js';
export * as cpu from './devices/cpu/namespace.js';
export { getNumThreads, setNumThreads } from './devices/cpu/threading.js';
export { setDefaultDevice } from './devices/registry.js';
export type { WebGpuInitOptions } from './devices/webgpu/index.js';
export * as webgpu from './devices/webgpu/index.js';
export type { DType } from './dtype.js';
export { bool, double, float, float16, float32, float64, half, int, int32, int64, long } from './dtype.js';
export { enableGrad, isGradEnabled, noGrad, setGradEnabled } from './graph/grad-mode.js';
export type { FileSource, LoadOptions, SaveOptions } from './io/index.js';
export { load, loadFile, save, saveFile } from './io/index.js';
export { keep, memory, scope } from './memory.js';
export * as metrics from './metrics/index.js';
export * as nn from './nn/index.js';
export type { ConvOptions, ConvPadding } from './ops/conv.js';
export { conv1d, conv2d } from './ops/conv.js';
export type { ConvTransposeOptions } from './ops/conv-transpose.js';
export { convTranspose1d, convTranspose2d } from './ops/conv-transpose.js';
export { arange, empty, emptyLike, eye, full, fullLike, linspace, ones, onesLike, tensor, zeros, zerosLike } from './ops/creation.js';
export { einsum } from './ops/einsum.js';
export {
  add,
  clamp,
  div,
  eq,
  floorDivide,
  fmod,
  ge,
  gt,
  le,
  leakyRelu,
  logicalAnd,
  logicalNot,
  logicalOr,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  pow,
  remainder,
  sub,
  where,
} from './ops/elementwise.js';
export type { AmaxOptions } from './ops/extrema.js';
export { amax, amin } from './ops/extrema.js';
export { gather, indexAdd, indexSelect, oneHot, scatter, scatterAdd } from './ops/gather-scatter.js';
export { bmm, matmul, mm } from './ops/linalg.js';
export type { AnyAllOptions, CloseOptions } from './ops/logical.js';
export { all, allclose, allcloseSync, any, equal, equalSync, isclose, isfinite, isinf, isnan } from './ops/logical.js';
export { atan2, frac, log10 } from './ops/math.js';
export type { NormOptions, NormOrder } from './ops/norm.js';
export { norm } from './ops/norm.js';
export { adaptiveAvgPool1d, avgPool1d, maxPool1d, maxPool2d } from './ops/pool.js';
export { dot, outer } from './ops/products.js';
export type { GeneratorOptions, MultinomialOptions, RandomOptions } from './ops/random.js';
export { bernoulli, dropout, multinomial, rand, randint, randLike, randn, randnLike, randperm } from './ops/random.js';
export type { ValuesIndices } from './ops/reduce.js';
export { argmax, argmin, logsumexp, max, mean, min, prod, std, sum, variance as var } from './ops/reduce.js';
export type { ScanOptions } from './ops/scan.js';
export { cumprod, cumsum } from './ops/scan.js';
export type { FlipOptions, RepeatInterleaveOptions, RollOptions } from './ops/shape-ops.js';
export { diag, flip, repeatInterleave, roll, tile, tril, triu } from './ops/shape-ops.js';
export { logSoftmax, softmax } from './ops/softmax.js';
export { argsort, sort, topk } from './ops/sort.js';
export type { IndexPutOptions } from './ops/subscript.js';
export { indexPut, maskedFill } from './ops/subscript.js';
export type { IndexArray, IndexEntry } from './ops/subscript-plan.js';
export * from './ops/unary.js';
export type { NonzeroOptions, UniqueOptions } from './ops/unique.js';
export { nonzero, nonzeroAsync, unique, uniqueAsync } from './ops/unique.js';
export {
  cat,
  chunk,
  clone,
  detach,
  expand,
  flatten,
  narrow,
  permute,
  reshape,
  select,
  split,
  squeeze,
  stack,
  t,
  transpose,
  unbind,
  unflatten,
  unsqueeze,
  view,
} from './ops/views.js';
export * as optim from './optim/index.js';
export type { GeneratorState } from './random/generator.js';
export { defaultGenerator, Generator, initialSeed, manualSeed, seed } from './random/generator.js';
export type { NestedArray } from './tensor.js';
export { Tensor } from './tensor.js';
export * as text from './text/index.js';
export * as utils from './utils/index.js';

await initCpu();
