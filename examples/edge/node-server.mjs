// A node:http server around a web-standard handler: each request becomes a web Request, and the
// handler's Response is written back. node.mjs serves handler.mjs with it; the edge benchmark
// serves its peers' handlers with it too.
import { createServer } from 'node:http';

/** Serves `handler.fetch(request, env)` on 127.0.0.1:`port` and logs the address once listening. */
export function serve(handler, env, port) {
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
  return server;
}
