// Recurrent layers, one thread: webtorch's fused LSTM against TensorFlow.js's wasm backend
// (tf.layers.lstm, a loop of small ops per step), ONNX Runtime Web's fused LSTM operator (wasm,
// single thread) and PyTorch 1.13 (python subprocess, torch.set_num_threads(1)) when installed;
// then packed against padded input; then the surname classifier of examples/names (one training
// epoch, and classifying a single name) against the same model in scripts/names_pytorch.py.
// webtorch runs under noGrad for inference and with autograd for the training step.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as torch from '../../dist/node.js';
import { namesLoader, readNames, TRAIN_FILE } from '../../examples/names/data.mjs';
import { classify, NameClassifier } from '../../examples/names/model.mjs';
import { SETTINGS, trainEpoch } from '../../examples/names/train.mjs';
import { fixed, loadTfjsWasm, printTable, timeInterleaved } from '../harness.mjs';
import { loadOrt, onnxLstmModel } from '../onnx.mjs';
import { matmulGflops } from './charlm.mjs';

const { nn } = torch;

/** Times one webtorch closure, freeing what it creates. */
const webtorch = (fn) => () => torch.scope(fn);

async function loadTfjsLayers() {
  try {
    return await import('@tensorflow/tfjs-layers');
  } catch {
    console.log(
      '\nnotice: @tensorflow/tfjs-layers is not installed; the TensorFlow.js column is skipped. Install it with: npm install -D @tensorflow/tfjs-layers@4.22.0',
    );
    return null;
  }
}

// ---- PyTorch ------------------------------------------------------------------------------------

const PYTHON = `
import json, sys, time
import torch
torch.set_num_threads(1)
spec = json.loads(sys.argv[1])
def timed(fn, warmup, runs):
    for _ in range(warmup): fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter(); fn(); times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"best": times[0], "median": times[len(times) // 2]}
results = {}
s = spec["lstm"]
lstm = torch.nn.LSTM(s["input"], s["hidden"])
x = torch.randn(s["steps"], s["batch"], s["input"])
with torch.no_grad():
    results["forward"] = timed(lambda: lstm(x), spec["warmup"], spec["runs"])
xg = x.clone().requires_grad_()
results["training"] = timed(lambda: lstm(xg)[0].sum().backward(), spec["warmup"], spec["runs"])
gru = torch.nn.GRU(s["input"], s["hidden"])
results["gruTraining"] = timed(lambda: gru(xg)[0].sum().backward(), spec["warmup"], spec["runs"])
m = spec["matmul"]
a, b = torch.randn(m, m), torch.randn(m, m)
results["matmul"] = timed(lambda: a @ b, 2, spec["runs"])
p = spec["packed"]
lstm = torch.nn.LSTM(p["input"], p["hidden"])
padded = torch.randn(p["steps"], p["batch"], p["input"])
lengths = p["lengths"]
with torch.no_grad():
    results["padded"] = timed(lambda: lstm(padded), spec["warmup"], spec["runs"])
    results["packed"] = timed(lambda: lstm(torch.nn.utils.rnn.pack_padded_sequence(padded, lengths, enforce_sorted=False)), spec["warmup"], spec["runs"])
n = spec["names"]
sys.path.insert(0, n["scripts"])
import names_pytorch as names
torch.manual_seed(0)
loader = names.names_loader(names.read_names(names.DATA / "names_train.csv.gz", n["limit"]), n["batchSize"], 0)
model = names.NameClassifier(n["hidden"])
optimizer = torch.optim.Adam(model.parameters(), lr=names.LEARNING_RATE)
results["namesEpoch"] = timed(lambda: names.train_epoch(model, loader, optimizer), n["warmup"], n["runs"])
results["namesClassify"] = timed(lambda: names.classify(model, [n["name"]]), n["classifyWarmup"], n["classifyRuns"])
print(json.dumps({"version": torch.__version__, "results": results}))
`;

/** The system Python first: that is where python3-torch installs. */
const PYTHONS = ['/usr/bin/python3', 'python3'];

function runPytorch(spec) {
  const python = PYTHONS.find((candidate) => spawnSync(candidate, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0) ?? 'python3';
  // Debian's threaded OpenBLAS ignores set_num_threads; without this its matmuls use every core.
  const result = spawnSync(python, ['-c', PYTHON, JSON.stringify(spec)], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
  });
  if (result.error || result.status !== 0) {
    const reason = result.error ? result.error.message : result.stderr.trim().split('\n').pop();
    console.log(`\nnotice: PyTorch is not available (${reason}); its column is skipped`);
    return null;
  }
  return JSON.parse(result.stdout);
}

// ---- GEMM efficiency ------------------------------------------------------------------------------

/** Issue 16's targets: each recurrent workload's GEMM FLOPs per second as a share of the same run's 1024 matmul rate. */
const EFFICIENCY_TARGETS = { forward: 90, training: 95, gruTraining: 95 };

/**
 * How close each recurrent workload runs to the GEMM limit: its GEMM FLOPs (the input and
 * recurrent projections; a backward doubles them, for the input and the weight gradients) per
 * second against the 1024 matmul's GFLOP/s of the same run, webtorch's and PyTorch's each against
 * their own matmul.
 */
function gemmEfficiency({ shape: { batch, steps, input, hidden }, limit, matmulSize, ours, pytorch }) {
  const forwardFlops = (gates) => 2 * steps * batch * gates * hidden * (input + hidden);
  const workloads = [
    ['LSTM forward', 'forward', forwardFlops(4)],
    ['LSTM forward + backward', 'training', 3 * forwardFlops(4)],
    ['GRU forward + backward', 'gruTraining', 3 * forwardFlops(3)],
  ];
  const theirLimit = pytorch ? (2 * matmulSize ** 3) / pytorch.results.matmul.best / 1e6 : null;
  const share = (flops, ms, gflops) => fixed((flops / ms / 1e6 / gflops) * 100, 0);
  printTable(
    `Recurrent layers against the GEMM limit (batch ${batch}, ${steps} steps, ${input} -> ${hidden}; matmul ${matmulSize}: webtorch ${fixed(limit, 1)} GFLOP/s${theirLimit ? `, PyTorch ${fixed(theirLimit, 1)}` : ''}); % = GEMM GFLOP/s over that matmul's`,
    ['workload', 'GEMM GFLOP', 'webtorch ms', '% of matmul', 'target', 'PyTorch ms', 'PyTorch %', 'ratio = PyTorch / webtorch'],
    workloads.map(([name, key, flops]) => {
      const theirs = pytorch?.results[key]?.best;
      return [
        name,
        fixed(flops / 1e9, 2),
        fixed(ours[key]),
        share(flops, ours[key], limit),
        `>= ${EFFICIENCY_TARGETS[key]}`,
        theirs ? fixed(theirs) : '-',
        theirs ? share(flops, theirs, theirLimit) : '-',
        theirs ? fixed(theirs / ours[key]) : '-',
      ];
    }),
  );
}

// ---- the surname classifier (examples/names) -----------------------------------------------------

/** The timing plan for the classifier: the demo's settings, or a tiny version under --quick. */
export function namesSpec(quick) {
  return {
    scripts: fileURLToPath(new URL('../../scripts', import.meta.url)),
    limit: quick ? 128 : null,
    hidden: quick ? 16 : SETTINGS.hiddenSize,
    batchSize: quick ? 32 : SETTINGS.batchSize,
    name: 'Nguyen',
    warmup: quick ? 0 : 1,
    runs: quick ? 1 : 3,
    classifyWarmup: quick ? 1 : 20,
    classifyRuns: quick ? 2 : 200,
  };
}

/** The classifier as `spec` sizes it, its data and its optimizer: `epoch()` trains one epoch. */
export function namesTraining(spec) {
  torch.manualSeed(0);
  const samples = readNames(TRAIN_FILE, { limit: spec.limit ?? Infinity });
  const loader = namesLoader(samples, { batchSize: spec.batchSize, seed: 0 });
  const model = new NameClassifier({ embeddingSize: SETTINGS.embeddingSize, hiddenSize: spec.hidden });
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: SETTINGS.lr });
  return { samples, model, epoch: () => trainEpoch(model, loader, optimizer, { clip: SETTINGS.clip }) };
}

async function namesBenchmark(spec, pytorch) {
  const { samples, model, epoch: trainOne } = namesTraining(spec);
  const [epoch] = await timeInterleaved([trainOne], { warmup: spec.warmup, runs: spec.runs });
  const [single] = await timeInterleaved([() => classify(model, [spec.name])], { warmup: spec.classifyWarmup, runs: spec.classifyRuns });
  const rows = [
    ['training epoch (ms)', epoch],
    [`classify '${spec.name}' (ms)`, single],
  ];
  const theirs = pytorch ? [pytorch.results.namesEpoch, pytorch.results.namesClassify] : [];
  printTable(
    `Surname classifier (examples/names): Embedding ${SETTINGS.embeddingSize} -> 2-layer bidirectional GRU ${spec.hidden} -> Linear 18, ${samples.length} names in batches of ${spec.batchSize}, Adam; one thread; ratio = PyTorch's time / webtorch's`,
    [
      'task',
      'webtorch best',
      'median',
      ...(pytorch ? [`pytorch ${pytorch.version} best`, 'median', 'ratio (best)', 'ratio (median)'] : []),
    ],
    rows.map(([task, ours], i) => [
      task,
      fixed(ours.best),
      fixed(ours.median),
      ...(pytorch
        ? [fixed(theirs[i].best), fixed(theirs[i].median), fixed(theirs[i].best / ours.best), fixed(theirs[i].median / ours.median)]
        : []),
    ]),
  );
}

// ---- the suite ----------------------------------------------------------------------------------

/** The LSTM forward's shapes: batch 32, 64 steps, 128 -> 256, or tiny ones under --quick. */
export function lstmShapes(quick) {
  return quick ? { batch: 2, steps: 4, input: 8, hidden: 16 } : { batch: 32, steps: 64, input: 128, hidden: 256 };
}

export async function run({ quick }) {
  const lstmShape = lstmShapes(quick);
  const packedBatch = quick ? 4 : 64;
  const packedShape = { batch: packedBatch, steps: packedBatch, input: lstmShape.input, hidden: lstmShape.hidden };
  // Lengths spread evenly over 1..steps, in shuffled order (packing sorts them).
  const lengths = Array.from({ length: packedBatch }, (_, i) => ((i * 37) % packedBatch) + 1);
  const runs = quick ? 2 : 15;
  const warmup = quick ? 1 : 3;
  const { batch, steps, input, hidden } = lstmShape;
  const gflop = (2 * steps * batch * 4 * hidden * (input + hidden)) / 1e9;

  const { tf, simd, threads } = await loadTfjsWasm();
  const layers = await loadTfjsLayers();
  const ort = await loadOrt();
  const classifier = namesSpec(quick);
  const matmulSize = quick ? 128 : 1024;
  const pytorch = runPytorch({ lstm: lstmShape, packed: { ...packedShape, lengths }, names: classifier, matmul: matmulSize, warmup, runs });

  // LSTM forward over a padded batch, every implementation on the same shapes.
  const lstm = new nn.LSTM(input, hidden);
  const x = torch.randn(steps, batch, input);
  const candidates = [webtorch(() => torch.noGrad(() => lstm.forward(x)))];
  const names = ['webtorch'];
  let tfInput = null;
  if (layers) {
    // Glorot rather than the default orthogonal recurrent initialiser, which calls tensor methods
    // (x.flatten()) that only the full tfjs package registers; the values do not change the timing.
    const tfLstm = layers.layers.lstm({ units: hidden, returnSequences: true, recurrentInitializer: 'glorotUniform' });
    tfInput = tf.randomNormal([batch, steps, input]);
    candidates.push(() => tf.tidy(() => tfLstm.apply(tfInput)).dispose());
    names.push('tfjs-wasm');
  }
  let ortSession = null;
  if (ort) {
    ortSession = await ort.InferenceSession.create(onnxLstmModel(steps, batch, input, hidden), { executionProviders: ['wasm'] });
    const feeds = {
      X: new ort.Tensor(
        'float32',
        Float32Array.from({ length: steps * batch * input }, () => Math.random() - 0.5),
        [steps, batch, input],
      ),
    };
    candidates.push(async () => {
      const outputs = await ortSession.run(feeds);
      for (const output of Object.values(outputs)) output.dispose?.();
    });
    names.push('onnxruntime-web');
  }
  const timings = await timeInterleaved(candidates, { warmup, runs });
  if (pytorch) {
    timings.push(pytorch.results.forward);
    names.push(`pytorch ${pytorch.version}`);
  }
  const ours = timings[0];
  printTable(
    `LSTM forward: batch ${batch}, ${steps} steps, input ${input}, hidden ${hidden} (${fixed(gflop, 2)} GFLOP), one thread (tfjs-wasm SIMD ${simd}, threads ${threads}); ratio = their time / webtorch's`,
    ['implementation', 'best ms', 'median ms', 'GFLOP/s (best)', 'ratio (best)', 'ratio (median)'],
    names.map((name, i) => [
      name,
      fixed(timings[i].best),
      fixed(timings[i].median),
      fixed((gflop / timings[i].best) * 1e3, 1),
      fixed(timings[i].best / ours.best),
      fixed(timings[i].median / ours.median),
    ]),
  );

  // Training step: forward and backward through the layer, the LSTM's and a GRU's of the same shapes.
  const xTrain = torch.randn(steps, batch, input).requiresGrad_();
  const gru = new nn.GRU(input, hidden);
  const [training, gruTraining] = await timeInterleaved(
    [lstm, gru].map((layer) =>
      webtorch(() => {
        const [output] = layer.forward(xTrain);
        output.sum().backward();
      }),
    ),
    { warmup, runs },
  );
  const trainingRows = [['webtorch', fixed(training.best), fixed(training.median), '1.00']];
  if (pytorch)
    trainingRows.push([
      `pytorch ${pytorch.version}`,
      fixed(pytorch.results.training.best),
      fixed(pytorch.results.training.median),
      fixed(pytorch.results.training.best / training.best),
    ]);
  printTable(
    'LSTM forward + backward (same shapes, gradients of the input and every weight)',
    ['implementation', 'best ms', 'median ms', 'ratio (best)'],
    trainingRows,
  );
  gemmEfficiency({
    shape: lstmShape,
    limit: matmulGflops(matmulSize, runs),
    matmulSize,
    ours: { forward: ours.best, training: training.best, gruTraining: gruTraining.best },
    pytorch,
  });

  // Packed against padded: sequences ending early stop costing.
  const packedLstm = new nn.LSTM(packedShape.input, packedShape.hidden);
  const padded = torch.randn(packedShape.steps, packedShape.batch, packedShape.input);
  const packed = nn.utils.rnn.packPaddedSequence(padded, lengths, { enforceSorted: false });
  const [paddedTime, packedTime, packingTime] = await timeInterleaved(
    [
      webtorch(() => torch.noGrad(() => packedLstm.forward(padded))),
      webtorch(() => torch.noGrad(() => packedLstm.forward(packed))),
      webtorch(() => torch.noGrad(() => packedLstm.forward(nn.utils.rnn.packPaddedSequence(padded, lengths, { enforceSorted: false })))),
    ],
    { warmup, runs },
  );
  const packedRows = [
    [
      'webtorch',
      fixed(paddedTime.best),
      fixed(packedTime.best),
      fixed(packedTime.best / paddedTime.best, 3),
      fixed(packingTime.best),
      fixed(packingTime.best / paddedTime.best, 3),
    ],
  ];
  if (pytorch) {
    const r = pytorch.results;
    packedRows.push([
      `pytorch ${pytorch.version}`,
      fixed(r.padded.best),
      '',
      '',
      fixed(r.packed.best),
      fixed(r.packed.best / r.padded.best, 3),
    ]);
  }
  printTable(
    `LSTM forward over ${packedShape.batch} sequences with lengths 1..${packedShape.steps} (unsorted), hidden ${packedShape.hidden}: padded to ${packedShape.steps} steps vs packed (best ms; the target is packed <= 0.6 x padded)`,
    ['implementation', 'padded', 'packed', 'packed / padded', 'pack + run', '(pack + run) / padded'],
    packedRows,
  );

  await namesBenchmark(classifier, pytorch);

  x.dispose();
  xTrain.dispose();
  for (const p of [...lstm.parameters(), ...gru.parameters()]) p.dispose();
  padded.dispose();
  tfInput?.dispose();
  await ortSession?.release();
}
