// Square float32 matmul. On the CPU: webtorch's packed SIMD GEMM against TensorFlow.js's wasm
// backend (XNNPACK), both synchronous and single-threaded, both allocating their output per call.
// On WebGPU: webtorch's WGSL matmul against TensorFlow.js's WebGPU backend on the same adapter,
// each call ending with a read of the result, so both include their submit and readback.
import * as torch from '../../dist/node.js';
import { fixed, loadTfjsWasm, loadWebgpuPeers, printTable, timeInterleaved } from '../harness.mjs';

export async function run({ quick, device }) {
  if (device === 'webgpu') return runWebgpu({ quick });
  const { tf, simd, threads } = await loadTfjsWasm();
  const sizes = quick ? [64, 128] : [256, 512, 1024];
  const rows = [];
  for (const n of sizes) {
    const a = torch.randn(n, n);
    const b = torch.randn(n, n);
    const ta = tf.randomNormal([n, n]);
    const tb = tf.randomNormal([n, n]);
    const [ours, theirs] = await timeInterleaved([() => torch.matmul(a, b).dispose(), () => tf.matMul(ta, tb).dispose()], {
      runs: quick ? 2 : n >= 1024 ? 15 : 40,
    });
    a.dispose();
    b.dispose();
    ta.dispose();
    tb.dispose();
    rows.push(speedRow([n, n, n], ours, theirs));
  }
  printTable(
    `matmul f32, single thread (tfjs-wasm SIMD ${simd}, threads ${threads}); ratio = webtorch speed / tfjs-wasm speed`,
    ['n', 'webtorch GFLOP/s', 'tfjs-wasm GFLOP/s', 'ratio', 'median: webtorch', 'tfjs-wasm', 'ratio'],
    rows,
  );
}

/** A table row for an M x K @ K x N product: a square one is named by n, others by M x K x N. */
function speedRow([M, K, N], ours, theirs) {
  const gflops = (ms) => fixed((2 * M * K * N) / ms / 1e6);
  const name = M === K && K === N ? M : `${M}x${K}x${N}`;
  return [
    name,
    gflops(ours.best),
    gflops(theirs.best),
    fixed(theirs.best / ours.best),
    gflops(ours.median),
    gflops(theirs.median),
    fixed(theirs.median / ours.median),
  ];
}

async function runWebgpu({ quick }) {
  const peers = await loadWebgpuPeers(torch);
  if (!peers) return;
  const { tf, adapter } = peers;
  // A software adapter runs a 1024^3 matmul in seconds: fewer samples there. 32 x 256 x 1024 is
  // a recurrent layer's per-step product (batch 32, hidden 256, four gates of 256).
  const shapes = quick
    ? [
        [32, 32, 32],
        [64, 64, 64],
      ]
    : [
        [256, 256, 256],
        [512, 512, 512],
        [1024, 1024, 1024],
        [32, 256, 1024],
      ];
  const rows = [];
  for (const [M, K, N] of shapes) {
    const a = torch.randn(M, K).to('webgpu');
    const b = torch.randn(K, N).to('webgpu');
    const ta = tf.randomNormal([M, K]);
    const tb = tf.randomNormal([K, N]);
    const [ours, theirs] = await timeInterleaved(
      [
        async () => {
          const c = torch.matmul(a, b);
          await c.data();
          c.dispose();
        },
        async () => {
          const c = tf.matMul(ta, tb);
          await c.data();
          c.dispose();
        },
      ],
      { warmup: quick ? 1 : 2, runs: quick ? 2 : M * K * N >= 1024 ** 3 ? 5 : 10 },
    );
    a.dispose();
    b.dispose();
    ta.dispose();
    tb.dispose();
    rows.push(speedRow([M, K, N], ours, theirs));
  }
  printTable(
    `matmul f32 on WebGPU (${adapter}), result read back each call; ratio = webtorch speed / tfjs-webgpu speed`,
    ['size', 'webtorch GFLOP/s', 'tfjs-webgpu GFLOP/s', 'ratio', 'median: webtorch', 'tfjs-webgpu', 'ratio'],
    rows,
  );
}
