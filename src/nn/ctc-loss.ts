// The connectionist temporal classification loss, F.ctcLoss and nn.CTCLoss, written in ops.
import { scope } from '../memory.js';
import { full, tensor } from '../ops/creation.js';
import { add, div, lt, mul, ne, where } from '../ops/elementwise.js';
import { gather } from '../ops/gather-scatter.js';
import { logsumexp, mean, sum } from '../ops/reduce.js';
import { kind, param, signature } from '../ops/signature.js';
import { neg } from '../ops/unary.js';
import { checkDtype, checkSameDevice, checkTensor } from '../ops/util.js';
import { cat, expand, narrow, reshape, select, squeeze, stack, unsqueeze } from '../ops/views.js';
import { checkArgumentCount } from '../options.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkFloatTensor, checkReduction, Loss, type LossOptions, type Reduction, reductionParam } from './loss.js';

export interface CtcLossOptions extends LossOptions {
  /** The blank label's class index; default 0. */
  blank?: number;
  /** Give an infinite loss (an impossible alignment) and its gradient 0 instead; default false. */
  zeroInfinity?: boolean;
}

/** Sequence lengths, one per batch element: a number array, an int tensor on a device that reads synchronously, or one number unbatched. */
export type CtcLengths = readonly number[] | number | Tensor;

/** Lengths as passed; hostLengths checks each one, naming the argument. */
const lengths = kind<CtcLengths>('an array of lengths, a number or an int32 Tensor', (v) =>
  Array.isArray(v) || typeof v === 'number' || v instanceof Tensor ? (v as CtcLengths) : undefined,
);
/** PyTorch's `ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction='mean', zero_infinity=False)`. */
const CTC_LOSS = signature('ctcLoss', {
  logProbs: param.tensor(),
  targets: param.tensor(),
  inputLengths: lengths(),
  targetLengths: lengths(),
  blank: param.number(0),
  reduction: reductionParam('mean'),
  zeroInfinity: param.boolean(false),
});

/**
 * Stands for log 0 in the recursion. A true -inf would make logsumexp's backward exp(-inf - -inf),
 * NaN, at every unreachable state, even where no gradient flows; this finite value is absorbed by
 * any log-probability added to it in float32, and a final log-likelihood below half of it marks an
 * impossible alignment.
 */
const LOG_ZERO = -1e30;

/** The lengths as numbers, checked: non-negative integers, one per batch element. */
function hostLengths(op: string, name: string, lengths: CtcLengths, batch: number, batched: boolean): number[] {
  let values: number[];
  if (lengths instanceof Tensor) {
    checkTensor(op, name, lengths);
    checkDtype(op, name, lengths, ['int32']);
    if (!lengths.deviceObject.synchronous)
      throw new TypeError(
        `${op}: ${name} is a tensor on ${lengths.device}, whose values cannot be read synchronously; pass a number array or a CPU tensor (PyTorch too reads the lengths on the host)`,
      );
    if (lengths.dim() > 1) throw new RangeError(`${op}: ${name} must be 0-D or 1-D, got shape ${formatShape(lengths.shape)}`);
    values = Array.from(lengths.dataSync());
  } else if (typeof lengths === 'number') {
    if (batched)
      throw new TypeError(
        `${op}: ${name} must be an array or tensor of ${batch} lengths for a batched logProbs, got the number ${lengths}`,
      );
    values = [lengths];
  } else if (Array.isArray(lengths)) {
    values = [...lengths];
  } else {
    throw new TypeError(`${op}: ${name} must be a number array or an int32 tensor, got ${typeof lengths}`);
  }
  if (values.length !== batch)
    throw new RangeError(`${op}: ${name} must have one length per batch element (N = ${batch}), got ${values.length}`);
  values.forEach((value, n) => {
    if (!Number.isInteger(value) || value < 0)
      throw new RangeError(`${op}: ${name} must be non-negative integers, got ${value} at batch ${n}`);
  });
  return values;
}

/**
 * The targets as labels [N, S] (S the longest target length), read from padded [N, S'] or
 * concatenated 1-D targets (or one unbatched sequence). Positions past a target's length hold the
 * blank, so padding may be any value. Values are checked where the device reads synchronously;
 * elsewhere the gather of the emissions reports a label out of range, at the next read.
 */
function labelsOf(op: string, targets: Tensor, lengths: number[], batched: boolean, classes: number, blank: number): Tensor {
  const batch = lengths.length;
  const longest = Math.max(0, ...lengths);
  const device = targets.device;
  let padded: Tensor;
  if (!batched || targets.dim() === 2) {
    const expectedDims = batched ? 2 : 1;
    if (targets.dim() !== expectedDims)
      throw new RangeError(`${op}: targets must be 1-D (S) for an unbatched logProbs (T, C), got shape ${formatShape(targets.shape)}`);
    const width = targets.shape[targets.dim() - 1];
    if (batched && targets.shape[0] !== batch)
      throw new RangeError(`${op}: padded targets (N, S) must have N = ${batch} rows, got shape ${formatShape(targets.shape)}`);
    if (width < longest)
      throw new RangeError(
        `${op}: targets must have at least ${longest} (the longest target length) entries in their last dim, got shape ${formatShape(targets.shape)}`,
      );
    padded = narrow(batched ? targets : unsqueeze(targets, 0), 1, 0, longest);
  } else if (targets.dim() === 1) {
    const total = lengths.reduce((a, b) => a + b, 0);
    if (targets.shape[0] < total)
      throw new RangeError(
        `${op}: concatenated targets must hold sum(targetLengths) = ${total} labels, got shape ${formatShape(targets.shape)}`,
      );
    let offset = 0;
    const index: number[] = [];
    for (const length of lengths) {
      for (let k = 0; k < longest; k++) index.push(Math.min(offset + Math.min(k, Math.max(length - 1, 0)), Math.max(total - 1, 0)));
      offset += length;
    }
    padded =
      total === 0
        ? full([batch, longest], blank, { dtype: 'int32', device })
        : reshape(gather(targets, 0, tensor(index, { dtype: 'int32', device })), [batch, longest]);
  } else {
    throw new RangeError(`${op}: targets must be padded (N, S) or concatenated 1-D, got shape ${formatShape(targets.shape)}`);
  }
  const inTarget = lengths.map((length) => Array.from({ length: longest }, (_, k) => k < length));
  if (targets.deviceObject.synchronous) {
    const values = padded.contiguous().dataSync();
    inTarget.forEach((row, n) =>
      row.forEach((inside, k) => {
        const label = values[n * longest + k];
        if (inside && !(label >= 0 && label < classes))
          throw new RangeError(`${op}: targets must be class indices in [0, ${classes}), got ${label} at batch ${n} position ${k}`);
      }),
    );
  }
  return where(tensor(inTarget, { dtype: 'bool', device }), padded, full([batch, longest], blank, { dtype: 'int32', device }));
}

/**
 * `ctcLoss(logProbs, targets, inputLengths, targetLengths, { blank = 0, reduction = 'mean', zeroInfinity = false })`
 * (blank, reduction and zeroInfinity also positionally, as in PyTorch):
 * the negative log-likelihood of each target under every alignment of the input frames to it
 * (labels in order, blanks and repeats between them), Graves et al. 2006, PyTorch 1.13's values.
 * Shapes: logProbs (T, N, C) of log-probabilities (logSoftmax over C), or (T, C) unbatched;
 * targets (N, S) padded or (sum(targetLengths)) concatenated, or (S) unbatched, int32;
 * inputLengths and targetLengths (N) as number arrays or CPU int32 tensors. Output () or, with
 * reduction 'none', (N); 'mean' divides each loss by its target length, then averages.
 *
 * An impossible alignment (a target that needs more frames than its input has) gives +inf and, as
 * in PyTorch, NaN gradients; zeroInfinity makes it 0 with zero gradients. The alpha recursion over
 * the blank-interleaved targets is written in ops, so autograd gives the exact gradient, which
 * equals PyTorch's through a logSoftmax (PyTorch's own assumes one). Unlike PyTorch, an input of
 * length 0 gives 0 for an empty target and +inf otherwise, and labels outside [0, C) are an error.
 *
 * ```ts
 * const logProbs = torch.randn(12, 2, 5).logSoftmax(2);
 * const targets = torch.tensor([[1, 2, 2], [3, 1, 0]], { dtype: 'int32' });
 * F.ctcLoss(logProbs, targets, [12, 10], [3, 2]).shape;   // []
 * ```
 */
export function ctcLoss(
  logProbs: Tensor,
  targets: Tensor,
  inputLengths: CtcLengths,
  targetLengths: CtcLengths,
  blank?: number | CtcLossOptions,
  reduction?: Reduction | CtcLossOptions,
  zeroInfinity?: boolean | CtcLossOptions,
): Tensor {
  const op = 'ctcLoss';
  const args = CTC_LOSS(arguments);
  ({ logProbs, targets, inputLengths, targetLengths } = args);
  blank = args.blank;
  zeroInfinity = args.zeroInfinity;
  reduction = checkReduction(op, args.reduction);
  checkFloatTensor(op, 'logProbs', logProbs);
  checkTensor(op, 'targets', targets);
  checkDtype(op, 'targets', targets, ['int32']);
  checkSameDevice(op, { logProbs, targets });
  if (logProbs.dim() !== 2 && logProbs.dim() !== 3)
    throw new RangeError(`${op}: logProbs must be 3-D (T, N, C) or 2-D (T, C) unbatched, got shape ${formatShape(logProbs.shape)}`);
  const batched = logProbs.dim() === 3;
  const frames = logProbs.shape[0];
  const batch = batched ? logProbs.shape[1] : 1;
  const classes = logProbs.shape[logProbs.dim() - 1];
  if (!Number.isInteger(blank) || blank < 0 || blank >= classes)
    throw new RangeError(
      `${op}: blank must be in label range [0, ${classes}) (C of logProbs ${formatShape(logProbs.shape)}), got ${blank}`,
    );
  const inputs = hostLengths(op, 'inputLengths', inputLengths, batch, batched);
  const targetLens = hostLengths(op, 'targetLengths', targetLengths, batch, batched);
  inputs.forEach((length, n) => {
    if (length > frames)
      throw new RangeError(
        `${op}: inputLengths must be at most T = ${frames} (logProbs ${formatShape(logProbs.shape)}), got ${length} at batch ${n}`,
      );
  });
  return scope(() => {
    const device = logProbs.device;
    const labels = labelsOf(op, targets, targetLens, batched, classes, blank);
    const longest = labels.shape[1];
    const states = 2 * longest + 1;
    // The extended labels: blank, l1, blank, l2, ..., blank.
    const blanks = full([batch, longest], blank, { dtype: 'int32', device });
    const extended = cat(
      [reshape(stack([blanks, labels], 2), [batch, 2 * longest]), full([batch, 1], blank, { dtype: 'int32', device })],
      1,
    );
    const frameFirst = batched ? logProbs : unsqueeze(logProbs, 1);
    const emissions = gather(frameFirst, 2, expand(unsqueeze(extended, 0), [frames, batch, states]).contiguous());
    // A state may be entered from two back only past a blank between different labels.
    const logZeros = (width: number) => full([batch, width], LOG_ZERO, { dtype: 'float32', device });
    const skip =
      states > 2
        ? cat(
            [
              logZeros(2),
              where(
                ne(narrow(extended, 1, 2, states - 2), narrow(extended, 1, 0, states - 2)),
                full([batch, states - 2], 0, { dtype: 'float32', device }),
                LOG_ZERO,
              ),
            ],
            1,
          )
        : logZeros(states);
    const padding = logZeros(2);
    // Before the first frame all probability is on the empty prefix; the first step then enters states 0 and 1.
    let alpha = tensor(
      Array.from({ length: batch }, () => Array.from({ length: states }, (_, s) => (s === 0 ? 0 : LOG_ZERO))),
      { dtype: 'float32', device },
    );
    const lastFrame = Math.max(0, ...inputs);
    for (let t = 0; t < lastFrame; t++) {
      const shifted = cat([padding, alpha], 1);
      const predecessors = stack([alpha, narrow(shifted, 1, 1, states), add(narrow(shifted, 1, 0, states), skip)]);
      const next = add(logsumexp(predecessors, 0), select(emissions, 0, t));
      // A sample whose input has ended keeps its alpha: later frames take no part in its loss.
      const active = inputs.map((length) => t < length);
      alpha = active.every(Boolean)
        ? next
        : where(
            tensor(
              active.map((a) => [a]),
              { dtype: 'bool', device },
            ),
            next,
            alpha,
          );
    }
    const ends = targetLens.map((length) => [2 * length, Math.max(2 * length - 1, 0)]);
    const endBias = tensor(
      targetLens.map((length) => [0, length > 0 ? 0 : LOG_ZERO]),
      { dtype: 'float32', device },
    );
    const logLikelihood = logsumexp(add(gather(alpha, 1, tensor(ends, { dtype: 'int32', device })), endBias), 1);
    const impossible = lt(logLikelihood, LOG_ZERO / 2);
    const nll = neg(logLikelihood);
    // Times inf, not replaced by it: the gradient of an impossible sample is then NaN, as PyTorch's.
    const losses = zeroInfinity ? where(impossible, 0, nll) : mul(nll, where(impossible, Infinity, 1));
    return reduce(batched ? losses : squeeze(losses, 0), reduction, targetLens, device);
  });
}

function reduce(losses: Tensor, reduction: Reduction, targetLens: number[], device: string): Tensor {
  if (reduction === 'none') return losses;
  if (reduction === 'sum') return sum(losses);
  const divisors = tensor(
    targetLens.map((length) => Math.max(length, 1)),
    { dtype: 'float32', device },
  );
  return mean(div(losses, losses.dim() === 0 ? squeeze(divisors, 0) : divisors));
}

/**
 * `nn.CTCLoss({ blank, reduction, zeroInfinity })`: see `F.ctcLoss`. forward(logProbs, targets,
 * inputLengths, targetLengths). Shapes: logProbs (T, N, C) or (T, C), targets (N, S) or
 * (sum(targetLengths)) or (S), lengths (N); output () or, with reduction 'none', (N).
 *
 * ```ts
 * const ctc = new nn.CTCLoss({ blank: 4, zeroInfinity: true });
 * const logits = torch.randn(10, 3, 5, { requiresGrad: true });
 * const targets = torch.tensor([0, 1, 1, 2, 3, 0, 2], { dtype: 'int32' });
 * ctc.forward(logits.logSoftmax(2), targets, [10, 8, 6], [3, 2, 2]).backward();
 * ```
 */
export class CTCLoss extends Loss {
  readonly blank: number;
  readonly zeroInfinity: boolean;

  constructor(blank?: number | CtcLossOptions, reduction?: Reduction | CtcLossOptions, zeroInfinity?: boolean | CtcLossOptions) {
    const args = signature('CTCLoss', { blank: param.number(0), reduction: reductionParam('mean'), zeroInfinity: param.boolean(false) })(
      arguments,
    );
    super(args.reduction);
    this.blank = args.blank;
    if (!Number.isInteger(this.blank) || this.blank < 0)
      throw new RangeError(`CTCLoss: blank must be a non-negative integer, got ${this.blank}`);
    this.zeroInfinity = args.zeroInfinity;
  }

  override forward(logProbs: Tensor, targets: Tensor, inputLengths: CtcLengths, targetLengths: CtcLengths): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['logProbs', 'targets', 'inputLengths', 'targetLengths']);
    return ctcLoss(logProbs, targets, inputLengths, targetLengths, {
      blank: this.blank,
      reduction: this.reduction,
      zeroInfinity: this.zeroInfinity,
    });
  }
}
