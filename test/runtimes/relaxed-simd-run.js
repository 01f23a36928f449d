// Run by test/runtimes/relaxed-simd.test.ts in a Node process of its own (with or without
// --experimental-wasm-relaxed-simd, and without SharedArrayBuffer, so the single-thread build
// loads): products through every GEMM path on fixed inputs, printed as JSON with the build's SIMD.
import * as torch from '../../dist/node.js';

const F = torch.nn.functional;
torch.manualSeed(3);
const values = (t) => Array.from(t.dataSync());
const results = {};
for (const [m, k, n] of [
  [5, 7, 9],
  [64, 300, 33],
  [256, 256, 256],
]) {
  const a = torch.randn(m, k);
  const b = torch.randn(k, n);
  results[`matmul ${m}x${k}x${n}`] = values(a.matmul(b));
  results[`matmul ${m}x${k}x${n} transposed`] = values(b.t().matmul(a.t()));
}
const lstm = new torch.nn.LSTM(12, 20, { numLayers: 2 });
results['lstm forward'] = values(torch.noGrad(() => lstm.forward(torch.randn(6, 3, 12))[0]));
results.conv2d = values(F.conv2d(torch.randn(2, 3, 11, 13), torch.randn(8, 3, 3, 3), null, { padding: 1 }));
console.log(JSON.stringify({ simd: torch.cpu.simd, build: torch.cpu.parallelInfo().build, results }));
