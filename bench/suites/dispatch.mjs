// Dispatch overhead: a chain of 1,000 small elementwise ops, then one read.
// On webgpu: webtorch (dispatches batched into shared command buffers) and TensorFlow.js's WebGPU
// backend, on the same adapter. With 1,024-element tensors the GPU work is negligible, so the time
// is what each runtime spends per op on the CPU (encoding, bind groups, uniforms, submits) plus one
// readback.
// On a worker CPU device (--device cpu:1): what an op costs the calling thread to enqueue (the
// chain issued, not yet run), the whole chain with its read, and the same chain on the main 'cpu'
// device, which runs each op as it is issued.
import * as torch from '../../dist/node.js';
import { fixed, loadWebgpuPeers, printTable, timeInterleaved } from '../harness.mjs';

/** The chain: alternating ops keep the values bounded, so no run ends in infinities. */
const chain = (x, ops) =>
  torch.scope(() => {
    let y = x;
    for (let i = 0; i < ops; i++) y = i % 2 === 0 ? y.mul(1.0001) : y.add(-0.0001);
    return y;
  });

export async function run({ quick, device }) {
  if (device.startsWith('cpu:')) return runWorker({ quick, device });
  const peers = await loadWebgpuPeers(torch);
  if (!peers) return;
  const { tf, adapter } = peers;
  const ops = quick ? 50 : 1000;
  const size = 1024;
  const x = torch.rand(size).to('webgpu');
  const tx = tf.randomUniform([size]);
  const ours = async () => {
    const y = chain(x, ops);
    await y.data();
    y.dispose();
  };
  const theirs = async () => {
    const y = tf.tidy(() => {
      let y = tx;
      for (let i = 0; i < ops; i++) y = i % 2 === 0 ? tf.mul(y, 1.0001) : tf.add(y, -0.0001);
      return y;
    });
    await y.data();
    y.dispose();
  };
  const [webtorch, tfjs] = await timeInterleaved([ours, theirs], { warmup: 2, runs: quick ? 2 : 10 });
  x.dispose();
  tx.dispose();
  const perOp = (ms) => fixed((ms * 1000) / ops, 1);
  printTable(
    `WebGPU dispatch overhead (${adapter}): ${ops} elementwise ops on ${size} floats, then one read; ratio = tfjs time / webtorch time`,
    ['implementation', 'best ms', 'median ms', 'us per op (best)', 'ratio (best)', 'ratio (median)'],
    [
      ['webtorch', fixed(webtorch.best), fixed(webtorch.median), perOp(webtorch.best), '1.00', '1.00'],
      [
        'tfjs-webgpu',
        fixed(tfjs.best),
        fixed(tfjs.median),
        perOp(tfjs.best),
        fixed(tfjs.best / webtorch.best),
        fixed(tfjs.median / webtorch.median),
      ],
    ],
  );
}

async function runWorker({ quick, device }) {
  await torch.cpu.init({ devices: Number(device.slice(4)) });
  const ops = quick ? 50 : 1000;
  const size = 1024;
  const onWorker = torch.rand(size).to(device);
  const onCpu = torch.rand(size);
  const enqueueTimes = [];
  const worker = async () => {
    const start = performance.now();
    const y = chain(onWorker, ops);
    enqueueTimes.push(performance.now() - start);
    await y.data();
    y.dispose();
  };
  const cpu = async () => {
    const y = chain(onCpu, ops);
    await y.data();
    y.dispose();
  };
  const runs = quick ? 2 : 10;
  const [whole, main] = await timeInterleaved([worker, cpu], { warmup: 2, runs });
  onWorker.dispose();
  onCpu.dispose();
  const enqueue = enqueueTimes.slice(-runs).sort((a, b) => a - b);
  const perOp = (ms) => fixed((ms * 1000) / ops, 1);
  printTable(
    `Worker CPU device dispatch (${device}): ${ops} elementwise ops on ${size} floats, then one read; enqueue = the calling thread's time to issue the chain`,
    ['measure', 'best ms', 'median ms', 'us per op (best)', 'us per op (median)'],
    [
      [
        `${device} enqueue`,
        fixed(enqueue[0]),
        fixed(enqueue[Math.floor(runs / 2)]),
        perOp(enqueue[0]),
        perOp(enqueue[Math.floor(runs / 2)]),
      ],
      [`${device} chain + read`, fixed(whole.best), fixed(whole.median), perOp(whole.best), perOp(whole.median)],
      ['cpu chain + read', fixed(main.best), fixed(main.median), perOp(main.best), perOp(main.median)],
    ],
  );
}
