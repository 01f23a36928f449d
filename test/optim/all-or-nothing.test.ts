// Updates are all or nothing: a gradient assignment, an optimizer step, clipGradNorm_ or a
// loadStateDict that fails leaves every parameter and every piece of optimizer state as it was.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices, expectNoGrowth } from '../helpers/devices.js';

const { nn } = torch;

/** Everything an update could touch, read back as plain numbers. */
async function snapshot(params: torch.Tensor[], optimizer?: torch.optim.Optimizer<torch.optim.OptimizerOptions>): Promise<unknown> {
  const state: unknown[] = [];
  for (const values of optimizer?.state.values() ?? []) {
    const entry: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(values)) entry[field] = value instanceof torch.Tensor ? await value.tolist() : value;
    state.push(entry);
  }
  return {
    params: await Promise.all(params.map((p) => p.tolist())),
    grads: await Promise.all(params.map((p) => p.grad?.tolist() ?? null)),
    state,
  };
}

describe.each(devices)('all-or-nothing updates (%s)', (device) => {
  const twoLayers = () => {
    torch.manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2)).to(device);
    const loss = model.forward(torch.randn(5, 3).to(device)).pow(2).sum();
    loss.backward();
    return model;
  };

  describe('assigning .grad checks it as PyTorch does', () => {
    it('refuses a gradient of another shape, dtype or device, or not a tensor, and keeps the old one', async () => {
      const p = torch.zeros(2, 3, { requiresGrad: true }).to(device);
      const old = torch.ones(2, 3).to(device);
      p.grad = old;
      expect(() => (p.grad = torch.zeros(3, 2).to(device))).toThrow(
        'grad: assigned grad has data of a different size: grad shape [3, 2], tensor shape [2, 3]',
      );
      expect(() => (p.grad = torch.zeros(2, 3, { dtype: 'int32' }).to(device))).toThrow(
        'grad: assigned grad has data of a different type: grad is int32, tensor is float32',
      );
      expect(() => (p.grad = [1, 2] as unknown as torch.Tensor)).toThrow(
        'grad: assigned grad expected to be a Tensor or null but got object',
      );
      const disposed = torch.zeros(2, 3).to(device);
      disposed.dispose();
      expect(() => (p.grad = disposed)).toThrow('grad: the assigned grad is a disposed tensor');
      if (devices.length > 1) {
        const other = devices.find((d) => d !== device)!;
        expect(() => (p.grad = torch.zeros(2, 3).to(other))).toThrow(
          `grad: assigned grad has data located on a different device: grad is on ${other}, tensor on ${device}`,
        );
      }
      expect(p.grad).toBe(old);
      p.grad = null;
      expect(p.grad).toBeNull();
    });
  });

  describe('an optimizer step that fails changes nothing', () => {
    for (const [name, make] of [
      ['Adam', (params: torch.Tensor[]) => new torch.optim.Adam(params, { lr: 0.1 })],
      ['SGD with momentum', (params: torch.Tensor[]) => new torch.optim.SGD(params, { lr: 0.1, momentum: 0.9 })],
      ['RMSprop', (params: torch.Tensor[]) => new torch.optim.RMSprop(params, { lr: 0.1 })],
      ['Adagrad', (params: torch.Tensor[]) => new torch.optim.Adagrad(params, { lr: 0.1 })],
      ['NAdam', (params: torch.Tensor[]) => new torch.optim.NAdam(params, { lr: 0.1 })],
      ['RAdam', (params: torch.Tensor[]) => new torch.optim.RAdam(params, { lr: 0.1 })],
      ['Adamax', (params: torch.Tensor[]) => new torch.optim.Adamax(params, { lr: 0.1 })],
      ['Adadelta', (params: torch.Tensor[]) => new torch.optim.Adadelta(params)],
    ] as const) {
      it(`${name}: a disposed gradient on a later parameter`, async () => {
        const model = twoLayers();
        const params = model.parameters();
        const optimizer = make(params);
        optimizer.step();
        const before = await snapshot(params, optimizer);
        params[params.length - 1].grad!.dispose();
        expect(() => optimizer.step()).toThrow(
          /step: the gradient of paramGroups\[0\]\.params\[3\] \(shape \[2\]\) is a disposed tensor; nothing was updated/,
        );
        params[params.length - 1].grad = null;
        expect(await snapshot(params, optimizer)).toEqual({
          ...(before as object),
          grads: [...(before as { grads: unknown[] }).grads.slice(0, -1), null],
        });
      });
    }

    it('LBFGS: a closure leaving a disposed gradient on a later parameter', async () => {
      const model = twoLayers();
      const params = model.parameters();
      const optimizer = new torch.optim.LBFGS(params, { maxIter: 3, lineSearchFn: 'strong_wolfe' });
      const evaluate = (breakLast: boolean) => () =>
        torch.scope(() => {
          optimizer.zeroGrad();
          const loss = model.forward(torch.ones(5, 3).to(device)).pow(2).sum();
          loss.backward();
          if (breakLast) params[params.length - 1].grad!.dispose();
          return loss.detach();
        });
      await optimizer.step(evaluate(false));
      const before = await snapshot(params);
      const counts = { ...optimizer.state.get(params[0]) };
      await expect(optimizer.step(evaluate(true))).rejects.toThrow(
        'LBFGS.step: the gradient of paramGroups[0].params[3] (shape [2]) is a disposed tensor; nothing was updated',
      );
      params[params.length - 1].grad = null;
      const after = (await snapshot(params)) as { params: unknown; grads: unknown[] };
      expect(after.params).toEqual((before as { params: unknown }).params);
      expect(optimizer.state.get(params[0])).toEqual(counts);
    });

    it('Adam: a disposed state tensor', async () => {
      const model = twoLayers();
      const params = model.parameters();
      const optimizer = new torch.optim.Adam(params);
      optimizer.step();
      const stateOfLast = optimizer.state.get(params[3])!;
      const expAvgSq = stateOfLast.expAvgSq as torch.Tensor;
      const copy = expAvgSq.clone();
      const before = await snapshot(params.slice(0, 3));
      expAvgSq.dispose();
      expect(() => optimizer.step()).toThrow(
        'Adam.step: the optimizer state expAvgSq of paramGroups[0].params[3] is a disposed tensor; nothing was updated',
      );
      expect(await snapshot(params.slice(0, 3))).toEqual(before);
      expect(optimizer.state.get(params[0])!.step).toBe(1);
      copy.dispose();
    });
  });

  describe('loadStateDict that fails changes nothing', () => {
    it('Optimizer.loadStateDict: a bad tensor in the state of a later parameter', async () => {
      const model = twoLayers();
      const params = model.parameters();
      const optimizer = new torch.optim.Adam(params);
      optimizer.step();
      const saved = optimizer.stateDict();
      optimizer.step();
      const before = await snapshot(params, optimizer);
      const memoryBefore = torch.memory();
      const bad = { ...saved, state: { ...saved.state, 3: { ...saved.state[3], expAvg: torch.zeros(7, { device }) } } };
      expect(() => optimizer.loadStateDict(bad)).toThrow(
        'Adam.loadStateDict: state[3].expAvg has shape [7], but parameter 3 has shape [2]',
      );
      (bad.state[3].expAvg as torch.Tensor).dispose();
      const disposed = torch.zeros(2, { device });
      disposed.dispose();
      expect(() => optimizer.loadStateDict({ ...saved, state: { ...saved.state, 3: { ...saved.state[3], expAvg: disposed } } })).toThrow(
        'Adam.loadStateDict: state[3].expAvg is a disposed tensor',
      );
      expect(await snapshot(params, optimizer)).toEqual(before);
      expectNoGrowth(device, memoryBefore);
    });

    it('Module.loadStateDict: one mismatched shape loads none of the others', async () => {
      const model = twoLayers();
      const params = model.parameters();
      const before = await snapshot(params);
      const stateDict = Object.fromEntries(Object.entries(model.stateDict()).map(([key, value]) => [key, torch.zerosLike(value)]));
      stateDict['2.bias'] = torch.zeros(3).to(device);
      expect(() => model.loadStateDict(stateDict)).toThrow(
        'size mismatch for 2.bias: copying a param with shape [3] from checkpoint, the shape in current model is [2].',
      );
      expect(await snapshot(params)).toEqual(before);
    });
  });

  describe('clipGradNorm_ that fails changes nothing', () => {
    it('a parameter list with a non-tensor after real ones', async () => {
      const model = twoLayers();
      const params = model.parameters();
      const before = await snapshot(params);
      expect(() => nn.utils.clipGradNorm_([...params, 'weight' as unknown as torch.Tensor], 0.01)).toThrow(
        'clipGradNorm_: parameters must be Tensors, but parameters[4] is string',
      );
      expect(await snapshot(params)).toEqual(before);
    });

    it('a disposed gradient after real ones', async () => {
      const model = twoLayers();
      const params = model.parameters();
      params[3].grad!.dispose();
      const before = await snapshot(params.slice(0, 3));
      expect(() => nn.utils.clipGradNorm_(params, 0.01)).toThrow('disposed');
      expect(await snapshot(params.slice(0, 3))).toEqual(before);
    });
  });
});
