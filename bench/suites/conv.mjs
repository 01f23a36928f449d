// Conv2d forward beside TensorFlow.js's wasm backend (XNNPACK), a small CNN training step beside
// TensorFlow.js's pure-JS cpu backend and PyTorch (single-threaded, in a python3 subprocess), and a
// deeper one (two conv-BatchNorm-ReLU-pool blocks, SGD with momentum) beside PyTorch.
// TensorFlow.js runs in NHWC, its native layout (NCHW would add transposes it does not need);
// webtorch and PyTorch run NCHW. Both conv forwards include the bias (tf.fused.conv2d).
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import * as torch from '../../dist/node.js';
import { fixed, loadTfjsWasm, printTable, timeInterleaved } from '../harness.mjs';

const PYTHON = '/usr/bin/python3';

export async function run({ quick }) {
  const { tf, simd, threads } = await loadTfjsWasm();
  await convForward(tf, quick, `tfjs-wasm SIMD ${simd}, threads ${threads}`);
  await import('@tensorflow/tfjs-backend-cpu');
  await registerTfjsGradients();
  await tf.setBackend('cpu');
  await tf.ready();
  await trainingStep(tf, quick);
  await deeperTrainingStep(quick);
}

/**
 * tfjs-core registers no gradients (the @tensorflow/tfjs union package does), and its module that
 * would is ESM without file extensions, which Node cannot load: bundle it and load the bundle.
 * The registry lives on a global, so the bundled copy registers into the running tfjs.
 */
async function registerTfjsGradients() {
  const bundle = await esbuild.build({
    entryPoints: ['@tensorflow/tfjs-core/dist/register_all_gradients.js'],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'error',
  });
  await import(`data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`);
}

async function convForward(tf, quick, peer) {
  const cases = quick
    ? [
        { batch: 2, cin: 3, cout: 8, size: 16 },
        { batch: 1, cin: 8, cout: 8, size: 14 },
      ]
    : [
        { batch: 8, cin: 3, cout: 32, size: 64 },
        { batch: 1, cin: 64, cout: 64, size: 56 },
      ];
  const rows = [];
  for (const { batch, cin, cout, size } of cases) {
    const x = torch.randn(batch, cin, size, size);
    const w = torch.randn(cout, cin, 3, 3).mul(0.1);
    const b = torch.randn(cout);
    const tx = tf.randomNormal([batch, size, size, cin]);
    const tw = tf.randomNormal([3, 3, cin, cout], 0, 0.1);
    const tb = tf.randomNormal([cout]);
    const [ours, theirs] = await timeInterleaved(
      [
        () => torch.conv2d(x, w, b, { padding: 'same' }).dispose(),
        () => tf.fused.conv2d({ x: tx, filter: tw, bias: tb, strides: 1, pad: 'same' }).dispose(),
      ],
      { runs: quick ? 2 : 30 },
    );
    for (const t of [x, w, b, tx, tw, tb]) t.dispose();
    const flops = 2 * batch * cout * size * size * cin * 9;
    const gflops = (ms) => fixed(flops / ms / 1e6);
    rows.push([
      `${batch}x${cin}->${cout}, ${size}x${size}`,
      fixed(ours.best),
      fixed(theirs.best),
      gflops(ours.best),
      gflops(theirs.best),
      fixed(theirs.best / ours.best),
      fixed(theirs.median / ours.median),
    ]);
  }
  printTable(
    `Conv2d 3x3 'same' + bias forward, f32, single thread (${peer}; tfjs in NHWC, its native layout); ratio = tfjs time / webtorch time`,
    ['N x Cin->Cout, HxW', 'webtorch ms', 'tfjs-wasm ms', 'webtorch GFLOP/s', 'tfjs GFLOP/s', 'ratio best', 'ratio median'],
    rows,
  );
}

/** The CNN of the step: conv 3x3 (1 -> 32) + ReLU + max pool 2 + Linear to 10, cross-entropy, SGD. */
export function cnnShapes(quick) {
  const batch = quick ? 4 : 32;
  const size = quick ? 12 : 28;
  const channels = 32;
  const pooled = (size - 2) / 2;
  return { batch, size, channels, features: channels * pooled * pooled, classes: 10, lr: 0.01 };
}

/** webtorch's training step of that CNN on one fixed batch: `step()` runs it, `dispose()` frees the model and data. */
export function webtorchCnnStep({ batch, size, channels, features, classes, lr }) {
  const { nn } = torch;
  const x = torch.randn(batch, 1, size, size);
  const labels = torch.randint(0, classes, [batch], { dtype: 'int32' });
  const conv = new nn.Conv2d(1, channels, 3);
  const fc = new nn.Linear(features, classes);
  const params = [...conv.parameters(), ...fc.parameters()];
  const optimizer = new torch.optim.SGD(params, { lr });
  return {
    step() {
      torch.scope(() => {
        optimizer.zeroGrad();
        const hidden = nn.functional.maxPool2d(conv.forward(x).relu(), 2);
        const loss = nn.functional.crossEntropy(fc.forward(hidden.reshape(batch, features)), labels);
        loss.backward();
        optimizer.step();
      });
    },
    dispose() {
      for (const t of [x, labels, ...params]) t.dispose();
    },
  };
}

async function trainingStep(tf, quick) {
  const shapes = cnnShapes(quick);
  const { batch, size, channels, features, classes, lr } = shapes;
  const webtorch = webtorchCnnStep(shapes);

  const tx = tf.randomNormal([batch, size, size, 1]);
  const tLabels = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % classes),
      'int32',
    ),
    classes,
  );
  const tConvWeight = tf.variable(tf.randomNormal([3, 3, 1, channels], 0, 0.3));
  const tConvBias = tf.variable(tf.zeros([channels]));
  const tFcWeight = tf.variable(tf.randomNormal([features, classes], 0, 0.01));
  const tFcBias = tf.variable(tf.zeros([classes]));
  const tfOptimizer = tf.train.sgd(lr);
  const tfjsStep = () => {
    tf.tidy(() => {
      tfOptimizer.minimize(() => {
        const activations = tf.relu(tf.add(tf.conv2d(tx, tConvWeight, 1, 'valid'), tConvBias));
        const pooled = tf.maxPool(activations, 2, 2, 'valid');
        const logits = tf.add(tf.matMul(tf.reshape(pooled, [batch, features]), tFcWeight), tFcBias);
        return tf.losses.softmaxCrossEntropy(tLabels, logits);
      });
    });
  };

  const [ours, theirs] = await timeInterleaved([webtorch.step, tfjsStep], { warmup: 3, runs: quick ? 2 : 20 });
  const rows = [['webtorch', fixed(ours.best), fixed(ours.median), '1.00']];
  rows.push(['tfjs-cpu (NHWC)', fixed(theirs.best), fixed(theirs.median), fixed(theirs.best / ours.best)]);
  const pytorch = timePytorch(shapes, quick);
  if (pytorch) {
    const [one] = pytorch.times;
    rows.push([`PyTorch ${pytorch.version} (1 thread)`, fixed(one.best), fixed(one.median), fixed(one.best / ours.best)]);
  }
  printTable(
    `CNN training step (batch ${batch} of ${size}x${size}x1: conv 3x3 -> ${channels}, ReLU, max pool 2, Linear -> ${classes}, cross-entropy, SGD); ratio = peer time / webtorch time (best)`,
    ['', 'best ms', 'median ms', 'ratio'],
    rows,
  );
  console.log(
    pytorch
      ? '(PyTorch runs in a subprocess after the webtorch/tfjs samples, so its samples are not interleaved with theirs)'
      : `(PyTorch skipped: ${PYTHON} has no torch)`,
  );
  webtorch.dispose();
  for (const t of [tx, tLabels, tConvWeight, tConvBias, tFcWeight, tFcBias]) t.dispose();
  tfOptimizer.dispose();
}

/**
 * Times the same step in PyTorch in a subprocess at each of `threadCounts` (torch.set_num_threads),
 * the counts' samples interleaved; `{ version, times: [{ best, median }] }`, or null when torch is missing.
 */
export function timePytorch({ batch, size, channels, features, classes, lr }, quick, threadCounts = [1], stepsPerSample = 1) {
  return pytorchTimes(
    `
x = torch.randn(${batch}, 1, ${size}, ${size})
labels = torch.randint(0, ${classes}, (${batch},))
conv = torch.nn.Conv2d(1, ${channels}, 3)
fc = torch.nn.Linear(${features}, ${classes})
opt = torch.optim.SGD(list(conv.parameters()) + list(fc.parameters()), lr=${lr})
def step():
    opt.zero_grad()
    hidden = F.max_pool2d(F.relu(conv(x)), 2)
    loss = F.cross_entropy(fc(hidden.reshape(${batch}, ${features})), labels)
    loss.backward()
    opt.step()
`,
    quick,
    threadCounts,
    stepsPerSample,
  );
}

/**
 * Times `step()`, defined by the Python code `setup`, in a PyTorch subprocess at each of
 * `threadCounts`, the counts' samples (each `stepsPerSample` steps, timed per step) interleaved;
 * `{ version, times: [{ best, median }] }`, or null when torch is missing. OpenBLAS gets one thread: Debian's threaded build ignores
 * torch.set_num_threads, and its own threads would make a 1-thread figure a 2-thread one.
 */
export function pytorchTimes(setup, quick, threadCounts, stepsPerSample = 1) {
  const script = `
import json, time, torch, torch.nn.functional as F
torch.manual_seed(0)
${setup}
counts = ${JSON.stringify(threadCounts)}
for _ in range(3):
    for n in counts:
        torch.set_num_threads(n); step()
times = [[] for _ in counts]
for _ in range(${quick ? 2 : 20}):
    for i, n in enumerate(counts):
        torch.set_num_threads(n)
        start = time.perf_counter()
        for _ in range(${stepsPerSample}): step()
        times[i].append((time.perf_counter() - start) * 1000 / ${stepsPerSample})
for t in times: t.sort()
print(json.dumps({"version": torch.__version__, "times": [{"best": t[0], "median": t[len(t) // 2]} for t in times]}))
`;
  const single = threadCounts.every((n) => n === 1);
  const env = single ? { ...process.env, OPENBLAS_NUM_THREADS: '1' } : process.env;
  const result = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', env });
  if (result.status !== 0) return null;
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

/** The deeper CNN's sizes: batch 32 of 32x32x3 (CIFAR's), or tiny ones under --quick. */
function deeperShapes(quick) {
  const size = quick ? 8 : 32;
  return { batch: quick ? 2 : 32, size, features: 64 * (size / 4) ** 2, classes: 10, lr: 0.01, momentum: 0.9 };
}

/** The model both sides build, as PyTorch code and as webtorch modules. */
function deeperWebtorchStep({ batch, size, features, classes, lr, momentum }) {
  const { nn } = torch;
  const x = torch.randn(batch, 3, size, size);
  const labels = torch.randint(0, classes, [batch], { dtype: 'int32' });
  const model = new nn.Sequential(
    new nn.Conv2d(3, 32, 3, { padding: 1 }),
    new nn.BatchNorm2d(32),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3, { padding: 1 }),
    new nn.BatchNorm2d(64),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(features, classes),
  );
  const optimizer = new torch.optim.SGD(model.parameters(), { lr, momentum });
  return {
    step() {
      torch.scope(() => {
        optimizer.zeroGrad();
        nn.functional.crossEntropy(model.forward(x), labels).backward();
        optimizer.step();
      });
    },
    dispose() {
      for (const t of [x, labels, ...model.parameters(), ...model.buffers()]) t.dispose();
    },
  };
}

async function deeperTrainingStep(quick) {
  const shapes = deeperShapes(quick);
  const webtorch = deeperWebtorchStep(shapes);
  const [ours] = await timeInterleaved([webtorch.step], { warmup: 3, runs: quick ? 2 : 20 });
  const rows = [['webtorch', fixed(ours.best), fixed(ours.median), '1.00']];
  const { batch, size, features, classes, lr, momentum } = shapes;
  const pytorch = pytorchTimes(
    `
x = torch.randn(${batch}, 3, ${size}, ${size})
labels = torch.randint(0, ${classes}, (${batch},))
model = torch.nn.Sequential(
    torch.nn.Conv2d(3, 32, 3, padding=1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.BatchNorm2d(64), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Flatten(), torch.nn.Linear(${features}, ${classes}))
opt = torch.optim.SGD(model.parameters(), lr=${lr}, momentum=${momentum})
def step():
    opt.zero_grad()
    F.cross_entropy(model(x), labels).backward()
    opt.step()
`,
    quick,
    [1],
  );
  if (pytorch) {
    const [one] = pytorch.times;
    rows.push([`PyTorch ${pytorch.version} (1 thread)`, fixed(one.best), fixed(one.median), fixed(one.best / ours.best)]);
  }
  printTable(
    `deeper CNN training step (batch ${batch} of ${size}x${size}x3: [conv 3x3 pad 1, BatchNorm, ReLU, max pool 2] with 32 then 64 channels, Linear ${features} -> ${classes}, cross-entropy, SGD momentum ${momentum}); ratio = PyTorch time / webtorch time (best; target >= 1)`,
    ['', 'best ms', 'median ms', 'ratio'],
    rows,
  );
  if (!pytorch) console.log(`(PyTorch skipped: ${PYTHON} has no torch)`);
  webtorch.dispose();
}
