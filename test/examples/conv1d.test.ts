// Keeps the Conv1d-over-word-vectors example (examples/conv1d) working: the shapes the course
// writes, the deck's formula and the flattened-weight matmul equal to the layer, and a short
// training run that learns (the loss falls, every sentence classified right).
import { describe, expect, it } from 'vitest';
import * as torch from '../../dist/node.js';

// The example is plain JavaScript without declarations; a computed specifier keeps tsc from asking for them.
const { convolveAsMatmul, convolveByHand, encode, SENTENCES, SentenceCNN, train } = await import(
  new URL('../../examples/conv1d/conv1d.mjs', import.meta.url).href
);

describe('examples/conv1d', () => {
  it('turns (batch, seq len, embedding) into (batch, in channel, seq len) into (batch, out channel, seq len)', () => {
    torch.manualSeed(0);
    const { vocab, x } = encode();
    expect(vocab.itos(0)).toBe('<pad>');
    const model = new SentenceCNN(vocab.length, { embeddingDim: 8, outChannels: 6 });
    const { words, channels, features, logits } = model.forward(x);
    expect(words.shape).toEqual([SENTENCES.length, 6, 8]);
    expect(channels.shape).toEqual([SENTENCES.length, 8, 6]);
    expect(features.shape).toEqual([SENTENCES.length, 6, 6]);
    expect(logits.shape).toEqual([SENTENCES.length, 2]);
    const output = features.tolistSync();
    for (const [n, j, i] of [
      [0, 0, 0],
      [3, 5, 2],
      [9, 2, 5],
    ])
      expect(convolveByHand(model.conv, channels, n, j, i)).toBeCloseTo(output[n][j][i], 5);
    expect(convolveAsMatmul(model.conv, channels).sub(features).abs().max().itemSync()).toBeLessThan(1e-5);
  });

  it('learns to classify the sentences in a short run', () => {
    const { history } = train({ epochs: 40, seed: 0 }) as { history: { loss: number; accuracy: number }[] };
    expect(history.at(-1)!.loss).toBeLessThan(history[0].loss / 3);
    expect(history.at(-1)!.accuracy).toBe(1);
  });
});
