// `torch.autograd.gradcheck`: analytic gradients compared with central finite differences.
import { enableGrad, noGrad } from '../graph/grad-mode.js';
import { scope } from '../memory.js';
import { tensor } from '../ops/creation.js';
import { checkOptions, optionKeys } from '../options.js';
import { Tensor } from '../tensor.js';
import { grad } from './engine.js';

export interface GradcheckOptions {
  /** Finite-difference step. float32 limits accuracy: the default balances truncation and rounding error. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw an Error describing the first mismatch (default) instead of returning false. */
  raiseException?: boolean;
}

const GRADCHECK_OPTIONS = optionKeys<GradcheckOptions>({ eps: true, atol: true, rtol: true, raiseException: true });

/** A fixed pseudo-random sequence, so the projection of the outputs is the same on every call. */
function projectionWeights(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return 0.5 + (state % 1000) / 1000;
  });
}

/**
 * Compares the gradients autograd computes for `fn` with central finite differences. The outputs
 * are reduced to a scalar through a fixed random projection, so one backward and two forwards per
 * input element check the whole Jacobian-vector product. The projection is summed in float64 on
 * the host, so the difference quotient loses no digits to a float32 sum. Inputs that require grad
 * are checked.
 */
export async function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor | readonly Tensor[],
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): Promise<boolean> {
  checkOptions('gradcheck', options, GRADCHECK_OPTIONS);
  const eps = options.eps ?? 1e-3;
  const atol = options.atol ?? 1e-3;
  const rtol = options.rtol ?? 1e-2;
  const checked = inputs.filter((x) => x.requiresGrad);
  if (checked.length === 0) throw new Error('gradcheck: no input requires grad');
  const outputsOf = (): Tensor[] => {
    const result = fn(...inputs);
    return result instanceof Tensor ? [result] : [...result];
  };
  const weights = scope(() => outputsOf().map((out, k) => projectionWeights(out.numel(), k + 1)));
  const projected = async (): Promise<number> => {
    const outs = scope(() => noGrad(outputsOf));
    let total = 0;
    for (const [k, out] of outs.entries()) {
      const values = await out.data();
      for (let i = 0; i < values.length; i++) total += values[i] * weights[k][i];
    }
    // fn may return an input itself (contiguous, expand to the same shape): that one stays.
    for (const out of outs) if (!inputs.includes(out)) out.dispose();
    return total;
  };
  const analytic = scope(() => {
    const outs = outputsOf();
    const gradOutputs = outs.map((out, k) => tensor(weights[k], { device: out.device }).reshape(out.shape));
    return grad(
      outs.map((out) => out.float()),
      checked,
      { gradOutputs, allowUnused: true },
    );
  });
  try {
    for (const [k, input] of checked.entries()) {
      const expected = analytic[k] ? await analytic[k]!.data() : new Float32Array(input.numel());
      const original = await input.data();
      for (let i = 0; i < original.length; i++) {
        const element = elementView(input, i);
        element.fill_(original[i] + eps);
        const plus = await projected();
        element.fill_(original[i] - eps);
        const minus = await projected();
        element.fill_(original[i]);
        element.dispose();
        const numeric = (plus - minus) / (2 * eps);
        if (Math.abs(numeric - expected[i]) > atol + rtol * Math.abs(numeric)) {
          if (options.raiseException === false) return false;
          throw new Error(
            `gradcheck: Jacobian mismatch for input ${inputs.indexOf(input)} (shape [${input.shape.join(', ')}]) at element ${i}: numerical ${numeric}, analytical ${expected[i]}`,
          );
        }
      }
    }
    return true;
  } finally {
    for (const g of analytic) g?.dispose();
  }
}

/** A 0-d alias of element `flatIndex` (row-major) of x, for writing perturbations in place. */
function elementView(x: Tensor, flatIndex: number): Tensor {
  let offset = x.offset;
  let rest = flatIndex;
  for (let d = x.shape.length - 1; d >= 0; d--) {
    offset += (rest % x.shape[d]) * x.strides[d];
    rest = Math.floor(rest / x.shape[d]);
  }
  return new Tensor(x.storage, [], [], offset, x.dtype);
}

export interface GradgradcheckOptions extends GradcheckOptions {
  /** The vector each output's first derivative is taken against; by default fixed values in [-1, 1) that require grad. */
  gradOutputs?: readonly Tensor[];
}

const GRADGRADCHECK_OPTIONS = optionKeys<GradgradcheckOptions>({
  gradOutputs: true,
  eps: true,
  atol: true,
  rtol: true,
  raiseException: true,
});

/**
 * PyTorch's gradgradcheck: gradcheck of the function (inputs, gradOutputs) -> vector-Jacobian
 * product of `fn`, computed with `createGraph`, so the second derivatives autograd records are
 * compared with finite differences of the first (for the gradOutputs that require grad, the
 * mixed derivatives too). Everything is float32, as webtorch has no float64: the defaults are
 * gradcheck's (eps 1e-3, atol 1e-3, rtol 1e-2), which the first derivatives of smooth ops meet to
 * about 1e-4; inputs near a kink (relu, abs, max, l1) must keep farther than eps from it.
 *
 * ```ts
 * const x = torch.randn(4, { requiresGrad: true });
 * await torch.autograd.gradgradcheck((v) => v.tanh().pow(3), [x]); // true
 * ```
 */
export async function gradgradcheck(
  fn: (...inputs: Tensor[]) => Tensor | readonly Tensor[],
  inputs: readonly Tensor[],
  options: GradgradcheckOptions = {},
): Promise<boolean> {
  const { gradOutputs, ...checkOptionsOfGradcheck } = checkOptions('gradgradcheck', options, GRADGRADCHECK_OPTIONS);
  const differentiated = inputs.filter((x) => x.requiresGrad);
  if (differentiated.length === 0) throw new Error('gradgradcheck: no input requires grad');
  const outputsOf = (xs: readonly Tensor[]): Tensor[] => {
    const result = fn(...xs);
    return result instanceof Tensor ? [result] : [...result];
  };
  const vectors =
    gradOutputs ??
    scope(() =>
      outputsOf(inputs).map((out, k) => {
        const values = projectionWeights(out.numel(), k + 101).map((w) => 2 * w - 2);
        return tensor(values, { device: out.device }).reshape(out.shape).requiresGrad_();
      }),
    );
  if (vectors.length === 0) throw new Error('gradgradcheck: fn returned no outputs');
  const firstDerivatives = (...all: Tensor[]): Tensor[] =>
    enableGrad(() => {
      const outs = outputsOf(all.slice(0, inputs.length));
      if (outs.length !== vectors.length)
        throw new RangeError(`gradgradcheck: fn returned ${outs.length} outputs but ${vectors.length} gradOutputs were given`);
      const grads = grad(outs, differentiated, { gradOutputs: all.slice(inputs.length), createGraph: true, allowUnused: true });
      return grads.filter((g): g is Tensor => g !== null);
    });
  try {
    return await gradcheck(firstDerivatives, [...inputs, ...vectors], checkOptionsOfGradcheck);
  } catch (error) {
    throw error instanceof Error ? new Error(`gradgradcheck: second derivatives: ${error.message}`) : error;
  } finally {
    if (!gradOutputs) for (const v of vectors) v.dispose();
  }
}
