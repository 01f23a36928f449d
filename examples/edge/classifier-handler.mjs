// The HTTP side of the surname classifier, whatever runs the model: GET /classify?name=Rossi
// answers the three likeliest nationalities as JSON, and a missing, empty or over-long name gets a
// 400 with a JSON `error`. handler.mjs gives it webtorch's model; bench/edge gives it the same
// model on ONNX Runtime Web and on TensorFlow.js, so the edge benchmark compares runtimes, not routing.

/** Longer names are refused: the longest surname in the training data has 20 characters. */
const MAX_NAME_LENGTH = 50;

function json(body, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

/**
 * A web-standard handler (`{ fetch(request, env) }`) around a model: `load(env)` makes it, once per
 * isolate on the first request (a failed load is retried by the next one), and `classify(model,
 * name)` answers (or resolves to) [{ nationality, probability }] for the three likeliest.
 */
export function classifierHandler({ load, classify }) {
  let model = null;
  return {
    async fetch(request, env) {
      const url = new URL(request.url);
      if (url.pathname !== '/classify') return json({ error: `not found: ${url.pathname}; ask GET /classify?name=...` }, 404);
      if (request.method !== 'GET') return json({ error: `method ${request.method} not allowed; use GET` }, 405);
      const name = url.searchParams.get('name');
      if (name === null) return json({ error: 'missing query parameter: name (GET /classify?name=Rossi)' }, 400);
      if (name.trim().length === 0) return json({ error: 'name is empty' }, 400);
      if (name.length > MAX_NAME_LENGTH)
        return json({ error: `name is too long: ${name.length} characters, at most ${MAX_NAME_LENGTH}` }, 400);
      model ??= load(env).catch((error) => {
        model = null;
        throw error;
      });
      return json({ name, top: await classify(await model, name.trim()) });
    },
  };
}
