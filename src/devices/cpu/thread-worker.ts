// The body of a CPU pool worker: the threaded kernels on the shared memory, running the jobs posted in its slot.
//
// scripts/build.mjs bundles this file on its own into a string (build/thread-worker.js) that the
// pool starts as a worker's source, so it imports nothing at run time; Node's eval'd workers, Deno's
// and browsers' module workers all run it.
import { MAX_JOB_ARGS, SLOT, SLOT_HEADER_WORDS, type ThreadStart } from './thread-slot.js';

type Kernel = (...args: number[]) => unknown;

/**
 * How long a worker spins on its slot after a job before it parks. A step's ops come in runs, the
 * next piece often within a millisecond, and a parked worker costs a system call to wake on each
 * side: on the conv bench's CNN step (2 threads, quiet 2-core machine) spinning 1 ms here and 0.5
 * ms on the calling thread (FINISH_SPIN_MS in thread-pool.ts) took the step from 0.95-1.08x of one thread's time to
 * 0.77x. OpenMP and ONNX Runtime spin the same way.
 */
const SPIN_BEFORE_PARKING_MS = 1;

function serve(start: ThreadStart): void {
  const instance = new WebAssembly.Instance(start.module, { env: { memory: start.memory } });
  const exports = instance.exports as Record<string, Kernel>;
  const kernels = start.kernels.map((name) => exports[name]);
  exports.setThreadScratch(start.scratch);
  // The slot sits below any address memory growth adds, so these views stay valid as it grows.
  const control = new Int32Array(start.memory.buffer, start.slot, SLOT_HEADER_WORDS);
  const args = new Float64Array(start.memory.buffer, start.slot + SLOT_HEADER_WORDS * 4, MAX_JOB_ARGS);
  // Read before READY: the main thread may post the first job the moment READY is set, and a
  // worker that read SEQ after that would wait past its first job.
  let seen = Atomics.load(control, SLOT.SEQ);
  Atomics.store(control, SLOT.READY, 1);
  Atomics.notify(control, SLOT.READY);
  // A piece the calling thread took back means this worker was kept off its core: spinning then
  // would take time from the calling thread, which runs alone for a while (see thread-pool.ts).
  let lostClaim = false;
  for (;;) {
    const spinUntil = lostClaim ? 0 : performance.now() + SPIN_BEFORE_PARKING_MS;
    while (Atomics.load(control, SLOT.SEQ) === seen && performance.now() < spinUntil);
    if (Atomics.load(control, SLOT.SEQ) === seen) {
      // Storing PARKED before waiting, as the main thread stores SEQ before reading PARKED: either
      // it sees PARKED and notifies, or this wait sees the new SEQ and returns at once.
      Atomics.store(control, SLOT.PARKED, 1);
      Atomics.wait(control, SLOT.SEQ, seen);
      Atomics.store(control, SLOT.PARKED, 0);
    }
    const seq = Atomics.load(control, SLOT.SEQ);
    if (seq < 0) return;
    // Losing the claim means the main thread gave up waiting and ran the piece itself; DONE then
    // tells it this worker is alive and free again.
    lostClaim = Atomics.compareExchange(control, SLOT.CLAIM, seen, seq) !== seen;
    if (!lostClaim) {
      try {
        const count = control[SLOT.ARG_COUNT];
        kernels[control[SLOT.KERNEL]](...Array.from(args.subarray(0, count)));
      } catch {
        // A kernel traps only on a bug; the main thread raises it, naming the kernel.
        Atomics.store(control, SLOT.FAILED, 1);
      }
    }
    seen = seq;
    Atomics.store(control, SLOT.DONE, seen);
    Atomics.notify(control, SLOT.DONE);
  }
}

declare const self: { onmessage: ((event: { data: ThreadStart }) => void) | null };

// Read from globalThis, not as a bare `require`: the bundler replaces a bare one with a shim that is
// a function everywhere, which sent browsers' workers down the Node path, where they threw.
const nodeRequire = (globalThis as { require?: (id: string) => unknown }).require;
if (typeof nodeRequire === 'function') {
  // Node (and Deno's node:worker_threads): an eval'd worker, started with its ThreadStart as workerData.
  serve((nodeRequire('node:worker_threads') as { workerData: ThreadStart }).workerData);
} else {
  self.onmessage = (event) => {
    self.onmessage = null;
    serve(event.data);
  };
}
