// Driving Debian's Chromium for the browser tests: whether it is installed (WEBTORCH_REQUIRE_BROWSER=1
// makes its absence a failure, as `.ci/run` sets it), a server for the repository's files on
// 127.0.0.1 (navigator.gpu does not exist on about:blank or file: pages), and a launch that works
// without network.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

/** Whether Chromium is installed; warns that `test` is skipped when not, or throws under WEBTORCH_REQUIRE_BROWSER=1. */
export function chromiumPresent(test: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const why = `${CHROMIUM} is missing (Debian: apt-get install chromium)`;
  if (process.env.WEBTORCH_REQUIRE_BROWSER === '1') throw new Error(`WEBTORCH_REQUIRE_BROWSER=1 but ${why}`);
  console.warn(`Skipping ${test}: ${why}.`);
  return false;
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

/** Serves the repository's files, read-only, on 127.0.0.1, each response with `headers` added. */
export function serveRepository(headers: OutgoingHttpHeaders = {}): Promise<Server> {
  return serveFolder(root, headers);
}

/** Serves the files under `folder` (a path ending in '/'), read-only, on 127.0.0.1, each response with `headers` added. */
export function serveFolder(folder: string, headers: OutgoingHttpHeaders = {}): Promise<Server> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url!, 'http://127.0.0.1').pathname);
    if (path.includes('..')) return void response.writeHead(403).end();
    readFile(folder + path.slice(1)).then(
      (body) =>
        response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', ...headers }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The address of `path` (from the served folder: the repository root for serveRepository) on `server`. */
export function pageAddress(server: Server, path: string): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/${path}`;
}

/** Starts Chromium with a fresh profile in `profile`. */
export function launchChromium(profile: string, extraArgs: string[] = []): Promise<BrowserContext> {
  // This machine has no network: without these flags Chromium's background requests fail noisily.
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      ...extraArgs,
      '--no-sandbox',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}
