// Threads: webtorch at 1 and at 2 threads (torch.setNumThreads, switched between samples in one
// process) beside ONNX Runtime Web at 1 and at 2 threads (each in a worker thread of its own, since
// its count is fixed when the runtime starts), on the other suites' workloads: matmul 1024, the rnn
// suite's LSTM forward, the conv suite's CNN training step (beside PyTorch at 1 and 2 threads) and
// the names demo's training epoch. TensorFlow.js's wasm backend runs one thread in Node; its matmul
// row says so, with the reason. The suite sets the thread count itself and leaves it at 1.
import { availableParallelism, loadavg } from 'node:os';
import * as torch from '../../dist/node.js';
import { fixed, loadTfjsWasm, printTable, timeInterleaved } from '../harness.mjs';
import { onnxLstmModel, onnxMatmulModel, ortInWorker } from '../onnx.mjs';
import { cnnShapes, timePytorch, webtorchCnnStep } from './conv.mjs';
import { lstmShapes, namesSpec, namesTraining } from './rnn.mjs';

const THREADS = 2;

/** The targets (issue 12): webtorch at 2 threads against itself at 1, and against ONNX Runtime Web at 2. */
const TARGETS = {
  matmul: { selfRatio: 0.55, peerSpeed: 1.3 },
  lstm: { peerSpeed: 1 },
  cnn: { selfRatio: 0.65 },
  names: { selfRatio: 0.65 },
};

/**
 * The CNN step is timed in runs of this many steps, as a training loop runs them: a sample of one
 * 1.5 ms step, after the other count's sample, starts with a worker that parked while it waited
 * and must be woken (a system call on each side), which a loop pays once. PyTorch's samples (in
 * its subprocess) are runs of as many steps. Single-step samples gave webtorch 0.71-0.72 on a
 * quiet machine (2026-12-05), where runs give the README's figure.
 */
const CNN_STEPS_PER_SAMPLE = 10;

/** `fn` at `threads` threads: the count is set before each sample, so 1 and 2 alternate freely. */
const at = (threads, fn) => () => {
  torch.setNumThreads(threads);
  return fn();
};

export async function run({ quick }) {
  // A second thread only helps when a core is free: the load average says whether one was.
  const loadBefore = loadavg()[0];
  const threaded = await startWebtorchThreads();
  const ort = await Promise.all([ortInWorker(1), ortInWorker(THREADS)]);
  const { tf, simd } = await loadTfjsWasm();
  const tfjsThreads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))
    ? null
    : 'tfjs-backend-wasm turns its threads off under Node (WASM_HAS_MULTITHREAD_SUPPORT is false there, tensorflow/tfjs#3830), and forcing the flag fails: its pthread workers start from a blob: URL, which Node refuses (ERR_WORKER_PATH)';
  const summary = [];

  const n = quick ? 128 : 1024;
  const matmul = await matmulRows(n, ort, tf, { warmup: quick ? 1 : 2, runs: quick ? 2 : 15 });
  report(`matmul f32 ${n} x ${n}`, matmul, (ms) => fixed((2 * n ** 3) / ms / 1e6, 1));
  summary.push(summaryRow(`matmul ${n}`, matmul, TARGETS.matmul));

  const lstm = await lstmRows(lstmShapes(quick), ort, { warmup: quick ? 1 : 3, runs: quick ? 2 : 15 });
  const { batch, steps, input, hidden } = lstmShapes(quick);
  report(`LSTM forward: batch ${batch}, ${steps} steps, input ${input}, hidden ${hidden}`, lstm);
  summary.push(summaryRow(`LSTM forward ${batch} x ${steps}, ${input} -> ${hidden}`, lstm, TARGETS.lstm));

  const shapes = cnnShapes(quick);
  const cnn = await cnnRows(shapes, quick);
  report(
    `CNN training step (the conv suite's: batch ${shapes.batch} of ${shapes.size}x${shapes.size}, conv 3x3 -> ${shapes.channels}, ReLU, max pool 2, Linear -> ${shapes.classes}, SGD)`,
    cnn,
  );
  summary.push(summaryRow('CNN training step', cnn, TARGETS.cnn));

  const spec = namesSpec(quick);
  const names = await namesRows(spec);
  report(`names demo: one training epoch (${names.count} names, batches of ${spec.batchSize}, hidden ${spec.hidden})`, names.rows);
  summary.push(summaryRow('names training epoch', names.rows, TARGETS.names));

  printTable(
    `threads: ${THREADS} threads against 1, and against each peer at ${THREADS} (best times${threaded ? '' : '; webtorch has no threads here'})`,
    ['workload', `webtorch ${THREADS}t / 1t`, 'target', `onnxruntime-web ${THREADS}t / webtorch ${THREADS}t`, 'target'],
    summary,
  );
  console.log(
    `(ratio 2t / 1t: time at ${THREADS} threads over time at 1, below 1 is faster; peer / webtorch: their time over webtorch's, above 1 means webtorch is faster. tfjs-wasm (SIMD ${simd}) has no ${THREADS}-thread figures: ${tfjsThreads ?? 'its thread count is fixed when its backend starts'}. PyTorch runs in a subprocess after the webtorch samples, so its samples are not interleaved with theirs.)`,
  );
  console.log(
    `(load average over 1 minute: ${fixed(loadBefore)} before the suite, ${fixed(loadavg()[0])} after, on ${availableParallelism()} cores; with other work running, the ${THREADS}-thread figures show less than the threads give)`,
  );
  torch.setNumThreads(1);
  await Promise.all(ort.map((peer) => peer?.close()));
}

/**
 * Asks for THREADS threads and waits (5 s at most) until the workers take jobs, since they start
 * asynchronously; false, with a notice, where this runtime has no threads.
 */
async function startWebtorchThreads() {
  torch.setNumThreads(THREADS);
  const { threadsUnavailable } = torch.cpu.parallelInfo();
  if (threadsUnavailable) {
    console.log(`\nnotice: webtorch runs one thread here (${threadsUnavailable}); its ${THREADS}-thread figures are 1-thread ones`);
    return false;
  }
  for (let waited = 0; torch.cpu.parallelInfo().workersReady < THREADS - 1 && waited < 5000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const ready = torch.cpu.parallelInfo().workersReady;
  torch.setNumThreads(1);
  if (ready < THREADS - 1)
    console.log(`\nnotice: ${ready} of webtorch's ${THREADS - 1} workers started within 5 s; the calling thread runs the others' pieces`);
  return true;
}

/**
 * Rows of { name, one, two } (timings at 1 and at THREADS threads, null where not measured) for a
 * square matmul: webtorch and ONNX Runtime Web at both counts, TensorFlow.js's wasm backend at its one.
 */
async function matmulRows(n, ort, tf, { warmup, runs }) {
  const a = torch.randn(n, n);
  const b = torch.randn(n, n);
  const ta = tf.randomNormal([n, n]);
  const tb = tf.randomNormal([n, n]);
  const feeds = { A: { data: a.dataSync(), dims: [n, n] }, B: { data: b.dataSync(), dims: [n, n] } };
  const peers = await ortSessions(ort, onnxMatmulModel(n, n, n), feeds);
  const product = () => torch.matmul(a, b).dispose();
  const candidates = [at(1, product), at(THREADS, product), ...peers.runs, () => tf.matMul(ta, tb).dispose()];
  const times = await timeInterleaved(candidates, { warmup, runs });
  for (const t of [a, b, ta, tb]) t.dispose();
  return [
    { name: 'webtorch', one: times[0], two: times[1] },
    ...peers.rows(times.slice(2)),
    { name: 'tfjs-wasm', one: times.at(-1), two: null },
  ];
}

/** Rows for the LSTM forward (webtorch under noGrad, ONNX Runtime Web's fused LSTM operator). */
async function lstmRows({ batch, steps, input, hidden }, ort, { warmup, runs }) {
  const lstm = new torch.nn.LSTM(input, hidden);
  const x = torch.randn(steps, batch, input);
  const peers = await ortSessions(ort, onnxLstmModel(steps, batch, input, hidden), {
    X: { data: x.dataSync(), dims: [steps, batch, input] },
  });
  const forward = () => torch.scope(() => torch.noGrad(() => lstm.forward(x)));
  const times = await timeInterleaved([at(1, forward), at(THREADS, forward), ...peers.runs], { warmup, runs });
  x.dispose();
  for (const p of lstm.parameters()) p.dispose();
  return [{ name: 'webtorch', one: times[0], two: times[1] }, ...peers.rows(times.slice(2))];
}

/** Rows for the CNN training step: webtorch, and PyTorch at both counts in a subprocess. */
async function cnnRows(shapes, quick) {
  const cnn = webtorchCnnStep(shapes);
  const steps = () => {
    for (let i = 0; i < CNN_STEPS_PER_SAMPLE; i++) cnn.step();
  };
  const perStep = ({ best, median }) => ({ best: best / CNN_STEPS_PER_SAMPLE, median: median / CNN_STEPS_PER_SAMPLE });
  const [one, two] = (await timeInterleaved([at(1, steps), at(THREADS, steps)], { warmup: quick ? 1 : 3, runs: quick ? 2 : 20 })).map(
    perStep,
  );
  cnn.dispose();
  const rows = [{ name: 'webtorch', one, two }];
  const pytorch = timePytorch(shapes, quick, [1, THREADS], CNN_STEPS_PER_SAMPLE);
  if (pytorch) rows.push({ name: `pytorch ${pytorch.version}`, one: pytorch.times[0], two: pytorch.times[1] });
  else console.log('\nnotice: PyTorch is not installed; its CNN row is skipped');
  return rows;
}

/** Rows for one training epoch of the names demo (the same model trains on at both counts). */
async function namesRows(spec) {
  const { samples, epoch } = namesTraining(spec);
  const [one, two] = await timeInterleaved([at(1, epoch), at(THREADS, epoch)], { warmup: spec.warmup, runs: spec.runs });
  return { count: samples.length, rows: [{ name: 'webtorch', one, two }] };
}

/**
 * ONNX Runtime Web sessions of `model` at 1 and at THREADS threads (`ort` holds the two workers,
 * null when it is not installed): `runs` are their candidates for timeInterleaved, and
 * `rows(times)` turns those candidates' timings into rows.
 */
async function ortSessions(ort, model, feeds) {
  if (!ort[0] || !ort[1]) return { runs: [], rows: () => [] };
  const [one, two] = await Promise.all(ort.map((peer) => peer.session(model, feeds)));
  // ONNX Runtime Web falls back to one thread where it cannot start more; the row says so.
  const name = two.threads === THREADS ? 'onnxruntime-web' : `onnxruntime-web (kept ${two.threads} thread)`;
  return { runs: [one.run, two.run], rows: ([timeOne, timeTwo]) => [{ name, one: timeOne, two: timeTwo }] };
}

function report(title, rows, speed = null) {
  const cell = (timing, pick) => (timing ? fixed(timing[pick]) : '-');
  const ratio = (row, pick) => (row.one && row.two ? fixed(row.two[pick] / row.one[pick]) : '-');
  printTable(
    `${title}; 1 thread against ${THREADS}, each implementation's samples interleaved with the others'`,
    [
      'implementation',
      '1 thread ms',
      `${THREADS} threads ms`,
      `${THREADS}t / 1t`,
      ...(speed ? ['GFLOP/s 1t', `${THREADS}t`] : []),
      'median: 1t',
      `${THREADS}t`,
      `${THREADS}t / 1t`,
    ],
    rows.map((row) => [
      row.name,
      cell(row.one, 'best'),
      cell(row.two, 'best'),
      ratio(row, 'best'),
      ...(speed ? [row.one ? speed(row.one.best) : '-', row.two ? speed(row.two.best) : '-'] : []),
      cell(row.one, 'median'),
      cell(row.two, 'median'),
      ratio(row, 'median'),
    ]),
  );
}

/** One line of the summary: webtorch's own 2t / 1t and ONNX Runtime Web's 2t time over webtorch's, with the targets. */
function summaryRow(workload, rows, { selfRatio, peerSpeed }) {
  const [ours] = rows;
  const ort = rows.find((row) => row.name.startsWith('onnxruntime-web'));
  return [
    workload,
    fixed(ours.two.best / ours.one.best),
    selfRatio ? `<= ${selfRatio}` : '',
    ort ? fixed(ort.two.best / ours.two.best) : '-',
    peerSpeed ? `>= ${peerSpeed}` : '',
  ];
}
