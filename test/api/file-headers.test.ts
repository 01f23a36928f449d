// Every source file opens with one line saying what it holds, so a reader browsing src/ learns each
// file's job from its first line; this keeps new files to that.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The statement a file opens with: a `//` line, or the first line of text of a leading `/**` block. */
function openingStatement(source: string): string | null {
  const [first = '', second = ''] = source.split('\n');
  const line = first.startsWith('/**') && first.trim() === '/**' ? second.replace(/^\s*\*\s?/, '') : first;
  const text = first.startsWith('//') ? first.slice(2) : first.startsWith('/**') ? line.replace(/^\/\*\*/, '').replace(/\*\/\s*$/, '') : '';
  return /[A-Za-z`]/.test(text) ? text.trim() : null;
}

describe('source file headers', () => {
  it('every file in src/ opens with a comment saying what it holds', () => {
    const missing = sourceFiles(join(root, 'src'))
      .filter((path) => openingStatement(readFileSync(path, 'utf8')) === null)
      .map((path) => relative(root, path));
    expect(missing, 'these files need a first line stating what they hold').toEqual([]);
  });

  it('reads both comment styles and refuses code or a blank first line', () => {
    expect(openingStatement('// Shapes and strides.\nexport {};')).toBe('Shapes and strides.');
    expect(openingStatement('/**\n * The device contract.\n */')).toBe('The device contract.');
    expect(openingStatement('/** `torch.autograd`: gradients. */')).toBe('`torch.autograd`: gradients.');
    expect(openingStatement("import { x } from './x.js';")).toBeNull();
    expect(openingStatement('\n// late')).toBeNull();
    expect(openingStatement('//\nexport {};')).toBeNull();
  });
});
