// The fused layer op (src/ops/rnn.ts) against a reference built from small ops, forward and
// backward, on packed batch layouts in both directions; and finite-difference gradchecks.
import { describe, expect, it } from 'vitest';
import type { RnnMode } from '../../src/devices/device.js';
import { rnnGateCount } from '../../src/devices/rnn-layout.js';
import * as torch from '../../src/index.js';
import { type RnnLayerWeights, rnnLayer } from '../../src/ops/rnn.js';

type Tensor = torch.Tensor;

/** One step of the cell with PyTorch's formulas, from small ops. */
function cellStep(mode: RnnMode, x: Tensor, h: Tensor, c: Tensor | null, w: Required<RnnLayerWeights>): [Tensor, Tensor | null] {
  const linear = (input: Tensor, weight: Tensor, bias: Tensor | null) => {
    const y = input.matmul(weight.t());
    return bias ? y.add(bias) : y;
  };
  const gx = linear(x, w.weightIh, w.biasIh);
  const gh = linear(h, w.weightHh, w.biasHh);
  if (mode === 'rnnTanh') return [gx.add(gh).tanh(), null];
  if (mode === 'rnnRelu') return [gx.add(gh).relu(), null];
  if (mode === 'lstm') {
    const [i, f, g, o] = gx.add(gh).chunk(4, 1);
    const cy = f.sigmoid().mul(c!).add(i.sigmoid().mul(g.tanh()));
    let hy = o.sigmoid().mul(cy.tanh());
    if (w.weightHr) hy = hy.matmul(w.weightHr.t());
    return [hy, cy];
  }
  const [xr, xz, xn] = gx.chunk(3, 1);
  const [hr, hz, hn] = gh.chunk(3, 1);
  const r = xr.add(hr).sigmoid();
  const z = xz.add(hz).sigmoid();
  const n = xn.add(r.mul(hn)).tanh();
  return [h.sub(n).mul(z).add(n), null];
}

function referenceLayer(
  mode: RnnMode,
  x: Tensor,
  batchSizes: number[],
  h0: Tensor,
  c0: Tensor | null,
  w: Required<RnnLayerWeights>,
  reverse: boolean,
) {
  const offsets = batchSizes.map((_, t) => batchSizes.slice(0, t).reduce((a, b) => a + b, 0));
  const h: Tensor[] = h0.unbind(0).map((row) => row.unsqueeze(0));
  const c: Tensor[] | null = c0 ? c0.unbind(0).map((row) => row.unsqueeze(0)) : null;
  const outputs: Tensor[] = new Array(batchSizes.length);
  const order = batchSizes.map((_, t) => (reverse ? batchSizes.length - 1 - t : t));
  for (const t of order) {
    const size = batchSizes[t];
    const xt = x.narrow(0, offsets[t], size);
    const [hy, cy] = cellStep(mode, xt, torch.cat(h.slice(0, size)), c ? torch.cat(c.slice(0, size)) : null, w);
    hy.split(1).forEach((row, b) => (h[b] = row));
    if (c && cy) cy.split(1).forEach((row, b) => (c[b] = row));
    outputs[t] = hy;
  }
  return { output: torch.cat(outputs), hN: torch.cat(h), cN: c ? torch.cat(c) : null };
}

function randomWeights(mode: RnnMode, inputSize: number, hidden: number, projSize: number, bias: boolean): Required<RnnLayerWeights> {
  const g = rnnGateCount(mode) * hidden;
  const state = projSize || hidden;
  const param = (...shape: number[]) => torch.randn(shape).mul(0.5).requiresGrad_();
  return {
    weightIh: param(g, inputSize),
    weightHh: param(g, state),
    biasIh: bias ? param(g) : null,
    biasHh: bias ? param(g) : null,
    weightHr: projSize ? param(projSize, hidden) : null,
  } as Required<RnnLayerWeights>;
}

async function expectClose(actual: Tensor, expected: Tensor, label: string, tolerance = 2e-5) {
  expect(actual.shape, label).toEqual(expected.shape);
  const a = await actual.data();
  const e = await expected.data();
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - e[i]) <= tolerance * (1 + Math.abs(e[i])))) throw new Error(`${label}[${i}]: ${a[i]} vs ${e[i]}`);
  }
}

interface Case {
  mode: RnnMode;
  batchSizes: number[];
  reverse: boolean;
  projSize?: number;
  bias?: boolean;
  inputSize?: number;
  hidden?: number;
}

const CASES: Case[] = [];
for (const mode of ['rnnTanh', 'rnnRelu', 'lstm', 'gru'] as RnnMode[]) {
  for (const reverse of [false, true]) {
    CASES.push({ mode, batchSizes: [3, 3, 3, 3], reverse });
    CASES.push({ mode, batchSizes: [5, 4, 4, 2, 1], reverse, hidden: 7, inputSize: 6 });
  }
}
CASES.push({ mode: 'lstm', batchSizes: [4, 3, 1], reverse: false, projSize: 3 });
CASES.push({ mode: 'lstm', batchSizes: [4, 3, 1], reverse: true, projSize: 5, hidden: 9 });
CASES.push({ mode: 'gru', batchSizes: [2, 2, 1], reverse: false, bias: false });
CASES.push({ mode: 'lstm', batchSizes: [6, 6], reverse: true, bias: false, hidden: 13, inputSize: 1 });

describe('rnnLayer', () => {
  for (const { mode, batchSizes, reverse, projSize = 0, bias = true, inputSize = 4, hidden = 5 } of CASES) {
    it(`${mode} batchSizes [${batchSizes}]${reverse ? ' reverse' : ''}${projSize ? ` proj ${projSize}` : ''}${bias ? '' : ' no bias'} matches the small-op reference`, async () => {
      torch.manualSeed(batchSizes.length * 31 + hidden);
      const rows = batchSizes.reduce((a, b) => a + b, 0);
      const batch = batchSizes[0];
      const state = projSize || hidden;
      const x = torch.randn(rows, inputSize).requiresGrad_();
      const h0 = torch.randn(batch, state).requiresGrad_();
      const c0 = mode === 'lstm' ? torch.randn(batch, hidden).requiresGrad_() : null;
      const w = randomWeights(mode, inputSize, hidden, projSize, bias);
      const leaves = [x, h0, c0, w.weightIh, w.weightHh, w.biasIh, w.biasHh, w.weightHr].filter((t): t is Tensor => t !== null);
      const ours = rnnLayer(mode, x, batchSizes, h0, c0, w, { reverse });
      const expected = referenceLayer(mode, x, batchSizes, h0, c0, w, reverse);
      await expectClose(ours.output, expected.output, 'output');
      await expectClose(ours.hN, expected.hN, 'hN');
      if (c0) await expectClose(ours.cN!, expected.cN!, 'cN');
      // A loss that weighs every output differently, so every gradient path is exercised.
      const loss = (r: { output: Tensor; hN: Tensor; cN: Tensor | null }) => {
        let total = r.output
          .mul(torch.linspace(-1, 1, r.output.numel()).reshape(r.output.shape))
          .sum()
          .add(r.hN.sin().sum());
        if (r.cN) total = total.add(r.cN.mul(0.7).sum());
        return total;
      };
      const oursGrads = torch.autograd.grad(loss(ours), leaves);
      const expectedGrads = torch.autograd.grad(loss(expected), leaves);
      for (const [i, g] of oursGrads.entries()) await expectClose(g!, expectedGrads[i]!, `grad ${i}`, 5e-5);
    });
  }

  it('is one autograd node per layer-direction', () => {
    const w = randomWeights('lstm', 2, 3, 0, true);
    const { output, hN, cN } = rnnLayer('lstm', torch.randn(4, 2), [2, 2], torch.zeros(2, 3), torch.zeros(2, 3), w);
    const root = (t: Tensor) => {
      let node = t.gradFn!;
      while (node.name !== 'LstmLayerBackward0') node = (node.edges[0] as { node: typeof node }).node;
      return node;
    };
    expect(root(output)).toBe(root(hN));
    expect(root(output)).toBe(root(cN!));
  });

  it('leaves its saved tensors intact, so backward can run twice with retainGraph', async () => {
    const w = randomWeights('gru', 2, 3, 0, true);
    const x = torch.randn(5, 2).requiresGrad_();
    const { output } = rnnLayer('gru', x, [2, 2, 1], torch.zeros(2, 3), null, w, { reverse: true });
    const loss = output.square().sum();
    loss.backward(undefined, { retainGraph: true });
    const first = Array.from(x.grad!.dataSync());
    loss.backward();
    expect(Array.from(x.grad!.dataSync())).toEqual(first.map((v) => expect.closeTo(2 * v, 6)));
  });

  for (const mode of ['rnnTanh', 'lstm', 'gru'] as RnnMode[]) {
    it(`${mode} passes gradcheck on a packed batch`, async () => {
      torch.manualSeed(7);
      const x = torch.randn(6, 2).requiresGrad_();
      const h0 = torch.randn(3, 3).requiresGrad_();
      const c0 = torch.randn(3, 3).requiresGrad_();
      const w = randomWeights(mode, 2, 3, 0, true);
      const inputs = [x, h0, ...(mode === 'lstm' ? [c0] : []), w.weightIh, w.weightHh, w.biasIh!, w.biasHh!];
      const fn = (...args: Tensor[]) => {
        const [xa, ha] = args;
        const ca = mode === 'lstm' ? args[2] : null;
        const [wi, wh, bi, bh] = args.slice(mode === 'lstm' ? 3 : 2);
        const r = rnnLayer(mode, xa, [3, 2, 1], ha, ca, { weightIh: wi, weightHh: wh, biasIh: bi, biasHh: bh }, { reverse: true });
        return r.cN ? [r.output, r.hN, r.cN] : [r.output, r.hN];
      };
      expect(await torch.autograd.gradcheck(fn, inputs, { eps: 1e-2, atol: 2e-3, rtol: 2e-2 })).toBe(true);
    });
  }
});
