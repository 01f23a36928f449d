// Keeps the date-translation example (examples/seq2seq) working: the generator's forms and splits,
// a short training run through the example's own modules that learns (the loss falls, memory stays
// flat, greedy and beam decoding give ISO-shaped dates), and the attention heat map. The real run's
// accuracy is reported by `npm run example -- seq2seq`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as torch from '../../dist/node.js';

// The example is plain JavaScript without declarations; computed specifiers keep tsc from asking for them.
const example = (file: string) => import(new URL(`../../examples/seq2seq/${file}`, import.meta.url).href);
const { makeDates, mulberry32, TRAINING_FORMS, UNSEEN_FORMS, writeDate } = await example('dates.mjs');
const { buildVocabularies, EOS, PAD, Seq2Seq } = await example('model.mjs');
const { collate, encodePairs, evaluate, SETTINGS, train, translate } = await example('train.mjs');
const { attentionSvg } = await example('heatmap.mjs');

type Pair = [string, string];
const ISO = /^\d{4}-\d{2}-\d{2}$/;

describe('examples/seq2seq dates', () => {
  it('writes one date in every form, weekdays right, the ISO date as target', () => {
    const written = (forms: ((parts: object) => string)[]) => forms.map((form) => writeDate({ year: 2014, month: 3, day: 3 }, form)[0]);
    expect(TRAINING_FORMS.length).toBeGreaterThanOrEqual(10);
    expect(written(TRAINING_FORMS)).toContain('3rd of March 2014');
    expect(written(TRAINING_FORMS)).toContain('mar 3, 14');
    expect(written(TRAINING_FORMS)).toContain('03/03/2014');
    expect(written(TRAINING_FORMS)).toContain('Monday, March 3 2014');
    expect(written(UNSEEN_FORMS)).toContain('Monday 3 March 2014');
    expect(writeDate({ year: 1999, month: 12, day: 31 }, TRAINING_FORMS[3])).toEqual(['Friday, December 31 1999', '1999-12-31']);
    expect(writeDate({ year: 2001, month: 2, day: 22 }, TRAINING_FORMS[0])[0]).toBe('22nd of February 2001');
    expect(writeDate({ year: 2001, month: 2, day: 12 }, TRAINING_FORMS[0])[0]).toBe('12th of February 2001');
  });

  it('draws the same sets from a seed, keeping the held-out dates out of training', () => {
    const data = makeDates({ seed: 3, train: 5000 });
    expect(makeDates({ seed: 3, train: 5000 })).toEqual(data);
    expect(makeDates({ seed: 4, train: 5000 }).train).not.toEqual(data.train);
    const trainTargets = new Set(data.train.map(([, target]: Pair) => target));
    for (const [, target] of [...data.test, ...data.unseen] as Pair[]) expect(trainTargets.has(target)).toBe(false);
    const trainChars = new Set(data.train.flatMap(([source]: Pair) => [...source]));
    expect(data.unseen.flatMap(([source]: Pair) => [...source]).every((c: string) => trainChars.has(c))).toBe(true);
    expect(mulberry32(0)()).toBe(0.26642920868471265);
  });

  it('builds character vocabularies with the specials first and pads batches with <pad>', async () => {
    const vocabularies = buildVocabularies([['3 Mar 14', '2014-03-03']]);
    expect(vocabularies.source.getItos().slice(0, 4)).toEqual(['<pad>', '<sos>', '<eos>', '<unk>']);
    expect(vocabularies.target.stoi('<pad>')).toBe(PAD);
    const [x, lengths, y] = collate(
      encodePairs(
        [
          ['3 Mar 14', '2014-03-03'],
          ['14', '2014-01-01'],
        ],
        vocabularies,
      ),
    );
    expect(lengths).toEqual([8, 2]);
    expect(x.shape).toEqual([2, 8]);
    expect((await x.tolist())[1].slice(2)).toEqual([PAD, PAD, PAD, PAD, PAD, PAD]);
    expect((await y.tolist())[0].at(-1)).toBe(EOS);
  });
});

describe('examples/seq2seq training', () => {
  const data = makeDates({ seed: 0, train: 4000, test: 64, unseen: 32 });
  const vocabularies = buildVocabularies(data.train);
  const encoded = encodePairs(data.train, vocabularies);
  torch.manualSeed(0);
  const model = new Seq2Seq({
    sourceVocabSize: vocabularies.source.length,
    targetVocabSize: vocabularies.target.length,
    embeddingSize: 16,
    hiddenSize: 32,
    decoderSize: 64,
    attentionSize: 32,
  });
  const settings = { ...SETTINGS, steps: 150, batchSize: 32, lr: 1e-2 };

  it('lowers the loss, with memory flat from step to step', async () => {
    const liveTensors: number[] = [];
    const { losses } = await train(model, encoded, settings, { every: 25, onStep: () => liveTensors.push(torch.memory().tensors) });
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    expect(losses).toHaveLength(150);
    expect(mean(losses.slice(-10))).toBeLessThan(0.4 * mean(losses.slice(0, 10)));
    expect(liveTensors).toHaveLength(6);
    expect(new Set(liveTensors.slice(1)).size).toBe(1);
  });

  it('decodes ISO-shaped dates greedily and by beam search, and scores them', () => {
    const greedy = evaluate(model, data.test, vocabularies);
    expect(greedy.outputs.filter((output: string) => ISO.test(output)).length).toBeGreaterThanOrEqual(0.9 * data.test.length);
    expect(greedy.bleu).toBeGreaterThan(0.3);
    expect(greedy.accuracy).toBeGreaterThanOrEqual(0);
    const beam = evaluate(model, data.test.slice(0, 8), vocabularies, { beam: 3 });
    expect(beam.outputs).toHaveLength(8);
    expect(beam.outputs.filter((output: string) => ISO.test(output)).length).toBeGreaterThanOrEqual(6);
    expect(model.training).toBe(true);
  });

  it('draws the attention of each output character over the source as an SVG heat map', () => {
    const sources = ['3rd of March 2014', '17-06-41'];
    const results = translate(model, sources, vocabularies);
    for (const [i, { output, weights }] of results.entries()) {
      expect(weights).toHaveLength(output.length);
      for (const row of weights) {
        expect(row).toHaveLength(sources[i].length);
        expect(row.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
      }
    }
    const svg: string = attentionSvg(results.map((result: object, i: number) => ({ source: sources[i], ...result })));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const cells = results.reduce((sum: number, result: { output: string }, i: number) => sum + result.output.length * sources[i].length, 0);
    expect(svg.match(/<rect x=/g)).toHaveLength(cells);
  });

  it('refuses a flag it cannot read, naming it', () => {
    const main = fileURLToPath(new URL('../../examples/seq2seq/main.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [main, '--teacher-forcing', '2'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe("--teacher-forcing must be a number in [0, 1], got '2'");
  });
});
