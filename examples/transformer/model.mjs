// The Transformer encoder classifier of the surnames. Shared by main.mjs and the test; its fields
// are the attributes of scripts/transformer_pytorch.py's module, so the state dicts have the same keys.
import * as torch from '../../dist/node.js';
import { NATIONALITIES, VOCABULARY_SIZE } from '../names/vocabulary.mjs';

const { nn } = torch;

/**
 * The sinusoidal position encoding of "Attention Is All You Need", as the PyTorch tutorial's
 * PositionalEncoding: a buffer `pe` [maxLen, dModel] (sin in the even features, cos in the odd)
 * added to x [N, L, dModel] (batch first, where the tutorial is sequence first), then dropout.
 */
export class PositionalEncoding extends nn.Module {
  constructor(dModel, { dropout = 0.1, maxLen = 64 } = {}) {
    super();
    this.dropout = new nn.Dropout(dropout);
    const pe = new Float32Array(maxLen * dModel);
    for (let position = 0; position < maxLen; position++) {
      for (let i = 0; i < dModel; i += 2) {
        const angle = position * Math.exp((-i * Math.log(10000)) / dModel);
        pe[position * dModel + i] = Math.sin(angle);
        if (i + 1 < dModel) pe[position * dModel + i + 1] = Math.cos(angle);
      }
    }
    this.registerBuffer('pe', torch.tensor(pe).view(maxLen, dModel));
  }

  forward(x) {
    const [maxLen] = this.pe.shape;
    if (x.shape[1] > maxLen) throw new RangeError(`PositionalEncoding: sequences of at most ${maxLen} positions, got ${x.shape[1]}`);
    return this.dropout.forward(x.add(this.pe.narrow(0, 0, x.shape[1])));
  }
}

/**
 * Character codes -> Embedding scaled by sqrt(dModel) -> PositionalEncoding -> TransformerEncoder
 * (batch first, the padding masked from every attention) -> the mean of the outputs over each
 * name's own characters -> Linear to the nationalities. `forward(x, lengths)` takes the names
 * example's batches (x [N, L] int32 codes padded with 0, lengths[n] the length of name n) and
 * returns logits [N, classes], so that example's training, evaluation and classify serve it too.
 *
 * In eval mode without gradients the encoder zeroes the outputs at padded positions, as PyTorch's
 * nested-tensor fast path does, and in training it leaves there whatever the layers computed from
 * the padding tokens; the pooling reads only real positions, so the logits are the same either way.
 */
export class TransformerClassifier extends nn.Module {
  constructor({
    dModel = 64,
    nhead = 4,
    numLayers = 2,
    dimFeedforward = 256,
    dropout = 0.1,
    maxLen = 64,
    classes = NATIONALITIES.length,
  } = {}) {
    super();
    this.dModel = dModel;
    this.embedding = new nn.Embedding(VOCABULARY_SIZE, dModel, { paddingIdx: 0 });
    this.position = new PositionalEncoding(dModel, { dropout, maxLen });
    const layer = new nn.TransformerEncoderLayer(dModel, nhead, { dimFeedforward, dropout, batchFirst: true });
    this.encoder = new nn.TransformerEncoder(layer, numLayers);
    this.fc = new nn.Linear(dModel, classes);
    // The tutorial's initialisation: small embeddings, so that scaled by sqrt(dModel) they sit
    // beside the position encoding's unit waves instead of drowning them. The padding row is drawn
    // too, as in the tutorial; the key padding mask keeps it from every real position.
    nn.init.uniform_(this.embedding.weight, -0.1, 0.1);
    nn.init.uniform_(this.fc.weight, -0.1, 0.1);
    nn.init.zeros_(this.fc.bias);
  }

  forward(x, lengths) {
    const steps = x.shape[1];
    const padding = torch
      .arange(steps, { device: x.device })
      .unsqueeze(0)
      .ge(torch.tensor(lengths, { device: x.device }).unsqueeze(1));
    const src = this.position.forward(this.embedding.forward(x).mul(Math.sqrt(this.dModel)));
    const encoded = this.encoder.forward(src, { srcKeyPaddingMask: padding });
    const real = padding.logicalNot().unsqueeze(2).float();
    return this.fc.forward(encoded.mul(real).sum(1).div(real.sum(1)));
  }
}
