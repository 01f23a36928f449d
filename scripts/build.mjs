// Builds the kernels (AssemblyScript -> wasm, with the opcode constants generated from
// src/devices/opcodes.ts), embeds them and the WGSL shaders as modules the TypeScript sources
// import, and bundles one ESM file per runtime. Run by `npm test`, `npm run bench` and the demos.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

mkdirSync(join(root, 'build'), { recursive: true });
writeFileSync(join(root, 'build/opcodes.ts'), await assemblyOpcodes());
// The raw bindings' build/kernels.d.ts types each wasm export from its AssemblyScript signature
// (WasmExports in src/devices/cpu/device.ts); their build/kernels.js is not used.
run(bin('asc'), ['assembly/index.ts', '--target', 'release', '--bindings', 'raw']);
// The same kernels on an imported shared memory, for the CPU device's thread pool where the runtime
// has SharedArrayBuffer and workers (src/devices/cpu/thread-pool.ts).
run(bin('asc'), ['assembly/index.ts', '--target', 'threads']);
// The same kernels with relaxed SIMD (the GEMM's multiply-add fused), loaded where
// WebAssembly.validate accepts it (Chromium, workerd, Node 22 and later) and the single-thread
// build would be: src/devices/cpu/init.ts.
run(bin('asc'), ['assembly/index.ts', '--target', 'relaxed']);

/** Writes build/<name>.js, a module whose default export is `value`, and its declaration. */
function embed(name, value, declared) {
  writeFileSync(join(root, `build/${name}.js`), `export default ${JSON.stringify(value)};\n`);
  writeFileSync(join(root, `build/${name}.d.ts`), `declare const ${declared}: string;\nexport default ${declared};\n`);
}
// The wasm travels inside the bundle as base64 so every runtime (Node, Deno, browsers, edge) loads
// it the same way, with no file paths or fetches; it is small, so the 4/3 inflation is cheap.
for (const kernels of ['kernels', 'kernels-relaxed', 'kernels-threads'])
  embed(`${kernels}-wasm`, readFileSync(join(root, `build/${kernels}.wasm`)).toString('base64'), 'base64');

/**
 * A worker's source, bundled on its own into one self-contained script that its owner starts from
 * this string (Node's eval'd workers, a blob URL elsewhere), so no runtime needs a file path. Node's
 * eval'd worker has require(); the worker asks for worker_threads only there.
 */
async function embedWorker(name, entry) {
  const bundle = await esbuild.build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2022',
    platform: 'neutral',
    external: ['node:worker_threads'],
    minify: true,
  });
  embed(name, bundle.outputFiles[0].text, 'source');
}

// The CPU pool's worker, running kernels on the shared memory.
await embedWorker('thread-worker', 'src/devices/cpu/thread-worker.ts');
// A worker CPU device's worker (src/devices/worker/host.ts): the CPU device's glue and allocator
// around the single-thread kernels.
await embedWorker('cpu-worker', 'src/devices/worker/host.ts');

// WGSL sources travel the same way, as strings keyed by file name (shaders/unary.wgsl -> unary).
const shaderNames = readdirSync(join(root, 'shaders'))
  .filter((f) => f.endsWith('.wgsl'))
  .map((f) => f.slice(0, -5))
  .sort();
const shaderSources = Object.fromEntries(shaderNames.map((name) => [name, readFileSync(join(root, `shaders/${name}.wgsl`), 'utf8')]));
writeFileSync(join(root, 'build/shaders.js'), `export default ${JSON.stringify(shaderSources, null, 1)};\n`);
writeFileSync(
  join(root, 'build/shaders.d.ts'),
  `declare const shaders: {\n${shaderNames.map((name) => `  readonly ${name}: string;\n`).join('')}};\nexport default shaders;\n`,
);

if (!process.argv.includes('--kernels-only')) {
  // Declarations for TypeScript users of the bundles (and for our own tests that import them).
  run(bin('tsc'), ['-p', 'tsconfig.build.json']);
  // The declarations import the generated ones (the wasm exports' types, the shader table) by
  // their place beside src/, so they travel with them.
  mkdirSync(join(root, 'dist/types/build'), { recursive: true });
  for (const name of readdirSync(join(root, 'build')).filter((f) => f.endsWith('.d.ts'))) {
    copyFileSync(join(root, 'build', name), join(root, 'dist/types/build', name));
  }
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
  // The edge entry: one bundle for every edge runtime, without the embedded wasm (the caller
  // imports build/kernels.wasm and hands it to init), the shaders, workers or training. Minified,
  // as edge platforms count the script's size (test/runtimes/edge-size.test.ts holds the limit).
  writeFileSync(join(root, 'dist/edge.d.ts'), "export * from './types/src/edge.js';\n");
  await esbuild.build({
    entryPoints: [join(root, 'src/edge.ts')],
    outfile: join(root, 'dist/edge.js'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    keepNames: true,
    minify: true,
    platform: 'neutral',
    sourcemap: true,
    logLevel: 'warning',
  });
}

/**
 * The AssemblyScript constants of src/devices/opcodes.ts (`export const NEG = 0;` ...), which the
 * kernels import from build/opcodes.ts; the TypeScript sources and WGSL take theirs from the table
 * itself. Every family shares one namespace here, so two names that make one constant are refused.
 */
async function assemblyOpcodes() {
  const table = await import(
    `data:text/javascript;base64,${Buffer.from(
      (await esbuild.transform(readFileSync(join(root, 'src/devices/opcodes.ts'), 'utf8'), { loader: 'ts', format: 'esm' })).code,
    ).toString('base64')}`
  );
  const owners = new Map();
  const lines = ['// Generated by scripts/build.mjs from src/devices/opcodes.ts: edit the table there, not this file.'];
  for (const [family, names] of Object.entries(table.OPCODE_FAMILIES)) {
    lines.push('', `// ${family}`);
    names.forEach((name, position) => {
      const constant = table.constantName(name);
      if (owners.has(constant))
        throw new Error(`opcodes: ${family} ${name} and ${owners.get(constant)} both make the constant ${constant}`);
      owners.set(constant, `${family} ${name}`);
      lines.push(`export const ${constant} = ${position};`);
    });
  }
  return `${lines.join('\n')}\n`;
}
