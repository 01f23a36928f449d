// WebGPU dispatch overhead: a chain of 1,000 small elementwise ops, then one read, on webtorch
// (dispatches batched into shared command buffers) and TensorFlow.js's WebGPU backend, on the
// same adapter. With 1,024-element tensors the GPU work is negligible, so the time is what each
// runtime spends per op on the CPU (encoding, bind groups, uniforms, submits) plus one readback.
import * as torch from '../../dist/node.js';
import { fixed, loadWebgpuPeers, printTable, timeInterleaved } from '../harness.mjs';

export async function run({ quick }) {
  const peers = await loadWebgpuPeers(torch);
  if (!peers) return;
  const { tf, adapter } = peers;
  const ops = quick ? 50 : 1000;
  const size = 1024;
  const x = torch.rand(size).to('webgpu');
  const tx = tf.randomUniform([size]);
  // Alternating ops keep the values bounded, so no run ends in infinities.
  const ours = async () => {
    const y = torch.scope(() => {
      let y = x;
      for (let i = 0; i < ops; i++) y = i % 2 === 0 ? y.mul(1.0001) : y.add(-0.0001);
      return y;
    });
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
