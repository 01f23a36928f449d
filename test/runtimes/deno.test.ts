// Deno: the built Deno bundle (dist/deno.js) imported by a Deno process (the npm package `deno`
// ships the binary), training on the CPU and on WebGPU through Deno's own navigator.gpu.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useCachedVulkanDriver } from '../webgpu/gpu.js';
import { expectTrainingAgrees, type TrainingReport } from './expect-training.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('Deno', () => {
  it('imports the Deno bundle and trains on cpu and webgpu with the same numbers', async () => {
    useCachedVulkanDriver();
    const { stdout } = await promisify(execFile)(
      `${root}node_modules/.bin/deno`,
      ['run', '--allow-read', '--allow-env', 'test/runtimes/deno-run.js'],
      {
        cwd: root,
        // Without a Vulkan driver Deno silently falls back to a GL backend; this project tests Vulkan (lavapipe or a GPU).
        env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_WEBGPU_BACKEND: 'vulkan' },
        timeout: 120_000,
      },
    );
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as TrainingReport;
    expect(report.runtime).toMatch(/^deno 2\./);
    expectTrainingAgrees(report, 'in Deno');
  });
});
