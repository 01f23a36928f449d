// Chromium: test/runtimes/browser.html loads the browser bundle (dist/browser.js) from a server on
// 127.0.0.1 and trains on WebGPU (Chromium's SwiftShader adapter) and on the CPU in the page.
// playwright-core drives Debian's chromium; `.ci/run` installs it, and WEBTORCH_REQUIRE_BROWSER=1
// there makes its absence a failure.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { chromiumPresent, launchChromium, pageAddress, serveRepository } from './chromium.js';
import { expectTrainingAgrees, type TrainingReport } from './expect-training.js';

describe.skipIf(!chromiumPresent('the browser test'))('Chromium', () => {
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
    const browser = await launchChromium(profile, ['--enable-unsafe-webgpu']);
    try {
      const page = await browser.newPage();
      await page.goto(pageAddress(server, 'test/runtimes/browser.html'));
      const handle = await page.waitForFunction(() => (window as { trainingResults?: unknown }).trainingResults, null, {
        timeout: 120_000,
      });
      expectTrainingAgrees((await handle.jsonValue()) as TrainingReport, 'in Chromium');
    } finally {
      await browser.close();
    }
  });
});
