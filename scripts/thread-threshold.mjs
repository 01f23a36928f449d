// Measures where splitting a GEMM over the CPU thread pool starts to pay: for square-ish sizes
// around the threshold in src/devices/cpu/gemm.ts (THREAD_MIN_MACS), the time of one matmul on 1
// thread and on 2, each the median of many runs. `node scripts/thread-threshold.mjs` after a build.
import * as torch from '../dist/node.js';

const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

function timeMatmul(a, b, threads) {
  torch.setNumThreads(threads);
  for (let i = 0; i < 20; i++) a.matmul(b).dispose();
  const runs = [];
  for (let r = 0; r < 41; r++) {
    const start = performance.now();
    for (let i = 0; i < 10; i++) a.matmul(b).dispose();
    runs.push((performance.now() - start) / 10);
  }
  return median(runs);
}

// Workers start asynchronously; give them time to take jobs before timing.
torch.setNumThreads(2);
await new Promise((resolve) => setTimeout(resolve, 500));
if (torch.cpu.parallelInfo().workersReady < 1) throw new Error('thread-threshold: no worker is ready; threads are unavailable here');

console.log('M x K x N          MACs   1 thread   2 threads   speed-up');
for (const [m, k, n] of [
  [16, 64, 64],
  [32, 64, 64],
  [32, 128, 64],
  [64, 64, 64],
  [32, 128, 128],
  [64, 128, 128],
  [128, 128, 128],
  [256, 256, 256],
]) {
  const a = torch.randn([m, k]);
  const b = torch.randn([k, n]);
  const one = timeMatmul(a, b, 1);
  const two = timeMatmul(a, b, 2);
  console.log(
    `${`${m} x ${k} x ${n}`.padEnd(16)}${String(m * k * n).padStart(9)}${one.toFixed(4).padStart(11)}${two.toFixed(4).padStart(12)}${(one / two).toFixed(2).padStart(11)}`,
  );
}
