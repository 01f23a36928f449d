// Bind groups on WebGPU. WebGPU cannot destroy a bind group: it lives until the garbage collector
// takes its wrapper, and lavapipe holds a memory mapping for each meanwhile, so a process whose
// collector rarely runs dies at the kernel's 65,530 mappings. A training loop must therefore reuse
// its groups (pooled buffers come back the same, uniforms move by dynamic offsets), and a device
// refuses to pass its limit of live groups with an error rather than crash.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registerDevice, unregisterDevice } from '../../src/devices/registry.js';
import { WebGpuDevice } from '../../src/devices/webgpu/device.js';
import { requestAdapter } from '../../src/devices/webgpu/gpu.js';
import * as torch from '../../src/index.js';
import { webgpuReady } from './gpu.js';

const { nn } = torch;
type Tensor = torch.Tensor;

const ready = await webgpuReady();

/** The names classifier's shape: tokens -> Embedding -> GRU over packed sequences -> Linear. */
class Classifier extends nn.Module {
  embedding = new nn.Embedding(20, 16);
  gru = new nn.GRU(16, 32, { batchFirst: true });
  fc = new nn.Linear(32, 5);
  override forward(x: Tensor, lengths: number[]): Tensor {
    const packed = nn.utils.rnn.packPaddedSequence(this.embedding.forward(x), lengths, { batchFirst: true, enforceSorted: false });
    const [, hN] = this.gru.forward(packed) as [unknown, Tensor];
    return this.fc.forward(hN.index(-1));
  }
}

interface Batch {
  tokens: number[][];
  lengths: number[];
  labels: number[];
}

/** A batch of 8 sequences of 3 to 12 tokens, padded, from the seeded CPU generator. */
function randomBatch(): Batch {
  const lengths = torch.randint(3, 13, [8], { dtype: 'int32' }).tolistSync() as number[];
  const width = Math.max(...lengths);
  return {
    tokens: (torch.randint(1, 20, [8, width], { dtype: 'int32' }).tolistSync() as number[][]).map((row, i) =>
      row.map((token, t) => (t < lengths[i] ? token : 0)),
    ),
    lengths,
    labels: torch.randint(0, 5, [8], { dtype: 'int32' }).tolistSync() as number[],
  };
}

function trainer(device: string): (batch: Batch) => Tensor {
  const model = new Classifier().to(device);
  const opt = new torch.optim.Adam(model.parameters(), { lr: 0.01 });
  const lossFn = new nn.CrossEntropyLoss();
  return ({ tokens, lengths, labels }) =>
    torch.scope(() => {
      opt.zeroGrad();
      const loss = lossFn.forward(
        model.forward(torch.tensor(tokens, { dtype: 'int32', device }), lengths),
        torch.tensor(labels, { dtype: 'int32', device }),
      );
      loss.backward();
      nn.utils.clipGradNorm_(model.parameters(), 3);
      opt.step();
      return loss.detach();
    });
}

async function trainOn(step: (batch: Batch) => Tensor, batch: Batch): Promise<void> {
  const loss = step(batch);
  await loss.item();
  loss.dispose();
}

const created = () => torch.webgpu.bindGroups().created;
/** The process's memory mappings (Linux), which lavapipe takes one of per live bind group. */
const mappings = () => readFileSync('/proc/self/maps', 'utf8').split('\n').length;
/** The kernel's limit on a process's mappings, past which lavapipe's next allocation crashes. */
const mappingLimit = () => Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8'));

describe.runIf(ready)('bind groups on webgpu', () => {
  it("an epoch of GRU training steps creates none once warm, whatever each batch's lengths", async () => {
    torch.manualSeed(5);
    const step = trainer('webgpu');
    const epoch = Array.from({ length: 4 }, randomBatch);
    const firstEpoch = created();
    for (const batch of epoch) await trainOn(step, batch);
    expect(created() - firstEpoch).toBeGreaterThan(100);
    for (const batch of epoch) await trainOn(step, batch);
    const warm = torch.webgpu.bindGroups();
    for (let repeat = 0; repeat < 3; repeat++) {
      for (const [index, batch] of epoch.entries()) {
        const before = created();
        await trainOn(step, batch);
        expect(created() - before, `bind groups created by step ${index} of epoch ${repeat + 3}`).toBe(0);
      }
    }
    const now = torch.webgpu.bindGroups();
    expect(now.created).toBe(warm.created);
    expect(now.alive).toBeGreaterThan(0);
    expect(now.alive).toBeLessThanOrEqual(now.created);
    expect(() => torch.webgpu.bindGroups('cpu')).toThrow("webgpu.bindGroups: 'cpu' is not a WebGPU device");
  });

  // The crash this guards against, run whole: 4,000 unscoped GRU steps and 4,000 forwards without
  // noGrad on the CPU leave a large heap, then GRU steps on webgpu made ~200 new bind groups each,
  // which the collector never took, and the process died at 65,530 mappings near step 310. Now
  // the 1,000 steps create almost no groups, so live groups stay flat and mappings stay far below
  // the limit.
  it('GRU training on webgpu after a CPU phase that leaves a large heap keeps live bind groups and mappings bounded', async () => {
    torch.manualSeed(6);
    const cpuModel = new Classifier();
    const cpuOpt = new torch.optim.Adam(cpuModel.parameters(), { lr: 0.01 });
    const lossFn = new nn.CrossEntropyLoss();
    for (let i = 0; i < 4000; i++) {
      const { tokens, lengths, labels } = randomBatch();
      cpuOpt.zeroGrad();
      lossFn
        .forward(cpuModel.forward(torch.tensor(tokens, { dtype: 'int32' }), lengths), torch.tensor(labels, { dtype: 'int32' }))
        .backward();
      cpuOpt.step();
    }
    for (let i = 0; i < 4000; i++) {
      const { tokens, lengths } = randomBatch();
      cpuModel.forward(torch.tensor(tokens, { dtype: 'int32' }), lengths);
    }
    const step = trainer('webgpu');
    for (let i = 0; i < 20; i++) await trainOn(step, randomBatch());
    const [warmCreated, warmAlive] = [created(), torch.webgpu.bindGroups().alive];
    const countsMappings = existsSync('/proc/self/maps');
    const warmMappings = countsMappings ? mappings() : 0;
    // Before, these steps made ~60,000 groups and as many mappings, reaching the limit at step 310;
    // now under one group a step (a batch shape not seen yet binds new buffers). The mappings that
    // remain are V8's own, which grows its heap by up to ~1,500 mappings after a CPU phase this
    // large; a tenth of the kernel's limit leaves room for that and catches a group leak within
    // ~30 steps.
    const steps = 1000;
    for (let i = 0; i < steps; i++) await trainOn(step, randomBatch());
    expect(created() - warmCreated, `bind groups created by ${steps} steps`).toBeLessThan(3 * steps);
    expect(torch.webgpu.bindGroups().alive - warmAlive).toBeLessThan(3 * steps);
    if (countsMappings) {
      expect(mappings() - warmMappings, `memory mappings added by ${steps} steps`).toBeLessThan(mappingLimit() / 10);
    }
  }, 600_000);

  it('a device refuses to pass its limit of live bind groups, with an error that says why, and still works', async () => {
    const adapter = await requestAdapter();
    const limited = new WebGpuDevice('webgpu:7', await adapter!.requestDevice(), { bindGroupsAliveLimit: 16 });
    registerDevice(limited);
    try {
      // Copied in, so only the adds below make bind groups: each binds a buffer not bound before.
      const x = torch.ones(4).to('webgpu:7');
      const distinct = Array.from({ length: 20 }, () => torch.zeros(4).to('webgpu:7'));
      const run = () => {
        for (const other of distinct) {
          torch.scope(() => {
            x.add(other);
          });
        }
      };
      expect(run).toThrow(
        /webgpu:7: the kernel .* needs a new bind group, but \d+ are alive \(created and not yet garbage-collected\) and this device allows 16: WebGPU cannot destroy a bind group/,
      );
      const { alive } = torch.webgpu.bindGroups('webgpu:7');
      expect(alive).toBeGreaterThanOrEqual(16);
      expect(alive).toBeLessThan(distinct.length * 2);
      expect(await x.add(distinct[0]).tolist()).toEqual([1, 1, 1, 1]);
    } finally {
      unregisterDevice('webgpu:7');
      limited.gpu.destroy();
    }
  });
});
