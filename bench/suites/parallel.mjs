// Parallel: one training workload on the main-thread CPU device at 1 thread, at 2 intra-op threads,
// and with nn.DataParallel over two worker CPU devices ['cpu:1', 'cpu:2'] (each one thread, the
// main thread's count kept at 1), samples interleaved: the names demo's epoch at batch 256 and a
// CNN training step. The target (issue 13): DataParallel's epoch at most 0.6x the 1-thread one.
import { availableParallelism, loadavg } from 'node:os';
import * as torch from '../../dist/node.js';
import { namesLoader, readNames, TRAIN_FILE } from '../../examples/names/data.mjs';
import { NameClassifier } from '../../examples/names/model.mjs';
import { SETTINGS, trainEpoch } from '../../examples/names/train.mjs';
import { fixed, printTable, timeInterleaved } from '../harness.mjs';
import { cnnShapes } from './conv.mjs';

const { nn } = torch;
const WORKERS = ['cpu:1', 'cpu:2'];
const NAMES_BATCH = 256;
/** The CNN step's batch: the conv suite's shapes, with a batch big enough to share between devices. */
const CNN_BATCH = 128;
const TARGETS = { names: 0.6 };

/** `fn` on the main-thread CPU device at `threads` intra-op threads; the count is set before each sample. */
const at = (threads, fn) => () => {
  torch.setNumThreads(threads);
  return fn();
};

/** `fn` with the main thread at 1 thread, so DataParallel's two workers have the two cores. */
const onWorkers = (fn) => at(1, fn);

export async function run({ quick }) {
  const loadBefore = loadavg()[0];
  await torch.cpu.init({ devices: WORKERS.length });
  await startIntraOpThreads();
  const runs = { warmup: quick ? 0 : 1, runs: quick ? 1 : 5 };

  const names = namesRows(quick);
  const namesTimes = await timeInterleaved([at(1, names.cpu), at(2, names.cpu), onWorkers(names.parallel)], runs);
  const cnn = cnnRows(quick);
  const cnnTimes = await timeInterleaved([at(1, cnn.cpu), at(2, cnn.cpu), onWorkers(cnn.parallel)], {
    warmup: quick ? 1 : 3,
    runs: quick ? 2 : 20,
  });
  const capacity = await coresFree(quick);
  torch.setNumThreads(1);

  const row = (workload, [one, two, parallel], target, pick) => [
    workload,
    fixed(one[pick]),
    fixed(two[pick]),
    fixed(parallel[pick]),
    fixed(two[pick] / one[pick]),
    fixed(parallel[pick] / one[pick]),
    target ? `<= ${target}` : '',
  ];
  const namesWorkload = `names epoch (${names.count} names, batch ${names.batchSize}, hidden ${names.hidden})`;
  const { batch, size, channels, classes } = cnn.shapes;
  const cnnWorkload = `CNN step (batch ${batch} of ${size}x${size}, conv 3x3 -> ${channels}, pool, Linear -> ${classes}, SGD)`;
  for (const pick of ['best', 'median']) {
    printTable(
      `parallel (${pick} times, ms): 'cpu' at 1 and at 2 intra-op threads, and DataParallel over ${WORKERS.join(' + ')} (one thread each), samples interleaved`,
      ['workload', "'cpu' 1t", "'cpu' 2t", `DP ${WORKERS.join('+')}`, '2t / 1t', 'DP / 1t', 'target'],
      [row(namesWorkload, namesTimes, TARGETS.names, pick), row(cnnWorkload, cnnTimes, null, pick)],
    );
  }
  console.log(
    `(ratio: time over the 1-thread time, below 1 is faster. Every DataParallel step copies the parameters from cpu:1 to cpu:2 and the gradients back. Load average over 1 minute: ${fixed(loadBefore)} before the suite, ${fixed(loadavg()[0])} after, on ${availableParallelism()} cores. Two cores' worth for this process: the same matmul loop on cpu:1 and cpu:2 at once took ${fixed(capacity)}x the time of cpu:1 alone (1 when two cores are free, 2 when one is); with other work running, two devices show less than they give)`,
  );
}

/**
 * How much of a second core this process gets now: the time of one matmul loop on each worker at
 * once over the time of the loop on one (best of interleaved samples), with nothing shared.
 */
async function coresFree(quick) {
  const n = quick ? 32 : 256;
  const loop = (device) => {
    const a = torch.randn([n, n], { device: 'cpu' }).to(device);
    let b = a;
    for (let i = 0; i < (quick ? 4 : 100); i++) {
      const c = b.matmul(a).tanh();
      if (b !== a) b.dispose();
      b = c;
    }
    a.dispose();
    const total = b.sum();
    b.dispose();
    return total.item().finally(() => total.dispose());
  };
  const [one, both] = await timeInterleaved([() => loop(WORKERS[0]), () => Promise.all(WORKERS.map(loop))], {
    warmup: 1,
    runs: quick ? 1 : 5,
  });
  return both.best / one.best;
}

/** Asks for 2 threads and waits (5 s at most) until the pool's worker takes jobs, since it starts asynchronously. */
async function startIntraOpThreads() {
  torch.setNumThreads(2);
  const { threadsUnavailable } = torch.cpu.parallelInfo();
  if (threadsUnavailable)
    console.log(`\nnotice: webtorch runs one thread here (${threadsUnavailable}); its 2-thread figures are 1-thread ones`);
  for (let waited = 0; !threadsUnavailable && torch.cpu.parallelInfo().workersReady < 1 && waited < 5000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  torch.setNumThreads(1);
}

/**
 * The names demo's training epoch at batch 256 (Adam's lr scaled as main.mjs scales it), for the
 * main-thread CPU device and for DataParallel over the workers: `cpu()` and `parallel()` each train
 * their own copy of the same classifier on from where the last sample left it.
 */
function namesRows(quick) {
  const spec = { limit: quick ? 128 : Infinity, hidden: quick ? 16 : SETTINGS.hiddenSize, batchSize: quick ? 32 : NAMES_BATCH };
  const samples = readNames(TRAIN_FILE, { limit: spec.limit });
  const lr = SETTINGS.lr * Math.sqrt(spec.batchSize / SETTINGS.batchSize);
  const training = (device) => {
    torch.manualSeed(0);
    const model = new NameClassifier({ embeddingSize: SETTINGS.embeddingSize, hiddenSize: spec.hidden });
    const net = device === 'cpu' ? model : new nn.DataParallel(model.to(WORKERS[0]), { deviceIds: WORKERS });
    const loader = namesLoader(samples, { batchSize: spec.batchSize, seed: 0, replicas: device === 'cpu' ? 1 : WORKERS.length });
    const optimizer = new torch.optim.Adam(model.parameters(), { lr });
    return () => trainEpoch(net, loader, optimizer, { clip: SETTINGS.clip });
  };
  return { ...spec, count: samples.length, cpu: training('cpu'), parallel: training(WORKERS[0]) };
}

/** The conv suite's CNN as a module, so that DataParallel can replicate it. */
class Cnn extends nn.Module {
  constructor({ channels, features, classes }) {
    super();
    this.conv = new nn.Conv2d(1, channels, 3);
    this.fc = new nn.Linear(features, classes);
  }

  forward(x) {
    const hidden = nn.functional.maxPool2d(this.conv.forward(x).relu(), 2);
    return this.fc.forward(hidden.flatten(1));
  }
}

/** One SGD step of the CNN on a fixed batch, for the main-thread CPU device and for DataParallel over the workers. */
function cnnRows(quick) {
  const shapes = { ...cnnShapes(quick), batch: quick ? 4 : CNN_BATCH };
  const x = torch.randn(shapes.batch, 1, shapes.size, shapes.size);
  const labels = torch.randint(0, shapes.classes, [shapes.batch], { dtype: 'int32' });
  const training = (device) => {
    torch.manualSeed(0);
    const model = new Cnn(shapes);
    const net = device === 'cpu' ? model : new nn.DataParallel(model.to(WORKERS[0]), { deviceIds: WORKERS });
    const optimizer = new torch.optim.SGD(model.parameters(), { lr: shapes.lr });
    return async () => {
      const loss = torch.scope(() => {
        optimizer.zeroGrad();
        const output = net.forward(x);
        const loss = nn.functional.crossEntropy(output, labels.to(output.device));
        loss.backward();
        optimizer.step();
        return loss.detach();
      });
      // The step has run once its loss can be read: a worker device runs its commands in order.
      await loss.item();
      loss.dispose();
    };
  };
  return { shapes, cpu: training('cpu'), parallel: training(WORKERS[0]) };
}
