// Run by test/runtimes/node-threads.test.ts in its own Node process: a pool worker dies (terminated)
// without the calling thread hearing of it, as when the calling thread runs ops without returning
// to the event loop; the next products must still finish, with the bits of one thread.
const builtin = process.getBuiltinModule.bind(process);
const started = [];
process.getBuiltinModule = (id) => {
  const module = builtin(id);
  if (id !== 'node:worker_threads') return module;
  class Worker extends module.Worker {
    silenced = true;
    constructor(...args) {
      super(...args);
      started.push(this);
    }
    // The pool's 'exit' and 'error' listeners are dropped; terminate() below needs its own.
    on(event, listener) {
      return this.silenced && (event === 'exit' || event === 'error') ? this : super.on(event, listener);
    }
    kill() {
      this.silenced = false;
      return this.terminate();
    }
  }
  return { Worker };
};

const torch = await import('../../dist/node.js');
torch.setNumThreads(2);
while (torch.cpu.parallelInfo().workersReady < 1) await new Promise((resolve) => setTimeout(resolve, 5));
torch.manualSeed(0);
const a = torch.randn(512, 512);
const b = torch.randn(512, 512);
const bits = () => Array.from(new Uint32Array(new Float32Array(a.matmul(b).dataSync()).buffer));
const alive = bits();
await started[0].kill();
const dead = bits();
const infoAfterDeath = torch.cpu.parallelInfo();
const again = bits();
torch.setNumThreads(1);
const oneThread = bits();
const same = (x) => x.length === oneThread.length && x.every((value, i) => value === oneThread[i]);
console.log(JSON.stringify({ workers: started.length, sameBits: [alive, dead, again].map(same), infoAfterDeath }));
