// The committed corpus: programs with PyTorch 1.13's values and gradients, gzip-compressed JSON
// (test/fixtures/fuzz_corpus.json.gz), written by `npm run fuzz -- --write-corpus` and replayed by
// test/fuzz/fuzz.test.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Results } from './interpreter.js';
import type { Program } from './program.js';

export interface CorpusCase {
  /** Where the program came from: `seed S case I`, or a regression's name. */
  name: string;
  program: Program;
  expected: Results;
}

export interface Corpus {
  torch: string;
  cases: CorpusCase[];
}

export const CORPUS_PATH = fileURLToPath(new URL('../../test/fixtures/fuzz_corpus.json.gz', import.meta.url));
const PYTORCH_SCRIPT = fileURLToPath(new URL('../../test/fixtures/fuzz_pytorch.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

export function readCorpus(path = CORPUS_PATH): Corpus {
  return JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as Corpus;
}

export function writeCorpus(corpus: Corpus, path = CORPUS_PATH): void {
  writeFileSync(path, gzipSync(JSON.stringify(corpus), { level: 9 }));
}

/** True when PyTorch can be run here (the interpreter exists and imports torch). */
export function pytorchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/** Runs the programs in PyTorch through test/fixtures/fuzz_pytorch.py. */
export function runInPytorch(programs: readonly Program[]): { torch: string; results: Results[] } {
  const folder = mkdtempSync(join(tmpdir(), 'webtorch-fuzz-'));
  try {
    const [input, output] = [join(folder, 'programs.json'), join(folder, 'results.json')];
    writeFileSync(input, JSON.stringify({ programs }));
    const run = spawnSync(PYTHON, [PYTORCH_SCRIPT, input, output], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (run.status !== 0) throw new Error(`fuzz_pytorch.py exited with ${run.status}`);
    return JSON.parse(readFileSync(output, 'utf8')) as { torch: string; results: Results[] };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
