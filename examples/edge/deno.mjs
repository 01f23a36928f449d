// Serves handler.mjs from Deno with Deno.serve.
//   deno run --config examples/edge/deno.json --allow-read --allow-net examples/edge/deno.mjs [port]
import handler from './handler.mjs';

const env = {
  KERNELS: await WebAssembly.compile(await Deno.readFile(new URL(import.meta.resolve('webtorch/kernels.wasm')))),
  WEIGHTS: (await Deno.readFile(new URL('./names.safetensors', import.meta.url))).buffer,
};
const port = Number(Deno.args[0] ?? 8787);

Deno.serve({ hostname: '127.0.0.1', port, onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`) }, (request) =>
  handler.fetch(request, env),
);
