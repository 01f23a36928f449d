// ort-handler.mjs on workerd, through the patched loader of wasm-from-module.mjs. Bundled with
// esbuild by the edge benchmark (onnxruntime-web as its wasm-only build), the .wasm left an import.
import * as ort from 'onnxruntime-web';
import handler from './ort-handler.mjs';
import ortWasm from './ort-wasm-simd-threaded.wasm';
import { instantiateFrom } from './wasm-from-module.mjs';

instantiateFrom(ortWasm);
// Any bytes keep ORT from fetching its .wasm by URL, which workerd cannot serve; they are never compiled.
ort.env.wasm.wasmBinary = new Uint8Array(8);

export default handler;
