// Shared timing and reporting for the benchmark suites. Peers run in the same process and the same
// run, so ratios compare like with like on a shared machine whose absolute speed drifts.

/** Median wall time in ms of `fn` (sync or async) after `warmup` untimed calls. */
export async function timeMedian(fn, { warmup = 3, runs = 10 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
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
