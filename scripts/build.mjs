// Builds the kernels (AssemblyScript -> wasm), embeds them and the WGSL shaders as modules the
// TypeScript sources import, and bundles one ESM file per runtime. Run by `npm test`, `npm run
// bench` and the demos.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

mkdirSync(join(root, 'build'), { recursive: true });
run(bin('asc'), ['assembly/index.ts', '--target', 'release']);

// The wasm travels inside the bundle as base64 so every runtime (Node, Deno, browsers, edge) loads
// it the same way, with no file paths or fetches; it is small, so the 4/3 inflation is cheap.
const wasm = readFileSync(join(root, 'build/kernels.wasm'));
writeFileSync(join(root, 'build/kernels-wasm.js'), `export default ${JSON.stringify(wasm.toString('base64'))};\n`);
writeFileSync(join(root, 'build/kernels-wasm.d.ts'), 'declare const base64: string;\nexport default base64;\n');

// WGSL sources travel the same way, as strings keyed by file name (shaders/unary.wgsl -> unary).
const shaderNames = readdirSync(join(root, 'shaders')).filter((f) => f.endsWith('.wgsl')).map((f) => f.slice(0, -5)).sort();
const shaderSources = Object.fromEntries(shaderNames.map((name) => [name, readFileSync(join(root, `shaders/${name}.wgsl`), 'utf8')]));
writeFileSync(join(root, 'build/shaders.js'), `export default ${JSON.stringify(shaderSources, null, 1)};\n`);
writeFileSync(join(root, 'build/shaders.d.ts'), `declare const shaders: {\n${shaderNames.map((name) => `  readonly ${name}: string;\n`).join('')}};\nexport default shaders;\n`);

if (!process.argv.includes('--kernels-only')) {
  // Declarations for TypeScript users of the bundles (and for our own tests that import them).
  run(bin('tsc'), ['-p', 'tsconfig.build.json']);
  for (const platform of ['node', 'deno', 'browser']) {
    writeFileSync(join(root, `dist/${platform}.d.ts`), "export * from './types/src/index.js';\n");
    await esbuild.build({
      entryPoints: [join(root, 'src/index.ts')],
      outfile: join(root, `dist/${platform}.js`),
      bundle: true,
      format: 'esm',
      target: 'es2022',
      // Modules print (and optimizers and errors name themselves by) their constructor's name;
      // without this esbuild renames a class that names itself inside its body (class _Module).
      keepNames: true,
      platform: platform === 'node' ? 'node' : 'neutral',
      sourcemap: true,
      logLevel: 'warning',
    });
  }
}
