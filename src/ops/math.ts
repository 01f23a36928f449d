/** log10 and frac, composed from log and trunc, with PyTorch's gradients. */
import { recordComposite } from '../autograd/function.js';
import { Tensor } from '../tensor.js';
import { div, mul, sub } from './elementwise.js';
import { log, trunc } from './unary.js';
import { checkDtype, checkTensor } from './util.js';

/** `log10(input)`: the base-10 logarithm (ints give float32). Also `x.log10()`. */
export function log10(input: Tensor): Tensor {
  checkTensor('log10', 'input', input);
  return recordComposite('Log10Backward0', [input], () => div(log(input), Math.LN10), (save) => {
    const x = save(input);
    return (g) => [div(g, mul(x, Math.LN10))];
  });
}

/** `frac(input)`: the fractional part, input - trunc(input), with trunc's sign; float32 only, as in PyTorch. Also `x.frac()`. */
export function frac(input: Tensor): Tensor {
  checkTensor('frac', 'input', input);
  checkDtype('frac', 'input', input, ['float32']);
  return recordComposite('FracBackward0', [input], () => sub(input, trunc(input)), () => (g) => [g]);
}

Object.assign(Tensor.prototype, {
  log10(this: Tensor) { return log10(this); },
  frac(this: Tensor) { return frac(this); },
});

declare module '../tensor.js' {
  interface Tensor {
    /** `torch.log10(this)`. */
    log10(): Tensor;
    /** `torch.frac(this)`. */
    frac(): Tensor;
  }
}
