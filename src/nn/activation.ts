// Activation functions and their modules (ReLU, GELU, Tanh, Sigmoid, ELU, SiLU, ...).
import { recordComposite } from '../graph/record.js';
import { elu, glu, hardtanh, logsigmoid, mish, prelu, relu6, selu, silu, softplus } from '../ops/activations.js';
import { full } from '../ops/creation.js';
import { add, inPlace, leakyRelu as leakyReluOp, mul, sub } from '../ops/elementwise.js';
import { param, signature } from '../ops/signature.js';
import { logSoftmax, softmax } from '../ops/softmax.js';
import { erf, exp, relu as reluOp, sigmoid, tanh } from '../ops/unary.js';
import { checkDtype, checkTensor } from '../ops/util.js';
import { checkArgumentCount, checkOptions, optionKeys } from '../options.js';
import type { Tensor } from '../tensor.js';
import { constant_ } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { formatFloat } from './repr.js';

export interface InplaceOptions {
  /** Overwrite the input with the result (and return it); default false. */
  inplace?: boolean;
}

const RELU = signature('relu', { input: param.tensor(), inplace: param.boolean(false) });
const LEAKY_RELU = signature('leakyRelu', { input: param.tensor(), negativeSlope: param.number(0.01), inplace: param.boolean(false) });

export interface LeakyReluOptions {
  negativeSlope?: number;
  inplace?: boolean;
}

/** `relu(input, inplace = false)`: max(x, 0). */
export function relu(input: Tensor, inplace?: boolean | InplaceOptions): Tensor {
  ({ input, inplace } = RELU(arguments));
  return inplace ? input.relu_() : reluOp(input);
}

/** `leakyRelu(input, negativeSlope = 0.01, inplace = false)`: x where x > 0, else negativeSlope * x. */
export function leakyRelu(input: Tensor, negativeSlope?: number | LeakyReluOptions, inplace?: boolean | LeakyReluOptions): Tensor {
  ({ input, negativeSlope, inplace } = LEAKY_RELU(arguments));
  return inplace ? inPlace('leakyRelu_', input, (self) => leakyReluOp(self, negativeSlope)) : leakyReluOp(input, negativeSlope);
}

export type GeluApproximate = 'none' | 'tanh';

export interface GeluOptions {
  approximate?: GeluApproximate;
}

const GELU_OPTIONS = optionKeys<GeluOptions>({ approximate: true });

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TANH_SCALE = Math.sqrt(2 / Math.PI);
const TANH_CUBIC = 0.044715;

/**
 * `gelu(input, { approximate })`: x * Phi(x) with Phi the standard normal CDF, exactly
 * (0.5 x (1 + erf(x / sqrt 2)), the default 'none') or with PyTorch's tanh approximation
 * (0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), 'tanh'). One node, differentiated in closed form.
 */
export function gelu(input: Tensor, approximateOrOptions?: GeluApproximate | GeluOptions): Tensor {
  checkTensor('gelu', 'input', input);
  checkDtype('gelu', 'input', input, ['float32']);
  // PyTorch takes approximate positionally too: F.gelu(x, 'tanh').
  const options = typeof approximateOrOptions === 'string' ? { approximate: approximateOrOptions } : approximateOrOptions;
  const approximate = checkOptions('gelu', options, GELU_OPTIONS).approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh')
    throw new RangeError(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  if (approximate === 'none') {
    return recordComposite(
      'GeluBackward0',
      [input],
      () => mul(mul(input, 0.5), add(erf(mul(input, SQRT_HALF)), 1)),
      (save) => {
        const x = save(input);
        // Phi(x) + x phi(x)
        return (g) => [mul(g, add(mul(add(erf(mul(x, SQRT_HALF)), 1), 0.5), mul(x, mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI))))];
      },
    );
  }
  const tanhInner = (x: Tensor) => tanh(mul(add(x, mul(mul(mul(x, x), x), TANH_CUBIC)), TANH_SCALE));
  return recordComposite(
    'GeluBackward0',
    [input],
    () => mul(mul(input, 0.5), add(tanhInner(input), 1)),
    (save) => {
      const x = save(input);
      // 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2 / pi) (1 + 3 * 0.044715 x^2), t the tanh term
      return (g) => {
        const t = tanhInner(x);
        const slope = mul(add(mul(mul(x, x), 3 * TANH_CUBIC), 1), TANH_SCALE);
        const derivative = add(mul(add(t, 1), 0.5), mul(mul(mul(x, 0.5), sub(1, mul(t, t))), slope));
        return [mul(g, derivative)];
      };
    },
  );
}

/** `nn.ReLU(inplace = false)`: max(x, 0) elementwise. Shapes: any, output the same. */
export class ReLU extends Module {
  readonly inplace: boolean;

  constructor(inplace?: boolean | InplaceOptions) {
    super();
    this.inplace = signature('ReLU', { inplace: param.boolean(false) })(arguments).inplace;
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return relu(input, this.inplace);
  }

  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** `nn.LeakyReLU(negativeSlope = 0.01, inplace = false)`. Shapes: any, output the same. */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  readonly inplace: boolean;

  constructor(negativeSlope?: number | LeakyReluOptions, inplace?: boolean | LeakyReluOptions) {
    super();
    ({ negativeSlope: this.negativeSlope, inplace: this.inplace } = signature('LeakyReLU', {
      negativeSlope: param.number(0.01),
      inplace: param.boolean(false),
    })(arguments));
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return leakyRelu(input, this.negativeSlope, this.inplace);
  }

  override extraRepr(): string {
    return `negative_slope=${formatFloat(this.negativeSlope)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** `nn.GELU({ approximate: 'none' | 'tanh' })`. Shapes: any, output the same. */
export class GELU extends Module {
  readonly approximate: GeluApproximate;

  constructor(options?: GeluOptions) {
    super();
    this.approximate = checkOptions('GELU', options, GELU_OPTIONS).approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh')
      throw new RangeError(`GELU: approximate must be 'none' or 'tanh', got '${String(this.approximate)}'`);
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return gelu(input, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** `nn.Tanh()`. Shapes: any, output the same. */
export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return tanh(input);
  }
}

/** `nn.Sigmoid()`: 1 / (1 + exp(-x)). Shapes: any, output the same. */
export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return sigmoid(input);
  }
}

/**
 * PyTorch's deprecated choice when Softmax has no dim: 0 for 0-, 1- and 3-D inputs, else 1,
 * with its warning (once per layer kind).
 */
const warnedImplicitDim = new Set<string>();
function implicitDim(layer: string, input: Tensor): number {
  if (!warnedImplicitDim.has(layer)) {
    warnedImplicitDim.add(layer);
    console.warn(
      `${layer}: implicit dimension choice for ${layer === 'Softmax' ? 'softmax' : 'log_softmax'} has been deprecated. Change the call to include dim=X as an argument.`,
    );
  }
  return [0, 1, 3].includes(input.dim()) ? 0 : 1;
}

/** The shared body of Softmax and LogSoftmax: `fn` along `dim` (PyTorch's implicit dim when null). */
abstract class SoftmaxBase extends Module {
  readonly dim: number | null;

  constructor(dim?: number | null | { dim?: number | null }) {
    super();
    this.dim = signature(this.getName(), { dim: param.dim(null) })(arguments).dim;
  }

  protected abstract along(input: Tensor, dim: number): Tensor;

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return this.along(input, this.dim ?? implicitDim(this.getName(), input));
  }

  override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}

/** `nn.Softmax(dim)`: exp(x) / sum(exp(x)) along dim. Shapes: any, output the same. */
export class Softmax extends SoftmaxBase {
  protected override along(input: Tensor, dim: number): Tensor {
    return softmax(input, dim);
  }
}

/** `nn.LogSoftmax(dim)`: log(softmax(x)) along dim, computed stably. Shapes: any, output the same. */
export class LogSoftmax extends SoftmaxBase {
  protected override along(input: Tensor, dim: number): Tensor {
    return logSoftmax(input, dim);
  }
}

/** A module with only an `inplace` flag, computing `fn` (SiLU, SELU, Mish, ReLU6). */
abstract class InplaceActivation extends Module {
  readonly inplace: boolean;

  constructor(inplace?: boolean | InplaceOptions) {
    super();
    this.inplace = signature(this.getName(), { inplace: param.boolean(false) })(arguments).inplace;
  }

  protected abstract compute(input: Tensor, inplace: boolean): Tensor;

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return this.compute(input, this.inplace);
  }

  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** `nn.SiLU(inplace = false)`: x * sigmoid(x). Shapes: any, output the same. */
export class SiLU extends InplaceActivation {
  protected override compute(input: Tensor, inplace: boolean): Tensor {
    return silu(input, inplace);
  }
}

/** `nn.SELU(inplace = false)`: scale * elu(x, alpha) with SELU's constants. Shapes: any, output the same. */
export class SELU extends InplaceActivation {
  protected override compute(input: Tensor, inplace: boolean): Tensor {
    return selu(input, inplace);
  }
}

/** `nn.Mish(inplace = false)`: x * tanh(softplus(x)). Shapes: any, output the same. */
export class Mish extends InplaceActivation {
  protected override compute(input: Tensor, inplace: boolean): Tensor {
    return mish(input, inplace);
  }
}

/** `nn.ReLU6(inplace = false)`: min(max(x, 0), 6). Shapes: any, output the same. */
export class ReLU6 extends InplaceActivation {
  protected override compute(input: Tensor, inplace: boolean): Tensor {
    return relu6(input, inplace);
  }
}

/** `nn.ELU(alpha = 1, inplace = false)`. Shapes: any, output the same. */
export class ELU extends Module {
  readonly alpha: number;
  readonly inplace: boolean;

  constructor(alpha?: number | { alpha?: number; inplace?: boolean }, inplace?: boolean) {
    super();
    ({ alpha: this.alpha, inplace: this.inplace } = signature('ELU', { alpha: param.number(1), inplace: param.boolean(false) })(arguments));
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return elu(input, this.alpha, this.inplace);
  }

  override extraRepr(): string {
    return `alpha=${formatFloat(this.alpha)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** `nn.Softplus(beta = 1, threshold = 20)`. Shapes: any, output the same. */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(beta?: number | { beta?: number; threshold?: number }, threshold?: number) {
    super();
    ({ beta: this.beta, threshold: this.threshold } = signature('Softplus', { beta: param.number(1), threshold: param.number(20) })(
      arguments,
    ));
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return softplus(input, this.beta, this.threshold);
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** `nn.Hardtanh(minVal = -1, maxVal = 1, inplace = false)`: x clamped to [minVal, maxVal]. Shapes: any, output the same. */
export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;
  readonly inplace: boolean;

  constructor(minVal?: number | { minVal?: number; maxVal?: number; inplace?: boolean }, maxVal?: number, inplace?: boolean) {
    super();
    const args = signature('Hardtanh', { minVal: param.number(-1), maxVal: param.number(1), inplace: param.boolean(false) })(arguments);
    if (args.maxVal <= args.minVal) throw new RangeError(`Hardtanh: maxVal (${args.maxVal}) must be greater than minVal (${args.minVal})`);
    ({ minVal: this.minVal, maxVal: this.maxVal, inplace: this.inplace } = args);
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return hardtanh(input, this.minVal, this.maxVal, this.inplace);
  }

  override extraRepr(): string {
    return `min_val=${formatFloat(this.minVal)}, max_val=${formatFloat(this.maxVal)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** `nn.LogSigmoid()`: log(sigmoid(x)). Shapes: any, output the same. */
export class LogSigmoid extends Module {
  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return logsigmoid(input);
  }
}

/** `nn.GLU(dim = -1)`: a * sigmoid(b) for the halves a, b of the input along dim. Shapes: dim halves. */
export class GLU extends Module {
  readonly dim: number;

  constructor(dim?: number | { dim?: number }) {
    super();
    this.dim = signature('GLU', { dim: param.int(-1) })(arguments).dim;
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return glu(input, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * `nn.PReLU(numParameters = 1, init = 0.25, { device })`: leaky ReLU whose negative slope is
 * learnt, one for all channels or one per channel (dim 1). Shapes: any, output the same.
 */
export class PReLU extends Module {
  readonly numParameters: number;
  readonly init: number;
  weight: Parameter;

  constructor(
    numParameters?: number | { numParameters?: number; init?: number; device?: string },
    init?: number,
    options?: { device?: string },
  ) {
    super();
    const args = signature('PReLU', { numParameters: param.int(1), init: param.number(0.25), device: param.device(undefined) })(arguments);
    if (args.numParameters < 1) throw new RangeError(`PReLU: numParameters must be at least 1, got ${args.numParameters}`);
    this.numParameters = args.numParameters;
    this.init = args.init;
    this.weight = new Parameter(full([args.numParameters], args.init, { device: args.device }));
  }

  /** Sets every slope back to `init`. */
  resetParameters(): void {
    constant_(this.weight, this.init);
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return prelu(input, this.weight);
  }

  override extraRepr(): string {
    return `num_parameters=${this.numParameters}`;
  }
}
