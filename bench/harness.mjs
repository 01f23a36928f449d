// Shared timing and reporting for the benchmark suites. Peers run in the same process and the same
// run, with their samples interleaved, so ratios compare like with like on a shared machine whose
// absolute speed drifts.
import { recordTable } from './report.mjs';

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
  recordTable(title, columns, rows, () => {
    console.log(`\n${title}`);
    console.log(line(columns));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of rows) console.log(line(row));
  });
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

/**
 * WebGPU for webtorch and TensorFlow.js's WebGPU backend on one adapter: Dawn's Node bindings
 * (npm package webgpu) installed as navigator.gpu, which both find there. On a machine without a
 * GPU this needs the software Vulkan driver that scripts/setup-webgpu.sh caches in .cache/vulkan.
 * Returns null, with a notice, when there is no adapter.
 */
export async function loadWebgpuPeers(torch) {
  const cache = new URL('../.cache/vulkan/', import.meta.url);
  const { existsSync, mkdirSync } = await import('node:fs');
  if (!process.env.VK_ICD_FILENAMES && existsSync(new URL('lvp_icd.json', cache))) {
    process.env.VK_ICD_FILENAMES = new URL('lvp_icd.json', cache).pathname;
    mkdirSync(new URL('runtime', cache), { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR ??= new URL('runtime', cache).pathname;
  }
  if (!globalThis.navigator?.gpu) {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    Object.defineProperty(globalThis, 'navigator', { value: { ...globalThis.navigator, gpu: create([]) }, configurable: true });
  }
  if (!(await torch.webgpu.isAvailable())) {
    console.log('\n(no WebGPU adapter: the WebGPU benchmarks are skipped; `source scripts/setup-webgpu.sh` sets up a software one)');
    return null;
  }
  await torch.webgpu.init();
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  await tf.setBackend('webgpu');
  await tf.ready();
  const adapter = await navigator.gpu.requestAdapter();
  const info = adapter.info ?? {};
  return { tf, adapter: [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter' };
}
