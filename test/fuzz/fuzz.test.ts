// Replays the differential fuzzer's corpus (test/fixtures/fuzz_corpus.json.gz: generated programs
// with PyTorch 1.13's values and gradients, and the regression programs) on cpu, all of it, and
// on webgpu, a fixed slice (lavapipe runs WGSL on the CPU, slowly), against PyTorch and against
// cpu. The rules are in test/fuzz/interpreter.ts; `npm run fuzz` runs new programs.
import { describe, expect, it } from 'vitest';
import { devices } from '../helpers/devices.js';
import { type CorpusCase, readCorpus } from './corpus.js';
import { compareResults, type Results, resultsOn } from './interpreter.js';
import { generateProgram, type Program } from './program.js';
import { REGRESSIONS } from './regressions.js';

const corpus = readCorpus();
const WEBGPU_SLICE = 800;

/**
 * Every case's mismatches on `device`, one line each (the first few details), against each of the
 * references `against` gives for the case.
 */
async function replay(
  cases: readonly CorpusCase[],
  device: string,
  against: (c: CorpusCase) => Promise<[string, Results][]>,
): Promise<string[]> {
  const failures: string[] = [];
  for (const c of cases) {
    const got = await resultsOn(c.program, device);
    for (const [reference, expected] of await against(c)) {
      const { mismatches } = compareResults(c.program, got, expected);
      for (const m of mismatches)
        failures.push(`${c.name}, against ${reference}: step ${m.step} (${m.op}) ${m.what}: ${m.details.slice(0, 3).join('; ')}`);
    }
  }
  return failures;
}

describe('the fuzz corpus', () => {
  it('holds at least 2,000 programs with PyTorch 1.13 results, the regressions first', () => {
    expect(corpus.torch.startsWith('1.13')).toBe(true);
    expect(corpus.cases.length).toBeGreaterThanOrEqual(2000);
    expect(corpus.cases.slice(0, REGRESSIONS.length).map((c) => c.name)).toEqual(REGRESSIONS.map((r) => r.name));
    expect(corpus.cases.every((c) => !c.expected.error)).toBe(true);
  });

  it('was written by the generator as it is now (regenerate with npm run fuzz -- --write-corpus)', () => {
    for (const c of corpus.cases.slice(REGRESSIONS.length, REGRESSIONS.length + 50)) {
      const [, seed, index] = /^seed (\d+) case (\d+)$/.exec(c.name)!.map(Number);
      expect(generateProgram(seed, index), c.name).toEqual(c.program);
    }
  });
});

describe('the fuzz comparison', () => {
  const program: Program = {
    steps: [
      { op: 'input', args: [{ shape: [3], dtype: 'float32', data: [0.5, -1.25, 2], requiresGrad: true }] },
      { op: 'exp', args: [{ ref: 0 }] },
      { op: 'gt', args: [{ ref: 1 }, 1] },
      { op: 'float', args: [{ ref: 2 }] },
    ],
  };
  const results = (exp: number[], gt: number[]): Results => ({
    values: [
      { shape: [3], dtype: 'float32', data: [0.5, -1.25, 2] },
      { shape: [3], dtype: 'float32', data: exp },
      { shape: [3], dtype: 'bool', data: gt },
      { shape: [3], dtype: 'float32', data: gt },
    ],
  });
  const reference = results([1.6487213, 0.2865048, 7.389056], [1, 0, 1]);

  it('accepts float rounding and reports a float value outside rtol 1e-4', () => {
    expect(compareResults(program, results([1.6487215, 0.2865047, 7.389057], [1, 0, 1]), reference).mismatches).toEqual([]);
    const [mismatch] = compareResults(program, results([1.6487213, 0.2866, 7.389056], [1, 0, 1]), reference).mismatches;
    expect(mismatch).toMatchObject({ step: 1, op: 'exp' });
  });

  it('accepts a flipped comparison only where its operands lie within tolerance of the boundary, and compares nothing downstream of it', () => {
    const nearBoundary = results([1.0000001, 0.2865048, 7.389056], [0, 0, 1]);
    const atBoundary = { ...reference, values: reference.values.map((v, k) => (k === 1 ? { ...v, data: [1, 0.2865048, 7.389056] } : v)) };
    const accepted = compareResults(program, nearBoundary, atBoundary);
    expect(accepted.mismatches).toEqual([]);
    expect(accepted.uncompared).toBe(1);
    const [mismatch] = compareResults(program, results([1.6487213, 0.2865048, 7.389056], [0, 0, 1]), reference).mismatches;
    expect(mismatch).toMatchObject({ step: 2, op: 'gt' });
  });
});

describe.each(devices)('fuzz corpus on %s', (device) => {
  const cases =
    device === 'cpu'
      ? corpus.cases
      : [...corpus.cases.slice(0, REGRESSIONS.length), ...corpus.cases.slice(REGRESSIONS.length, REGRESSIONS.length + WEBGPU_SLICE)];

  /** PyTorch's results, and on webgpu also cpu's. */
  const references = async (c: CorpusCase): Promise<[string, Results][]> =>
    device === 'cpu'
      ? [['PyTorch', c.expected]]
      : [
          ['PyTorch', c.expected],
          ['cpu', await resultsOn(c.program, 'cpu')],
        ];

  it(`agrees with PyTorch 1.13${device === 'cpu' ? '' : ' and with cpu'} (${cases.length} programs)`, async () => {
    expect(await replay(cases, device, references)).toEqual([]);
  }, 300_000);
});
