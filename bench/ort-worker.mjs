// The worker side of `ortInWorker` (onnx.mjs): ONNX Runtime Web at the thread count it was started
// with, answering { id, type } messages: 'load' (false when the runtime is not installed),
// 'session' (creates one from model bytes and keeps its feeds), 'run' (runs one session once).
import { parentPort, workerData } from 'node:worker_threads';
import { loadOrt } from './onnx.mjs';

let ort = null;
const sessions = [];

const handlers = {
  async load() {
    ort = await loadOrt(workerData.threads);
    return ort !== null;
  },
  async session({ model, feeds }) {
    const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
    const tensors = Object.fromEntries(
      Object.entries(feeds).map(([name, { data, dims }]) => [name, new ort.Tensor('float32', data, dims)]),
    );
    sessions.push({ session, tensors });
    return { session: sessions.length - 1, threads: ort.env.wasm.numThreads };
  },
  async run({ session }) {
    const { session: s, tensors } = sessions[session];
    const outputs = await s.run(tensors);
    for (const output of Object.values(outputs)) output.dispose?.();
  },
};

parentPort.on('message', async ({ id, type, ...message }) => {
  try {
    parentPort.postMessage({ id, result: await handlers[type](message) });
  } catch (error) {
    parentPort.postMessage({ id, error: error.message });
  }
});
