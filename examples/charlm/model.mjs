// The character-level language model and sampling text from it. Shared by main.mjs and the test.
import * as torch from '../../dist/node.js';
import { decode, encode } from './data.mjs';

const { nn } = torch;

/** Rows of weight_ih_l0 per hidden unit: the gates each cell computes (PyTorch's layout). */
const GATES = { lstm: 4, gru: 3 };

/**
 * Character codes -> Embedding -> LSTM (or GRU) of `numLayers` layers, batch first -> Linear to
 * the scores of the next character. `forward(x, state)` takes x [N, L] int32 codes and the state
 * the last chunk left (null to start from zeros: an LSTM's [h, c], a GRU's h, each
 * [numLayers, N, hiddenSize]); it returns [logits [N * L, vocabularySize], state].
 */
export class CharLM extends nn.Module {
  constructor({ vocabularySize, embeddingSize = 64, hiddenSize = 256, numLayers = 2, cell = 'lstm' }) {
    super();
    if (!(cell in GATES)) throw new RangeError(`CharLM: cell must be 'lstm' or 'gru', got '${cell}'`);
    this.cell = cell;
    this.embedding = new nn.Embedding(vocabularySize, embeddingSize);
    const Cell = cell === 'lstm' ? nn.LSTM : nn.GRU;
    this.rnn = new Cell(embeddingSize, hiddenSize, { numLayers, batchFirst: true });
    this.fc = new nn.Linear(hiddenSize, vocabularySize);
  }

  forward(x, state = null) {
    const [output, next] = this.rnn.forward(this.embedding.forward(x), state);
    return [this.fc.forward(output.reshape(-1, this.rnn.hiddenSize)), next];
  }

  /** The model shaped for a saved state dict (sizes and cell read from the weights), with the weights loaded. */
  static fromStateDict(stateDict) {
    const [vocabularySize, embeddingSize] = stateDict['embedding.weight'].shape;
    const [gateRows, hiddenSize] = stateDict['rnn.weight_hh_l0'].shape;
    const cell = Object.keys(GATES).find((name) => GATES[name] * hiddenSize === gateRows);
    const numLayers = Object.keys(stateDict).filter((key) => /^rnn\.weight_ih_l\d+$/.test(key)).length;
    const model = new CharLM({ vocabularySize, embeddingSize, hiddenSize, numLayers, cell });
    model.loadStateDict(stateDict, { strict: true });
    return model;
  }
}

/** A state's tensors (an LSTM's [h, c] or a GRU's h) as a flat list, to detach or dispose them. */
export function stateTensors(state) {
  return state === null ? [] : Array.isArray(state) ? state : [state];
}

/** The state with each tensor detached from the graph of the chunk that made it. */
export function detachState(state) {
  return Array.isArray(state) ? state.map((t) => t.detach()) : state.detach();
}

/**
 * `length` characters drawn one at a time after `prime`, in eval mode without gradients: the
 * prime is read in one forward pass, then each next character is
 * `torch.multinomial(softmax(logits / temperature), 1)` and is fed back. A temperature below 1
 * sharpens the distribution toward the likeliest characters, above 1 flattens it. Returns the
 * drawn characters (the prime not included).
 */
export function sample(model, charset, { prime, length, temperature = 1, generator = undefined }) {
  if (prime.length === 0) throw new RangeError('sample: the prime must hold at least one character');
  if (!(temperature > 0)) throw new RangeError(`sample: temperature must be > 0, got ${temperature}`);
  const codes = encode(prime, charset);
  const wasTraining = model.training;
  model.eval();
  const drawn = new Int32Array(length);
  let state = null;
  let input = torch.scope(() => torch.tensor(codes, { dtype: 'int32' }).view(1, -1));
  for (let i = 0; i < length; i++) {
    const [next, nextState] = torch.scope(() =>
      torch.noGrad(() => {
        const [logits, after] = model.forward(input, state);
        const probabilities = torch.softmax(logits.index(-1).div(temperature), -1);
        return [torch.multinomial(probabilities, 1, { generator }).view(1, 1), after];
      }),
    );
    for (const t of stateTensors(state)) t.dispose();
    input.dispose();
    state = nextState;
    drawn[i] = next.itemSync();
    input = next;
  }
  input.dispose();
  for (const t of stateTensors(state)) t.dispose();
  model.train(wasTraining);
  return decode(drawn, charset);
}
