// The surname classifier's network, made from whichever webtorch entry is given (webtorch for the
// training demo, webtorch/edge for the edge example), so both run the same model.
import { NATIONALITIES, VOCABULARY_SIZE } from './vocabulary.mjs';

/**
 * The NameClassifier class on `torch`: character codes -> Embedding -> bidirectional 2-layer GRU
 * over a packed batch -> Linear over the last layer's final states of both directions.
 */
export function nameClassifierClass(torch) {
  const { nn } = torch;
  return class NameClassifier extends nn.Module {
    constructor({ embeddingSize = 64, hiddenSize = 100, dropout = 0, classes = NATIONALITIES.length } = {}) {
      super();
      this.embedding = new nn.Embedding(VOCABULARY_SIZE, embeddingSize, { paddingIdx: 0 });
      this.gru = new nn.GRU(embeddingSize, hiddenSize, { numLayers: 2, batchFirst: true, bidirectional: true, dropout });
      this.fc = new nn.Linear(2 * hiddenSize, classes);
    }

    /** x [N, L] int32 character codes padded with 0, lengths[n] the length of name n; returns logits [N, classes]. */
    forward(x, lengths) {
      const packed = nn.utils.rnn.packPaddedSequence(this.embedding.forward(x), lengths, { batchFirst: true, enforceSorted: false });
      const [, hN] = this.gru.forward(packed); // hN: [numLayers * 2, N, hidden]
      return this.fc.forward(torch.cat([hN.index(-2), hN.index(-1)], 1));
    }

    /** A classifier shaped for a saved state dict (its sizes read from the weights), with the weights loaded. */
    static fromStateDict(stateDict) {
      const [, embeddingSize] = stateDict['embedding.weight'].shape;
      const [hiddenSize] = stateDict['gru.weight_hh_l0'].shape.slice(1);
      const [classes] = stateDict['fc.weight'].shape;
      const model = new NameClassifier({ embeddingSize, hiddenSize, classes });
      model.loadStateDict(stateDict, { strict: true });
      return model;
    }
  };
}
