// The memory soak of the reliability issue: PyTorch-style loops with no scope and no dispose, on
// the built bundle. `node scripts/soak-memory.mjs train|eval [cpu|webgpu] [steps]` runs one of
//   train: Embedding(50,16) -> GRU(16,16, batchFirst) -> Linear(16,5) on hN[-1], CrossEntropyLoss,
//          Adam, clipGradNorm_, `await loss.item()` each step;
//   eval:  Linear(64,256) -> ReLU -> Linear(256,10) without noGrad, awaiting a read of each output;
// (each in a process of its own, so neither counts the other's garbage) and prints, for each tenth of the run, the live tensors and bytes now and at their peak so far,
// and the time per step (which must not grow).
import * as torch from '../dist/node.js';

const [loop, device = 'cpu', stepsArgument] = process.argv.slice(2);
if (loop !== 'train' && loop !== 'eval') throw new Error(`soak-memory: the first argument is train or eval, got ${loop}`);
const steps = Number(stepsArgument ?? (device === 'cpu' ? 20000 : 2000));
if (device !== 'cpu') await torch.webgpu.init();
const { nn } = torch;

class Classifier extends nn.Module {
  constructor() {
    super();
    this.embedding = new nn.Embedding(50, 16);
    this.gru = new nn.GRU(16, 16, { batchFirst: true });
    this.fc = new nn.Linear(16, 5);
  }

  forward(x) {
    const [, hN] = this.gru.forward(this.embedding.forward(x));
    return this.fc.forward(hN.index(-1));
  }
}

async function soak(name, step) {
  const start = torch.memory();
  const bytesOf = (m) => m.bytes.cpu + m.bytes.webgpu;
  let peakTensors = 0;
  let peakBytes = 0;
  let since = performance.now();
  console.log(`${name} on ${device}, ${steps} steps (live tensors and bytes above the start)`);
  for (let i = 1; i <= steps; i++) {
    await step();
    const now = torch.memory();
    peakTensors = Math.max(peakTensors, now.tensors - start.tensors);
    peakBytes = Math.max(peakBytes, bytesOf(now) - bytesOf(start));
    if (i % (steps / 10) === 0) {
      const ms = (performance.now() - since) / (steps / 10);
      console.log(
        `  step ${String(i).padStart(6)}: ${String(now.tensors - start.tensors).padStart(5)} tensors ${((bytesOf(now) - bytesOf(start)) / 1e6).toFixed(2).padStart(6)} MB; peak ${String(peakTensors).padStart(5)} tensors ${(peakBytes / 1e6).toFixed(2).padStart(6)} MB; ${ms.toFixed(3)} ms/step`,
      );
      since = performance.now();
    }
  }
}

torch.manualSeed(0);
if (loop === 'train') {
  const model = new Classifier().to(device);
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
  const criterion = new nn.CrossEntropyLoss();
  const tokens = torch.randint(0, 50, [8, 12]).to(device);
  const labels = torch.randint(0, 5, [8]).to(device);
  await soak('train', async () => {
    optimizer.zeroGrad();
    const loss = criterion.forward(model.forward(tokens), labels);
    loss.backward();
    nn.utils.clipGradNorm_(model.parameters(), 1);
    optimizer.step();
    await loss.item();
  });
} else {
  const mlp = new nn.Sequential(new nn.Linear(64, 256), new nn.ReLU(), new nn.Linear(256, 10)).to(device);
  const x = torch.randn(32, 64).to(device);
  await soak('eval', async () => {
    await mlp.forward(x).data();
  });
}
// Dawn keeps Node alive while a GPUDevice exists.
process.exit(0);
