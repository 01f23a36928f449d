// Serves handler.mjs from Node (node-server.mjs: node:http, each request as a web Request).
//   node examples/edge/node.mjs [port]   (default 8787)
import { readFileSync } from 'node:fs';
import handler from './handler.mjs';
import { serve } from './node-server.mjs';

const env = {
  KERNELS: await WebAssembly.compile(readFileSync(new URL(import.meta.resolve('webtorch/kernels.wasm')))),
  WEIGHTS: readFileSync(new URL('./names.safetensors', import.meta.url)),
};

serve(handler, env, Number(process.argv[2] ?? 8787));
