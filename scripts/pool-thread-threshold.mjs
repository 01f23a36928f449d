// Measures where splitting max pooling's planes over the CPU thread pool starts to pay: for inputs
// around the threshold in src/devices/cpu/kernels/pool.ts (THREAD_MIN_ELEMENTS), the time of a 2x2
// max pool on 1 thread and on 2, alternated, each the fastest of many runs (the machines here are
// shared: the fastest run is the one least disturbed by other work). `node
// scripts/pool-thread-threshold.mjs [bundle]` after a build; to time sizes below the threshold, pass
// a bundle built with THREAD_MIN_ELEMENTS lowered so that every size splits.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startSecondThread, timeAtOneAndTwoThreads } from './thread-timing.mjs';

const torch = await import(process.argv[2] ? pathToFileURL(resolve(process.argv[2])).href : '../dist/node.js');
const F = torch.nn.functional;

await startSecondThread(torch, 'pool-thread-threshold');

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
  const [one, two] = timeAtOneAndTwoThreads(
    torch,
    () => {
      F.maxPool2d(x, 2);
    },
    { warmup: 0 },
  ).best;
  const elements = shape.reduce((a, b) => a * b);
  console.log(
    `${JSON.stringify(shape).padEnd(18)} ${String(elements).padStart(8)}   ${one.toFixed(3)} / ${two.toFixed(3)}   ${(one / two).toFixed(2)}x`,
  );
  x.dispose();
}
