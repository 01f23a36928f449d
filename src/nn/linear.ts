// `F.linear`, `nn.Linear` and `nn.Identity`.
import { needsGrad, recordComposite } from '../graph/record.js';
import { add } from '../ops/elementwise.js';
import { mm } from '../ops/linalg.js';
import { sum } from '../ops/reduce.js';
import { checkDtype, checkSameDevice, checkTensor } from '../ops/util.js';
import { detach, reshape, t } from '../ops/views.js';
import { checkArgumentCount, checkOptions, type KeywordCall, optionKeys, spreadKeywordCall } from '../options.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init.js';
import { Module } from './module.js';
import { emptyParameter, type Parameter } from './parameter.js';
import { formatBool } from './repr.js';

/**
 * `linear(input, weight, bias?)`: y = x W^T + b over the last dim of x.
 * Shapes: input (*, H_in), weight (H_out, H_in), bias (H_out), output (*, H_out).
 *
 * One GEMM for every leading dim at once (input read as [N, H_in], W^T as a transposed view, no
 * copy), then the bias add; backward is two GEMMs and a column sum, recorded as one node.
 *
 * ```ts
 * F.linear(torch.ones(2, 3), torch.ones(4, 3));   // [[3, 3, 3, 3], [3, 3, 3, 3]]
 * ```
 */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  checkTensor('linear', 'input', input);
  checkTensor('linear', 'weight', weight);
  checkDtype('linear', 'input', input, ['float32']);
  checkDtype('linear', 'weight', weight, ['float32']);
  if (weight.dim() !== 2)
    throw new RangeError(`linear: weight must be 2-D [out_features, in_features], got shape ${formatShape(weight.shape)}`);
  const [outFeatures, inFeatures] = weight.shape;
  if (input.dim() === 0) throw new RangeError(`linear: input must have at least 1 dimension, got a 0-d tensor`);
  const last = input.shape[input.dim() - 1];
  if (last !== inFeatures)
    throw new RangeError(
      `linear: input last dimension ${last} does not match in_features ${inFeatures} (input shape ${formatShape(input.shape)})`,
    );
  if (bias !== null) {
    checkTensor('linear', 'bias', bias);
    checkDtype('linear', 'bias', bias, ['float32']);
    if (bias.dim() !== 1 || bias.shape[0] !== outFeatures)
      throw new RangeError(`linear: bias must have shape [${outFeatures}] (out_features), got ${formatShape(bias.shape)}`);
    checkSameDevice('linear', { input, weight, bias });
  } else {
    checkSameDevice('linear', { input, weight });
  }
  const outShape = [...input.shape.slice(0, -1), outFeatures];
  return recordComposite(
    bias ? 'AddmmBackward0' : 'MmBackward0',
    [input, weight, bias],
    () => {
      const product = mm(reshape(input, [-1, inFeatures]), t(weight));
      const out = bias ? add(product, bias) : product;
      // A base-less tensor over the result's storage: the view reshape makes would point at a base
      // this scope frees.
      return input.dim() === 2 ? out : detach(reshape(out, outShape));
    },
    (save) => {
      const [inputNeedsGrad, weightNeedsGrad, biasNeedsGrad] = [needsGrad(input), needsGrad(weight), bias !== null && needsGrad(bias)];
      const x = weightNeedsGrad ? save(input) : input;
      const w = inputNeedsGrad ? save(weight) : weight;
      const inputShape = input.shape;
      return (g) => {
        const rows = reshape(g, [-1, outFeatures]);
        return [
          inputNeedsGrad ? reshape(mm(rows, w), inputShape) : null,
          weightNeedsGrad ? mm(t(rows), reshape(x, [-1, inFeatures])) : null,
          biasNeedsGrad ? sum(rows, 0) : null,
        ];
      };
    },
  );
}

export interface LinearOptions {
  /** Learn an additive bias; default true. */
  bias?: boolean;
  device?: string;
}

const LINEAR_OPTIONS = optionKeys<LinearOptions>({ bias: true, device: true });

/**
 * `nn.Linear(inFeatures, outFeatures, { bias })`: y = x W^T + b over the last dim.
 * Shapes: input (*, H_in), output (*, H_out). weight (H_out, H_in) and bias (H_out) start
 * U(-1/sqrt(H_in), 1/sqrt(H_in)), PyTorch's default (kaiming_uniform_ with a = sqrt(5)).
 *
 * ```ts
 * const fc = new nn.Linear(20, 30);
 * fc.forward(torch.randn(128, 20)).shape;   // [128, 30]
 * ```
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  declare bias: Parameter | null;

  constructor(...args: KeywordCall<[{ inFeatures: number }, { outFeatures: number }], LinearOptions>) {
    const [inFeatures, outFeatures, options = {}] = spreadKeywordCall(args, ['inFeatures', 'outFeatures']) as [
      number,
      number,
      LinearOptions?,
    ];
    checkOptions('Linear', options, LINEAR_OPTIONS);
    super();
    checkFeatures('Linear', { inFeatures, outFeatures });
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = emptyParameter([outFeatures, inFeatures], options.device);
    this.registerParameter('bias', (options.bias ?? true) ? emptyParameter([outFeatures], options.device) : null);
    this.resetParameters();
  }

  /** Draws fresh values from PyTorch's default initialisation. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${formatBool(this.bias !== null)}`;
  }
}

/** Checks layer sizes are non-negative integers, naming the layer and the argument. */
export function checkFeatures(layer: string, sizes: Record<string, number>): void {
  for (const [name, size] of Object.entries(sizes)) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`${layer}: ${name} must be a non-negative integer, got ${size}`);
  }
}

/**
 * `nn.Identity()`: returns its input (arguments are accepted and ignored, as in PyTorch), a
 * placeholder where a layer is optional.
 */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return input;
  }
}
