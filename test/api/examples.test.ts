// Runs the examples of ../shared/API.md (the public contract) as written, against the built Node
// bundle. Sections whose features belong to later milestones (devices, nn, optim, saving) join
// the list as they land.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

const apiPath = fileURLToPath(new URL('../../../shared/API.md', import.meta.url));
const sections = ['Tensors', 'Autograd', 'Memory'];

/** The ```ts blocks under each `## heading`. */
function examplesBySection(markdown: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  let section = '';
  for (const part of markdown.split(/^(## .*)$/m)) {
    if (part.startsWith('## ')) section = part.slice(3).trim();
    else result.set(section, [...part.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]));
  }
  return result;
}

/**
 * Turns `expr; // value` lines, whose comment starts with a JavaScript literal, into assertions,
 * so the results the page promises are checked, not just that the code runs.
 */
function withAssertions(source: string): string {
  return source.split('\n').map((line) => {
    const match = line.match(/^(\s*)([^=]+?);\s*\/\/\s*(.+)$/);
    if (!match || /^(const|let|var|if|for|return)\b/.test(match[2].trim())) return line;
    const literal = leadingLiteral(match[3]);
    if (literal === null) return line;
    return `${match[1]}__expectResult(${match[2]}, ${literal}, ${JSON.stringify(match[2])});`;
  }).join('\n');
}

/** The longest prefix of a comment, cut where two spaces start prose, that is a JavaScript literal. */
function leadingLiteral(comment: string): string | null {
  const cuts = [...comment.matchAll(/\s{2,}/g)].map((m) => m.index!);
  for (const end of [comment.length, ...cuts.reverse()]) {
    const candidate = comment.slice(0, end);
    try {
      if (new Function(`return (${candidate});`)() !== undefined) return candidate;
    } catch {
      // not a literal at this length; try a shorter prefix
    }
  }
  return null;
}

function expectResult(actual: unknown, expected: unknown, expression: string): void {
  const close = (a: unknown, b: unknown): boolean =>
    typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b))
      : Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((v, i) => close(v, b[i]))
        : a === b;
  expect(close(actual, expected), `${expression} gave ${JSON.stringify(actual)}, API.md says ${JSON.stringify(expected)}`).toBe(true);
}

describe.skipIf(!existsSync(apiPath))('API.md examples run as written', () => {
  it(`sections ${sections.join(', ')}`, async () => {
    const torch = await import('../../dist/node.js');
    const examples = examplesBySection(readFileSync(apiPath, 'utf8'));
    // The blocks of one page build on each other (Memory uses `a` from Tensors), so they run in order in one function.
    const source = sections.flatMap((name) => {
      const blocks = examples.get(name);
      expect(blocks, `API.md has a section '${name}' with examples`).toBeDefined();
      return blocks!;
    }).join('\n').replace(/^import \* as torch from 'webtorch';.*$/m, '');
    const js = transformSync(withAssertions(source), { loader: 'ts' }).code;
    expect(js.match(/__expectResult\(/g)?.length, 'results checked').toBeGreaterThanOrEqual(5);
    const run = new Function('torch', '__expectResult', `return (async () => {\n${js}\n})();`) as (t: unknown, e: typeof expectResult) => Promise<void>;
    await run(torch, expectResult);
  });
});
