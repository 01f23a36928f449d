// Keeps the surname demo (examples/names) working: a short training run through the example's own
// modules, its evaluation, saving and loading, and the classify path. The real run's accuracy is
// reported by `npm run demo`; this checks behaviour on a few hundred names in a few seconds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../dist/node.js';

// The example is plain JavaScript without declarations; computed specifiers keep tsc from asking for them.
const example = (file: string) => import(new URL(`../../examples/names/${file}`, import.meta.url).href);
const { collateNames, encodeName, namesLoader, NATIONALITIES, readNames, TEST_FILE, TRAIN_FILE } = await example('data.mjs');
const { classify, NameClassifier } = await example('model.mjs');
const { evaluate, trainEpoch } = await example('train.mjs');

interface Classified {
  name: string;
  top: { nationality: string; probability: number }[];
}

const workDir = mkdtempSync(join(tmpdir(), 'webtorch-names-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('examples/names data', () => {
  it('reads the CSV files into codes and labels', () => {
    const train = readNames(TRAIN_FILE);
    expect(train).toHaveLength(13374);
    expect(readNames(TEST_FILE)).toHaveLength(6700);
    expect(new Set(train.map((s: { label: number }) => s.label)).size).toBe(NATIONALITIES.length);
    const { name, codes } = train[0];
    expect(Array.from(codes)).toEqual([...name].map((c) => c.charCodeAt(0)));
  });

  it('deals each batch by length to DataParallel replicas, the shorter name of each round to the first', () => {
    const samples = readNames(TRAIN_FILE, { limit: 64 });
    const [batch] = [...namesLoader(samples, { batchSize: 8, replicas: 2 })];
    const [x, lengths, y] = batch;
    const sorted = samples
      .slice(0, 8)
      .map((s: { codes: Int32Array }) => s.codes.length)
      .sort((a: number, b: number) => b - a);
    expect(lengths).toEqual([sorted[1], sorted[3], sorted[5], sorted[7], sorted[0], sorted[2], sorted[4], sorted[6]]);
    for (const t of [x, y]) t.dispose();
  });

  it('keeps every k-th row under a limit, spread over the classes', () => {
    const sample = readNames(TRAIN_FILE, { limit: 300 });
    expect(sample).toHaveLength(300);
    expect(new Set(sample.map((s: { label: number }) => s.label)).size).toBeGreaterThanOrEqual(12);
  });

  it('strips accents and maps other non-ASCII characters to 127', () => {
    expect(Array.from(encodeName('Dvořák'))).toEqual([...'Dvorak'].map((c) => c.charCodeAt(0)));
    expect(Array.from(encodeName('Øst'))).toEqual([127, 115, 116]);
    expect(() => encodeName('')).toThrow(/encodeName: expected a non-empty string/);
  });

  it('pads a batch with 0 and returns the lengths', async () => {
    const [x, lengths, y] = collateNames([
      { codes: encodeName('Li'), label: 1 },
      { codes: encodeName('Rossi'), label: 9 },
    ]);
    expect(lengths).toEqual([2, 5]);
    expect(x.dtype).toBe('int32');
    expect(await x.tolist()).toEqual([
      [76, 105, 0, 0, 0],
      [82, 111, 115, 115, 105],
    ]);
    expect(await y.tolist()).toEqual([1, 9]);
    x.dispose();
    y.dispose();
  });
});

describe('examples/names training', () => {
  torch.manualSeed(0);
  const loader = namesLoader(readNames(TRAIN_FILE, { limit: 300 }), { batchSize: 32, seed: 0 });
  const testLoader = namesLoader(readNames(TEST_FILE, { limit: 200 }), { batchSize: 100 });
  const model = new NameClassifier({ embeddingSize: 16, hiddenSize: 16 });
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-2 });

  it('lowers the loss, with memory flat from epoch to epoch', async () => {
    const losses: number[] = [];
    const liveTensors: number[] = [];
    const batches: number[] = [];
    for (let epoch = 0; epoch < 4; epoch++) {
      const result = await trainEpoch(model, loader, optimizer, {
        clip: 5,
        onBatch: ({ batch }: { batch: number }) => batches.push(batch),
      });
      expect(result.names).toBe(300);
      losses.push(result.loss);
      liveTensors.push(torch.memory().tensors);
    }
    expect(batches.slice(0, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(losses[3]).toBeLessThan(0.8 * losses[0]);
    expect(liveTensors[3]).toBe(liveTensors[1]);
  });

  it('evaluates overall, balanced and per-class accuracy', async () => {
    const { accuracy, balancedAccuracy, perClass } = await evaluate(model, testLoader);
    const rows = perClass as { nationality: string; correct: number; total: number }[];
    expect(rows.map((row) => row.nationality)).toEqual([...NATIONALITIES]);
    expect(rows.reduce((sum, row) => sum + row.total, 0)).toBe(200);
    expect(accuracy).toBeCloseTo(rows.reduce((sum, row) => sum + row.correct, 0) / 200, 10);
    expect(balancedAccuracy).toBeGreaterThan(0);
    expect(balancedAccuracy).toBeLessThanOrEqual(1);
    expect(model.training).toBe(true);
  });

  it('classifies names into the 3 likeliest nationalities, and the same after saving and loading', async () => {
    const names = ['Nguyen', 'Schmidt', 'Dvořák'];
    const results: Classified[] = await classify(model, names);
    expect(results.map((r) => r.name)).toEqual(names);
    for (const { top } of results) {
      expect(top).toHaveLength(3);
      expect(new Set(top.map((t) => t.nationality)).size).toBe(3);
      for (const { nationality } of top) expect(NATIONALITIES).toContain(nationality);
      const probabilities = top.map((t) => t.probability);
      expect([...probabilities].sort((a, b) => b - a)).toEqual(probabilities);
      expect(probabilities.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-6);
      expect(probabilities[2]).toBeGreaterThan(0);
    }
    const file = join(workDir, 'model.safetensors');
    await torch.saveFile(model.stateDict(), file);
    const loaded = NameClassifier.fromStateDict(await torch.loadFile(file));
    expect(loaded.gru.hiddenSize).toBe(16);
    const again: Classified[] = await classify(loaded, names);
    expect(again.map((r) => r.top.map((t) => t.nationality))).toEqual(results.map((r) => r.top.map((t) => t.nationality)));
    again.forEach((r, n) => r.top.forEach((t, j) => expect(t.probability).toBeCloseTo(results[n].top[j].probability, 6)));
  });
});

describe('examples/names over several devices (--devices)', () => {
  /** One epoch's running losses and the test accuracy of a small classifier trained through `wrap(model)`. */
  async function trainOnce(wrap: (model: torch.nn.Module) => torch.nn.Module) {
    torch.manualSeed(1);
    const loader = namesLoader(readNames(TRAIN_FILE, { limit: 200 }), { batchSize: 64, seed: 1 });
    const testLoader = namesLoader(readNames(TEST_FILE, { limit: 100 }), { batchSize: 50 });
    const model = new NameClassifier({ embeddingSize: 8, hiddenSize: 8 });
    const net = wrap(model);
    const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-2 });
    const losses: number[] = [];
    await trainEpoch(net, loader, optimizer, { clip: 5, onBatch: ({ loss }: { loss: number }) => losses.push(loss) });
    const { accuracy } = await evaluate(net, testLoader);
    return { losses, accuracy };
  }

  it("trains through nn.DataParallel over ['cpu:1', 'cpu:2'] with the main-thread CPU's losses and accuracy", async () => {
    await torch.cpu.init({ devices: 2 });
    const deviceIds = ['cpu:1', 'cpu:2'];
    const single = await trainOnce((model) => model);
    const parallel = await trainOnce((model) => new torch.nn.DataParallel(model.to('cpu:1'), { deviceIds }));
    expect(parallel.losses).toHaveLength(4);
    parallel.losses.forEach((loss, i) => expect(Math.abs(loss - single.losses[i])).toBeLessThanOrEqual(1e-6 + 1e-5 * single.losses[i]));
    expect(parallel.accuracy).toBe(single.accuracy);
  });

  it('refuses a device list it cannot read, naming the flag', () => {
    const main = fileURLToPath(new URL('../../examples/names/main.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [main, '--devices', 'cpu:1,gpu'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(
      "--devices takes device names separated by commas (cpu, cpu:1, webgpu, webgpu:1, ...), got 'gpu' in 'cpu:1,gpu'",
    );
  });
});
