// The edge entry's size, as an edge platform counts it: dist/edge.js (built minified) and the
// single-thread kernels it is initialised with, each gzipped, within 150 KB together; none of what
// it leaves out (WGSL shaders, the WebGPU device, the embedded wasm); nothing edge runtimes refuse.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

const LIMIT_BYTES = 150_000;
const script = readFileSync(new URL('../../dist/edge.js', import.meta.url), 'utf8');
const kernels = readFileSync(new URL('../../build/kernels.wasm', import.meta.url));

describe('the edge bundle', () => {
  it('is at most 150 KB gzipped, script and kernels together', () => {
    const bytes = gzipSync(script, { level: 9 }).length + gzipSync(kernels, { level: 9 }).length;
    expect(bytes).toBeLessThanOrEqual(LIMIT_BYTES);
  });

  it('is minified', () => {
    const lines = script.split('\n').filter((line) => !line.startsWith('//# sourceMappingURL='));
    expect(lines.length).toBeLessThan(50);
  });

  it('carries no WGSL, no WebGPU device and no embedded wasm (base64 of the wasm magic number)', () => {
    for (const marker of ['@compute', '@workgroup_size', 'requestAdapter', 'createComputePipeline', 'GPUBufferUsage', 'AGFzbQ'])
      expect(script, marker).not.toContain(marker);
  });

  it('uses neither import.meta nor top-level await', async () => {
    expect(script).not.toContain('import.meta');
    // An IIFE cannot hold a top-level await, so esbuild refuses to make one from a module that has it.
    await expect(esbuild.transform(script, { format: 'iife', logLevel: 'silent' })).resolves.toBeDefined();
    await expect(esbuild.transform('await 0;', { format: 'iife', logLevel: 'silent' })).rejects.toThrow(/Top-level await/);
  });
});
