// Measures where splitting a convolution over the CPU thread pool starts to pay: for shapes around
// the threshold in src/devices/cpu/kernels/conv.ts (THREAD_MIN_MACS), the time of a forward and of
// a forward with both gradients on 1 thread and on 2, alternated, each the fastest of many runs
// (the machines here are shared: the fastest run is the one least disturbed by other work).
// `node scripts/conv-thread-threshold.mjs [bundle]` after a build; to time sizes below the
// threshold, pass a bundle built with THREAD_MIN_MACS lowered so that every size splits.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startSecondThread, timeAtOneAndTwoThreads } from './thread-timing.mjs';

const torch = await import(process.argv[2] ? pathToFileURL(resolve(process.argv[2])).href : '../dist/node.js');
const F = torch.nn.functional;
const timeBoth = (step) => timeAtOneAndTwoThreads(torch, step).best;

await startSecondThread(torch, 'conv-thread-threshold');

console.log('input           weight          groups      MACs   forward 1 / 2 threads  speed-up   with gradients 1 / 2  speed-up');
for (const [inputShape, weightShape, options] of [
  [[1, 16, 16, 16], [16, 16, 3, 3], { padding: 1 }],
  [[2, 16, 16, 16], [16, 16, 3, 3], { padding: 1 }],
  [[4, 16, 16, 16], [16, 16, 3, 3], { padding: 1 }],
  [[2, 32, 16, 16], [32, 32, 3, 3], { padding: 1 }],
  [[4, 32, 16, 16], [32, 32, 3, 3], { padding: 1 }],
  [[2, 32, 32, 32], [32, 32, 3, 3], { padding: 1 }],
  [[8, 1, 28, 28], [32, 1, 3, 3], {}],
  [[16, 1, 28, 28], [32, 1, 3, 3], {}],
  [[32, 1, 28, 28], [32, 1, 3, 3], {}],
  [[4, 32, 32, 32], [32, 1, 3, 3], { padding: 1, groups: 32 }],
]) {
  const x = torch.randn(inputShape, { requiresGrad: true });
  const w = torch.randn(weightShape, { requiresGrad: true });
  const outputPixels = F.conv2d(x, w, null, options)
    .shape.slice(2)
    .reduce((a, b) => a * b);
  const macs = inputShape[0] * weightShape[0] * outputPixels * weightShape.slice(1).reduce((a, b) => a * b);
  const [forward1, forward2] = timeBoth(() => {
    F.conv2d(x, w, null, options);
  });
  const [both1, both2] = timeBoth(() => {
    x.grad = null;
    w.grad = null;
    F.conv2d(x, w, null, options).sum().backward();
  });
  console.log(
    `${JSON.stringify(inputShape).padEnd(16)}${JSON.stringify(weightShape).padEnd(16)}${String(options.groups ?? 1).padStart(6)}${String(macs).padStart(10)}` +
      `${forward1.toFixed(3).padStart(12)} / ${forward2.toFixed(3).padEnd(8)}${(forward1 / forward2).toFixed(2).padStart(8)}` +
      `${both1.toFixed(3).padStart(14)} / ${both2.toFixed(3).padEnd(8)}${(both1 / both2).toFixed(2).padStart(8)}`,
  );
}
