/** Smooth L1, Huber and Kullback-Leibler losses, functional and modules, with PyTorch 1.13's gradients at their kinks. */
import { recordComposite } from '../graph/record.js';
import { add, clamp, div, eq, gt, lt, mul, sub, where } from '../ops/elementwise.js';
import { param, signature } from '../ops/signature.js';
import { abs, exp, log, neg } from '../ops/unary.js';
import { checkSameDevice } from '../ops/util.js';
import { checkArgumentCount } from '../options.js';
import { broadcastShapes, numel } from '../shape.js';
import type { Tensor } from '../tensor.js';
import {
  checkFloatTensor,
  checkReduction,
  type DeprecatedReductionOptions,
  differenceLoss,
  Loss,
  legacyFlag,
  legacyReductionParams,
  lossSignature,
  type Reduction,
  reduceTerms,
  reductionParam,
} from './loss.js';
import { Module } from './module.js';

const SMOOTH_L1_LOSS = lossSignature('smoothL1Loss', {
  input: param.tensor(),
  target: param.tensor(),
  sizeAverage: legacyFlag(null),
  reduce: legacyFlag(null),
  reduction: reductionParam('mean'),
  beta: param.number(1),
});

export interface SmoothL1LossOptions extends DeprecatedReductionOptions {
  reduction?: Reduction;
  /** Where the loss turns from quadratic to linear; default 1. 0 gives l1Loss. */
  beta?: number;
}

/**
 * `smoothL1Loss(input, target, { reduction, beta = 1 })`: with z = |input - target|,
 * 0.5 z^2 / beta where z < beta, else z - 0.5 beta; reduced. PyTorch's deprecated sizeAverage and
 * reduce map onto reduction (see legacyReduction). The gradient is PyTorch's: clamp(x / beta, -1, 1) for x = input - target,
 * and with beta = 0 it is -1 for x <= 0 (a tie included) and 1 above, as PyTorch's kernel tests
 * x <= -beta first.
 *
 * ```ts
 * F.smoothL1Loss(torch.tensor([0.5, 3]), torch.tensor([0, 0]));   // tensor(1.3125)
 * ```
 */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  sizeAverage?: boolean | null | SmoothL1LossOptions,
  reduce?: boolean | null | SmoothL1LossOptions,
  reduction?: Reduction | SmoothL1LossOptions,
  beta?: number | SmoothL1LossOptions,
): Tensor {
  const args = SMOOTH_L1_LOSS(arguments);
  const b = args.beta;
  if (!(b >= 0)) throw new RangeError(`smoothL1Loss: beta must be non-negative, got ${b}`);
  const terms = (x: Tensor) => {
    const z = abs(x);
    return b === 0 ? z : where(lt(z, b), div(mul(mul(z, 0.5), z), b), sub(z, 0.5 * b));
  };
  const slope = (x: Tensor) => (b === 0 ? where(gt(x, 0), 1, -1) : clamp(div(x, b), -1, 1));
  return differenceLoss(
    'smoothL1Loss',
    'SmoothL1LossBackward0',
    args.input,
    args.target,
    { reduction: checkReduction('smoothL1Loss', args.reduction) },
    terms,
    slope,
  );
}

const HUBER_LOSS = signature('huberLoss', {
  input: param.tensor(),
  target: param.tensor(),
  reduction: reductionParam('mean'),
  delta: param.number(1),
});

export interface HuberLossOptions {
  reduction?: Reduction;
  /** Where the loss turns from quadratic to linear; default 1, must be positive. */
  delta?: number;
}

/**
 * `huberLoss(input, target, { reduction, delta = 1 })`: with z = |input - target|, 0.5 z^2 where
 * z < delta, else delta (z - 0.5 delta); reduced. Its gradient clamp(x, -delta, delta) is
 * continuous, so PyTorch's choice at z = delta is this one value.
 *
 * ```ts
 * F.huberLoss(torch.tensor([0.5, 3]), torch.tensor([0, 0]), { delta: 2 });   // tensor(2.0625)
 * ```
 */
export function huberLoss(
  input: Tensor,
  target: Tensor,
  reduction?: Reduction | HuberLossOptions,
  delta?: number | HuberLossOptions,
): Tensor {
  const args = HUBER_LOSS(arguments);
  const d = args.delta;
  if (!(d > 0)) throw new RangeError(`huberLoss: delta must be positive, got ${d}`);
  const terms = (x: Tensor) => {
    const z = abs(x);
    return where(lt(z, d), mul(mul(z, 0.5), z), mul(sub(z, 0.5 * d), d));
  };
  return differenceLoss(
    'huberLoss',
    'HuberLossBackward0',
    args.input,
    args.target,
    { reduction: checkReduction('huberLoss', args.reduction) },
    terms,
    (x) => clamp(x, -d, d),
  );
}

/** klDiv's reductions: 'batchmean' divides the sum by the batch size, the KL divergence per sample. */
export type KlDivReduction = Reduction | 'batchmean';

const KL_DIV = lossSignature('klDiv', {
  input: param.tensor(),
  target: param.tensor(),
  sizeAverage: legacyFlag(null),
  reduce: legacyFlag(null),
  reduction: reductionParam('mean'),
  logTarget: param.boolean(false),
});

export interface KlDivOptions extends DeprecatedReductionOptions {
  reduction?: KlDivReduction;
  /** The target holds log-probabilities, as the input does; default false. */
  logTarget?: boolean;
}

function checkKlDivReduction(op: string, reduction: unknown): KlDivReduction {
  if (reduction === 'batchmean') return reduction;
  if (reduction === 'mean' || reduction === 'sum' || reduction === 'none') return reduction;
  throw new RangeError(`${op}: reduction must be 'mean', 'batchmean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
}

let warnedMean = false;

/**
 * `klDiv(input, target, { reduction = 'mean', logTarget = false })`: the pointwise KL divergence
 * of target from input, where input holds log-probabilities: target (log target - input), 0 where
 * target is 0; with logTarget, exp(target) (target - input). 'mean' divides by every element, as
 * PyTorch 1.13 does (with its warning); 'batchmean' by input's first dim, the divergence per sample.
 * The target's gradient is PyTorch's, NaN where a probability target is 0.
 *
 * ```ts
 * F.klDiv(torch.tensor([[-1, -0.5]]), torch.tensor([[0.25, 0.75]]), { reduction: 'batchmean' });   // tensor(0.0627)
 * ```
 */
export function klDiv(
  input: Tensor,
  target: Tensor,
  sizeAverage?: boolean | null | KlDivOptions,
  reduce?: boolean | null | KlDivOptions,
  reduction?: KlDivReduction | KlDivOptions,
  logTarget?: boolean | KlDivOptions,
): Tensor {
  const args = KL_DIV(arguments);
  const op = 'klDiv';
  const x = checkFloatTensor(op, 'input', args.input);
  const t = checkFloatTensor(op, 'target', args.target);
  checkSameDevice(op, { input: x, target: t });
  const count = numel(broadcastShapes(op, x.shape, t.shape, ['input', 'target']));
  const how = checkKlDivReduction(op, args.reduction);
  if (how === 'mean' && !warnedMean) {
    warnedMean = true;
    console.warn(
      `${op}: reduction 'mean' divides the total loss by both the batch size and the support size. 'batchmean' divides only by the batch size, and aligns with the KL div math definition. 'mean' will be changed to behave the same as 'batchmean' in the next major release.`,
    );
  }
  const terms = recordComposite(
    'KlDivBackward0',
    [x, t],
    () => (args.logTarget ? mul(exp(t), sub(t, x)) : sub(xlogx(t), mul(t, x))),
    (save) => {
      const savedInput = save(x);
      const savedTarget = save(t);
      return (g) => {
        if (args.logTarget) {
          const weight = exp(savedTarget);
          return [neg(mul(weight, g)), mul(mul(weight, add(sub(savedTarget, savedInput), 1)), g)];
        }
        // PyTorch differentiates xlogy(t, t): log t where t != 0, plus t / t, which is NaN at t = 0.
        const gradTarget = add(sub(where(eq(savedTarget, 0), 0, log(savedTarget)), savedInput), div(savedTarget, savedTarget));
        return [neg(mul(savedTarget, g)), mul(gradTarget, g)];
      };
    },
  );
  if (how !== 'batchmean') return reduceTerms(terms, how, count);
  return x.dim() === 0 ? reduceTerms(terms, 'sum', 1) : reduceTerms(terms, 'mean', x.shape[0]);
}

/** PyTorch's xlogy(t, t): 0 where t is 0 (NaN stays NaN). */
function xlogx(t: Tensor): Tensor {
  return where(eq(t, 0), 0, mul(t, log(t)));
}

// ---- modules ------------------------------------------------------------------------------------

/**
 * `nn.SmoothL1Loss({ reduction, beta })`: see `F.smoothL1Loss`. Shapes: input and target (*),
 * output () or (*).
 */
export class SmoothL1Loss extends Loss {
  readonly beta: number;

  constructor(
    sizeAverage?: boolean | null | SmoothL1LossOptions,
    reduce?: boolean | null | SmoothL1LossOptions,
    reduction?: Reduction | SmoothL1LossOptions,
    beta?: number | SmoothL1LossOptions,
  ) {
    const args = lossSignature('SmoothL1Loss', { ...legacyReductionParams(), beta: param.number(1) })(arguments);
    super(args.reduction);
    this.beta = args.beta;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'target']);
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** `nn.HuberLoss({ reduction, delta })`: see `F.huberLoss`. Shapes: input and target (*), output () or (*). */
export class HuberLoss extends Loss {
  readonly delta: number;

  constructor(reduction?: Reduction | HuberLossOptions, delta?: number | HuberLossOptions) {
    const args = signature('HuberLoss', { reduction: reductionParam('mean'), delta: param.number(1) })(arguments);
    super(args.reduction);
    this.delta = args.delta;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'target']);
    return huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/**
 * `nn.KLDivLoss({ reduction, logTarget })`: see `F.klDiv`. Shapes: input (*) of log-probabilities,
 * target (*), output () or (*).
 *
 * ```ts
 * const kl = new nn.KLDivLoss({ reduction: 'batchmean', logTarget: true });
 * kl.forward(F.logSoftmax(torch.randn(4, 5), 1), F.logSoftmax(torch.randn(4, 5), 1));
 * ```
 */
export class KLDivLoss extends Module {
  readonly reduction: KlDivReduction;
  readonly logTarget: boolean;

  constructor(
    sizeAverage?: boolean | null | KlDivOptions,
    reduce?: boolean | null | KlDivOptions,
    reduction?: KlDivReduction | KlDivOptions,
    logTarget?: boolean | KlDivOptions,
  ) {
    super();
    const args = lossSignature('KLDivLoss', { ...legacyReductionParams(), logTarget: param.boolean(false) })(arguments);
    this.reduction = checkKlDivReduction('KLDivLoss', args.reduction);
    this.logTarget = args.logTarget;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input', 'target']);
    return klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}
