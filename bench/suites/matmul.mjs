// Square float32 matmul: webtorch's packed SIMD GEMM against TensorFlow.js's wasm backend (XNNPACK).
// Both run synchronously on the CPU and both allocate their output per call.
import * as torch from '../../dist/node.js';
import { fixed, loadTfjsWasm, printTable, timeInterleaved } from '../harness.mjs';

export async function run({ quick }) {
  const { tf, simd, threads } = await loadTfjsWasm();
  const sizes = quick ? [64, 128] : [256, 512, 1024];
  const rows = [];
  for (const n of sizes) {
    const a = torch.randn(n, n);
    const b = torch.randn(n, n);
    const ta = tf.randomNormal([n, n]);
    const tb = tf.randomNormal([n, n]);
    const [ours, theirs] = await timeInterleaved([
      () => torch.matmul(a, b).dispose(),
      () => tf.matMul(ta, tb).dispose(),
    ], { runs: quick ? 2 : n >= 1024 ? 15 : 40 });
    a.dispose(); b.dispose(); ta.dispose(); tb.dispose();
    const gflops = (ms) => fixed((2 * n ** 3) / ms / 1e6);
    rows.push([n, gflops(ours.best), gflops(theirs.best), fixed(theirs.best / ours.best), gflops(ours.median), gflops(theirs.median), fixed(theirs.median / ours.median)]);
  }
  printTable(`matmul f32, single thread (tfjs-wasm SIMD ${simd}, threads ${threads}); ratio = webtorch speed / tfjs-wasm speed`,
    ['n', 'webtorch GFLOP/s', 'tfjs-wasm GFLOP/s', 'ratio', 'median: webtorch', 'tfjs-wasm', 'ratio'], rows);
}
