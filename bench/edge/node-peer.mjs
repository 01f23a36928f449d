// Serves one of the edge benchmark's handlers from Node through examples/edge's node:http adapter:
//   node bench/edge/node-peer.mjs trivial|ort|tfjs PORT
import { readFileSync } from 'node:fs';
import { serve } from '../../examples/edge/node-server.mjs';

const [peer, port] = process.argv.slice(2);
// Each reads only its own files, so that the trivial server's start-up reads none.
const handlers = {
  trivial: { module: './trivial.mjs', env: () => ({}) },
  ort: { module: './ort-handler.mjs', env: () => ({ MODEL: readFileSync(new URL('./names.onnx', import.meta.url)) }) },
  tfjs: {
    module: './tfjs-handler.mjs',
    env: () => ({ WEIGHTS: readFileSync(new URL('../../examples/edge/names.safetensors', import.meta.url)) }),
  },
};
if (!(peer in handlers)) throw new Error(`node-peer: expected one of ${Object.keys(handlers).join(', ')}, got ${peer}`);
const { module, env } = handlers[peer];
serve((await import(module)).default, env(), Number(port));
