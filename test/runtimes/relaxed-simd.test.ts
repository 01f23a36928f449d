// The relaxed-SIMD build: where the runtime validates relaxed SIMD (Node 20 with
// --experimental-wasm-relaxed-simd here; Chromium in browser-threads.test.ts) and the single-thread
// build runs, it loads instead of the plain one, and its products (fused multiply-adds in the
// GEMM) equal the plain build's to float tolerance through every GEMM path.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Report {
  simd: 'relaxed' | 'plain';
  build: string;
  results: Record<string, number[]>;
}

async function run(flags: string[]): Promise<Report> {
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, 'test/runtimes/relaxed-simd-run.js'], {
    cwd: root,
    timeout: 60_000,
    maxBuffer: 16 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Report;
}

describe('the relaxed-SIMD build', () => {
  it('loads where relaxed SIMD validates, and matches the plain build to float tolerance', async () => {
    // Without SharedArrayBuffer the single-thread build loads, which is the one built both ways.
    const [relaxed, plain] = await Promise.all([
      run(['--experimental-wasm-relaxed-simd', '--no-harmony-sharedarraybuffer']),
      run(['--no-harmony-sharedarraybuffer']),
    ]);
    expect([relaxed.simd, relaxed.build]).toEqual(['relaxed', 'single-thread']);
    expect([plain.simd, plain.build]).toEqual(['plain', 'single-thread']);
    expect(Object.keys(relaxed.results)).toEqual(Object.keys(plain.results));
    for (const [name, expected] of Object.entries(plain.results)) {
      const actual = relaxed.results[name];
      expect(actual.length, name).toBe(expected.length);
      const worst = actual.reduce((largest, value, i) => Math.max(largest, Math.abs(value - expected[i]) / (1 + Math.abs(expected[i]))), 0);
      expect(worst, name).toBeLessThan(1e-5);
    }
  });

  it('the threaded build stays plain where threads run (Node 20 as tests run it)', async () => {
    const threaded = await run(['--experimental-wasm-relaxed-simd']);
    expect([threaded.simd, threaded.build]).toEqual(['plain', 'threaded']);
  });
});
