// The relaxed-SIMD kernels against the plain ones, in Chromium (which validates relaxed SIMD; Node
// 20 does not without a flag): one page loads the edge entry twice, each instance initialised with
// one build's kernels, and times a 1024 matmul and an LSTM forward (batch 32, 64 steps, 128 -> 256)
// on each, the two builds' samples interleaved. Single thread, as both builds are. Then the LSTM's
// forward and backward on the browser entry, which picks the relaxed build where it validates (the
// edge entry has no backward), beside PyTorch 1.13's on one thread.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { fixed, printTable } from '../harness.mjs';
import { pytorchTimes } from './conv.mjs';

const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('../../', import.meta.url));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** The page's work: both builds initialised, then each workload timed alternately; returns { build: { workload: { best, median } } }. */
async function inPage({ size, lstm, runs }) {
  const builds = {};
  for (const [name, file] of [
    ['plain', 'kernels.wasm'],
    ['relaxed', 'kernels-relaxed.wasm'],
  ]) {
    const torch = await import(`/dist/edge.js?${name}`);
    await torch.init(await fetch(`/build/${file}`));
    builds[name] = torch;
  }
  const workloads = {};
  for (const [name, torch] of Object.entries(builds)) {
    torch.manualSeed(0);
    const a = torch.randn(size, size);
    const b = torch.randn(size, size);
    const layer = new torch.nn.LSTM(lstm.input, lstm.hidden);
    const x = torch.randn(lstm.steps, lstm.batch, lstm.input);
    workloads[name] = {
      matmul: () => torch.scope(() => a.matmul(b).index(0, 0).itemSync()),
      lstm: () => torch.scope(() => torch.noGrad(() => layer.forward(x)[0].index(0, 0, 0).itemSync())),
    };
  }
  const times = { plain: { matmul: [], lstm: [] }, relaxed: { matmul: [], lstm: [] } };
  for (let run = -2; run < runs; run++) {
    for (const build of run % 2 ? ['plain', 'relaxed'] : ['relaxed', 'plain']) {
      for (const workload of ['matmul', 'lstm']) {
        const start = performance.now();
        workloads[build][workload]();
        if (run >= 0) times[build][workload].push(performance.now() - start);
      }
    }
  }
  const summary = (values) => {
    values.sort((p, q) => p - q);
    return { best: values[0], median: values[Math.floor(values.length / 2)] };
  };
  return Object.fromEntries(
    Object.entries(times).map(([build, byWorkload]) => [
      build,
      Object.fromEntries(Object.entries(byWorkload).map(([w, v]) => [w, summary(v)])),
    ]),
  );
}

/** The page's second part: the browser entry's build, and its LSTM forward + backward times { best, median }. */
async function trainingInPage({ lstm, runs }) {
  const torch = await import('/dist/browser.js');
  torch.manualSeed(0);
  const layer = new torch.nn.LSTM(lstm.input, lstm.hidden);
  const x = torch.randn([lstm.steps, lstm.batch, lstm.input], { requiresGrad: true });
  const times = [];
  for (let run = -2; run < runs; run++) {
    const start = performance.now();
    torch.scope(() => {
      const [output] = layer.forward(x);
      output.sum().backward();
      layer.weight_hh_l0.grad.index(0, 0).itemSync();
    });
    if (run >= 0) times.push(performance.now() - start);
    for (const p of [x, ...layer.parameters()]) {
      p.grad?.dispose();
      p.grad = null;
    }
  }
  times.sort((p, q) => p - q);
  return { simd: torch.cpu.simd, best: times[0], median: times[Math.floor(times.length / 2)] };
}

/** PyTorch 1.13's LSTM forward + backward on one thread, { version, best, median }, or null without it. */
function pytorchTraining({ lstm }, quick) {
  const result = pytorchTimes(
    `
layer = torch.nn.LSTM(${lstm.input}, ${lstm.hidden})
x = torch.randn(${lstm.steps}, ${lstm.batch}, ${lstm.input}, requires_grad=True)
def step():
    layer(x)[0].sum().backward()
`,
    quick,
    [1],
  );
  return result && { version: result.version, ...result.times[0] };
}

export async function run({ quick }) {
  const spec = quick
    ? { size: 64, lstm: { batch: 2, steps: 4, input: 8, hidden: 16 }, runs: 2 }
    : { size: 1024, lstm: { batch: 32, steps: 64, input: 128, hidden: 256 }, runs: 15 };
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://127.0.0.1').pathname);
    if (path.includes('..')) return void response.writeHead(403).end();
    readFile(join(root, path)).then(
      (body) => response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const profile = await mkdtemp(join(tmpdir(), 'webtorch-bench-'));
  let browser;
  try {
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/bench/relaxed.html`);
    const result = await page.evaluate(`(${inPage.toString()})(${JSON.stringify(spec)})`);
    const version = (await page.evaluate('navigator.userAgent')).match(/Chrome\/[\d.]+/)?.[0] ?? 'Chromium';
    const flops = { matmul: 2 * spec.size ** 3 };
    const row = (workload, label) => [
      label,
      fixed(result.plain[workload].best),
      fixed(result.relaxed[workload].best),
      fixed(result.plain[workload].best / result.relaxed[workload].best),
      fixed(result.plain[workload].median / result.relaxed[workload].median),
      flops[workload]
        ? `${fixed(flops[workload] / result.plain[workload].best / 1e6, 1)} / ${fixed(flops[workload] / result.relaxed[workload].best / 1e6, 1)}`
        : '',
    ];
    printTable(
      `relaxed SIMD (build/kernels-relaxed.wasm) against plain SIMD (build/kernels.wasm) in ${version}, single thread, samples interleaved; speed-up = plain time / relaxed time (target >= 1.2 for the matmul)`,
      ['workload', 'plain ms', 'relaxed ms', 'speed-up (best)', 'speed-up (median)', 'GFLOP/s plain / relaxed'],
      [
        row('matmul', `matmul f32 ${spec.size}`),
        row('lstm', `LSTM forward, batch ${spec.lstm.batch}, ${spec.lstm.steps} steps, ${spec.lstm.input} -> ${spec.lstm.hidden}`),
      ],
    );
    const training = await page.evaluate(`(${trainingInPage.toString()})(${JSON.stringify(spec)})`);
    const pytorch = pytorchTraining(spec, quick);
    if (!pytorch) console.log('\nnotice: PyTorch is not installed; the LSTM training row has no PyTorch figure');
    printTable(
      `LSTM forward + backward, batch ${spec.lstm.batch}, ${spec.lstm.steps} steps, ${spec.lstm.input} -> ${spec.lstm.hidden}: webtorch's browser entry in ${version} (${training.simd} SIMD build, single thread) beside PyTorch ${pytorch?.version ?? ''} (one thread); ratio = webtorch time / PyTorch time (target <= 1.15)`,
      ['implementation', 'best ms', 'median ms', 'ratio (best)'],
      [
        [`webtorch (${training.simd})`, fixed(training.best), fixed(training.median), pytorch ? fixed(training.best / pytorch.best) : '-'],
        ...(pytorch ? [[`pytorch ${pytorch.version}`, fixed(pytorch.best), fixed(pytorch.median), '1.00']] : []),
      ],
    );
  } finally {
    await browser?.close();
    server.close();
    await rm(profile, { recursive: true, force: true });
  }
}
