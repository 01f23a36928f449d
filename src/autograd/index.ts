/** `torch.autograd`: gradients of outputs w.r.t. inputs, and a finite-difference check. */
export { grad } from './engine.js';
export { gradcheck, gradgradcheck } from './gradcheck.js';
