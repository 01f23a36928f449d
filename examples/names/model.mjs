// The surname classifier (network.mjs) on the main bundle, and classifying names with it. Shared by
// main.mjs, the rnn benchmark, the test and the browser page (examples/web).
import * as torch from '../../dist/node.js';
import { collateNames } from './dataset.mjs';
import { nameClassifierClass } from './network.mjs';
import { encodeName, NATIONALITIES } from './vocabulary.mjs';

export const NameClassifier = nameClassifierClass(torch);

/** The model's weights on the CPU, their values landed (they may come from a device that queues its work). */
export async function moveToCpu(model) {
  model.to('cpu');
  for (const tensor of [...model.parameters(), ...model.buffers()]) await tensor.data();
}

/**
 * The `k` likeliest nationalities of each name: `[{ name, top: [{ nationality, probability }] }]`,
 * in eval mode without gradients.
 */
export async function classify(model, names, k = 3) {
  const wasTraining = model.training;
  model.eval();
  const { values, indices } = torch.scope(() =>
    torch.noGrad(() => {
      const [x, lengths] = collateNames(names.map((name) => ({ codes: encodeName(name), label: 0 })));
      return model.forward(x, lengths).softmax(1).topk(k, 1);
    }),
  );
  model.train(wasTraining);
  const [probabilities, classes] = [await values.tolist(), await indices.tolist()];
  values.dispose();
  indices.dispose();
  return names.map((name, n) => ({
    name,
    top: classes[n].map((c, j) => ({ nationality: NATIONALITIES[c], probability: probabilities[n][j] })),
  }));
}
