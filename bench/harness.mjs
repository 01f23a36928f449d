// Shared timing and reporting for the benchmark suites. Peers run in the same process and the same
// run, with their samples interleaved, so ratios compare like with like on a shared machine whose
// absolute speed drifts.

/**
 * Times each candidate (sync or async functions) `runs` times, alternating between them so that
 * machine drift hits all alike, after `warmup` untimed rounds. Returns each one's { best, median }
 * in ms: the best is the least disturbed by this shared machine, the median shows the spread.
 */
export async function timeInterleaved(candidates, { warmup = 3, runs = 10 } = {}) {
  for (let i = 0; i < warmup; i++) for (const fn of candidates) await fn();
  const samples = candidates.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [k, fn] of candidates.entries()) {
      const start = performance.now();
      await fn();
      samples[k].push(performance.now() - start);
    }
  }
  return samples.map((times) => {
    times.sort((a, b) => a - b);
    return { best: times[0], median: times[Math.floor(times.length / 2)] };
  });
}

export function printTable(title, columns, rows) {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padStart(widths[i])).join('  ');
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** TensorFlow.js on its wasm backend with SIMD and one thread, the peer for single-threaded CPU work. */
export async function loadTfjsWasm() {
  const tf = await import('@tensorflow/tfjs-core');
  const wasmBackend = await import('@tensorflow/tfjs-backend-wasm');
  wasmBackend.setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
  return { tf, simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), threads: wasmBackend.getThreadsCount() };
}

export function fixed(value, digits = 2) {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}
