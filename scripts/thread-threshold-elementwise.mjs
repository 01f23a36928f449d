// Measures where splitting elementwise ops and reductions over the CPU thread pool starts to pay:
// for each op family, the time of one op at 1 thread and at 2 over sizes around the thresholds in
// src/devices/cpu/kernels/elementwise.ts and reduce.ts (THREAD_MIN_ELEMENTS), each the fastest of
// many runs (`--only NAME` for the families whose name starts so). With `--before DIST` it instead compares one thread of this build with one thread of
// another build (a copy of an older dist/node.js) side by side. `node scripts/thread-threshold-elementwise.mjs`
// after a build.
import * as torch from '../dist/node.js';

/**
 * The fastest of many timings of `op()` (its result disposed), after a warm-up: on a machine
 * shared with other jobs the minimum estimates the op's own time, where a median drifts with the load.
 */
function time(op, repeats) {
  for (let i = 0; i < 3; i++) op().dispose();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 15; r++) {
    const start = performance.now();
    for (let i = 0; i < repeats; i++) op().dispose();
    best = Math.min(best, (performance.now() - start) / repeats);
  }
  return best;
}

/** The fastest of 3 alternating rounds of each of `measures` (each returns ms), so load drifts hit them alike. */
function alternate(measures) {
  const best = measures.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < 3; round++) measures.forEach((measure, i) => (best[i] = Math.min(best[i], measure())));
  return best;
}

const families = (t) => ({
  'relu (cheap unary)': (n) => {
    const x = t.randn([n]);
    return () => x.relu();
  },
  'exp (SIMD unary)': (n) => {
    const x = t.randn([n]);
    return () => x.exp();
  },
  'log (lane-by-lane unary)': (n) => {
    const x = t.rand([n]);
    return () => x.log();
  },
  'add (binary)': (n) => {
    const a = t.randn([n]);
    const b = t.randn([n]);
    return () => a.add(b);
  },
  'add, row broadcast': (n) => {
    const a = t.randn([n / 256, 256]);
    const b = t.randn([256]);
    return () => a.add(b);
  },
  where: (n) => {
    const c = t.randn([n]).gt(0);
    const a = t.randn([n]);
    const b = t.randn([n]);
    return () => t.where(c, a, b);
  },
  'sum (all)': (n) => {
    const x = t.randn([n]);
    return () => x.sum();
  },
  'max (all)': (n) => {
    const x = t.randn([n]);
    return () => x.max();
  },
  'sum over rows of 256': (n) => {
    const x = t.randn([n / 256, 256]);
    return () => x.sum(1);
  },
  'sum over dim 0 of [n/256, 256]': (n) => {
    const x = t.randn([n / 256, 256]);
    return () => x.sum(0);
  },
});

const before = process.argv.indexOf('--before');
if (before >= 0) {
  const old = await import(new URL(process.argv[before + 1], `file://${process.cwd()}/`).href);
  torch.setNumThreads(1);
  old.setNumThreads(1);
  const ops = families(torch);
  const oldOps = families(old);
  console.log('op                               elements   before ms   after ms   after/before');
  for (const name of Object.keys(ops)) {
    for (const n of [1024, 1 << 16, 1 << 20]) {
      const runNew = ops[name](n);
      const runOld = oldOps[name](n);
      const repeats = Math.max(1, Math.round((1 << 20) / n / 4));
      const [oldMs, newMs] = alternate([() => time(runOld, repeats), () => time(runNew, repeats)]);
      console.log(
        `${name.padEnd(32)}${String(n).padStart(9)}${oldMs.toFixed(4).padStart(12)}${newMs.toFixed(4).padStart(11)}${(newMs / oldMs).toFixed(2).padStart(15)}`,
      );
    }
  }
} else {
  // Workers start asynchronously; give them time to take jobs before timing.
  torch.setNumThreads(2);
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (torch.cpu.parallelInfo().workersReady < 1)
    throw new Error('thread-threshold-elementwise: no worker is ready; threads are unavailable here');
  const ops = families(torch);
  const only = process.argv.indexOf('--only');
  const sizes = [1 << 16, 1 << 17, 1 << 18, 1 << 19, 1 << 20, 1 << 21];
  if (only >= 0) for (const name of Object.keys(ops)) if (!name.startsWith(process.argv[only + 1])) delete ops[name];
  console.log('op                               elements   1 thread   2 threads   speed-up');
  for (const name of Object.keys(ops)) {
    for (const n of sizes) {
      const run = ops[name](n);
      const repeats = Math.max(1, Math.round((1 << 20) / n / 4));
      const at = (threads) => () => {
        torch.setNumThreads(threads);
        return time(run, repeats);
      };
      const [one, two] = alternate([at(1), at(2)]);
      console.log(
        `${name.padEnd(32)}${String(n).padStart(9)}${one.toFixed(4).padStart(11)}${two.toFixed(4).padStart(12)}${(one / two).toFixed(2).padStart(11)}`,
      );
    }
  }
}
