// The encoder-decoder with additive (Bahdanau) attention, as the course builds it, and its greedy
// and beam-search decoding. Shared by main.mjs, train.mjs and the test; scripts/seq2seq_pytorch.py
// is the same network in PyTorch, with the same parameter names.
import * as torch from '../../dist/node.js';

const { nn } = torch;

/** The specials of both character vocabularies, at these indices. */
export const SPECIALS = ['<pad>', '<sos>', '<eos>', '<unk>'];
export const [PAD, SOS, EOS] = [0, 1, 2];

/** Character vocabularies of the sources and of the targets of [source, target] pairs. */
export function buildVocabularies(pairs) {
  const characters = (side) => pairs.map((pair) => [...pair[side]]);
  return {
    source: torch.text.buildVocabFromIterator(characters(0), { specials: SPECIALS }),
    target: torch.text.buildVocabFromIterator(characters(1), { specials: SPECIALS }),
  };
}

/** Embedding -> bidirectional GRU over the packed sources; returns every step's output and the final states of both directions. */
class Encoder extends nn.Module {
  constructor(vocabSize, embeddingSize, hiddenSize) {
    super();
    this.embedding = new nn.Embedding(vocabSize, embeddingSize, { paddingIdx: PAD });
    this.gru = new nn.GRU(embeddingSize, hiddenSize, { batchFirst: true, bidirectional: true });
  }

  /** x [B, L] source indices padded with PAD, lengths[b] the length of source b; returns [outputs [B, L, 2H], final [B, 2H]]. */
  forward(x, lengths) {
    const packed = nn.utils.rnn.packPaddedSequence(this.embedding.forward(x), lengths, { batchFirst: true, enforceSorted: false });
    const [output, hN] = this.gru.forward(packed); // hN: [2, B, H], forward then backward direction
    const [outputs] = nn.utils.rnn.padPackedSequence(output, { batchFirst: true, totalLength: x.shape[1] });
    return [outputs, torch.cat([hN.index(0), hN.index(1)], 1)];
  }
}

/**
 * Additive attention: score(h_j, s) = v^T tanh(W_h h_j + W_s s) over the encoder outputs h_j, the
 * padding masked to -inf before the softmax, so it gets no weight.
 */
class AdditiveAttention extends nn.Module {
  constructor(keySize, querySize, attentionSize) {
    super();
    this.W_h = new nn.Linear(keySize, attentionSize, { bias: false });
    this.W_s = new nn.Linear(querySize, attentionSize);
    this.v = new nn.Linear(attentionSize, 1, { bias: false });
  }

  /** W_h h_j for every encoder output: keys [B, L, 2H] -> [B, L, A], once per batch rather than once per decoder step. */
  projectKeys(keys) {
    return this.W_h.forward(keys);
  }

  /**
   * query [B, Hd] the decoder state; keys [B, L, 2H], projectedKeys [B, L, A], padding [B, L] true
   * at padding. Returns [context [B, 2H], weights [B, L]].
   */
  forward(query, keys, projectedKeys, padding) {
    const scores = this.v.forward(projectedKeys.add(this.W_s.forward(query).unsqueeze(1)).tanh()).squeeze(2);
    const weights = scores.maskedFill(padding, -Infinity).softmax(1);
    const context = torch.bmm(weights.unsqueeze(1), keys).squeeze(1);
    return [context, weights];
  }
}

/** One decoder step: attention from the previous state, then GRUCell([embedded previous token; context]) -> Linear. */
class Decoder extends nn.Module {
  constructor(vocabSize, embeddingSize, encoderSize, hiddenSize, attentionSize) {
    super();
    this.embedding = new nn.Embedding(vocabSize, embeddingSize, { paddingIdx: PAD });
    this.attention = new AdditiveAttention(encoderSize, hiddenSize, attentionSize);
    this.cell = new nn.GRUCell(embeddingSize + encoderSize, hiddenSize);
    this.out = new nn.Linear(hiddenSize, vocabSize);
  }

  /** token [B] the previous output, hidden [B, Hd], memory from Seq2Seq.encode; returns [logits [B, V], hidden, weights [B, L]]. */
  forward(token, hidden, memory) {
    const [context, weights] = this.attention.forward(hidden, memory.keys, memory.projectedKeys, memory.padding);
    const next = this.cell.forward(torch.cat([this.embedding.forward(token), context], 1), hidden);
    return [this.out.forward(next), next, weights];
  }
}

/**
 * Source characters -> ISO date characters: Encoder, a bridge tanh(Linear) from the encoder's final
 * states (both directions) to the decoder's first state, and the attention Decoder.
 */
export class Seq2Seq extends nn.Module {
  constructor({ sourceVocabSize, targetVocabSize, embeddingSize = 32, hiddenSize = 64, decoderSize = 128, attentionSize = 64 }) {
    super();
    this.encoder = new Encoder(sourceVocabSize, embeddingSize, hiddenSize);
    this.bridge = new nn.Linear(2 * hiddenSize, decoderSize);
    this.decoder = new Decoder(targetVocabSize, embeddingSize, 2 * hiddenSize, decoderSize, attentionSize);
  }

  /** What every decoder step reads: { keys, projectedKeys, padding } and the decoder's first state `hidden`. */
  encode(x, lengths) {
    const [keys, final] = this.encoder.forward(x, lengths);
    return { keys, projectedKeys: this.decoder.attention.projectKeys(keys), padding: x.eq(PAD), hidden: this.bridge.forward(final).tanh() };
  }

  /**
   * Runs the decoder `steps` steps from SOS; `feed(t, logits)` gives the token step t + 1 is fed.
   * Returns [logits [B, steps, V], weights [B, steps, L]].
   */
  unroll(memory, steps, feed) {
    let hidden = memory.hidden;
    let token = torch.full([memory.keys.shape[0]], SOS, { dtype: 'int32' });
    const [logits, attention] = [[], []];
    for (let t = 0; t < steps; t++) {
      const [output, next, weights] = this.decoder.forward(token, hidden, memory);
      logits.push(output);
      attention.push(weights);
      hidden = next;
      token = feed(t, output);
    }
    return [torch.stack(logits, 1), torch.stack(attention, 1)];
  }

  /**
   * Training: x [B, L] sources, lengths, target [B, T] ending in EOS (padded with PAD). Each step
   * is fed the previous target token with teacherForcing, else the previous step's own prediction.
   * Returns logits [B, T, V].
   */
  forward(x, lengths, target, { teacherForcing = true } = {}) {
    const feed = (t, logits) => (teacherForcing ? target.select(1, t) : logits.argmax(1));
    return this.unroll(this.encode(x, lengths), target.shape[1], feed)[0];
  }

  /**
   * Greedy decoding without gradients: the likeliest token at each of `maxLength` steps. Returns
   * { tokens: number[][] (each up to, without, its EOS), weights: number[][][] (per output token, over the source) }.
   */
  greedy(x, lengths, maxLength) {
    const [tokens, weights] = torch.scope(() =>
      torch.noGrad(() => {
        const [logits, weights] = this.unroll(this.encode(x, lengths), maxLength, (t, logits) => logits.argmax(1));
        return [logits.argmax(2), weights];
      }),
    );
    const [ids, maps] = [tokens.tolistSync(), weights.tolistSync()];
    tokens.dispose();
    weights.dispose();
    const ends = ids.map((row) => (row.includes(EOS) ? row.indexOf(EOS) : row.length));
    return {
      tokens: ids.map((row, b) => row.slice(0, ends[b])),
      weights: maps.map((rows, b) => rows.slice(0, ends[b]).map((step) => step.slice(0, lengths[b]))),
    };
  }

  /**
   * Beam search for one source x [1, L]: keeps the `beamSize` likeliest prefixes by their summed
   * log-probabilities (not length-normalised: every ISO date has the same length) until `beamSize`
   * hypotheses have ended in EOS or `maxLength` steps. Returns the best one's tokens, without EOS.
   */
  beamSearch(x, lengths, maxLength, beamSize) {
    return torch.scope(() =>
      torch.noGrad(() => {
        const memory = this.encode(x, lengths);
        let beams = [{ tokens: [], score: 0 }];
        let hidden = memory.hidden;
        const finished = [];
        for (let t = 0; t < maxLength && finished.length < beamSize; t++) {
          const rows = torch.zeros([beams.length], { dtype: 'int32' });
          const expanded = {
            keys: memory.keys.indexSelect(0, rows),
            projectedKeys: memory.projectedKeys.indexSelect(0, rows),
            padding: memory.padding.indexSelect(0, rows),
          };
          const previous = torch.tensor(
            beams.map((beam) => beam.tokens.at(-1) ?? SOS),
            { dtype: 'int32' },
          );
          const [output, next] = this.decoder.forward(previous, hidden, expanded);
          const logProbabilities = output.logSoftmax(1).tolistSync();
          const candidates = beams
            .flatMap((beam, i) =>
              logProbabilities[i].map((logProbability, token) => ({ from: i, token, score: beam.score + logProbability })),
            )
            .sort((a, b) => b.score - a.score)
            .slice(0, beamSize - finished.length);
          const kept = [];
          for (const candidate of candidates) {
            const tokens = [...beams[candidate.from].tokens, candidate.token];
            if (candidate.token === EOS) finished.push({ tokens: tokens.slice(0, -1), score: candidate.score });
            else kept.push({ tokens, score: candidate.score, from: candidate.from });
          }
          if (kept.length === 0) break;
          hidden = next.indexSelect(
            0,
            torch.tensor(
              kept.map((beam) => beam.from),
              { dtype: 'int32' },
            ),
          );
          beams = kept;
        }
        const best = [...finished, ...beams].sort((a, b) => b.score - a.score)[0];
        return best.tokens;
      }),
    );
  }
}
