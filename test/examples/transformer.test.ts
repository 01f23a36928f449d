// Keeps the Transformer surname classifier (examples/transformer) working: a short training run
// through the example's own modules that learns with memory flat from step to step, the padding
// mask (a name's logits do not change when more padding is appended, in training and in eval mode,
// where the encoder zeroes padded outputs), PyTorch's state dict keys, and a flag error. The real
// run's accuracy is reported by `npm run example -- transformer`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as torch from '../../dist/node.js';

// The examples are plain JavaScript without declarations; computed specifiers keep tsc from asking for them.
const example = (file: string) => import(new URL(`../../examples/${file}`, import.meta.url).href);
const { collateNames, encodeName, namesLoader, readNames, TEST_FILE, TRAIN_FILE } = await example('names/data.mjs');
const { TransformerClassifier } = await example('transformer/model.mjs');
const { evaluate, trainEpoch } = await example('transformer/train.mjs');

const TINY = { dModel: 16, nhead: 2, numLayers: 1, dimFeedforward: 32, dropout: 0 };

describe('examples/transformer', () => {
  torch.manualSeed(0);
  const loader = namesLoader(readNames(TRAIN_FILE, { limit: 640 }), { batchSize: 32, seed: 0 });
  const model = new TransformerClassifier(TINY);
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-2 });

  it('lowers the loss over 60 steps, with the live tensors the same from step to step', async () => {
    const losses: number[] = [];
    const liveTensors: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      const result = await trainEpoch(model, loader, optimizer, { clip: 1, onBatch: () => liveTensors.push(torch.memory().tensors) });
      losses.push(result.loss);
    }
    expect(liveTensors).toHaveLength(60);
    expect(losses[2]).toBeLessThan(0.8 * losses[0]);
    // trainEpoch reads a step's loss after issuing the next, so at an epoch's last batch one loss fewer is alive.
    const [first, second, third] = [0, 1, 2].map((epoch) => liveTensors.slice(20 * epoch, 20 * epoch + 20));
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(new Set(first.slice(0, -1)).size).toBe(1);
    const { accuracy } = await evaluate(model, namesLoader(readNames(TEST_FILE, { limit: 200 }), { batchSize: 100 }));
    expect(accuracy).toBeGreaterThan(0.3);
  });

  it('gives a name the same logits however much padding its batch adds', async () => {
    const logitsOf = (names: string[]) => {
      const [x, lengths, y] = collateNames(names.map((name) => ({ codes: encodeName(name), label: 0 })));
      const logits = model.forward(x, lengths).narrow(0, 0, 1);
      x.dispose();
      y.dispose();
      return logits;
    };
    const difference = async (a: torch.Tensor, b: torch.Tensor) => a.sub(b).abs().max().item();
    model.train();
    const alone = logitsOf(['Li']);
    expect(await difference(alone, logitsOf(['Li', 'Papadopoulos']))).toBeLessThan(1e-5);
    model.eval();
    const evaluated = torch.noGrad(() => logitsOf(['Li']));
    expect(await difference(evaluated, alone)).toBeLessThan(1e-5);
    expect(
      await difference(
        evaluated,
        torch.noGrad(() => logitsOf(['Li', 'Papadopoulos'])),
      ),
    ).toBeLessThan(1e-5);
    model.train();
  });

  it('names its weights as PyTorch names the twin module’s (scripts/transformer_pytorch.py)', () => {
    expect(Object.keys(model.stateDict())).toEqual([
      'embedding.weight',
      'position.pe',
      'encoder.layers.0.self_attn.in_proj_weight',
      'encoder.layers.0.self_attn.in_proj_bias',
      'encoder.layers.0.self_attn.out_proj.weight',
      'encoder.layers.0.self_attn.out_proj.bias',
      'encoder.layers.0.linear1.weight',
      'encoder.layers.0.linear1.bias',
      'encoder.layers.0.linear2.weight',
      'encoder.layers.0.linear2.bias',
      'encoder.layers.0.norm1.weight',
      'encoder.layers.0.norm1.bias',
      'encoder.layers.0.norm2.weight',
      'encoder.layers.0.norm2.bias',
      'fc.weight',
      'fc.bias',
    ]);
  });

  it('refuses a flag it cannot read, naming it', () => {
    const main = fileURLToPath(new URL('../../examples/transformer/main.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [main, '--nhead', '3'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('--nhead must divide --d-model, got --nhead 3 and --d-model 64');
  });
});
