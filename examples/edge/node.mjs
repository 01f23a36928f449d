// Serves handler.mjs from Node: a node:http server that turns each request into a web Request and
// writes back the handler's Response.   node examples/edge/node.mjs [port]   (default 8787)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import handler from './handler.mjs';

const env = {
  KERNELS: await WebAssembly.compile(readFileSync(new URL(import.meta.resolve('webtorch/kernels.wasm')))),
  WEIGHTS: readFileSync(new URL('./names.safetensors', import.meta.url)),
};
const port = Number(process.argv[2] ?? 8787);

const server = createServer(async (incoming, outgoing) => {
  try {
    const request = new Request(new URL(incoming.url, `http://${incoming.headers.host ?? `127.0.0.1:${port}`}`), {
      method: incoming.method,
      headers: Object.entries(incoming.headers).flatMap(([key, value]) => [value ?? []].flat().map((v) => [key, v])),
    });
    const response = await handler.fetch(request, env);
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    outgoing.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
    outgoing.end(JSON.stringify({ error: String(error?.message ?? error) }));
  }
});
server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
