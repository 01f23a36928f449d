// Chromium: test/runtimes/browser.html loads the browser bundle (dist/browser.js) from a server on
// 127.0.0.1 (navigator.gpu does not exist on about:blank or file: pages) and trains on WebGPU
// (Chromium's SwiftShader adapter) and on the CPU in the page. playwright-core drives Debian's
// chromium; `.ci/run` installs it, and WEBTORCH_REQUIRE_BROWSER=1 there makes its absence a failure.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectTrainingAgrees, type TrainingReport } from './expect-training.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present) {
  const why = `${CHROMIUM} is missing (Debian: apt-get install chromium)`;
  if (process.env.WEBTORCH_REQUIRE_BROWSER === '1') throw new Error(`WEBTORCH_REQUIRE_BROWSER=1 but ${why}`);
  console.warn(`Skipping the browser test: ${why}.`);
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

/** Serves the repository's files, read-only, on 127.0.0.1. */
function serveRepository(): Promise<Server> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url!, 'http://127.0.0.1').pathname);
    if (path.includes('..')) return void response.writeHead(403).end();
    readFile(root + path).then(
      (body) => response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!present)('Chromium', () => {
  let server: Server;
  let profile: string;
  beforeAll(async () => {
    server = await serveRepository();
    profile = mkdtempSync(`${tmpdir()}/webtorch-chromium-`);
  });
  afterAll(() => {
    server?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('loads the browser bundle in a page and trains on webgpu and cpu with the same numbers', async () => {
    // This machine has no network: without these flags Chromium's background requests fail noisily.
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [
        '--enable-unsafe-webgpu',
        '--no-sandbox',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
    });
    try {
      const page = await browser.newPage();
      const port = (server.address() as AddressInfo).port;
      await page.goto(`http://127.0.0.1:${port}/test/runtimes/browser.html`);
      const handle = await page.waitForFunction(() => (window as { trainingResults?: unknown }).trainingResults, null, {
        timeout: 120_000,
      });
      expectTrainingAgrees((await handle.jsonValue()) as TrainingReport, 'in Chromium');
    } finally {
      await browser.close();
    }
  });
});
