// workerd compiles no wasm at run time ("Wasm code generation disallowed by embedder"), and ONNX
// Runtime Web and TensorFlow.js's wasm backend both compile theirs from bytes, with no way to hand
// them a compiled module. This is the patched loader they need there: the module arrives as an
// import (as webtorch's kernels do), and WebAssembly.instantiate is answered with it whatever bytes
// the library passes. It holds for the whole isolate, so a worker can load one such library only.

/** From now on, WebAssembly.instantiate(bytes, imports) instantiates `module` instead of compiling `bytes`. */
export function instantiateFrom(module) {
  const instantiate = WebAssembly.instantiate.bind(WebAssembly);
  WebAssembly.instantiate = async (source, imports) =>
    source instanceof WebAssembly.Module ? instantiate(source, imports) : { module, instance: await instantiate(module, imports) };
}
