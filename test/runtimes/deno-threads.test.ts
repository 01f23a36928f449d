// Deno's CPU threads: the Deno bundle (dist/deno.js) in a Deno process runs the threaded build with
// one thread per core, computes the same bits at 1 and 2 threads as Node, and the process exits
// when its script ends although a pool worker is parked. Worker CPU devices start there too, give
// the main CPU device's bits, and let the process exit once idle.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { expectNodeBits, expectThreaded } from './expect-threads.js';
import { expectWorkerDevices } from './expect-worker-devices.js';
import type { ThreadsReport } from './threads-run.js';
import type { WorkerDevicesReport } from './worker-devices-run.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('Deno threads', () => {
  it('runs the threaded build on every core, with the same bits at 1 and 2 threads as Node, and exits', async () => {
    // The timeout is the exit check: a parked worker that kept Deno alive would hang it.
    const { stdout } = await promisify(execFile)(
      `${root}node_modules/.bin/deno`,
      ['run', '--allow-read', '--allow-env', 'test/runtimes/deno-threads-run.js'],
      { cwd: root, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' }, timeout: 60_000, maxBuffer: 16 << 20 },
    );
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as ThreadsReport & { runtime: string; hardwareConcurrency: number };
    expect(report.runtime).toMatch(/^deno 2\./);
    expect(report.hardwareConcurrency).toBeGreaterThanOrEqual(2);
    expectThreaded(report, report.hardwareConcurrency);
    await expectNodeBits(report, 'in Deno');
  });

  it("starts worker CPU devices, which compute the CPU device's bits, and exits once they are idle", async () => {
    const { stdout } = await promisify(execFile)(
      `${root}node_modules/.bin/deno`,
      ['run', '--allow-read', '--allow-env', 'test/runtimes/deno-worker-devices-run.js'],
      { cwd: root, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' }, timeout: 60_000 },
    );
    expectWorkerDevices(JSON.parse(stdout.trim().split('\n').at(-1)!) as WorkerDevicesReport, 'in Deno');
  });
});
