// Measures where splitting a recurrent step over the CPU thread pool starts to pay: for each layer
// kind and sizes around STEP_MIN_MACS in src/devices/cpu/kernels/rnn.ts, the time of a forward
// and of a forward + backward on 1 thread and on 2, alternating, the best and the median of 15
// runs each (on a busy machine the best is the one where the worker found a free core).
// The input size is 1, so the input projection (a GEMM with its own threshold) costs next to nothing
// and the forward times are the steps'.
// Build with STEP_MIN_MACS set to 1 to time splits below the threshold, then
// `node scripts/rnn-thread-threshold.mjs` after a build.
import * as torch from '../dist/node.js';
import { startSecondThread, timeAtOneAndTwoThreads } from './thread-timing.mjs';

await startSecondThread(torch, 'rnn-thread-threshold');

/** [best at 1, best at 2, median at 1, median at 2] of 15 alternating single calls. */
function timeBoth(fn) {
  const { best, median } = timeAtOneAndTwoThreads(torch, fn, { rounds: 15, repeats: 1, warmup: 3 });
  return [...best, ...median];
}

const STEPS = 32;
const layers = { RNN: [torch.nn.RNN, 1], GRU: [torch.nn.GRU, 3], LSTM: [torch.nn.LSTM, 4] };
console.log('speed-up of 2 threads over 1, from the best / the median of 15 alternating runs; times in ms (best)');
console.log(
  'layer  batch hidden  MACs/step   forward 1 thread  2 threads  speed-up best / median   training 1 thread  2 threads  speed-up best / median',
);
for (const [name, [Layer, gates]] of Object.entries(layers)) {
  for (const [batch, hidden] of [
    [8, 32],
    [8, 64],
    [16, 64],
    [8, 128],
    [16, 128],
    [32, 128],
    [16, 256],
    [32, 256],
    [64, 256],
  ]) {
    const layer = new Layer(1, hidden);
    const x = torch.randn([STEPS, batch, 1]);
    const xGrad = torch.randn([STEPS, batch, 1], { requiresGrad: true });
    const forward = timeBoth(() => torch.noGrad(() => layer.forward(x)));
    const training = timeBoth(() => layer.forward(xGrad)[0].sum().backward());
    const macs = batch * gates * hidden * hidden;
    console.log(
      `${name.padEnd(6)}${String(batch).padStart(6)}${String(hidden).padStart(7)}${String(macs).padStart(11)}` +
        `${forward[0].toFixed(3).padStart(18)}${forward[1].toFixed(3).padStart(11)}${(forward[0] / forward[1]).toFixed(2).padStart(16)} / ${(forward[2] / forward[3]).toFixed(2)}` +
        `${training[0].toFixed(3).padStart(21)}${training[1].toFixed(3).padStart(11)}${(training[0] / training[1]).toFixed(2).padStart(16)} / ${(training[2] / training[3]).toFixed(2)}`,
    );
    x.dispose();
    xGrad.dispose();
  }
}
