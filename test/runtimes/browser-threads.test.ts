// Chromium's CPU threads: test/runtimes/browser-threads.html loads the browser bundle from a server
// that sends COOP/COEP (the page is cross-origin isolated: the threaded build with one thread per
// core, its main thread spinning, as it may not Atomics.wait) and from one that does not (one
// thread, and the reason names the headers, with the relaxed-SIMD build Chromium validates); both
// compute the same values as Node (the isolated page the same bits). Worker CPU
// devices start in a page (module Workers) and compute the main CPU device's bits.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPresent, launchChromium, pageAddress, serveRepository } from './chromium.js';
import { expectNodeBits, expectThreaded } from './expect-threads.js';
import { expectWorkerDevices } from './expect-worker-devices.js';
import type { ThreadsReport } from './threads-run.js';
import type { WorkerDevicesReport } from './worker-devices-run.js';

interface PageReport extends ThreadsReport {
  error?: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
}

const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

describe.skipIf(!chromiumPresent('the browser threads test'))('Chromium threads', () => {
  let isolated: Server;
  let plain: Server;
  let profile: string;
  beforeAll(async () => {
    [isolated, plain] = await Promise.all([serveRepository(ISOLATION), serveRepository()]);
    profile = mkdtempSync(`${tmpdir()}/webtorch-chromium-`);
  });
  afterAll(() => {
    isolated?.close();
    plain?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  async function reportFrom(server: Server): Promise<PageReport> {
    const browser = await launchChromium(profile);
    try {
      const page = await browser.newPage();
      await page.goto(pageAddress(server, 'test/runtimes/browser-threads.html'));
      const handle = await page.waitForFunction(() => (window as { threadsReport?: unknown }).threadsReport, null, { timeout: 60_000 });
      const report = (await handle.jsonValue()) as PageReport;
      expect(report.error).toBeUndefined();
      return report;
    } finally {
      await browser.close();
    }
  }

  it('a cross-origin isolated page runs the threaded build on every core, with the same bits at 1 and 2 threads as Node', async () => {
    const report = await reportFrom(isolated);
    expect(report.crossOriginIsolated).toBe(true);
    expect(report.simd).toBe('plain');
    // Chromium reports the machine's cores; at least 2, or this test would show no threads.
    expect(report.hardwareConcurrency).toBeGreaterThanOrEqual(2);
    expectThreaded(report, report.hardwareConcurrency);
    await expectNodeBits(report, 'in an isolated page');
  });

  it('a page without COOP/COEP runs one thread, says why, and computes the same bits', async () => {
    const report = await reportFrom(plain);
    expect(report.crossOriginIsolated).toBe(false);
    const reason = report.initial.info.threadsUnavailable;
    expect(reason).toMatch(/not cross-origin isolated/);
    expect(reason).toContain('Cross-Origin-Opener-Policy: same-origin');
    expect(reason).toContain('Cross-Origin-Embedder-Policy: require-corp');
    for (const info of [report.initial.info, report.infoAtTwo]) {
      expect(info).toEqual({ threads: 1, workersReady: 0, build: 'single-thread', threadsUnavailable: reason });
    }
    expect(report.initial.threads).toBe(1);
    // Chromium validates relaxed SIMD, so its single-thread build is the relaxed one.
    expect(report.simd).toBe('relaxed');
    await expectNodeBits(report, 'in a page without isolation');
  });

  it("a page starts worker CPU devices, which compute the CPU device's bits and refuse synchronous reads", async () => {
    const browser = await launchChromium(profile);
    try {
      const page = await browser.newPage();
      await page.goto(pageAddress(plain, 'test/runtimes/worker-devices.html'));
      const handle = await page.waitForFunction(() => (window as { workerDevicesReport?: unknown }).workerDevicesReport, null, {
        timeout: 60_000,
      });
      expectWorkerDevices((await handle.jsonValue()) as WorkerDevicesReport, 'in a page');
    } finally {
      await browser.close();
    }
  });
});
