// Serves handler.mjs from Cloudflare's workerd, which compiles no wasm at run time: the kernels
// arrive as an imported module and join the weights (a data binding) in `env`.
import kernels from 'webtorch/kernels.wasm';
import handler from './handler.mjs';

export default {
  fetch: (request, env) => handler.fetch(request, { ...env, KERNELS: kernels }),
};
