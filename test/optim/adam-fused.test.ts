// Adam's fused step (Kernels.adamStep) against the unfused ops it replaces: a non-contiguous
// parameter takes the unfused path, so the same values stepped both ways must give the same bits
// on the CPU, and within float tolerance on webgpu, with weight decay, maximize and AdamW too.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';

type Options = ConstructorParameters<typeof torch.optim.Adam>[1];

/** Three steps on a [5, 7] parameter, contiguous (fused) or as the transpose of a [7, 5] one (unfused); the parameter and both moments after them. */
async function stepped(device: string, fused: boolean, options: Options, Optimizer = torch.optim.Adam): Promise<number[][]> {
  torch.manualSeed(3);
  const initial = torch.randn([5, 7], { device });
  const param = (fused ? initial.clone() : initial.t().contiguous().t()).requiresGrad_();
  expect(param.isContiguous()).toBe(fused);
  const optimizer = new Optimizer([param], options);
  for (let step = 0; step < 3; step++) {
    optimizer.zeroGrad();
    torch.scope(() =>
      param
        .mul(torch.randn([5, 7], { device }))
        .square()
        .sum()
        .backward(),
    );
    optimizer.step();
  }
  const state = optimizer.state.get(param) as { expAvg: torch.Tensor; expAvgSq: torch.Tensor };
  return Promise.all([param, state.expAvg, state.expAvgSq].map(async (t) => Array.from(await t.contiguous().data())));
}

const bits = (values: number[][]) => values.map((row) => Array.from(new Uint32Array(Float32Array.from(row).buffer)));

const CASES: [string, Options, typeof torch.optim.Adam][] = [
  ['defaults', { lr: 0.01 }, torch.optim.Adam],
  [
    'weight decay, maximize, other betas and eps',
    { lr: 0.003, betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.1, maximize: true },
    torch.optim.Adam,
  ],
  ['AdamW', { lr: 0.01, weightDecay: 0.05 }, torch.optim.AdamW],
];

describe.each(devices)('Adam fused step on %s', (device) => {
  it.each(CASES)('gives the bits of the unfused ops: %s', async (_name, options, Optimizer) => {
    const fused = await stepped(device, true, options, Optimizer);
    const unfused = await stepped(device, false, options, Optimizer);
    if (device === 'cpu') expect(bits(fused)).toEqual(bits(unfused));
    else fused.flat().forEach((value, i) => expect(value).toBeCloseTo(unfused.flat()[i], 5));
  });
});

describe('Adam fused step across devices', () => {
  it.skipIf(!devices.includes('webgpu'))('webgpu agrees with the CPU', async () => {
    const onCpu = await stepped('cpu', true, { lr: 0.01, weightDecay: 0.01 });
    const onGpu = await stepped('webgpu', true, { lr: 0.01, weightDecay: 0.01 });
    onGpu.flat().forEach((value, i) => expect(value).toBeCloseTo(onCpu.flat()[i], 5));
  });
});
