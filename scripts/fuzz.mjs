// `npm run fuzz -- --cases N --seed S [--devices cpu,webgpu] [--write-corpus]`: bundles the fuzzer
// (test/fuzz/cli.ts, which imports webtorch's TypeScript sources) with esbuild and runs it.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Two folders deep, like test/fuzz/cli.ts, so the paths it resolves from import.meta.url hold.
const outfile = join(root, 'build/fuzz/cli.mjs');
await esbuild.build({
  entryPoints: [join(root, 'test/fuzz/cli.ts')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  packages: 'external',
  logLevel: 'warning',
});
await import(pathToFileURL(outfile).href);
