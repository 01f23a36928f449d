// Timing at 1 and at 2 CPU threads for the scripts that measure where a kernel's split pays
// (scripts/*-thread-threshold.mjs): the two counts alternate, so drift on a shared machine hits both.

/** Sets 2 threads and waits until the worker takes jobs; throws, naming `script`, where threads are unavailable. */
export async function startSecondThread(torch, script) {
  torch.setNumThreads(2);
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (torch.cpu.parallelInfo().workersReady < 1) throw new Error(`${script}: no worker is ready; threads are unavailable here`);
}

/**
 * Milliseconds per call of `step` (each call in torch.scope) at 1 and at 2 threads: after `warmup`
 * untimed calls at each count, `rounds` rounds alternating the counts (which one goes first
 * alternates too), each timing `repeats` calls. Returns { best: [one, two], median: [one, two] }:
 * the best is the round least disturbed by other work, the median shows the spread.
 */
export function timeAtOneAndTwoThreads(torch, step, { rounds = 41, repeats = 5, warmup = 5 } = {}) {
  const runs = { 1: [], 2: [] };
  for (const threads of [1, 2]) {
    torch.setNumThreads(threads);
    for (let i = 0; i < warmup; i++) torch.scope(step);
  }
  for (let r = 0; r < rounds; r++) {
    for (const threads of r % 2 ? [1, 2] : [2, 1]) {
      torch.setNumThreads(threads);
      const start = performance.now();
      for (let i = 0; i < repeats; i++) torch.scope(step);
      runs[threads].push((performance.now() - start) / repeats);
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { best: [Math.min(...runs[1]), Math.min(...runs[2])], median: [median(runs[1]), median(runs[2])] };
}
