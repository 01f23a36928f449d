// `npm run fuzz -- --cases N --seed S [--case I] [--devices cpu,webgpu] [--write-corpus]`
//
// Generates N programs from seed S, runs them on each device and, when /usr/bin/python3 has torch,
// in PyTorch 1.13; compares every device with PyTorch and webgpu with cpu, and prints each
// mismatch with a minimal reproduction (the program cut down to the steps the mismatching value
// depends on). --write-corpus keeps the programs PyTorch ran, with its results and the regression
// programs, as the committed corpus that test/fuzz/fuzz.test.ts replays. --case I runs only case I
// of the seed and prints its program.
import * as torch from '../../src/index.js';
import { useCachedVulkanDriver } from '../webgpu/gpu.js';
import { CORPUS_PATH, type CorpusCase, pytorchAvailable, runInPytorch, writeCorpus } from './corpus.js';
import { compareResults, isRef, type Mismatch, type Results, refsOf, resultsOn, valueSteps } from './interpreter.js';
import { type Arg, generateProgram, type Program } from './program.js';
import { REGRESSIONS } from './regressions.js';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

/**
 * The program cut down to step `target` and the steps it depends on, refs renumbered; `stepOf`
 * maps each value to the step that made it.
 */
function reduceTo(program: Program, target: number, stepOf: readonly number[]): Program {
  const needed = new Set<number>();
  const visit = (k: number) => {
    if (needed.has(k)) return;
    needed.add(k);
    for (const r of refsOf(program.steps[k].args)) visit(stepOf[r]);
  };
  visit(target);
  const renumbered = new Map<number, number>();
  stepOf.forEach((k, v) => {
    if (needed.has(k)) renumbered.set(v, renumbered.size);
  });
  const rewrite = (arg: Arg): Arg => (Array.isArray(arg) ? arg.map(rewrite) : isRef(arg) ? { ref: renumbered.get(arg.ref)! } : arg);
  return { steps: program.steps.filter((_, k) => needed.has(k)).map((step) => ({ op: step.op, args: step.args.map(rewrite) })) };
}

function report(name: string, against: string, program: Program, mismatches: Mismatch[]): void {
  console.log(`\n${name}: ${against}`);
  for (const m of mismatches) console.log(`  step ${m.step} (${m.op}) ${m.what}: ${m.details.join('; ')}`);
  console.log(`  program: ${JSON.stringify(program)}`);
}

async function main(): Promise<void> {
  const cases = Number(option('cases', '200'));
  const seed = Number(option('seed', '1'));
  const writing = process.argv.includes('--write-corpus');
  useCachedVulkanDriver();
  const wanted = option('devices', 'cpu,webgpu').split(',');
  const devices: string[] = [];
  for (const device of wanted) {
    if (device === 'webgpu') {
      if (await torch.webgpu.isAvailable()) {
        await torch.webgpu.init();
        devices.push(device);
      } else console.log('fuzz: no WebGPU adapter; running on cpu only (source scripts/setup-webgpu.sh)');
    } else devices.push(device);
  }
  const only = option('case', '');
  const indices = only === '' ? Array.from({ length: cases }, (_, i) => i) : [Number(only)];
  const programs = indices.map((i) => generateProgram(seed, i));
  const names = indices.map((i) => `seed ${seed} case ${i}`);
  if (only !== '') console.log(JSON.stringify(programs[0]));
  let reference: Results[] | null = null;
  let torchVersion = '';
  if (pytorchAvailable()) {
    const ran = runInPytorch(programs);
    reference = ran.results;
    torchVersion = ran.torch;
  } else console.log('fuzz: /usr/bin/python3 has no torch; comparing devices with each other only');
  if (writing && !reference) throw new Error('fuzz: --write-corpus needs PyTorch');

  let failed = 0;
  let refused = 0;
  const tally = { compared: 0, uncompared: 0, gradientsCompared: 0, gradientsSkipped: 0 };
  const ops = new Map<string, number>();
  for (const program of programs) for (const step of program.steps) ops.set(step.op, (ops.get(step.op) ?? 0) + 1);
  const started = performance.now();
  for (const [i, program] of programs.entries()) {
    const expected = reference?.[i];
    if (expected?.error) {
      refused++;
      console.log(`${names[i]}: PyTorch refused: ${expected.error}`);
    }
    const runs = new Map<string, Results>();
    for (const device of devices) runs.set(device, await resultsOn(program, device));
    const pairs: [string, Results, Results][] = [];
    for (const device of devices) if (expected) pairs.push([`${device} vs PyTorch`, runs.get(device)!, expected]);
    if (runs.has('webgpu') && runs.has('cpu')) pairs.push(['webgpu vs cpu', runs.get('webgpu')!, runs.get('cpu')!]);
    let bad = false;
    for (const [against, got, want] of pairs) {
      const { mismatches, compared, uncompared, gradientsSkipped } = compareResults(program, got, want);
      tally.compared += compared;
      tally.uncompared += uncompared;
      if (program.backward) tally[gradientsSkipped === null ? 'gradientsCompared' : 'gradientsSkipped']++;
      if (mismatches.length === 0) continue;
      bad = true;
      const first = mismatches[0];
      report(names[i], against, first.step >= 0 ? reduceTo(program, first.step, valueSteps(program, want)) : program, mismatches);
    }
    if (bad) failed++;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `\nfuzz: steps per op: ${[...ops]
      .sort((p, q) => q[1] - p[1])
      .map(([op, n]) => `${op} ${n}`)
      .join(', ')}`,
  );
  console.log(
    `fuzz: comparisons: ${tally.compared} values compared, ${tally.uncompared} past an accepted boundary mismatch; gradients compared ${tally.gradientsCompared} times, skipped ${tally.gradientsSkipped} (a kink or boundary)`,
  );
  console.log(
    `fuzz: ${programs.length} programs (seed ${seed}) on ${devices.join(', ')}${reference ? ' and PyTorch' : ''}: ${failed} with mismatches, ${refused} refused by PyTorch, ${seconds} s`,
  );
  if (writing && reference) {
    const regressions = REGRESSIONS.map((r) => r.program);
    const regressionResults = runInPytorch(regressions).results;
    const corpus: CorpusCase[] = [
      ...REGRESSIONS.map((r, k) => ({ name: r.name, program: r.program, expected: regressionResults[k] })),
      ...programs.map((program, k) => ({ name: names[k], program, expected: reference![k] })).filter((c) => !c.expected.error),
    ];
    writeCorpus({ torch: torchVersion, cases: corpus });
    console.log(`fuzz: wrote ${corpus.length} programs to ${CORPUS_PATH}`);
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
// Dawn keeps Node alive while a GPUDevice exists.
process.exit(process.exitCode ?? 0);
