import { scope } from '../memory.js';
import { tensor } from '../ops/creation.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { Tensor } from '../tensor.js';
import { grad } from './engine.js';
import { noGrad } from './grad-mode.js';

export interface GradcheckOptions {
  /** Finite-difference step. float32 limits accuracy: the default balances truncation and rounding error. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw an Error describing the first mismatch (default) instead of returning false. */
  raiseException?: boolean;
}

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
 * input element check the whole Jacobian-vector product. Inputs that require grad are checked.
 */
export async function gradcheck(fn: (...inputs: Tensor[]) => Tensor | readonly Tensor[], inputs: readonly Tensor[], options: GradcheckOptions = {}): Promise<boolean> {
  const eps = options.eps ?? 1e-3;
  const atol = options.atol ?? 1e-3;
  const rtol = options.rtol ?? 1e-2;
  const checked = inputs.filter((x) => x.requiresGrad);
  if (checked.length === 0) throw new Error('gradcheck: no input requires grad');
  const outputsOf = (): Tensor[] => {
    const result = fn(...inputs);
    return result instanceof Tensor ? [result] : [...result];
  };
  const weights = scope(() => outputsOf().map((out, k) => tensor(projectionWeights(out.numel(), k + 1)).reshape(out.shape)));
  const objective = (outs: readonly Tensor[]): Tensor => outs.map((out, k) => sum(mul(out.float(), weights[k]))).reduce((a, b) => a.add(b));
  try {
    const analytic = scope(() => grad(objective(outputsOf()), checked, { allowUnused: true }));
    for (const [k, input] of checked.entries()) {
      const expected = analytic[k] ? await analytic[k]!.data() : new Float32Array(input.numel());
      const original = await input.data();
      for (let i = 0; i < original.length; i++) {
        const element = elementView(input, i);
        const evaluate = async (value: number) => {
          element.fill_(value);
          return Number(await scope(() => noGrad(() => objective(outputsOf()))).item());
        };
        const plus = await evaluate(original[i] + eps);
        const minus = await evaluate(original[i] - eps);
        element.fill_(original[i]);
        element.dispose();
        const numeric = (plus - minus) / (2 * eps);
        if (Math.abs(numeric - expected[i]) > atol + rtol * Math.abs(numeric)) {
          if (options.raiseException === false) return false;
          throw new Error(`gradcheck: Jacobian mismatch for input ${inputs.indexOf(input)} (shape [${input.shape.join(', ')}]) at element ${i}: numerical ${numeric}, analytical ${expected[i]}`);
        }
      }
      analytic[k]?.dispose();
    }
    return true;
  } finally {
    for (const w of weights) w.dispose();
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
