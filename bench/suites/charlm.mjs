// A character-level language model's training step, one thread, beside PyTorch 1.13 (one thread,
// OpenBLAS at one thread): Embedding 65 x 64, a 2-layer LSTM of 256, Linear 256 -> 65, batch 32 of
// 64-step chunks, cross-entropy, Adam, gradient clipping, the hidden state carried detached from
// chunk to chunk. Beside the times it prints how close each side's step comes to its own matmul
// limit: the step's GEMM FLOPs per second over a 1024 matmul's GFLOP/s, measured in the same run.
import { spawnSync } from 'node:child_process';
import * as torch from '../../dist/node.js';
import { fixed, printTable, timeInterleaved } from '../harness.mjs';

const PYTHON = '/usr/bin/python3';

function shapes(quick) {
  return quick
    ? { vocab: 65, embedding: 8, hidden: 16, layers: 2, batch: 2, steps: 4, matmul: 64, runs: 2, warmup: 1 }
    : { vocab: 65, embedding: 64, hidden: 256, layers: 2, batch: 32, steps: 64, matmul: 1024, runs: 10, warmup: 3 };
}

/**
 * Multiply-add FLOPs of the step's GEMMs: each LSTM layer's input and hidden products (4 gates),
 * the decoder; backward doubles each (the input gradient and the weight gradient).
 */
function gemmFlops({ vocab, embedding, hidden, layers, batch, steps }) {
  const rows = batch * steps;
  let forward = 2 * rows * hidden * vocab;
  for (let layer = 0; layer < layers; layer++) forward += 2 * rows * 4 * hidden * ((layer === 0 ? embedding : hidden) + hidden);
  return 3 * forward;
}

function webtorchStep({ vocab, embedding, hidden, layers, batch, steps }) {
  const { nn } = torch;
  torch.manualSeed(0);
  const encoder = new nn.Embedding(vocab, embedding);
  const lstm = new nn.LSTM(embedding, hidden, { numLayers: layers, batchFirst: true });
  const decoder = new nn.Linear(hidden, vocab);
  const parameters = [...encoder.parameters(), ...lstm.parameters(), ...decoder.parameters()];
  const optimizer = new torch.optim.Adam(parameters, { lr: 2e-3 });
  const inputs = torch.randint(0, vocab, [batch, steps], { dtype: 'int32' });
  const targets = torch.randint(0, vocab, [batch * steps], { dtype: 'int32' });
  let state = [torch.zeros(layers, batch, hidden), torch.zeros(layers, batch, hidden)];
  return () => {
    const next = torch.scope(() => {
      optimizer.zeroGrad();
      const [output, [h, c]] = lstm.forward(encoder.forward(inputs), state);
      const logits = decoder.forward(output.reshape(batch * steps, hidden));
      nn.functional.crossEntropy(logits, targets).backward();
      nn.utils.clipGradNorm_(parameters, 5);
      optimizer.step();
      return [h.detach(), c.detach()];
    });
    for (const t of state) t.dispose();
    state = next;
  };
}

/** webtorch's best GFLOP/s on a square matmul, timed to the end of the work by reading one element (no large copy). */
export function matmulGflops(size, runs) {
  const a = torch.randn(size, size);
  const b = torch.randn(size, size);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs + 2; i++) {
    const start = performance.now();
    torch.scope(() => a.matmul(b).index(0, 0).itemSync());
    if (i >= 2) best = Math.min(best, performance.now() - start);
  }
  a.dispose();
  b.dispose();
  return (2 * size ** 3) / best / 1e6;
}

function pytorch(spec) {
  const { vocab, embedding, hidden, layers, batch, steps, matmul, runs, warmup } = spec;
  const script = `
import json, time, torch
torch.set_num_threads(1)
torch.manual_seed(0)
def best(fn, warmup, runs):
    for _ in range(warmup): fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter(); fn(); times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"best": times[0], "median": times[len(times) // 2]}
a, b = torch.randn(${matmul}, ${matmul}), torch.randn(${matmul}, ${matmul})
mm = best(lambda: a @ b, 2, ${runs})
encoder = torch.nn.Embedding(${vocab}, ${embedding})
lstm = torch.nn.LSTM(${embedding}, ${hidden}, num_layers=${layers}, batch_first=True)
decoder = torch.nn.Linear(${hidden}, ${vocab})
parameters = [*encoder.parameters(), *lstm.parameters(), *decoder.parameters()]
optimizer = torch.optim.Adam(parameters, lr=2e-3)
inputs = torch.randint(0, ${vocab}, (${batch}, ${steps}))
targets = torch.randint(0, ${vocab}, (${batch * steps},))
state = [torch.zeros(${layers}, ${batch}, ${hidden}), torch.zeros(${layers}, ${batch}, ${hidden})]
def step():
    global state
    optimizer.zero_grad()
    output, (h, c) = lstm(encoder(inputs), state)
    torch.nn.functional.cross_entropy(decoder(output.reshape(-1, ${hidden})), targets).backward()
    torch.nn.utils.clip_grad_norm_(parameters, 5)
    optimizer.step()
    state = [h.detach(), c.detach()]
print(json.dumps({"version": torch.__version__, "matmul": mm, "step": best(step, ${warmup}, ${runs})}))
`;
  // Debian's threaded OpenBLAS ignores set_num_threads; without this its matmuls use every core.
  const result = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
  if (result.status !== 0) return null;
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

export async function run({ quick }) {
  const spec = shapes(quick);
  const step = webtorchStep(spec);
  const [ours] = await timeInterleaved([step], { warmup: spec.warmup, runs: spec.runs });
  const limit = matmulGflops(spec.matmul, spec.runs);
  const flops = gemmFlops(spec);
  const efficiency = (ms, gflops) => (flops / ms / 1e6 / gflops) * 100;
  const rows = [['webtorch', fixed(ours.best), fixed(ours.median), fixed(limit, 1), fixed(efficiency(ours.best, limit), 0), '1.00']];
  const theirs = pytorch(spec);
  if (theirs) {
    const theirLimit = (2 * spec.matmul ** 3) / theirs.matmul.best / 1e6;
    rows.push([
      `PyTorch ${theirs.version} (1 thread)`,
      fixed(theirs.step.best),
      fixed(theirs.step.median),
      fixed(theirLimit, 1),
      fixed(efficiency(theirs.step.best, theirLimit), 0),
      fixed(theirs.step.best / ours.best),
    ]);
  }
  printTable(
    `char-LM training step: Embedding ${spec.vocab}x${spec.embedding}, ${spec.layers}-layer LSTM ${spec.hidden}, Linear, batch ${spec.batch} of ${spec.steps}-step chunks, Adam, clipping (${fixed(flops / 1e9, 2)} GEMM GFLOP); one thread`,
    [
      'implementation',
      'best ms',
      'median ms',
      `matmul ${spec.matmul} GFLOP/s`,
      '% of matmul limit (target >= 90)',
      'ratio = PyTorch / webtorch',
    ],
    rows,
  );
  if (!theirs) console.log(`(PyTorch skipped: ${PYTHON} has no torch)`);
}
