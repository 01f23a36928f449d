// `nn.Parameter`, a tensor that modules register as a learnable weight.
import { keep } from '../memory.js';
import { empty } from '../ops/creation.js';
import { checkTensor } from '../ops/util.js';
import { Tensor } from '../tensor.js';

/**
 * A tensor that is a module's learnable state: assigned to a Module field it is registered as a
 * parameter (see src/nn/module.ts). It shares storage with `data`, requires grad unless told
 * otherwise, and is kept alive past every enclosing `torch.scope` (it is freed only by
 * `dispose()`), because a model outlives the scope it was built in.
 *
 * ```ts
 * const scale = new nn.Parameter(torch.ones(4));   // also nn.Parameter(torch.ones(4)), as in PyTorch
 * ```
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    // Not checkTensor: values still arriving from another device are fine (module.to('cpu') wraps
    // such copies), since a Parameter only shares the storage.
    if (!(data instanceof Tensor)) checkTensor('Parameter', 'data', data);
    data.assertAlive('Parameter', "argument 'data'");
    if (requiresGrad && data.dtype !== 'float32')
      throw new TypeError(
        `Parameter: only float32 tensors can require gradients, got ${data.dtype}; pass requiresGrad false for ${data.dtype} parameters`,
      );
    super(data.storage, data.shape, data.strides, data.offset, data.dtype);
    keep(this);
    this.requiresGrad_(requiresGrad);
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/** A float32 parameter of `shape` with uninitialised values, for layers to fill with their initialiser. */
export function emptyParameter(shape: readonly number[], device?: string): Parameter {
  const data = empty([...shape], { device });
  const param = new Parameter(data);
  data.dispose();
  return param;
}
