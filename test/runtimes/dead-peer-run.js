// Run by test/devices/cpu-worker.test.ts in its own Node process: the worker of cpu:2 is terminated
// while a copy from it to cpu:1 (which goes from worker to worker) has not been sent; reading the
// copy on cpu:1 must fail with the reason, not wait forever.
const builtin = process.getBuiltinModule.bind(process);
const started = new Map();
process.getBuiltinModule = (id) => {
  const module = builtin(id);
  if (id !== 'node:worker_threads') return module;
  class Worker extends module.Worker {
    constructor(...args) {
      super(...args);
      started.set(args[1]?.workerData?.name ?? 'pool', this);
    }
  }
  return { ...module, Worker };
};

const torch = await import('../../dist/node.js');
await torch.cpu.init({ devices: 2 });
const x = torch.randn([256, 256], { device: 'cpu:2' });
let y = x;
for (let i = 0; i < 200; i++) y = y.matmul(x).tanh();
const moved = y.to('cpu:1');
await started.get('cpu:2').terminate();
const outcome = await moved.tolist().then(
  () => 'landed',
  (error) => error.message,
);
console.log(JSON.stringify({ outcome }));
