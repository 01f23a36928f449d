// The core losses (MSE, L1, NLL, cross-entropy, BCE) and the reduction rules they share.
import { isGradEnabled, noGrad } from '../graph/grad-mode.js';
import { record, recordComposite, type Save } from '../graph/record.js';
import { scope } from '../memory.js';
import { ones, zeros } from '../ops/creation.js';
import { add, clamp, div, ge, le, logicalAnd, logicalNot, mul, ne, sub, where } from '../ops/elementwise.js';
import { gather, indexSelectRaising, scatter } from '../ops/gather-scatter.js';
import { sum } from '../ops/reduce.js';
import { kind, param, signature } from '../ops/signature.js';
import { logSoftmax } from '../ops/softmax.js';
import { abs, exp, log, log1p, neg, sigmoid, sign } from '../ops/unary.js';
import { checkDtype, checkSameDevice, checkTensor } from '../ops/util.js';
import { reshape, squeeze, unsqueeze } from '../ops/views.js';
import { checkArgumentCount } from '../options.js';
import { broadcastShapes, formatShape, numel, type Shape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { checkValuesBelow } from './value-checks.js';

/** How a loss combines its per-element terms: their mean (the default), their sum, or none (the terms themselves). */
export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  reduction?: Reduction;
}

/** PyTorch's deprecated size_average and reduce, which most losses still take. */
export interface DeprecatedReductionOptions {
  /** @deprecated PyTorch's size_average: pass `reduction` ('sum' for false). */
  sizeAverage?: boolean | null;
  /** @deprecated PyTorch's reduce: pass `reduction` ('none' for false). */
  reduce?: boolean | null;
}

/** The options of the losses that PyTorch gives its deprecated size_average and reduce. */
export interface LegacyLossOptions extends LossOptions, DeprecatedReductionOptions {}

/** A reduction as passed; checkReduction (or klDiv's own check) names the accepted ones. */
export const reductionParam = kind<unknown>('a reduction name', (v) => (typeof v === 'string' ? v : undefined));
/** PyTorch's deprecated size_average or reduce, null when not given. */
export const legacyFlag = kind<boolean | null>('a boolean or null (deprecated: pass reduction instead)', (v) =>
  v === null || typeof v === 'boolean' ? v : undefined,
);
/** An optional tensor argument, as a loss's weight. */
export const optionalTensor = kind<Tensor | null>('a Tensor or null', (v) => (v === null || v instanceof Tensor ? v : undefined));

const warnedLegacy = new Set<string>();

/**
 * The reduction a loss applies: `reduction`, unless PyTorch's deprecated sizeAverage or reduce is
 * given. PyTorch 1.13 then maps them, overriding reduction, as legacy_get_string in
 * torch/nn/_reduction.py does: reduce false gives 'none', else sizeAverage false gives 'sum', else
 * 'mean', with a deprecation warning. webtorch does the same and warns once per op, so that code
 * ported with these arguments computes what it computed in PyTorch.
 */
export function legacyReduction(op: string, args: { sizeAverage: boolean | null; reduce: boolean | null; reduction: unknown }): unknown {
  if (args.sizeAverage === null && args.reduce === null) return args.reduction;
  const mapped = args.reduce === false ? 'none' : args.sizeAverage === false ? 'sum' : 'mean';
  if (!warnedLegacy.has(op)) {
    warnedLegacy.add(op);
    console.warn(`${op}: sizeAverage and reduce are deprecated (as in PyTorch); pass { reduction: '${mapped}' } instead`);
  }
  return mapped;
}

/**
 * A loss's binder: its signature in PyTorch's order, the deprecated sizeAverage and reduce folded
 * into the reduction it returns (see legacyReduction).
 */
export function lossSignature<P extends { sizeAverage: unknown; reduce: unknown; reduction: unknown } & Parameters<typeof signature>[1]>(
  op: string,
  params: P,
) {
  const bind = signature(op, params);
  return (args: ArrayLike<unknown>) => {
    const bound = bind(args) as ReturnType<typeof bind> & { sizeAverage: boolean | null; reduce: boolean | null };
    return { ...bound, reduction: legacyReduction(op, bound) };
  };
}

export const legacyReductionParams = () => ({ sizeAverage: legacyFlag(null), reduce: legacyFlag(null), reduction: reductionParam('mean') });
const MSE_LOSS = lossSignature('mseLoss', { input: param.tensor(), target: param.tensor(), ...legacyReductionParams() });
const L1_LOSS = lossSignature('l1Loss', { input: param.tensor(), target: param.tensor(), ...legacyReductionParams() });
/** NLLLoss's and CrossEntropyLoss's constructor arguments, in PyTorch's order; the functions take input and target first. */
const nllModuleParams = () => ({
  weight: optionalTensor(null),
  sizeAverage: legacyFlag(null),
  ignoreIndex: param.number(-100),
  reduce: legacyFlag(null),
  reduction: reductionParam('mean'),
});
const nllParams = () => ({ input: param.tensor(), target: param.tensor(), ...nllModuleParams() });
const NLL_LOSS = lossSignature('nllLoss', nllParams());
const CROSS_ENTROPY = lossSignature('crossEntropy', { ...nllParams(), labelSmoothing: param.number(0) });
const BINARY_CROSS_ENTROPY = lossSignature('binaryCrossEntropy', {
  input: param.tensor(),
  target: param.tensor(),
  weight: optionalTensor(null),
  ...legacyReductionParams(),
});
const BINARY_CROSS_ENTROPY_WITH_LOGITS = lossSignature('binaryCrossEntropyWithLogits', {
  input: param.tensor(),
  target: param.tensor(),
  weight: optionalTensor(null),
  ...legacyReductionParams(),
  posWeight: optionalTensor(null),
});

export interface NllLossOptions extends LegacyLossOptions {
  /** A rescaling weight per class, shape (C); the weighted mean divides by the summed weights of the targets. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing, to the loss or to the mean's divisor. */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the target with the uniform distribution: (1 - labelSmoothing) * target + labelSmoothing / C. */
  labelSmoothing?: number;
}

export interface BinaryCrossEntropyOptions extends LegacyLossOptions {
  /** A rescaling weight per element, broadcast to the input's shape. */
  weight?: Tensor | null;
}

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** A weight on the positive term per class, broadcast along the last dim (PyTorch's pos_weight). */
  posWeight?: Tensor | null;
}

// ---- argument checks ----------------------------------------------------------------------------

export function checkReduction(op: string, reduction: unknown = 'mean'): Reduction {
  if (reduction === 'mean' || reduction === 'sum' || reduction === 'none') return reduction;
  throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
}

export function checkFloatTensor(op: string, argName: string, value: unknown): Tensor {
  const tensor = checkTensor(op, argName, value);
  checkDtype(op, argName, tensor, ['float32']);
  return tensor;
}

/** A weight is a constant of the loss: PyTorch refuses one that requires grad, and so do we. */
function checkWeight(op: string, argName: string, weight: Tensor | null | undefined, input: Tensor): Tensor | null {
  if (weight === undefined || weight === null) return null;
  checkFloatTensor(op, argName, weight);
  checkSameDevice(op, { input, [argName]: weight });
  if (isGradEnabled() && weight.requiresGrad) {
    throw new Error(`${op}: the loss is not differentiable with respect to '${argName}', which requires grad; pass ${argName}.detach()`);
  }
  return weight;
}

const warnedBroadcast = new Set<string>();

/** mseLoss and l1Loss broadcast a target of another shape, as PyTorch does, with its warning. */
function warnIfBroadcast(op: string, input: Tensor, target: Tensor): void {
  if (shapesEqual(input.shape, target.shape) || warnedBroadcast.has(op)) return;
  warnedBroadcast.add(op);
  console.warn(
    `${op}: using a target size (${formatShape(target.shape)}) that is different to the input size (${formatShape(input.shape)}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`,
  );
}

// ---- reductions ---------------------------------------------------------------------------------

/** The reduced loss; 'mean' divides the sum by `divisor` (the element count, or the summed class weights). */
export function reduceTerms(terms: Tensor, reduction: Reduction, divisor: Tensor | number): Tensor {
  if (reduction === 'none') return terms;
  const total = sum(terms);
  return reduction === 'sum' ? total : div(total, divisor);
}

/**
 * Records a loss made of per-element terms of (input, target) as one node. `makeGradients` saves
 * what it needs and returns d(term)/d(input) and d(term)/d(target) (null when the target needs
 * none) times `upstream`, the incoming gradient already divided by the count for 'mean'.
 */
function pointwiseLoss(
  node: string,
  input: Tensor,
  target: Tensor,
  reduction: Reduction,
  count: number,
  terms: () => Tensor,
  makeGradients: (save: Save, targetNeedsGrad: boolean) => (upstream: Tensor) => [Tensor, Tensor | null],
): Tensor {
  return recordComposite(
    node,
    [input, target],
    () => reduceTerms(terms(), reduction, count),
    (save) => {
      const gradients = makeGradients(save, target.requiresGrad);
      return (g) => gradients(reduction === 'mean' ? div(g, count) : g);
    },
  );
}

// ---- regression losses --------------------------------------------------------------------------

/**
 * A loss of the difference `input - target` alone, reduced: `loss(difference)` elementwise, whose
 * derivative is `slope(difference)` (for the target, `slope(target - input)`). A target of another shape is
 * broadcast, with PyTorch's warning.
 */
export function differenceLoss(
  op: string,
  backwardName: string,
  input: Tensor,
  target: Tensor,
  options: { reduction?: unknown },
  loss: (difference: Tensor) => Tensor,
  slope: (difference: Tensor) => Tensor,
): Tensor {
  checkFloatTensor(op, 'input', input);
  checkFloatTensor(op, 'target', target);
  checkSameDevice(op, { input, target });
  const reduction = checkReduction(op, options.reduction);
  const count = numel(broadcastShapes(op, input.shape, target.shape, ['input', 'target']));
  warnIfBroadcast(op, input, target);
  return pointwiseLoss(
    backwardName,
    input,
    target,
    reduction,
    count,
    () => loss(sub(input, target)),
    (save, targetNeedsGrad) => {
      const x = save(input);
      const y = save(target);
      // The target's gradient is the slope at target - input, as PyTorch computes it: the same as
      // -slope(input - target) except at a tie of a slope that is not odd there (smoothL1Loss, beta 0).
      return (upstream) => [mul(slope(sub(x, y)), upstream), targetNeedsGrad ? mul(slope(sub(y, x)), upstream) : null];
    },
  );
}

/**
 * Mean squared error: `(input - target)^2`, reduced. A target of another shape is broadcast
 * (PyTorch warns, and so do we).
 *
 * ```ts
 * F.mseLoss(torch.tensor([1, 2]), torch.tensor([1, 4]));   // tensor(2.)
 * ```
 */
export function mseLoss(
  input: Tensor,
  target: Tensor,
  sizeAverage?: boolean | null | LegacyLossOptions,
  reduce?: boolean | null | LegacyLossOptions,
  reduction?: Reduction | LegacyLossOptions,
): Tensor {
  const args = MSE_LOSS(arguments);
  return differenceLoss(
    'mseLoss',
    'MseLossBackward0',
    args.input,
    args.target,
    args,
    (difference) => difference.square(),
    (difference) => mul(difference, 2),
  );
}

/**
 * Mean absolute error: `|input - target|`, reduced; the gradient at a tie is 0 (sign(0)), as in
 * PyTorch. A target of another shape is broadcast, with PyTorch's warning.
 */
export function l1Loss(
  input: Tensor,
  target: Tensor,
  sizeAverage?: boolean | null | LegacyLossOptions,
  reduce?: boolean | null | LegacyLossOptions,
  reduction?: Reduction | LegacyLossOptions,
): Tensor {
  const args = L1_LOSS(arguments);
  return differenceLoss('l1Loss', 'L1LossBackward0', args.input, args.target, args, abs, sign);
}

// ---- binary classification ----------------------------------------------------------------------

function checkBinaryArguments(op: string, input: Tensor, target: Tensor, weights: Record<string, Tensor | null | undefined>): number {
  checkFloatTensor(op, 'input', input);
  checkFloatTensor(op, 'target', target);
  checkSameDevice(op, { input, target });
  if (!shapesEqual(input.shape, target.shape)) {
    throw new RangeError(`${op}: target shape ${formatShape(target.shape)} must be the same as input shape ${formatShape(input.shape)}`);
  }
  let shape: Shape = input.shape;
  for (const [name, weight] of Object.entries(weights)) {
    if (weight) shape = broadcastShapes(op, shape, weight.shape, ['input', name]);
  }
  return numel(shape);
}

/** PyTorch checks that BCE's inputs are probabilities; a NaN fails the check too. The count of those outside must be below 1. */
function checkUnitInterval(op: string, input: Tensor): void {
  if (input.numel() === 0) return;
  const message = `${op}: all elements of input should be between 0 and 1 ({value} of ${input.numel()} are not); apply sigmoid first, or use binaryCrossEntropyWithLogits on the logits`;
  scope(() => noGrad(() => checkValuesBelow(sum(logicalNot(logicalAnd(ge(input, 0), le(input, 1)))).int(), 1, message)));
}

/**
 * Binary cross entropy on probabilities: `-weight * (t * log(x) + (1 - t) * log(1 - x))`, with each
 * log clamped at -100 as PyTorch does, so x = 0 or 1 gives a finite loss. input and target have one
 * shape; weight broadcasts to it.
 *
 * ```ts
 * F.binaryCrossEntropy(torch.tensor([0.8, 0.1]), torch.tensor([1, 0]));   // tensor(0.1643)
 * ```
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  weight?: Tensor | null | BinaryCrossEntropyOptions,
  sizeAverage?: boolean | null | BinaryCrossEntropyOptions,
  reduce?: boolean | null | BinaryCrossEntropyOptions,
  reduction?: Reduction | BinaryCrossEntropyOptions,
): Tensor {
  const { input: x, target: t, ...options } = BINARY_CROSS_ENTROPY(arguments);
  return binaryCrossEntropyOf(x, t, options);
}

function binaryCrossEntropyOf(input: Tensor, target: Tensor, options: { weight: Tensor | null; reduction: unknown }): Tensor {
  const op = 'binaryCrossEntropy';
  const reduction = checkReduction(op, options.reduction);
  checkFloatTensor(op, 'input', input);
  const weight = checkWeight(op, 'weight', options.weight, input);
  const count = checkBinaryArguments(op, input, target, { weight });
  checkUnitInterval(op, input);
  const terms = () => {
    const unweighted = sub(mul(sub(target, 1), clamp(log1p(neg(input)), { min: -100 })), mul(target, clamp(log(input), { min: -100 })));
    return weight ? mul(unweighted, weight) : unweighted;
  };
  return pointwiseLoss('BinaryCrossEntropyBackward0', input, target, reduction, count, terms, (save, targetNeedsGrad) => {
    const x = save(input);
    const y = save(target);
    const w = weight ? save(weight) : 1;
    return (upstream) => {
      const scale = mul(upstream, w);
      // PyTorch floors the denominator x(1 - x) at 1e-12, so x = 0 or 1 gives a large finite gradient.
      const gradInput = mul(div(sub(x, y), clamp(mul(sub(1, x), x), { min: 1e-12 })), scale);
      const gradTarget = targetNeedsGrad ? mul(neg(log(div(x, sub(1, x)))), scale) : null;
      return [gradInput, gradTarget];
    };
  });
}

/**
 * Binary cross entropy on logits, `binaryCrossEntropy(sigmoid(x), t)` computed stably:
 * `(1 - t) x + (1 + (posWeight - 1) t) softplus(-x)`, with softplus(-x) = log(exp(-m) + exp(-x - m)) + m
 * and m = max(-x, 0) (PyTorch's form). posWeight (per class, broadcast along the last dim) weighs
 * the positive term; weight rescales each element.
 *
 * ```ts
 * F.binaryCrossEntropyWithLogits(torch.tensor([2, -1]), torch.tensor([1, 0]));   // tensor(0.2201)
 * ```
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  weight?: Tensor | null | BinaryCrossEntropyWithLogitsOptions,
  sizeAverage?: boolean | null | BinaryCrossEntropyWithLogitsOptions,
  reduce?: boolean | null | BinaryCrossEntropyWithLogitsOptions,
  reduction?: Reduction | BinaryCrossEntropyWithLogitsOptions,
  posWeight?: Tensor | null | BinaryCrossEntropyWithLogitsOptions,
): Tensor {
  const { input: x, target: t, ...options } = BINARY_CROSS_ENTROPY_WITH_LOGITS(arguments);
  return binaryCrossEntropyWithLogitsOf(x, t, options);
}

function binaryCrossEntropyWithLogitsOf(
  input: Tensor,
  target: Tensor,
  options: { weight: Tensor | null; posWeight: Tensor | null; reduction: unknown },
): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const reduction = checkReduction(op, options.reduction);
  checkFloatTensor(op, 'input', input);
  const weight = checkWeight(op, 'weight', options.weight, input);
  const posWeight = checkWeight(op, 'posWeight', options.posWeight, input);
  const count = checkBinaryArguments(op, input, target, { weight, posWeight });
  const softplusOfNegative = (x: Tensor) => {
    const m = clamp(neg(x), { min: 0 });
    return add(log(add(exp(neg(m)), exp(sub(neg(x), m)))), m);
  };
  const terms = () => {
    const positiveWeight = posWeight ? add(mul(sub(posWeight, 1), target), 1) : 1;
    const unweighted = add(mul(sub(1, target), input), mul(softplusOfNegative(input), positiveWeight));
    return weight ? mul(unweighted, weight) : unweighted;
  };
  return pointwiseLoss('BinaryCrossEntropyWithLogitsBackward0', input, target, reduction, count, terms, (save, targetNeedsGrad) => {
    const x = save(input);
    const y = save(target);
    const w = weight ? save(weight) : 1;
    const pw = posWeight ? save(posWeight) : null;
    return (upstream) => {
      const scale = mul(upstream, w);
      // d/dx = (1 + (pw - 1) t) sigmoid(x) - pw t, and d/dt = (pw - 1) softplus(-x) - x; pw = 1 without posWeight.
      const gradInput = pw ? sub(mul(add(mul(sub(pw, 1), y), 1), sigmoid(x)), mul(pw, y)) : sub(sigmoid(x), y);
      const gradTarget = targetNeedsGrad ? (pw ? sub(mul(sub(pw, 1), softplusOfNegative(x)), x) : neg(x)) : null;
      return [mul(gradInput, scale), gradTarget ? mul(gradTarget, scale) : null];
    };
  });
}

// ---- classification over C classes --------------------------------------------------------------

interface ClassLossArguments {
  reduction: Reduction;
  ignoreIndex: number;
  weight: Tensor | null;
  /** 1 for (N, C, d1, ...) inputs, 0 for an unbatched (C) input. */
  classDim: number;
  classes: number;
}

/** nllLoss's and crossEntropy's arguments, bound. */
interface ClassLossOptions {
  weight: Tensor | null;
  ignoreIndex: number;
  reduction: unknown;
}

function checkClassLoss(op: string, input: Tensor, target: Tensor, options: ClassLossOptions): ClassLossArguments {
  checkFloatTensor(op, 'input', input);
  checkTensor(op, 'target', target);
  checkSameDevice(op, { input, target });
  if (input.dim() === 0) throw new RangeError(`${op}: input must have shape (C) or (N, C, d1, ...), got a 0-d tensor`);
  const reduction = checkReduction(op, options.reduction);
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) throw new TypeError(`${op}: ignoreIndex must be an integer, got ${ignoreIndex}`);
  const classDim = input.dim() === 1 ? 0 : 1;
  const classes = input.shape[classDim];
  const weight = checkWeight(op, 'weight', options.weight, input);
  if (weight && !shapesEqual(weight.shape, [classes])) {
    throw new RangeError(`${op}: weight must hold one value per class, shape [${classes}], got shape ${formatShape(weight.shape)}`);
  }
  return { reduction, ignoreIndex, weight, classDim, classes };
}

/** Class indices: int32, shape (N, d1, ...) for an (N, C, d1, ...) input, () for a (C) input, each in [0, C) or ignoreIndex. */
function checkClassTargets(op: string, input: Tensor, target: Tensor, args: ClassLossArguments, probabilitiesAllowed: boolean): void {
  const expected = args.classDim === 0 ? [] : [input.shape[0], ...input.shape.slice(2)];
  if (target.dtype !== 'int32') {
    const hint = probabilitiesAllowed ? `; class probabilities are a float32 target of the input's shape ${formatShape(input.shape)}` : '';
    throw new TypeError(
      `${op}: target must hold int32 class indices of shape ${formatShape(expected)}, got ${target.dtype} of shape ${formatShape(target.shape)}${hint}`,
    );
  }
  if (!shapesEqual(target.shape, expected)) {
    const oneSample =
      target.dim() === 0 && input.dim() === 2 && input.shape[0] === 1
        ? `; for one sample pass target.unsqueeze(0), or an unbatched input of shape [${args.classes}]`
        : '';
    throw new RangeError(
      `${op}: expected a target of shape ${formatShape(expected)} for input of shape ${formatShape(input.shape)}, got ${formatShape(target.shape)}${oneSample}`,
    );
  }
}

/** Class-index targets prepared for the loss: each kept position's class and weight. */
interface ClassTargets {
  /** target != ignoreIndex. */
  kept: Tensor;
  /** The target with ignored positions sent to class 0, so every index is valid. */
  indices: Tensor;
  /** weight[target] where kept (1 without a class weight), 0 where ignored. */
  weights: Tensor;
}

/** Also the targets' bounds check: the class-weight lookup raises `op`'s error for a class outside [0, C). */
function classTargets(op: string, target: Tensor, args: ClassLossArguments): ClassTargets {
  const kept = ne(target, args.ignoreIndex);
  const indices = where(kept, target, 0);
  const classWeights = args.weight ?? ones([args.classes], { device: target.device });
  const badTarget = `${op}: target {value} is out of bounds for ${args.classes} classes`;
  const weights = where(kept, reshape(indexSelectRaising(classWeights, 0, reshape(indices, [-1]), badTarget), target.shape), 0);
  return { kept, indices, weights };
}

/** The per-sample negative log-likelihood -weight[t] * logProbs[t], 0 where ignored (never reading the ignored entries). */
function nllTerms(logProbs: Tensor, targets: ClassTargets, classDim: number): Tensor {
  const picked = squeeze(gather(logProbs, classDim, unsqueeze(targets.indices, classDim)), classDim);
  return where(targets.kept, neg(mul(picked, targets.weights)), 0);
}

/** Zeros of `shape` holding `values` (target-shaped) at each target's class. */
function placeAtTargets(shape: Shape, classDim: number, indices: Tensor, values: Tensor): Tensor {
  return scatter(zeros(shape, { device: values.device }), classDim, unsqueeze(indices, classDim), unsqueeze(values, classDim));
}

/**
 * The gradient arriving at each per-sample term: g ('none', 'sum') or g / divisor ('mean'), and 0
 * at ignored targets, which PyTorch never visits (so a mean over no kept target, NaN, sends them 0, not NaN).
 */
function perSampleScale(g: Tensor, reduction: Reduction, divisor: Tensor | number, kept: Tensor | null): Tensor {
  const scale = reduction === 'mean' ? div(g, divisor) : g;
  return kept ? where(kept, scale, 0) : scale;
}

function disposeAll(tensors: readonly (Tensor | number | null)[]): void {
  for (const t of tensors) if (t instanceof Tensor) t.dispose();
}

/**
 * The negative log-likelihood loss on log-probabilities (N, C, d1, ...) or (C) with int32 class
 * targets (N, d1, ...) or (): `-weight[t] * input[t]` per sample, 0 for targets equal to
 * ignoreIndex; 'mean' divides by the summed weights of the kept targets (NaN when none is kept).
 *
 * ```ts
 * F.nllLoss(torch.tensor([[-0.5, -1.2, -2.0]]), torch.tensor([1], { dtype: 'int32' }));   // tensor(1.2000)
 * ```
 */
export function nllLoss(
  input: Tensor,
  target: Tensor,
  weight?: Tensor | null | NllLossOptions,
  sizeAverage?: boolean | null | NllLossOptions,
  ignoreIndex?: number | NllLossOptions,
  reduce?: boolean | null | NllLossOptions,
  reduction?: Reduction | NllLossOptions,
): Tensor {
  const { input: x, target: t, ...options } = NLL_LOSS(arguments);
  return nllLossOf(x, t, options);
}

function nllLossOf(input: Tensor, target: Tensor, options: ClassLossOptions): Tensor {
  const op = 'nllLoss';
  const args = checkClassLoss(op, input, target, options);
  checkClassTargets(op, input, target, args, false);
  const { loss, targets, totalWeight } = scope(() =>
    noGrad(() => {
      const targets = classTargets(op, target, args);
      const totalWeight = sum(targets.weights);
      return { loss: reduceTerms(nllTerms(input, targets, args.classDim), args.reduction, totalWeight), targets, totalWeight };
    }),
  );
  record('NllLossBackward0', loss, [input, null], (save) => {
    const kept = save(targets.kept);
    const indices = save(targets.indices);
    const weights = save(targets.weights);
    const divisor = save(totalWeight);
    return (g) => [
      placeAtTargets(input.shape, args.classDim, indices, neg(mul(weights, perSampleScale(g, args.reduction, divisor, kept)))),
    ];
  });
  disposeAll([targets.kept, targets.indices, targets.weights, totalWeight]);
  return loss;
}

/**
 * Cross entropy between logits (N, C, d1, ...) or (C) and either int32 class indices (N, d1, ...)
 * or () (with ignoreIndex, weight, labelSmoothing), or class probabilities of the input's shape
 * (float32; weight and labelSmoothing apply, 'mean' divides by N * d1 * ...). The same numbers as
 * PyTorch's logSoftmax + nllLoss (+ the smoothing term), recorded as one node whose backward is
 * `(softmax(x) * sum(q) - q) * scale`, where q is the weighted, smoothed target distribution.
 *
 * ```ts
 * const logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], { requiresGrad: true });
 * const loss = F.crossEntropy(logits, torch.tensor([0, 2], { dtype: 'int32' }));   // tensor(0.1755)
 * loss.backward();
 * ```
 */
export function crossEntropy(
  input: Tensor,
  target: Tensor,
  weight?: Tensor | null | CrossEntropyOptions,
  sizeAverage?: boolean | null | CrossEntropyOptions,
  ignoreIndex?: number | CrossEntropyOptions,
  reduce?: boolean | null | CrossEntropyOptions,
  reduction?: Reduction | CrossEntropyOptions,
  labelSmoothing?: number | CrossEntropyOptions,
): Tensor {
  const { input: x, target: t, ...options } = CROSS_ENTROPY(arguments);
  return crossEntropyOf(x, t, options);
}

function crossEntropyOf(input: Tensor, target: Tensor, options: ClassLossOptions & { labelSmoothing: number }): Tensor {
  const op = 'crossEntropy';
  const args = checkClassLoss(op, input, target, options);
  const { reduction, classDim, classes, weight } = args;
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new RangeError(`${op}: labelSmoothing must be between 0.0 and 1.0, got ${smoothing}`);
  const probabilities = shapesEqual(input.shape, target.shape);
  if (probabilities) {
    if (target.dtype !== 'float32')
      throw new TypeError(
        `${op}: a target of the input's shape ${formatShape(input.shape)} holds class probabilities and must be float32, got ${target.dtype}; class indices have shape ${formatShape(input.dim() === 1 ? [] : [input.shape[0], ...input.shape.slice(2)])}`,
      );
    if (args.ignoreIndex >= 0)
      throw new RangeError(`${op}: ignoreIndex (${args.ignoreIndex}) is not supported with class-probability targets`);
  } else {
    checkClassTargets(op, input, target, args, true);
  }
  // The class weight shaped to broadcast along the class dim: [C] or [1, C, 1, ...].
  const weightView = () =>
    weight
      ? reshape(
          weight,
          input.shape.map((size, d) => (d === classDim ? size : 1)),
        )
      : null;
  // Class probabilities after smoothing, before weighting.
  const smoothed = (probabilities = target) =>
    smoothing > 0 ? add(mul(probabilities, 1 - smoothing), smoothing / classes) : probabilities;

  // Recorded when the input requires grad: the saved logProbs then carry the graph to the input
  // that a createGraph backward differentiates the gradient formula through.
  const logProbs = logSoftmax(input, classDim);
  const { loss, targets, divisor } = scope(() =>
    noGrad(() => {
      const w = weightView();
      if (probabilities) {
        const product = mul(logProbs, smoothed());
        const divisor = input.numel() / classes;
        return {
          loss: reduceTerms(neg(sum(w ? mul(product, w) : product, classDim)), reduction, divisor),
          logProbs,
          targets: null,
          divisor,
        };
      }
      const targets = classTargets(op, target, args);
      const divisor = sum(targets.weights);
      const nll = reduceTerms(nllTerms(logProbs, targets, classDim), reduction, divisor);
      if (smoothing === 0) return { loss: nll, logProbs, targets, divisor };
      const uniformTerms = where(targets.kept, neg(sum(w ? mul(logProbs, w) : logProbs, classDim)), 0);
      const loss = add(mul(nll, 1 - smoothing), mul(reduceTerms(uniformTerms, reduction, divisor), smoothing / classes));
      return { loss, logProbs, targets, divisor };
    }),
  );

  const weighted = (q: Tensor): Tensor => {
    const w = weightView();
    return w ? mul(q, w) : q;
  };
  // q: the target distribution the loss compares softmax(input) with, weighted per class.
  const distribution = (): Tensor => {
    const w = weightView();
    if (!targets) return weighted(smoothed());
    const hits = placeAtTargets(input.shape, classDim, targets.indices, targets.weights);
    if (smoothing === 0) return hits;
    const keptMass = mul(unsqueeze(targets.kept, classDim), smoothing / classes);
    return add(mul(hits, 1 - smoothing), w ? mul(keptMass, w) : keptMass);
  };

  record('CrossEntropyLossBackward0', loss, [input, probabilities ? target : null], (save) => {
    const inputNeedsGrad = input.requiresGrad;
    const logP = save(logProbs);
    const savedQ = inputNeedsGrad ? saveComputed(save, distribution, target) : null;
    const total = divisor instanceof Tensor ? save(divisor) : divisor;
    const kept = targets ? save(targets.kept) : null;
    // d loss / d target = -(1 - smoothing) * weight * logProbs, scaled.
    const targetNeedsGrad = probabilities && target.requiresGrad;
    const targetFactor = targetNeedsGrad ? (weight ? saveComputed(save, () => mul(weightView()!, smoothing - 1)) : smoothing - 1) : null;
    // Under createGraph q is rebuilt from the target in recorded ops, so the input gradient's own
    // gradient reaches a target that requires grad.
    const probabilityTarget = inputNeedsGrad && targetNeedsGrad ? save(target) : null;
    return (g) => {
      const q = probabilityTarget && isGradEnabled() ? weighted(smoothed(probabilityTarget)) : savedQ;
      const perSample = perSampleScale(g, reduction, total, kept);
      // Per-sample scales (target-shaped) broadcast over the class dim; a 0-d one broadcasts as it is.
      const scale = reduction === 'none' || kept ? unsqueeze(perSample, classDim) : perSample;
      const gradInput = q ? mul(sub(mul(exp(logP), sum(q, classDim, { keepdim: true })), q), scale) : null;
      return [gradInput, targetFactor === null ? null : mul(mul(logP, targetFactor), scale)];
    };
  });
  disposeAll([logProbs, divisor, ...(targets ? [targets.kept, targets.indices, targets.weights] : [])]);
  return loss;
}

/**
 * Builds a tensor for backward without recording it and saves it, freeing the builder's
 * temporaries; `borrowed` is the caller's tensor the build may return as it is.
 */
function saveComputed(save: Save, build: () => Tensor, borrowed: Tensor | null = null): Tensor {
  const built = scope(() => noGrad(build));
  const saved = save(built);
  if (built !== borrowed) built.dispose();
  return saved;
}

// ---- modules ------------------------------------------------------------------------------------

/**
 * The loss modules' constructors in PyTorch's order (`nn.CrossEntropyLoss(weight, size_average,
 * ignore_index, reduce, reduction, label_smoothing)`), each argument also by name.
 */
const MSE_LOSS_MODULE = lossSignature('MSELoss', legacyReductionParams());
const L1_LOSS_MODULE = lossSignature('L1Loss', legacyReductionParams());
const NLL_LOSS_MODULE = lossSignature('NLLLoss', nllModuleParams());
const CROSS_ENTROPY_LOSS_MODULE = lossSignature('CrossEntropyLoss', { ...nllModuleParams(), labelSmoothing: param.number(0) });
const BCE_LOSS_MODULE = lossSignature('BCELoss', { weight: optionalTensor(null), ...legacyReductionParams() });
const BCE_WITH_LOGITS_LOSS_MODULE = lossSignature('BCEWithLogitsLoss', {
  weight: optionalTensor(null),
  ...legacyReductionParams(),
  posWeight: optionalTensor(null),
});

/** PyTorch's `_Loss`: the reduction every loss module applies, checked once. */
export abstract class Loss extends Module {
  readonly reduction: Reduction;

  /** `reduction` as the subclass bound it, the deprecated sizeAverage and reduce folded in (see lossSignature). */
  constructor(reduction: unknown) {
    super();
    this.reduction = checkReduction(new.target.name, reduction);
  }
}

/** PyTorch's `_WeightedLoss`: a loss with a per-class (or per-element) 'weight' buffer. */
abstract class WeightedLoss extends Loss {
  declare weight: Tensor | null;

  constructor(reduction: unknown, weight: Tensor | null) {
    super(reduction);
    this.registerBuffer('weight', weight);
  }
}

/**
 * `nn.CrossEntropyLoss(weight?, { ignoreIndex, reduction, labelSmoothing })`: see `F.crossEntropy`.
 * Shapes: input (N, C) or (N, C, d1, ...) or (C); target (N) or (N, d1, ...) or () of int32 class
 * indices, or class probabilities of the input's shape; output () or, with reduction 'none', the
 * target's batch shape. `weight` is a buffer, saved in the state dict as PyTorch saves it. Every
 * argument goes positionally in PyTorch's order (weight, sizeAverage, ignoreIndex, reduce,
 * reduction, labelSmoothing) or by name; the deprecated sizeAverage and reduce map onto reduction
 * with a warning, as in PyTorch.
 *
 * ```ts
 * const lossFn = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
 * lossFn.forward(torch.randn(8, 18), torch.randint(0, 18, [8], { dtype: 'int32' }));
 * ```
 */
export class CrossEntropyLoss extends WeightedLoss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  constructor(
    weight?: Tensor | null | CrossEntropyOptions,
    sizeAverage?: boolean | null | CrossEntropyOptions,
    ignoreIndex?: number | CrossEntropyOptions,
    reduce?: boolean | null | CrossEntropyOptions,
    reduction?: Reduction | CrossEntropyOptions,
    labelSmoothing?: number | CrossEntropyOptions,
  ) {
    const args = CROSS_ENTROPY_LOSS_MODULE(arguments);
    super(args.reduction, args.weight);
    this.ignoreIndex = args.ignoreIndex;
    this.labelSmoothing = args.labelSmoothing;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'target']);
    return crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/**
 * `nn.NLLLoss(weight?, { ignoreIndex, reduction })` on log-probabilities: see `F.nllLoss`. Shapes
 * as CrossEntropyLoss with class indices; arguments in PyTorch's order (weight, sizeAverage,
 * ignoreIndex, reduce, reduction) or by name.
 */
export class NLLLoss extends WeightedLoss {
  readonly ignoreIndex: number;

  constructor(
    weight?: Tensor | null | NllLossOptions,
    sizeAverage?: boolean | null | NllLossOptions,
    ignoreIndex?: number | NllLossOptions,
    reduce?: boolean | null | NllLossOptions,
    reduction?: Reduction | NllLossOptions,
  ) {
    const args = NLL_LOSS_MODULE(arguments);
    super(args.reduction, args.weight);
    this.ignoreIndex = args.ignoreIndex;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'target']);
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * `nn.MSELoss({ reduction })`: see `F.mseLoss`. Shapes: input and target (*), output () or (*).
 * PyTorch's positional (sizeAverage, reduce, reduction) are taken too.
 */
export class MSELoss extends Loss {
  constructor(
    sizeAverage?: boolean | null | LegacyLossOptions,
    reduce?: boolean | null | LegacyLossOptions,
    reduction?: Reduction | LegacyLossOptions,
  ) {
    super(MSE_LOSS_MODULE(arguments).reduction);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'target']);
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * `nn.L1Loss({ reduction })`: see `F.l1Loss`. Shapes: input and target (*), output () or (*).
 * PyTorch's positional (sizeAverage, reduce, reduction) are taken too.
 */
export class L1Loss extends Loss {
  constructor(
    sizeAverage?: boolean | null | LegacyLossOptions,
    reduce?: boolean | null | LegacyLossOptions,
    reduction?: Reduction | LegacyLossOptions,
  ) {
    super(L1_LOSS_MODULE(arguments).reduction);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'target']);
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/**
 * `nn.BCELoss(weight?, { reduction })` on probabilities: see `F.binaryCrossEntropy`. Shapes: input
 * and target (*), output () or (*); weight broadcasts to the input. Arguments in PyTorch's order
 * (weight, sizeAverage, reduce, reduction) or by name.
 */
export class BCELoss extends WeightedLoss {
  constructor(
    weight?: Tensor | null | BinaryCrossEntropyOptions,
    sizeAverage?: boolean | null | BinaryCrossEntropyOptions,
    reduce?: boolean | null | BinaryCrossEntropyOptions,
    reduction?: Reduction | BinaryCrossEntropyOptions,
  ) {
    const args = BCE_LOSS_MODULE(arguments);
    super(args.reduction, args.weight);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'target']);
    return binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * `nn.BCEWithLogitsLoss(weight?, { reduction, posWeight })` on logits: see
 * `F.binaryCrossEntropyWithLogits`. Shapes: input and target (*), output () or (*). The buffers
 * keep PyTorch's state-dict names, 'weight' and 'pos_weight'. Arguments in PyTorch's order
 * (weight, sizeAverage, reduce, reduction, posWeight) or by name.
 */
export class BCEWithLogitsLoss extends WeightedLoss {
  declare pos_weight: Tensor | null;

  constructor(
    weight?: Tensor | null | BinaryCrossEntropyWithLogitsOptions,
    sizeAverage?: boolean | null | BinaryCrossEntropyWithLogitsOptions,
    reduce?: boolean | null | BinaryCrossEntropyWithLogitsOptions,
    reduction?: Reduction | BinaryCrossEntropyWithLogitsOptions,
    posWeight?: Tensor | null | BinaryCrossEntropyWithLogitsOptions,
  ) {
    const args = BCE_WITH_LOGITS_LOSS_MODULE(arguments);
    super(args.reduction, args.weight);
    this.registerBuffer('pos_weight', args.posWeight);
  }

  get posWeight(): Tensor | null {
    return this.pos_weight;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'target']);
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}
