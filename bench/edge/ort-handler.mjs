// examples/edge's classifier on ONNX Runtime Web (its wasm backend, one thread): the same routing
// (classifier-handler.mjs), the same weights exported to names.onnx by scripts/names_onnx.py.
//   env.MODEL  names.onnx, as bytes
// ORT finds and compiles its own .wasm; on workerd, ort-workerd.mjs hands it the imported module.
import * as ort from 'onnxruntime-web';
import { classifierHandler } from '../../examples/edge/classifier-handler.mjs';
import { encodeName, NATIONALITIES } from '../../examples/names/vocabulary.mjs';

const TOP = 3;

async function load(env) {
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  return ort.InferenceSession.create(new Uint8Array(env.MODEL), { executionProviders: ['wasm'] });
}

async function classify(session, name) {
  const codes = encodeName(name);
  const x = new ort.Tensor('int64', BigInt64Array.from(codes, BigInt), [1, codes.length]);
  const { probabilities } = await session.run({ x });
  const p = probabilities.data;
  probabilities.dispose();
  return [...p.keys()]
    .sort((a, b) => p[b] - p[a])
    .slice(0, TOP)
    .map((c) => ({ nationality: NATIONALITIES[c], probability: p[c] }));
}

export default classifierHandler({ load, classify });
