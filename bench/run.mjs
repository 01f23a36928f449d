// `npm run bench -- <suite...> [--device cpu|webgpu|cpu:N] [--quick] [--report file.html]`: runs the
// named suites (all when none is named) on the device (cpu unless named; `dispatch` runs on webgpu,
// or on a worker CPU device cpu:N, whose enqueue cost it reports; `parallel` starts cpu:1 and cpu:2
// itself; `edge` serves examples/edge from workerd and Node processes it starts). --quick runs tiny sizes of every suite on every device so CI can check that the
// benchmarks still work, asserting no timings. --report also writes the run as one HTML page
// (bench/report.mjs).
import { loadavg } from 'node:os';
import * as torch from '../dist/node.js';
import { reportSuite, startReport, writeReport } from './report.mjs';

// Every suite but threads and parallel compares one thread with its peers' one thread (PyTorch runs with
// set_num_threads(1)); the CPU device defaults to one thread per core, so pin it. The threads
// and parallel suites set the count for each sample and leave it at 1.
torch.setNumThreads(1);

const suites = {
  matmul: ['cpu', 'webgpu'],
  conv: ['cpu'],
  rnn: ['cpu'],
  dispatch: ['webgpu', 'cpu:1'],
  memory: ['cpu'],
  threads: ['cpu'],
  charlm: ['cpu'],
  parallel: ['cpu'],
  relaxed: ['cpu'],
  edge: ['cpu'],
};
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const deviceAt = args.indexOf('--device');
const device = deviceAt >= 0 ? args[deviceAt + 1] : null;
const reportAt = args.indexOf('--report');
const report = reportAt >= 0 ? args[reportAt + 1] : null;
const chosen = args.filter((a, i) => !a.startsWith('--') && (deviceAt < 0 || i !== deviceAt + 1) && (reportAt < 0 || i !== reportAt + 1));
const fail = (message) => {
  console.error(`bench: ${message}`);
  process.exit(2);
};
const workerDevice = /^cpu:[1-9][0-9]*$/.test(device ?? '');
if (deviceAt >= 0 && !['cpu', 'webgpu'].includes(device) && !workerDevice)
  fail(`--device takes cpu, webgpu or a worker CPU device cpu:N, got ${device ?? 'nothing'}`);
if (reportAt >= 0 && !report?.endsWith('.html')) fail(`--report takes the path of an .html file to write, got ${report ?? 'nothing'}`);
for (const name of chosen) if (!(name in suites)) fail(`unknown suite '${name}'; available: ${Object.keys(suites).join(', ')}`);
const loadBefore = loadavg()[0];
if (report) startReport();
for (const name of chosen.length > 0 ? chosen : Object.keys(suites)) {
  const devices = device ? [device] : quick ? suites[name] : [suites[name][0]];
  for (const target of devices) {
    // Every worker CPU device runs what cpu:1 runs.
    if (!suites[name].includes(workerDevice ? 'cpu:1' : target))
      fail(`suite '${name}' runs on ${suites[name].join(' or ')}, not ${target}`);
    const suite = await import(`./suites/${name}.mjs`);
    reportSuite(name, target);
    await suite.run({ quick, device: target });
  }
}
if (report) {
  writeReport(report, { quick, command: `npm run bench -- ${args.join(' ')}`, loadBefore });
  console.log(`\nreport written to ${report}`);
}
// Dawn keeps Node alive while a GPUDevice exists.
process.exit(0);
