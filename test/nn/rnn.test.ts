// nn.RNN / LSTM / GRU and the cells against PyTorch 1.13 on the CPU (test/helpers/rnn-fixtures.ts;
// test/webgpu/rnn.test.ts runs the same cases on WebGPU).
import { describe, it } from 'vitest';
import { checkRnnFixtureCase, rnnFixtureCases } from '../helpers/rnn-fixtures.js';

describe('recurrent modules match PyTorch 1.13', () => {
  for (const c of rnnFixtureCases) it(c.name, () => checkRnnFixtureCase(c, 'cpu'));
});
