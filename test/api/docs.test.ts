// Runs the code of docs/ (the public contract) as written, against the built Node bundle: every
// ```ts and ```js block of each page, in the page's order, each result comment (`// [-18]`) an
// assertion. A page runs as one program, each block nested in the block of the one before, so a
// block sees what earlier blocks declared and may declare a name again. Each page runs twice: with
// 'cpu' as the default device, then with 'webgpu'; a block that needs the CPU (synchronous reads)
// says { device: 'cpu' } itself. The same program must also type-check against the declarations
// users get (dist/node.d.ts), as it would in their editor. ```sh and ```text blocks are not code to run; any other fence
// fails the test, so no block can drop out of the run unnoticed. Links in README.md and docs/ must
// stay inside the repository.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { noAdapter, useCachedVulkanDriver } from '../webgpu/gpu.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pages = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort();

/** Fence languages: code that runs, and text shown as it is (commands, file trees, output). */
const RUN = ['ts', 'js'];
const SHOWN = ['sh', 'text'];

interface Block {
  language: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
}

/** The fenced blocks of a page. Fences start at the margin: an indented one (inside a list) would hide from this reader, so it fails. */
function blocksOf(page: string, markdown: string): Block[] {
  const blocks: Block[] = [];
  let open: { language: string; line: number; lines: string[] } | null = null;
  markdown.split('\n').forEach((text, i) => {
    const fence = text.match(/^(\s*)```\s*(\S*)/);
    if (!fence) {
      open?.lines.push(text);
      return;
    }
    expect(fence[1], `${page}:${i + 1}: fences start at the margin`).toBe('');
    if (open === null) {
      expect([...RUN, ...SHOWN], `${page}:${i + 1}: fence language`).toContain(fence[2]);
      open = { language: fence[2], line: i + 1, lines: [] };
    } else {
      expect(fence[2], `${page}:${i + 1}: a closing fence has no language`).toBe('');
      blocks.push({ language: open.language, line: open.line, code: open.lines.join('\n') });
      open = null;
    }
  });
  expect(open, `${page}: a fence is left open`).toBeNull();
  return blocks;
}

const IMPORT = /^import \* as torch from 'webtorch';.*$/m;

/**
 * A page's code blocks as one async function body, each nested in the block of the one before and
 * preceded by `__at(line)`, so an error names the block it came from. The page's import of the
 * package is the `torch` the test passes in; any other import is a syntax error here, and fails.
 */
function program(blocks: readonly Block[]): string {
  const sources = blocks.map((block) => `__at(${block.line});\n${block.code.replace(IMPORT, '')}`);
  return sources.join('\n{\n') + '\n}'.repeat(Math.max(0, sources.length - 1));
}

/**
 * Turns `expr; // value` lines, whose comment starts with a JavaScript literal, into assertions,
 * so the results the page promises are checked, not just that the code runs.
 */
function withAssertions(source: string): string {
  return source
    .split('\n')
    .map((line) => {
      const match = line.match(/^(\s*)([^=]+?);\s*\/\/\s*(.+)$/);
      if (!match || /^(const|let|var|using|if|for|return)\b/.test(match[2].trim())) return line;
      const literal = leadingLiteral(match[3]);
      if (literal === null) return line;
      return `${match[1]}__expectResult(${match[2]}, ${literal}, ${JSON.stringify(match[2])});`;
    })
    .join('\n');
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
    typeof a === 'number' && typeof b === 'number'
      ? Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b))
      : Array.isArray(a) && Array.isArray(b)
        ? a.length === b.length && a.every((v, i) => close(v, b[i]))
        : a === b;
  expect(close(actual, expected), `${expression} gave ${JSON.stringify(actual)}, the page says ${JSON.stringify(expected)}`).toBe(true);
}

type Torch = typeof import('../../dist/node.js');

useCachedVulkanDriver();
const torch: Torch = await import('../../dist/node.js');
/** Without an adapter the webgpu runs skip with a notice, or fail under WEBTORCH_REQUIRE_WEBGPU=1. */
const webgpu = (await torch.webgpu.isAvailable()) || noAdapter('for the docs/ examples');
if (webgpu) await torch.webgpu.init();

/** The code blocks of a page that run. */
function runnableBlocks(page: string): Block[] {
  return blocksOf(page, readFileSync(join(root, 'docs', page), 'utf8')).filter((block) => RUN.includes(block.language));
}

/**
 * Type errors in a page's program, checked as one module that imports the package the way users do,
 * resolved to the bundle's declarations, under the repository's compiler settings. Each names the
 * page line it is on.
 */
function typeErrors(page: string, blocks: readonly Block[]): string[] {
  if (blocks.length === 0) return [];
  const source = `import * as torch from 'webtorch';\ndeclare function __at(line: number): void;\n${program(blocks)}\nexport {};\n`;
  const dir = mkdtempSync(join(tmpdir(), 'webtorch-docs-types-'));
  const file = join(dir, 'page.ts');
  writeFileSync(file, source);
  try {
    const program = ts.createProgram([file], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts', 'lib.dom.d.ts'],
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
      paths: { webtorch: [join(root, 'dist/node.d.ts')] },
      strict: true,
      skipLibCheck: true,
      noEmit: true,
    });
    const lines = source.split('\n');
    return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      if (!diagnostic.file || diagnostic.start === undefined) return message;
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      // The page line: the block's fence line plus the distance from the block's __at marker.
      let marker = line;
      while (marker > 0 && !lines[marker].startsWith('__at(')) marker--;
      const fence = Number(lines[marker].match(/^__at\((\d+)\)/)?.[1] ?? 0);
      return `docs/${page}:${fence + line - marker}: ${message}`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs a page's blocks with `device` as the default device, in a temporary working directory for
 * the files the page writes. Returns how many result comments were checked.
 */
async function runPage(page: string, device: string): Promise<number> {
  const js = transformSync(withAssertions(program(runnableBlocks(page))), { loader: 'ts', target: 'es2022' }).code;
  let at = 0;
  const run = new Function('torch', '__expectResult', '__at', `return (async () => {\n${js}\n})();`) as (
    t: Torch,
    e: typeof expectResult,
    a: (line: number) => void,
  ) => Promise<void>;
  const cwd = process.cwd();
  const dir = mkdtempSync(join(tmpdir(), 'webtorch-docs-'));
  process.chdir(dir);
  torch.setDefaultDevice(device);
  try {
    await run(torch, expectResult, (line) => {
      at = line;
    });
  } catch (error) {
    throw new Error(`docs/${page}, in the block at line ${at}: ${(error as Error).message}`, { cause: error });
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
    torch.setDefaultDevice('cpu');
  }
  return js.match(/__expectResult\(/g)?.length ?? 0;
}

describe('the code in docs/ runs as written', () => {
  it('has pages', () => expect(pages).toEqual(expect.arrayContaining(['architecture.md', 'guide.md'])));

  for (const page of pages) {
    it(`docs/${page} on cpu`, async () => {
      const checked = await runPage(page, 'cpu');
      if (page === 'guide.md') expect(checked, 'results checked').toBeGreaterThanOrEqual(20);
    });
    it.skipIf(!webgpu)(`docs/${page} on webgpu`, async () => {
      await runPage(page, 'webgpu');
    });
    it(`docs/${page} type-checks`, () => {
      expect(typeErrors(page, runnableBlocks(page))).toEqual([]);
    });
  }
});

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens. */
function headingAnchors(markdown: string): string[] {
  return [...markdown.matchAll(/^#+ (.+)$/gm)].map((m) =>
    m[1]
      .trim()
      .toLowerCase()
      .replace(/[^\w\- ]/g, '')
      .replace(/ /g, '-'),
  );
}

describe('links in README.md and docs/', () => {
  const files = ['README.md', ...pages.map((page) => `docs/${page}`)];

  it('point at files inside the repository', () => {
    for (const file of files) {
      const markdown = readFileSync(join(root, file), 'utf8');
      markdown
        .split('\n')
        .forEach((line, i) => expect(line, `${file}:${i + 1} points outside the repository`).not.toMatch(/\.\.\/shared\b/));
      for (const [, target] of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
        const path = target.replace(/#.*$/, '');
        expect(/^[a-z]+:/i.test(path), `${file}: link ${target} leaves the repository`).toBe(false);
        if (path === '') continue;
        const absolute = resolve(dirname(join(root, file)), path);
        expect(relative(root, absolute).startsWith('..'), `${file}: link ${target} leaves the repository`).toBe(false);
        expect(existsSync(absolute), `${file}: link ${target} names no file`).toBe(true);
        const anchor = target.match(/#(.+)$/)?.[1];
        if (anchor) expect(headingAnchors(readFileSync(absolute, 'utf8')), `${file}: link ${target} names no heading`).toContain(anchor);
      }
    }
  });
});
