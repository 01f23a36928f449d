// torch.webgpu.isAvailable() in Node where Dawn finds no adapter (Vulkan pointed at a driver file
// that does not exist, as on a machine without a GPU or a driver): false, with nothing printed.
// Dawn's native code warns on stderr while it looks, so it is asked in a child process first
// (src/devices/webgpu/dawn-probe.ts); init then fails naming why, also without a word on stderr.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe.skipIf(process.platform !== 'linux')('webgpu.isAvailable without an adapter', () => {
  it('is false and prints nothing, and init says why', async () => {
    const script = `import * as torch from './dist/node.js';
console.log(await torch.webgpu.isAvailable());
await torch.webgpu.init().catch((error) => console.log(error.message));`;
    const { VK_DRIVER_FILES, VK_ADD_DRIVER_FILES, ...env } = process.env;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script], {
      cwd: root,
      env: { ...env, VK_ICD_FILENAMES: `${root}.cache/no-such-driver.json` },
    });
    expect(stderr).toBe('');
    expect(stdout.split('\n')).toEqual([
      'false',
      'webgpu.init: no WebGPU adapter is available: requestAdapter() found no adapter (Dawn needs a Vulkan driver; on a machine without a GPU, `source scripts/setup-webgpu.sh` sets up a software one)',
      '',
    ]);
  });
});
