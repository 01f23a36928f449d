// ONNX Runtime Web for the benchmarks: the one-node ONNX models they run (written by hand, since
// no ONNX writer is installed), loading the runtime at a thread count, and a runtime in a worker,
// so that one process can time it at 1 and at 2 threads side by side.
import { Worker } from 'node:worker_threads';

/** Protocol-buffer fields, just enough of the wire format to write an ONNX model. */
const pb = {
  varint(value) {
    const bytes = [];
    let v = BigInt(value);
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v > 0n);
    return bytes;
  },
  int(field, value) {
    return [...pb.varint(field << 3), ...pb.varint(value)];
  },
  bytes(field, payload) {
    const data = typeof payload === 'string' ? [...new TextEncoder().encode(payload)] : [...payload];
    return [...pb.varint((field << 3) | 2), ...pb.varint(data.length), ...data];
  },
};

const FLOAT = 1;

/**
 * An ONNX model (opset 14) of one node: `op` from `inputs` (name -> dims, fed at run time) and
 * `initializers` (name -> dims, filled with values of scale `scale`) to `outputs` (name -> dims).
 */
function oneNodeModel({ op, inputs, initializers = {}, outputs, attributes = [], scale = 1 }) {
  const tensorShape = (dims) => dims.flatMap((d) => pb.bytes(1, pb.int(1, d)));
  const valueInfo = (name, dims) => [
    ...pb.bytes(1, name),
    ...pb.bytes(2, pb.bytes(1, [...pb.int(1, FLOAT), ...pb.bytes(2, tensorShape(dims))])),
  ];
  const initializer = (name, dims) => {
    const values = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (Math.random() - 0.5) * scale);
    return [...dims.flatMap((d) => pb.int(1, d)), ...pb.int(2, FLOAT), ...pb.bytes(8, name), ...pb.bytes(9, new Uint8Array(values.buffer))];
  };
  const node = [
    ...[...Object.keys(inputs), ...Object.keys(initializers)].flatMap((name) => pb.bytes(1, name)),
    ...Object.keys(outputs).flatMap((name) => pb.bytes(2, name)),
    ...pb.bytes(3, op),
    ...pb.bytes(4, op),
    ...attributes.flatMap((attribute) => pb.bytes(5, attribute)),
  ];
  const graph = [
    ...pb.bytes(1, node),
    ...pb.bytes(2, op),
    ...Object.entries(initializers).flatMap(([name, dims]) => pb.bytes(5, initializer(name, dims))),
    ...Object.entries(inputs).flatMap(([name, dims]) => pb.bytes(11, valueInfo(name, dims))),
    ...Object.entries(outputs).flatMap(([name, dims]) => pb.bytes(12, valueInfo(name, dims))),
  ];
  return new Uint8Array([
    ...pb.int(1, 8),
    ...pb.bytes(2, 'webtorch-bench'),
    ...pb.bytes(7, graph),
    ...pb.bytes(8, [...pb.bytes(1, ''), ...pb.int(2, 14)]),
  ]);
}

/** Y = LSTM(X, W, R, B), the weights as initializers; X is [steps, batch, inputSize]. */
export function onnxLstmModel(steps, batch, inputSize, hidden) {
  return oneNodeModel({
    op: 'LSTM',
    inputs: { X: [steps, batch, inputSize] },
    initializers: { W: [1, 4 * hidden, inputSize], R: [1, 4 * hidden, hidden], B: [1, 8 * hidden] },
    outputs: { Y: [steps, 1, batch, hidden] },
    attributes: [[...pb.bytes(1, 'hidden_size'), ...pb.int(3, hidden), ...pb.int(20, 2)]],
    scale: 1 / Math.sqrt(hidden),
  });
}

/** C = MatMul(A, B), both fed at run time. */
export function onnxMatmulModel(m, k, n) {
  return oneNodeModel({ op: 'MatMul', inputs: { A: [m, k], B: [k, n] }, outputs: { C: [m, n] } });
}

/**
 * ONNX Runtime Web's wasm backend at `threads` threads, or null with a notice when it is not
 * installed. The count is read once, when the first session starts the runtime, and holds for the
 * whole process (or worker): `ortInWorker` runs other counts beside it.
 */
export async function loadOrt(threads = 1) {
  try {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = threads;
    ort.env.logLevel = 'error';
    return ort;
  } catch (error) {
    console.log(
      `\nnotice: ONNX Runtime Web is not available (${error.message.split('\n')[0]}); its column is skipped. Install it with: npm install -D onnxruntime-web`,
    );
    return null;
  }
}

/**
 * ONNX Runtime Web at `threads` threads in a worker thread of its own. `session(model, feeds)`
 * (feeds: name -> { data: Float32Array, dims }) resolves to `{ run, threads }`: `run()` runs the
 * model once and resolves when it is done, at the cost of one message round trip more than a run
 * in this thread (tens of microseconds); `threads` is the count the runtime kept on starting (it
 * falls back to 1 where it cannot start threads). Resolves to null when the runtime is not installed.
 */
export async function ortInWorker(threads) {
  const worker = new Worker(new URL('./ort-worker.mjs', import.meta.url), { workerData: { threads } });
  worker.unref();
  const pending = new Map();
  let next = 0;
  worker.on('message', ({ id, error, result }) => {
    const { resolve, reject } = pending.get(id);
    pending.delete(id);
    if (error) reject(new Error(`onnxruntime-web worker (${threads} threads): ${error}`));
    else resolve(result);
  });
  const call = (message) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  if (!(await call({ type: 'load' }))) {
    await worker.terminate();
    return null;
  }
  return {
    async session(model, feeds) {
      const { session, threads: kept } = await call({ type: 'session', model, feeds });
      return { run: () => call({ type: 'run', session }), threads: kept };
    },
    close: () => worker.terminate(),
  };
}
