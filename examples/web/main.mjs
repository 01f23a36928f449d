// The browser example's server: bundles page.mjs (with the names example's modules) and serves the
// page and the names data on 127.0.0.1. Open the address it prints.
//
//   npm run example -- web [--port N]      (default port 8080; 0 picks a free one)
//
// Responses carry COOP/COEP, so the page is cross-origin isolated and the CPU device runs on threads.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const path = (relative) => fileURLToPath(new URL(relative, import.meta.url));
const HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cache-control': 'no-store',
};

/**
 * The names example's modules import the Node bundle (its main.mjs runs in Node); in the page they
 * get the browser bundle, the same API without Node's imports, and one copy of it with page.mjs's.
 */
const browserBundle = {
  name: 'browser-bundle',
  setup(build) {
    build.onResolve({ filter: /\/dist\/node\.js$/ }, () => ({ path: path('../../dist/browser.js') }));
  },
};

const page = await esbuild.build({
  entryPoints: [path('./page.mjs')],
  bundle: true,
  write: false,
  format: 'esm',
  target: 'es2022',
  keepNames: true,
  platform: 'browser',
  plugins: [browserBundle],
  logLevel: 'warning',
});

const FILES = {
  '/': { file: path('./index.html'), type: 'text/html; charset=utf-8' },
  '/data/names_train.csv.gz': { file: path('../names/data/names_train.csv.gz'), type: 'application/gzip' },
  '/data/names_test.csv.gz': { file: path('../names/data/names_test.csv.gz'), type: 'application/gzip' },
};

const server = createServer(async (request, response) => {
  const { pathname } = new URL(request.url, 'http://127.0.0.1');
  if (pathname === '/page.js')
    return void response.writeHead(200, { 'content-type': 'text/javascript', ...HEADERS }).end(page.outputFiles[0].text);
  const entry = FILES[pathname];
  if (!entry) return void response.writeHead(404, HEADERS).end();
  response.writeHead(200, { 'content-type': entry.type, ...HEADERS }).end(await readFile(entry.file));
});

const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' } } });
server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`webtorch in the browser: http://127.0.0.1:${server.address().port}/`);
});
