// The CPU device's intra-op thread pool (workers running kernels on the shared wasm memory), and whether this runtime allows one.
//
// The calling thread owns the memory: it allocates, and it hands each worker a slot, a scratch block
// and, per job, a kernel and its arguments. A job is split into pieces whose boundaries do not
// depend on how many threads run them (see the kernels' glue), so any thread count gives the same
// bits; a worker that is not ready yet (workers start asynchronously), or that has not taken its
// piece by the time the calling thread has run its own (descheduled, or dead), has its piece run by
// the calling thread instead, with the same result.
import workerSource from '../../../build/thread-worker.js';
import { canBlock } from '../blocking.js';
import { MAX_JOB_ARGS, SLOT, SLOT_BYTES, SLOT_HEADER_WORDS, type ThreadStart } from './thread-slot.js';

interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
}
interface NodeWorker {
  unref(): void;
  on(event: 'error' | 'exit', listener: () => void): void;
}
type NodeWorkerConstructor = new (source: string, options: { eval: true; workerData: ThreadStart; execArgv: string[] }) => NodeWorker;
interface WebWorker {
  postMessage(message: unknown): void;
  addEventListener(type: 'error', listener: () => void): void;
}
type WebWorkerConstructor = new (url: string, options: { type: 'module' }) => WebWorker;

const nodeProcess = (globalThis as { process?: NodeProcess }).process;
const nodeBuiltin = <T>(id: string): T | undefined => nodeProcess?.getBuiltinModule?.(id) as T | undefined;

/** Why this runtime cannot run the pool, or null when it can. */
export function threadsUnavailableReason(): string | null {
  if (typeof SharedArrayBuffer === 'undefined') {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
    return isolated === false
      ? 'SharedArrayBuffer is unavailable because the page is not cross-origin isolated: serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp (or credentialless)'
      : 'this runtime has no SharedArrayBuffer';
  }
  if (!nodeBuiltin('node:worker_threads') && typeof (globalThis as { Worker?: unknown }).Worker !== 'function') {
    return 'this runtime has no Worker (edge runtimes such as Cloudflare Workers and Deno Deploy have none)';
  }
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch {
    return 'this runtime cannot create shared WebAssembly memory';
  }
  return null;
}

/** The cores this runtime reports, which is the default thread count where threads are available. */
export function coreCount(): number {
  const os = nodeBuiltin<{ availableParallelism?(): number; cpus(): unknown[] }>('node:os');
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  return Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1);
}

/** Job sequence numbers wrap within the positive int32s (a negative SEQ asks a worker to exit). */
const SEQ_MASK = 0x3fffffff;

/**
 * How long the calling thread spins for a worker's piece before blocking: the pieces are equal, so
 * the worker's usually ends within a fraction of a millisecond of the calling thread's own, and
 * waking from Atomics.wait costs more than that (see SPIN_BEFORE_PARKING_MS in thread-worker.ts).
 */
const FINISH_SPIN_MS = 0.5;

/**
 * How long the calling thread, done with its own piece, waits for a parked worker it woke to take
 * its piece: a wake-up takes tens of microseconds on an idle core, a time slice when another
 * process holds it.
 */
const WAKE_GRACE_MS = 1;

/**
 * How long a worker that let a piece go untaken gets no pieces (see finished): the first time
 * REST_FIRST_MS, doubling with each piece it misses in a row up to REST_LONGEST_MS, and back to the
 * first once it takes one. A worker whose core another process holds misses piece after piece,
 * and every piece posted to it is one the calling thread waits for and takes back, while its
 * spinning, once it runs, takes time from the calling thread: with one busy process beside the
 * conv bench's CNN step on this 2-core machine, 2 threads took 12.2-13.4 ms a step before
 * take-backs and 6.9-7.0 ms with them and these rests (1 thread: 4.8-5.9 ms; a flat 20 ms rest
 * gave 5.4-5.5). A quiet machine's worker misses one now and then (in about one step in ten of
 * that CNN step), which the flat rest turned into a pool resting half the time.
 */
const REST_FIRST_MS = 1;
const REST_LONGEST_MS = 32;

interface PoolThread {
  readonly control: Int32Array;
  readonly args: Float64Array;
  readonly scratch: number;
  alive: boolean;
  seq: number;
  /** performance.now() before which the worker gets no pieces, and the pieces it missed in a row (see REST_FIRST_MS). */
  restUntil: number;
  missed: number;
}

/**
 * Whether `thread` may be posted a piece: its worker started, has not been heard to die, and
 * answered its last piece (a worker that let one go unclaimed gets no more until it answers).
 */
function takesJobs(thread: PoolThread): boolean {
  const control = thread.control;
  return thread.alive && Atomics.load(control, SLOT.READY) === 1 && Atomics.load(control, SLOT.DONE) === thread.seq;
}

/**
 * Waits until `thread`'s worker has run its posted piece; false when the worker had not taken it
 * in time and the calling thread took it back, to run it itself. In time means by the time the
 * calling thread has run its own piece, for a worker that was awake (it takes a piece within
 * microseconds, so one that has not is waiting for a core another process holds, or died), and
 * within WAKE_GRACE_MS more for one that had parked, whose wake-up may outlast a small piece.
 */
function finished(thread: PoolThread, wasParked: boolean): boolean {
  const control = thread.control;
  const previous = (thread.seq - 1) & SEQ_MASK;
  const now = performance.now();
  const claimBy = wasParked ? now + WAKE_GRACE_MS : now;
  const spinUntil = now + FINISH_SPIN_MS;
  for (let done = Atomics.load(control, SLOT.DONE); done !== thread.seq; done = Atomics.load(control, SLOT.DONE)) {
    if (Atomics.load(control, SLOT.CLAIM) !== thread.seq) {
      if (performance.now() >= claimBy && Atomics.compareExchange(control, SLOT.CLAIM, previous, thread.seq) === previous) return false;
    } else if (performance.now() >= spinUntil && canBlock) {
      Atomics.wait(control, SLOT.DONE, done);
    }
  }
  return true;
}

/** Arguments of one piece of a job: the kernel's arguments, numbers only (addresses, sizes, flags as 0/1). */
export type JobArgs = readonly number[];

export class ThreadPool {
  private readonly threads: PoolThread[] = [];
  private readonly kernelIndex: Map<string, number>;
  private readonly kernelNames: string[];
  private workerUrl: string | null = null;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    /** Allocates memory the pool keeps for its life (slots, scratch). */
    private readonly reserve: (bytes: number) => number,
    private readonly scratchBytes: number,
    exports: Record<string, unknown>,
  ) {
    this.kernelNames = Object.keys(exports).filter((name) => typeof exports[name] === 'function');
    this.kernelIndex = new Map(this.kernelNames.map((name, i) => [name, i]));
  }

  /** Workers started so far (the pool only grows: a parked worker costs nothing while it waits). */
  get workers(): number {
    return this.threads.length;
  }

  /** Workers that have instantiated their module and take jobs. */
  readyWorkers(): number {
    return this.threads.filter((thread) => takesJobs(thread)).length;
  }

  /** Starts workers until there are `count`; they become ready asynchronously. */
  grow(count: number): void {
    while (this.threads.length < count) this.threads.push(this.start());
  }

  /**
   * Runs `kernel` once per entry of `pieces`, all at once: piece 0 on the calling thread, piece i on
   * worker i (or on the calling thread when that worker is not ready, or has not taken the piece
   * when the calling thread is done with its own: see finished). Returns when every piece is done.
   */
  run(kernel: string, pieces: readonly JobArgs[], runHere: (args: JobArgs) => void): void {
    const index = this.kernelIndex.get(kernel);
    if (index === undefined) throw new Error(`cpu thread pool: no kernel named ${kernel}`);
    const posted: [PoolThread, number, boolean][] = [];
    const local: JobArgs[] = [pieces[0]];
    const now = performance.now();
    for (let i = 1; i < pieces.length; i++) {
      const thread = this.threads[i - 1];
      if (!thread || now < thread.restUntil || !takesJobs(thread)) {
        local.push(pieces[i]);
        continue;
      }
      const args = pieces[i];
      if (args.length > MAX_JOB_ARGS)
        throw new Error(`cpu thread pool: ${kernel} takes ${args.length} arguments, more than ${MAX_JOB_ARGS}`);
      thread.args.set(args);
      thread.control[SLOT.KERNEL] = index;
      thread.control[SLOT.ARG_COUNT] = args.length;
      thread.seq = (thread.seq + 1) & SEQ_MASK;
      Atomics.store(thread.control, SLOT.SEQ, thread.seq);
      const parked = Atomics.load(thread.control, SLOT.PARKED) === 1;
      if (parked) Atomics.notify(thread.control, SLOT.SEQ);
      posted.push([thread, i, parked]);
    }
    for (const args of local) runHere(args);
    for (const [thread, i, parked] of posted) {
      if (!finished(thread, parked)) {
        thread.restUntil = performance.now() + Math.min(REST_FIRST_MS * 2 ** thread.missed, REST_LONGEST_MS);
        thread.missed++;
        runHere(pieces[i]);
        continue;
      }
      thread.missed = 0;
      if (thread.control[SLOT.FAILED]) {
        thread.control[SLOT.FAILED] = 0;
        throw new Error(`cpu thread pool: ${kernel} failed on worker ${i}`);
      }
    }
  }

  private start(): PoolThread {
    const slot = this.reserve(SLOT_BYTES);
    const scratch = this.reserve(this.scratchBytes);
    const control = new Int32Array(this.memory.buffer, slot, SLOT_HEADER_WORDS);
    control.fill(0);
    const thread: PoolThread = {
      control,
      args: new Float64Array(this.memory.buffer, slot + SLOT_HEADER_WORDS * 4, MAX_JOB_ARGS),
      scratch,
      alive: true,
      seq: 0,
      restUntil: 0,
      missed: 0,
    };
    const start: ThreadStart = { module: this.module, memory: this.memory, slot, scratch, kernels: this.kernelNames };
    const died = () => {
      thread.alive = false;
    };
    // Deno 2 takes the worker_threads path too: its web Workers cannot be unref'd, and a parked one
    // would keep the process from exiting.
    const NodeWorker = nodeBuiltin<{ Worker: NodeWorkerConstructor }>('node:worker_threads')?.Worker;
    if (NodeWorker) {
      // The parent's flags are not the worker's: `--input-type=module` would make this CommonJS source
      // fail to parse, and the worker would never start.
      const worker = new NodeWorker(workerSource, { eval: true, workerData: start, execArgv: [] });
      // A parked worker must not keep the process alive.
      worker.unref();
      worker.on('error', died);
      worker.on('exit', died);
    } else {
      this.workerUrl ??= URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
      const worker = new (globalThis as unknown as { Worker: WebWorkerConstructor }).Worker(this.workerUrl, { type: 'module' });
      worker.addEventListener('error', died);
      worker.postMessage(start);
    }
    return thread;
  }
}
