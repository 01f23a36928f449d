// Measures where splitting max pooling's planes over the CPU thread pool starts to pay: for inputs
// around the threshold in src/devices/cpu/kernels/pool.ts (THREAD_MIN_ELEMENTS), the time of a 2x2
// max pool on 1 thread and on 2, alternated, each the fastest of many runs (the machines here are
// shared: the fastest run is the one least disturbed by other work). `node
// scripts/pool-thread-threshold.mjs [bundle]` after a build; to time sizes below the threshold, pass
// a bundle built with THREAD_MIN_ELEMENTS lowered so that every size splits.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const torch = await import(process.argv[2] ? pathToFileURL(resolve(process.argv[2])).href : '../dist/node.js');
const F = torch.nn.functional;

/** Fastest milliseconds of `step` at 1 and at 2 threads, the two timed alternately. */
function timeBoth(step) {
  const runs = { 1: [], 2: [] };
  for (let r = 0; r < 41; r++) {
    for (const threads of r % 2 ? [1, 2] : [2, 1]) {
      torch.setNumThreads(threads);
      const start = performance.now();
      for (let i = 0; i < 5; i++) torch.scope(step);
      runs[threads].push((performance.now() - start) / 5);
    }
  }
  return [Math.min(...runs[1]), Math.min(...runs[2])];
}

// Workers start asynchronously; give them time to take jobs before timing.
torch.setNumThreads(2);
await new Promise((resolve) => setTimeout(resolve, 500));
if (torch.cpu.parallelInfo().workersReady < 1) throw new Error('pool-thread-threshold: no worker is ready; threads are unavailable here');

console.log('input              elements   1 / 2 threads (ms)   speed-up');
for (const shape of [
  [4, 16, 26, 26],
  [8, 16, 26, 26],
  [8, 32, 26, 26],
  [16, 32, 26, 26],
  [32, 32, 26, 26],
  [32, 64, 32, 32],
]) {
  const x = torch.randn(shape);
  const [one, two] = timeBoth(() => {
    F.maxPool2d(x, 2);
  });
  const elements = shape.reduce((a, b) => a * b);
  console.log(
    `${JSON.stringify(shape).padEnd(18)} ${String(elements).padStart(8)}   ${one.toFixed(3)} / ${two.toFixed(3)}   ${(one / two).toFixed(2)}x`,
  );
  x.dispose();
}
