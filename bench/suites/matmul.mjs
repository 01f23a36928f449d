// Square float32 matmul: webtorch's packed SIMD GEMM against TensorFlow.js's wasm backend (XNNPACK).
import * as torch from '../../dist/node.js';
import { fixed, loadTfjsWasm, printTable, timeMedian } from '../harness.mjs';

export async function run({ quick }) {
  const { tf, simd, threads } = await loadTfjsWasm();
  const sizes = quick ? [64, 128] : [256, 512, 1024];
  const rows = [];
  for (const n of sizes) {
    const runs = quick ? 2 : n >= 1024 ? 8 : 20;
    const a = torch.randn(n, n);
    const b = torch.randn(n, n);
    const ours = await timeMedian(() => torch.scope(() => { torch.matmul(a, b); }), { runs });
    const ta = tf.randomNormal([n, n]);
    const tb = tf.randomNormal([n, n]);
    const theirs = await timeMedian(() => tf.tidy(() => { tf.matMul(ta, tb).dataSync(); }), { runs });
    a.dispose(); b.dispose(); ta.dispose(); tb.dispose();
    const flop = 2 * n ** 3;
    rows.push([n, fixed(flop / ours / 1e6), fixed(flop / theirs / 1e6), fixed(theirs / ours)]);
  }
  printTable(`matmul f32, single thread (tfjs-wasm SIMD ${simd}, threads ${threads})`, ['n', 'webtorch GFLOP/s', 'tfjs-wasm GFLOP/s', 'ratio'], rows);
}
