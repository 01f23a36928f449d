// Node's CPU pool when a worker dies: in a fresh Node process (test/runtimes/dead-worker-run.js) a
// worker is terminated without the calling thread hearing of it; the next products finish, the
// calling thread taking the dead worker's piece back, with the bits of one thread. And a worker
// starts when Node runs the caller with `--input-type=module`, a flag workers must not inherit.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { expectNodeBits } from './expect-threads.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('Node threads', () => {
  it('a worker that dies unheard costs one bounded wait, and its pieces run on the calling thread from then on', async () => {
    // The timeout is the check that matters: before the bound, the calling thread waited forever.
    const { stdout } = await promisify(execFile)(process.execPath, ['test/runtimes/dead-worker-run.js'], { cwd: root, timeout: 60_000 });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(report.workers).toBe(1);
    // Before the death, just after it, and once the worker is known not to answer.
    expect(report.sameBits).toEqual([true, true, true]);
    expect(report.infoAfterDeath).toEqual({ threads: 2, workersReady: 0, build: 'threaded', threadsUnavailable: null });
  });

  it('a worker starts under `node --input-type=module` (stdin as an ES module) and gives the same bits', async () => {
    const script = `import * as torch from './dist/node.js';
import { checkThreads } from './test/runtimes/threads-run.js';
console.log(JSON.stringify(await checkThreads(torch)));`;
    const child = promisify(execFile)(process.execPath, ['--input-type=module'], {
      cwd: root,
      timeout: 60_000,
      maxBuffer: 16 << 20,
    });
    child.child.stdin!.end(script);
    const report = JSON.parse((await child).stdout.trim().split('\n').at(-1)!);
    expect(report.infoAtTwo.workersReady).toBeGreaterThanOrEqual(1);
    await expectNodeBits(report, 'in node --input-type=module');
  });
});
