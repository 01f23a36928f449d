// `F.dropout` and the Dropout modules.
import { inPlace } from '../ops/elementwise.js';
import { dropout as dropoutOp } from '../ops/random.js';
import { param, signature } from '../ops/signature.js';
import { checkArgumentCount } from '../options.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { formatBool, formatFloat } from './repr.js';

export interface DropoutOptions {
  p?: number;
  training?: boolean;
  inplace?: boolean;
}

const DROPOUT = signature('dropout', {
  input: param.tensor(),
  p: param.number(0.5),
  training: param.boolean(true),
  inplace: param.boolean(false),
});
const DROPOUT_MODULE = signature('Dropout', { p: param.number(0.5), inplace: param.boolean(false) });

function checkProbability(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${op}: dropout probability has to be between 0 and 1, but got ${p}`);
}

/**
 * `dropout(input, p = 0.5, training = true, inplace = false)`: while training, zeroes each
 * element with probability p and scales the others by 1 / (1 - p); otherwise returns input itself.
 */
export function dropout(
  input: Tensor,
  p?: number | DropoutOptions,
  training?: boolean | DropoutOptions,
  inplace?: boolean | DropoutOptions,
): Tensor {
  ({ input, p, training, inplace } = DROPOUT(arguments));
  checkProbability('dropout', p);
  if (!inplace || !training) return dropoutOp(input, p, training);
  return inPlace('dropout_', input, (self) => dropoutOp(self, p, true));
}

/**
 * `nn.Dropout(p = 0.5, { inplace })`: dropout in training mode, the identity after `eval()`.
 * Shapes: any, output the same.
 *
 * ```ts
 * const drop = new nn.Dropout(0.1);
 * drop.eval().forward(x) === x;   // true
 * ```
 */
export class Dropout extends Module {
  readonly p: number;
  readonly inplace: boolean;

  constructor(p?: number | Omit<DropoutOptions, 'training'>, inplace?: boolean | Omit<DropoutOptions, 'training'>) {
    super();
    ({ p: this.p, inplace: this.inplace } = DROPOUT_MODULE(arguments));
    checkProbability('Dropout', this.p);
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return dropout(input, this.p, this.training, this.inplace);
  }

  override extraRepr(): string {
    return `p=${formatFloat(this.p)}, inplace=${formatBool(this.inplace)}`;
  }
}
