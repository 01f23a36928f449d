// A surname classifier as a web-standard fetch handler: GET /classify?name=Rossi answers the three
// likeliest nationalities as JSON. The same module runs on Cloudflare's workerd, Deno and Node
// (workerd.mjs, deno.mjs and node.mjs adapt it); each gives it the kernels and the weights in `env`:
//   env.KERNELS  webtorch/kernels.wasm, as a WebAssembly.Module (or its bytes where compiling is allowed)
//   env.WEIGHTS  names.safetensors, as an ArrayBuffer
import * as torch from 'webtorch/edge';
import { nameClassifierClass } from '../names/network.mjs';
import { encodeName, NATIONALITIES } from '../names/vocabulary.mjs';
import { classifierHandler } from './classifier-handler.mjs';

const TOP = 3;

const NameClassifier = nameClassifierClass(torch);

async function load(env) {
  await torch.init(env.KERNELS);
  const classifier = NameClassifier.fromStateDict(torch.load(env.WEIGHTS));
  classifier.eval();
  return classifier;
}

/** The `TOP` likeliest nationalities of one name, with their probabilities. */
function classify(classifier, name) {
  const codes = encodeName(name);
  return torch.scope(() =>
    torch.noGrad(() => {
      const x = torch.tensor(codes, { dtype: 'int32' }).view(1, codes.length);
      const { values, indices } = classifier.forward(x, [codes.length]).softmax(1).topk(TOP, 1);
      const probabilities = values.tolistSync()[0];
      return indices.tolistSync()[0].map((c, j) => ({ nationality: NATIONALITIES[c], probability: probabilities[j] }));
    }),
  );
}

export default classifierHandler({ load, classify });
