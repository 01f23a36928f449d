// `zeroGradients`, the one home of zeroing `.grad`, shared by modules and optimizers.
import { noGrad } from '../graph/grad-mode.js';
import { checkOptions, optionKeys } from '../options.js';
import type { Tensor } from '../tensor.js';

export interface ZeroGradOptions {
  /** Free the gradients instead of zeroing them; the next backward allocates fresh ones. */
  setToNone?: boolean;
}

const ZERO_GRAD_KEYS = optionKeys<ZeroGradOptions>({ setToNone: true });

/**
 * The one body of `Module.zeroGrad` and `Optimizer.zeroGrad`: each gradient of `params` zeroed in
 * place (PyTorch 1.13's default), or with `setToNone` freed (an optimizer then skips the parameter).
 */
export function zeroGradients(caller: string, params: Iterable<Tensor>, options: ZeroGradOptions): void {
  checkOptions(caller, options, ZERO_GRAD_KEYS);
  noGrad(() => {
    for (const param of params) {
      if (!param.grad) continue;
      if (options.setToNone) {
        param.grad.dispose();
        param.grad = null;
      } else {
        param.grad.zero_();
      }
    }
  });
}
