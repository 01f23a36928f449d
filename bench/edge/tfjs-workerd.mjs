// tfjs-handler.mjs on workerd, through the patched loader of wasm-from-module.mjs. Bundled with
// esbuild by the edge benchmark, the .wasm left an import.

import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import tfjsWasm from './tfjs-backend-wasm-simd.wasm';
import handler from './tfjs-handler.mjs';
import { instantiateFrom } from './wasm-from-module.mjs';

instantiateFrom(tfjsWasm);
// Without threads (no Worker on workerd) the SIMD build is the one it loads. Its bytes are asked
// through the platform's fetch, which has no file to reach here: any bytes do, as they are never compiled.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
const path = 'tfjs-backend-wasm-simd.wasm';
setWasmPaths({ 'tfjs-backend-wasm.wasm': path, [path]: path, 'tfjs-backend-wasm-threaded-simd.wasm': path }, true);
tf.env().platform.fetch = async () => new Response(new Uint8Array(8));

export default handler;
