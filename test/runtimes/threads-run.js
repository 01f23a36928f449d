// The thread check every runtime test performs (Chromium with and without cross-origin isolation,
// Deno, Node): what the CPU device reports about its threads, and the bits of one matmul large
// enough to split over threads, at 1 and at 2 threads. It takes the webtorch module as an argument
// because each runtime imports its own bundle (dist/browser.js, dist/deno.js).

/** 512 x 512 @ 512 x 512: 134M multiply-adds, far above the GEMM's threshold for splitting. */
const SIZE = 512;

/** A Float32Array's bytes as base64, so a report stays a small JSON string in every runtime. */
function base64(values) {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function product(torch) {
  torch.manualSeed(0);
  const a = torch.randn(SIZE, SIZE);
  const b = torch.randn(SIZE, SIZE);
  const c = a.matmul(b);
  const bits = base64(new Float32Array(c.dataSync()));
  for (const t of [a, b, c]) t.dispose();
  return bits;
}

/** Polls (yielding to the event loop) until `count` workers take jobs or 20 s pass; returns the milliseconds waited. */
async function waitForWorkers(torch, count) {
  const start = Date.now();
  while (torch.cpu.parallelInfo().workersReady < count) {
    if (Date.now() - start > 20_000)
      throw new Error(`${count} workers were not ready after 20 s: ${JSON.stringify(torch.cpu.parallelInfo())}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Date.now() - start;
}

/**
 * The threading as the runtime starts it, then the matmul: at 2 threads straight away (before the
 * worker is ready, its piece runs on the calling thread), at 1 thread, and at 2 threads once the
 * worker takes jobs. Where threads are unavailable the count stays 1 and no worker is awaited.
 * Leaves the thread count as it found it.
 */
export async function checkThreads(torch) {
  const initial = { threads: torch.getNumThreads(), info: torch.cpu.parallelInfo() };
  const threaded = initial.info.build === 'threaded';
  torch.setNumThreads(2);
  const beforeWorkers = product(torch);
  const workersWaitedMs = threaded ? await waitForWorkers(torch, 1) : null;
  const withWorkers = product(torch);
  const infoAtTwo = torch.cpu.parallelInfo();
  torch.setNumThreads(1);
  const oneThread = product(torch);
  torch.setNumThreads(initial.threads);
  return { initial, infoAtTwo, workersWaitedMs, simd: torch.cpu.simd, bits: { oneThread, beforeWorkers, withWorkers } };
}
