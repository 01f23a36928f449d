// Only ops and the tensor core call a device's kernels (docs/architecture.md, "Layers"). npm run
// lint:deps checks the imports; a call reached through a tensor (`t.deviceObject.kernels.copy`)
// imports nothing, so this reads the source of the folders that must not make one.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = new URL('../../src/', import.meta.url).pathname;
const FOLDERS = ['graph', 'autograd', 'nn', 'optim', 'io', 'utils'];

function sourcesIn(folder: string): string[] {
  return readdirSync(join(src, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(folder, name));
}

describe('layers', () => {
  it.each(FOLDERS)('src/%s/ calls no device kernels (it uses src/ops/unrecorded.ts)', (folder) => {
    const calls = sourcesIn(folder).flatMap((file) =>
      readFileSync(join(src, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/\.kernels\b/.test(line) ? [`src/${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(calls).toEqual([]);
  });
});
