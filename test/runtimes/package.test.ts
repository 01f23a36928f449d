// The package as a user gets it: `npm pack`'s tarball (of the built dist/), installed offline into a
// fresh project, then used from Node ESM, Deno (npm: specifiers), an esbuild browser bundle in
// Chromium and workerd, each computing the answers of package/compute.js; its declarations
// type-checked by tsc in that project without skipLibCheck or WebGPU's types; and what it ships.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPresent, launchChromium, pageAddress, serveFolder } from './chromium.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const consumers = fileURLToPath(new URL('./package/', import.meta.url));
const run = promisify(execFile);

/** What the tarball may weigh, gzipped and unpacked (3.9 MB and 15.1 MB in December 2026, most of it the three bundles' source maps). */
const PACKED_LIMIT_BYTES = 4_500_000;
const UNPACKED_LIMIT_BYTES = 17_000_000;

const EXPECTED = {
  matmul: [
    [19, 22],
    [43, 50],
  ],
  linear: [
    [3.5, 6.5],
    [0.5, 1.5],
  ],
};

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

let project: string;
let packed: Packed;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'webtorch-package-'));
  // The test runs after the build, so the prepack script (which builds) is skipped.
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], { cwd: root });
  packed = (JSON.parse(stdout) as Packed[])[0];
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'webtorch-consumer', private: true, type: 'module' }));
  for (const file of readdirSync(consumers)) copyFileSync(join(consumers, file), join(project, file));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(project, packed.filename)], {
    cwd: project,
  });
}, 60_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('ships the bundles, their declarations and maps, the kernels and the README, nothing else, within its size', () => {
    const paths = packed.files.map((file) => file.path);
    const allowed =
      /^(package\.json|README\.md|LICENSE|build\/kernels(-relaxed)?\.wasm|dist\/(node|deno|browser|edge)\.(js|js\.map|d\.ts)|dist\/types\/(src|build)\/.+\.d\.ts)$/;
    expect(paths.filter((path) => !allowed.test(path))).toEqual([]);
    for (const entry of ['node', 'deno', 'browser', 'edge']) expect(paths).toContain(`dist/${entry}.js`);
    expect(paths).toContain('build/kernels.wasm');
    expect(packed.size).toBeLessThanOrEqual(PACKED_LIMIT_BYTES);
    expect(packed.unpackedSize).toBeLessThanOrEqual(UNPACKED_LIMIT_BYTES);
  });

  it('runs from Node ESM, main entry and edge entry, and webgpu.isAvailable() is quietly false without the webgpu package', async () => {
    const { stdout, stderr } = await run(process.execPath, ['node.js'], { cwd: project });
    const report = JSON.parse(stdout);
    expect(report).toEqual({ main: EXPECTED, edge: EXPECTED, webgpu: false });
    expect(stderr).toBe('');
  });

  it('runs from Deno through npm: specifiers, offline', async () => {
    const { stdout } = await run(`${root}node_modules/.bin/deno`, ['run', '--cached-only', '--allow-read', 'deno.js'], {
      cwd: project,
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(project, '.deno') },
    });
    expect(JSON.parse(stdout)).toEqual({ main: EXPECTED, edge: EXPECTED });
  });

  it('runs in workerd, the kernels imported as a wasm module', async () => {
    const { stdout } = await run(`${root}node_modules/.bin/workerd`, ['test', 'workerd.capnp'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({ edge: EXPECTED });
  });

  it('type-checks a consumer with --strict, without skipLibCheck and without @webgpu/types', async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', target: 'es2022' }, files: ['types.mts'] }),
    );
    // tsc reports its errors on stdout and exits non-zero, which rejects with them.
    await run(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', project], { cwd: project }).catch((error) => {
      throw new Error(`tsc found errors:\n${error.stdout}`);
    });
  });

  describe.skipIf(!chromiumPresent('the package test in Chromium'))('bundled by esbuild for the browser', () => {
    let server: Server;
    let profile: string;
    beforeAll(async () => {
      await esbuild.build({
        absWorkingDir: project,
        entryPoints: ['browser.js'],
        outfile: join(project, 'browser.bundle.js'),
        bundle: true,
        format: 'esm',
        platform: 'browser',
        loader: { '.wasm': 'file' },
        logLevel: 'silent',
      });
      server = await serveFolder(`${project}/`);
      profile = mkdtempSync(join(tmpdir(), 'webtorch-chromium-'));
    });
    afterAll(() => {
      server?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    it('runs in Chromium, main entry and edge entry', async () => {
      const browser = await launchChromium(profile);
      try {
        const page = await browser.newPage();
        await page.goto(pageAddress(server, 'index.html'));
        const handle = await page.waitForFunction(() => (window as { report?: unknown }).report, null, { timeout: 60_000 });
        expect(await handle.jsonValue()).toEqual({ main: EXPECTED, edge: EXPECTED });
      } finally {
        await browser.close();
      }
    });
  });
});
