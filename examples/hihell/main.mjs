// 'hihell' -> 'ihello': prints the model, then the predicted string and the summed loss of each
// epoch, as the course's slide does, until the string reads "ihello".
//
//   node examples/hihell/main.mjs [--epochs N] [--seed N]    (or npm run example -- hihell)
//   node examples/hihell/main.mjs --seeds N                  trains seeds 0..N-1 and says which end at
//                                                            "ihello", as scripts/hihell_pytorch.py does
// Seed 1 is the default: a few seeds (0 and 9 here; 1 and 7 in PyTorch) stay at "ihelll", a local
// minimum where both 'l' inputs predict 'l'.
import { parseArgs } from 'node:util';
import { Model, train } from './hihell.mjs';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    seeds: { type: 'string' },
  },
});
const epochs = Number(values.epochs);
if (values.seeds === undefined) {
  console.log(String(new Model()));
  train({
    epochs,
    seed: Number(values.seed),
    log: ({ epoch, predicted, loss }) => console.log(`predicted string: ${predicted}, epoch: ${epoch}, loss: ${loss.toFixed(3)}`),
  });
  console.log('Learning finished!');
} else {
  let converged = 0;
  for (let seed = 0; seed < Number(values.seeds); seed++) {
    const { history } = train({ epochs, seed });
    const { predicted, loss } = history.at(-1);
    const first = history.find((record) => record.predicted === 'ihello')?.epoch ?? 'None';
    if (predicted === 'ihello') converged++;
    console.log(`seed ${seed}: ${predicted}, loss ${loss.toFixed(3)}, first "ihello" at epoch ${first}`);
  }
  console.log(`${converged} of ${values.seeds} seeds end at "ihello"`);
}
