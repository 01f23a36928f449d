// A surname classifier as a web-standard fetch handler: GET /classify?name=Rossi answers the three
// likeliest nationalities as JSON. The same module runs on Cloudflare's workerd, Deno and Node
// (workerd.mjs, deno.mjs and node.mjs adapt it); each gives it the kernels and the weights in `env`:
//   env.KERNELS  webtorch/kernels.wasm, as a WebAssembly.Module (or its bytes where compiling is allowed)
//   env.WEIGHTS  names.safetensors, as an ArrayBuffer
import * as torch from 'webtorch/edge';
import { nameClassifierClass } from '../names/network.mjs';
import { encodeName, NATIONALITIES } from '../names/vocabulary.mjs';

/** Longer names are refused: the longest surname in the training data has 20 characters. */
const MAX_NAME_LENGTH = 50;
const TOP = 3;

const NameClassifier = nameClassifierClass(torch);

/** The model, made once per isolate on the first request and shared by the ones after it. */
let model = null;

async function loadModel(env) {
  await torch.init(env.KERNELS);
  const classifier = NameClassifier.fromStateDict(torch.load(env.WEIGHTS));
  classifier.eval();
  return classifier;
}

function json(body, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
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

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== '/classify') return json({ error: `not found: ${url.pathname}; ask GET /classify?name=...` }, 404);
    if (request.method !== 'GET') return json({ error: `method ${request.method} not allowed; use GET` }, 405);
    const name = url.searchParams.get('name');
    if (name === null) return json({ error: 'missing query parameter: name (GET /classify?name=Rossi)' }, 400);
    if (name.trim().length === 0) return json({ error: 'name is empty' }, 400);
    if (name.length > MAX_NAME_LENGTH)
      return json({ error: `name is too long: ${name.length} characters, at most ${MAX_NAME_LENGTH}` }, 400);
    model ??= loadModel(env).catch((error) => {
      model = null;
      throw error;
    });
    return json({ name, top: classify(await model, name.trim()) });
  },
};
