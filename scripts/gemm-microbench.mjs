// Single-thread f32 GEMM timing: webtorch's gemmF32 (build/kernels.wasm) against TensorFlow.js's
// wasm backend (XNNPACK, SIMD, 1 thread) on the same shapes in the same process, so the ratio is
// meaningful even on a busy shared machine. Build the kernels first:
//   npx asc assembly/index.ts --target release && node scripts/gemm-microbench.mjs [kernels.wasm]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wasmPath = process.argv[2] ?? join(root, 'build/kernels.wasm');

const shapes = [
  { name: '256^3', M: 256, K: 256, N: 256 },
  { name: '512^3', M: 512, K: 512, N: 512 },
  { name: '1024^3', M: 1024, K: 1024, N: 1024 },
  { name: 'LSTM step 32x256 @ 256x1024', M: 32, K: 256, N: 1024 },
  { name: 'LSTM input 2048x128 @ 128x1024', M: 2048, K: 128, N: 1024 },
];

const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {});
const kernels = instance.exports;

/** Lays out workspace, A, B and C above the module's heap base, growing memory as needed. */
function webtorchGemm({ M, K, N }) {
  const align = (bytes) => Math.ceil(bytes / 16) * 16;
  const work = align(Number(kernels.heapBase()));
  const a = align(work + kernels.gemmWorkspaceBytes());
  const b = align(a + M * K * 4);
  const c = align(b + K * N * 4);
  const end = c + M * N * 4;
  const pageBytes = 65536;
  const have = kernels.memory.buffer.byteLength;
  if (end > have) kernels.memory.grow(Math.ceil((end - have) / pageBytes));
  const heap = new Float32Array(kernels.memory.buffer);
  for (let i = 0; i < M * K; i++) heap[a / 4 + i] = Math.random() - 0.5;
  for (let i = 0; i < K * N; i++) heap[b / 4 + i] = Math.random() - 0.5;
  return () => kernels.gemmF32(M, N, K, a, K, 1, b, N, 1, c, N, 0, work);
}

function tfjsGemm({ M, K, N }) {
  const a = tf.randomUniform([M, K], -0.5, 0.5);
  const b = tf.randomUniform([K, N], -0.5, 0.5);
  // The wasm backend runs kernels synchronously; dispose keeps memory flat across repetitions.
  return () => tf.matMul(a, b).dispose();
}

function timeMs(run) {
  const start = performance.now();
  run();
  return performance.now() - start;
}

const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

setThreadsCount(1);
await tf.setBackend('wasm');
await tf.ready();
if (!tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) throw new Error('tfjs wasm backend is running without SIMD');
console.log(`tfjs backend: ${tf.getBackend()}, SIMD on, ${getThreadsCount()} thread(s); webtorch: ${wasmPath}\n`);

const seconds = Number(process.env.SECONDS_PER_SHAPE ?? 3);
console.log(`${'shape'.padEnd(32)}${'webtorch GFLOP/s'.padStart(18)}${'tfjs GFLOP/s'.padStart(16)}${'ratio'.padStart(8)}`);
console.log(`${''.padEnd(32)}${'best / median'.padStart(18)}${'best / median'.padStart(16)}${'(best)'.padStart(8)}`);
for (const shape of shapes) {
  const flop = 2 * shape.M * shape.K * shape.N;
  const runners = { webtorch: webtorchGemm(shape), tfjs: tfjsGemm(shape) };
  // Warm up past V8's baseline tier, then alternate the two so a busy neighbour slows both alike.
  const warmupEnd = performance.now() + 300;
  while (performance.now() < warmupEnd) for (const run of Object.values(runners)) run();
  const times = { webtorch: [], tfjs: [] };
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end || times.tfjs.length < 7) {
    for (const [name, run] of Object.entries(runners)) times[name].push(timeMs(run));
  }
  const gflops = (ms) => (flop / ms / 1e6).toFixed(1);
  const summary = (name) => `${gflops(Math.min(...times[name]))} / ${gflops(median(times[name]))}`;
  const ratio = Math.min(...times.tfjs) / Math.min(...times.webtorch);
  console.log(
    `${shape.name.padEnd(32)}${summary('webtorch').padStart(18)}${summary('tfjs').padStart(16)}${(`${ratio.toFixed(2)}x`).padStart(8)}`,
  );
}
