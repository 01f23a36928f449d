// workerd: the edge entry and the kernels as modules of the worker (workerd.capnp), run by
// `workerd test`, which calls test() and passes when it returns.
import * as edge from 'webtorch/edge';
import kernels from 'webtorch/kernels.wasm';
import { compute } from './compute.js';

export default {
  async test() {
    await edge.init(kernels);
    console.log(JSON.stringify({ edge: await compute(edge) }));
  },
};
