// The CPU allocator under two workloads: a churn of 10,000 tensors of mixed sizes, as a training
// step makes them (temporaries disposed at once, activations kept a while, a few large buffers),
// and one training epoch of the surname classifier of examples/names, whose hundreds of tensors per
// step all come from the allocator. No peer: the numbers are for comparing builds of webtorch.
import * as torch from '../../dist/node.js';
import { namesLoader, readNames, TRAIN_FILE } from '../../examples/names/data.mjs';
import { NameClassifier } from '../../examples/names/model.mjs';
import { SETTINGS, trainEpoch } from '../../examples/names/train.mjs';
import { fixed, printTable, timeInterleaved } from '../harness.mjs';

/** Element counts drawn as a training step's tensors: scalars, bias rows, activations, weights, a rare large buffer. */
function tensorSizes(count) {
  let seed = 1;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: count }, () => {
    const kind = random();
    if (kind < 0.25) return 1;
    if (kind < 0.5) return 16 + Math.floor(random() * 512);
    if (kind < 0.85) return 1024 + Math.floor(random() * 16384);
    if (kind < 0.99) return 16384 + Math.floor(random() * 262144);
    return 1 << 20;
  });
}

/**
 * Allocates a tensor of each size: half are temporaries disposed at once, the rest stay live in a
 * window of 64 (as activations wait for backward), and a random one of those is disposed when the
 * window is full. The same sequence every run.
 */
function churn(sizes) {
  let seed = 7;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const live = [];
  for (const size of sizes) {
    const t = torch.empty(size);
    if (random() < 0.5) {
      t.dispose();
      continue;
    }
    live.push(t);
    if (live.length > 64) {
      const victim = Math.floor(random() * live.length);
      live[victim].dispose();
      live[victim] = live[live.length - 1];
      live.pop();
    }
  }
  for (const t of live) t.dispose();
}

export async function run({ quick }) {
  const count = quick ? 1_000 : 10_000;
  const sizes = tensorSizes(count);
  const [churned] = await timeInterleaved([() => churn(sizes)], { warmup: quick ? 1 : 3, runs: quick ? 2 : 15 });

  torch.manualSeed(0);
  const samples = readNames(TRAIN_FILE, { limit: quick ? 128 : Infinity });
  const loader = namesLoader(samples, { batchSize: SETTINGS.batchSize, seed: 0 });
  const model = new NameClassifier({ embeddingSize: SETTINGS.embeddingSize, hiddenSize: quick ? 16 : SETTINGS.hiddenSize });
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: SETTINGS.lr });
  const [epoch] = await timeInterleaved([() => trainEpoch(model, loader, optimizer, { clip: SETTINGS.clip })], {
    warmup: quick ? 0 : 1,
    runs: quick ? 1 : 3,
  });

  const { tensors, bytes } = torch.memory();
  printTable(
    `CPU allocator: ${count} tensors of mixed sizes allocated and disposed; one training epoch of examples/names (${samples.length} names); afterwards ${tensors} tensors and ${fixed(bytes.cpu / 2 ** 20, 1)} MiB live`,
    ['workload', 'best ms', 'median ms', 'us per tensor (best)'],
    [
      [`churn of ${count} tensors`, fixed(churned.best), fixed(churned.median), fixed((churned.best * 1000) / count)],
      ['names training epoch', fixed(epoch.best), fixed(epoch.median), ''],
    ],
  );
}
