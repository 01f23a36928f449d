// Keeps the character-level language model (examples/charlm) working: its data streams, a short
// training run through its own modules that learns with memory flat, sampling, and the command
// training, saving and sampling from the saved model. The full run's perplexity is what the README
// reports; this checks behaviour on a slice of the text in seconds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../dist/node.js';

// The example is plain JavaScript without declarations; computed specifiers keep tsc from asking for them.
const example = (file: string) => import(new URL(`../../examples/charlm/${file}`, import.meta.url).href);
const { charsetOf, decode, encode, readText, Streams, splitCodes, unigramPerplexity } = await example('data.mjs');
const { CharLM, sample } = await example('model.mjs');
const { evaluate, trainSteps } = await example('train.mjs');

const MAIN = fileURLToPath(new URL('../../examples/charlm/main.mjs', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'webtorch-charlm-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const text: string = readText();
const charset: string = charsetOf(text);

describe('examples/charlm data', () => {
  it('reads the text and its 65 characters, and encodes and decodes it', () => {
    expect(text).toHaveLength(1115394);
    expect(charset).toHaveLength(65);
    expect(charset.startsWith('\n !')).toBe(true);
    const codes = encode('ROMEO:\n', charset);
    expect(decode(codes, charset)).toBe('ROMEO:\n');
    expect(() => encode('Ω', charset)).toThrow(/encode: the character "Ω" is not in the model's charset/);
  });

  it('holds out the last 10% and cuts the rest into streams whose targets are the next characters', () => {
    const { train, validation } = splitCodes(encode(text, charset), 0.1);
    expect(train.length).toBe(1003854);
    expect(validation.length).toBe(111540);
    const codes = Int32Array.from({ length: 41 }, (_, i) => i);
    const streams = new Streams(codes, { batch: 4, seqLen: 3 });
    expect([streams.streamLength, streams.length]).toEqual([10, 3]);
    const [x, y] = streams.chunk(1);
    expect(x.tolistSync()).toEqual([
      [3, 4, 5],
      [13, 14, 15],
      [23, 24, 25],
      [33, 34, 35],
    ]);
    expect(y.tolistSync()).toEqual([4, 5, 6, 14, 15, 16, 24, 25, 26, 34, 35, 36]);
    x.dispose();
    y.dispose();
    expect(() => new Streams(codes, { batch: 8, seqLen: 8 })).toThrow(/make no chunk of 8 streams of 8 steps/);
  });

  it('gives a unigram baseline equal to the vocabulary size on uniform text', () => {
    const uniform = Int32Array.from({ length: 400 }, (_, i) => i % 4);
    expect(unigramPerplexity(uniform, uniform, 4)).toBeCloseTo(4, 10);
  });
});

describe('examples/charlm training and sampling', () => {
  const { train, validation } = splitCodes(encode(text.slice(0, 60000), charset), 0.1);
  const trainStreams = new Streams(train, { batch: 16, seqLen: 32 });
  const validationStreams = new Streams(validation, { batch: 16, seqLen: 32 });
  torch.manualSeed(0);
  const model = new CharLM({ vocabularySize: charset.length, embeddingSize: 16, hiddenSize: 48 });
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-2 });

  it('lowers the loss below the unigram baseline, with memory flat from step to step', () => {
    const before = evaluate(model, validationStreams);
    const losses: number[] = [];
    const liveTensors: number[] = [];
    trainSteps(model, trainStreams, optimizer, {
      steps: 120,
      clip: 5,
      onStep: ({ loss }: { loss: number }) => {
        losses.push(loss);
        liveTensors.push(torch.memory().tensors);
      },
    });
    expect(losses).toHaveLength(120);
    // 105 chunks: the streams restart, from a zero state, on the way.
    expect(trainStreams.length).toBeLessThan(120);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean(losses.slice(-10))).toBeLessThan(0.7 * mean(losses.slice(0, 10)));
    expect(liveTensors.at(-1)).toBe(liveTensors[10]);
    const after = evaluate(model, validationStreams);
    expect(after.characters).toBe(validationStreams.length * 16 * 32);
    expect(after.perplexity).toBeCloseTo(Math.exp(after.crossEntropy), 10);
    expect(after.perplexity).toBeLessThan(before.perplexity / 2);
    expect(after.perplexity).toBeLessThan(unigramPerplexity(train, validation, charset.length));
    expect(model.training).toBe(true);
  });

  it('samples text of the asked length from the charset, the same for the same seed', () => {
    const draw = (seed: number, temperature: number) =>
      sample(model, charset, { prime: 'ROMEO:', length: 80, temperature, generator: new torch.Generator().manualSeed(seed) }) as string;
    const live = torch.memory().tensors;
    const text = draw(1, 0.8);
    expect(text).toHaveLength(80);
    expect([...text].every((char) => charset.includes(char))).toBe(true);
    expect(draw(1, 0.8)).toBe(text);
    expect(draw(2, 0.8)).not.toBe(text);
    expect(torch.memory().tensors).toBe(live);
    expect(() => draw(1, 0)).toThrow(/sample: temperature must be > 0, got 0/);
  });

  it('loads a saved state dict into a model of the same shape and cell, GRU included', () => {
    for (const cell of ['lstm', 'gru']) {
      const saved = new CharLM({ vocabularySize: 65, embeddingSize: 8, hiddenSize: 12, numLayers: 3, cell });
      const loaded = CharLM.fromStateDict(torch.load(torch.save(saved.stateDict())));
      expect(String(loaded)).toBe(String(saved));
    }
  });
});

describe('examples/charlm command', () => {
  const model = join(workDir, 'model.safetensors');
  const run = (...flags: string[]) => spawnSync(process.execPath, [MAIN, ...flags], { encoding: 'utf8' });

  it('trains, reports progress and validation perplexity, saves, and samples from the saved model with --sample', () => {
    const trained = run('--steps', '20', '--hidden', '16', '--cell', 'gru', '--log-every', '10', '--length', '40', '--model', model);
    expect(trained.status).toBe(0);
    expect(trained.stdout).toMatch(/unigram baseline: validation perplexity 28\.43/);
    expect(trained.stdout).toMatch(/step 10\/20 {2}loss \d+\.\d{4} {2}\d+ chars\/s/);
    expect(trained.stdout).toMatch(/step 20\/20 {2}validation loss \d+\.\d{4} {2}perplexity \d+\.\d{3}/);
    expect(trained.stdout).toMatch(/GRU\(64, 16, num_layers=2, batch_first=True\)/);

    const sampled = run('--sample', '--prime', 'JULIET:', '--temperature', '0.8', '--length', '50', '--model', model);
    expect(sampled.status).toBe(0);
    const header = '\n--- sample, temperature 0.8 ---\nJULIET:';
    expect(sampled.stdout.startsWith(header)).toBe(true);
    const text = sampled.stdout.slice(header.length, -1);
    expect(text).toHaveLength(50);
    expect([...text].every((char) => charset.includes(char))).toBe(true);
  });

  it('says what is wrong with a missing model, a bad flag or a prime outside the charset', () => {
    const missing = run('--sample', '--model', join(workDir, 'none.safetensors'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--sample: .*none\.safetensors does not exist yet; train first with npm run example -- charlm/);
    const cell = run('--cell', 'rnn');
    expect(cell.status).toBe(2);
    expect(cell.stderr.trim()).toBe("--cell must be lstm or gru, got 'rnn'");
    const unknown = run('--epochs', '3');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--epochs'/);
    const prime = run('--sample', '--prime', 'Ω', '--model', model);
    expect(prime.status).toBe(2);
    expect(prime.stderr).toMatch(/--prime: the character "Ω" is not in the model's charset/);
  });
});
