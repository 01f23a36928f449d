// `F.dropout` and the Dropout modules.
import { inPlace } from '../ops/elementwise.js';
import { dropout as dropoutOp } from '../ops/random.js';
import { checkArgumentCount, checkOptions } from '../options.js';
import type { Tensor } from '../tensor.js';
import { INPLACE_OPTIONS, type InplaceOptions } from './activation.js';
import { Module } from './module.js';
import { formatBool, formatFloat } from './repr.js';

function checkProbability(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${op}: dropout probability has to be between 0 and 1, but got ${p}`);
}

/**
 * `dropout(input, p = 0.5, training = true, inplace = false)`: while training, zeroes each
 * element with probability p and scales the others by 1 / (1 - p); otherwise returns input itself.
 */
export function dropout(input: Tensor, p = 0.5, training = true, inplace = false): Tensor {
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

  constructor(p = 0.5, options: InplaceOptions = {}) {
    checkOptions('Dropout', options, INPLACE_OPTIONS);
    super();
    checkProbability('Dropout', p);
    this.p = p;
    this.inplace = options.inplace ?? false;
  }

  override forward(input: Tensor): Tensor {
    checkArgumentCount(`${this.getName()}.forward`, arguments.length, ['input']);
    return dropout(input, this.p, this.training, this.inplace);
  }

  override extraRepr(): string {
    return `p=${formatFloat(this.p)}, inplace=${formatBool(this.inplace)}`;
  }
}
