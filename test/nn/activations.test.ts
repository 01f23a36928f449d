// The activations of torch.nn.functional and their modules, beyond what the PyTorch fixtures cover
// (test/fixtures/ops/activations.json for values and gradients on both devices, nn_layers.json for
// the modules): PyTorch's calling convention (positional or by name), in-place forms, printing,
// and the errors a PyTorch user's habits produce.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

const { nn } = torch;
const F = nn.functional;

const values = () => torch.tensor([-2, -0.5, 0.5, 2]);

describe('calling convention', () => {
  it('takes each parameter positionally or by name, as Python does', () => {
    const byPosition = F.elu(values(), 0.5).tolistSync();
    expect(F.elu(values(), { alpha: 0.5 }).tolistSync()).toEqual(byPosition);
    expect(F.softplus(values(), 2, 1).tolistSync()).toEqual(F.softplus(values(), { beta: 2, threshold: 1 }).tolistSync());
    expect(F.softplus(values(), 2, 1).tolistSync()).toEqual(F.softplus(values(), 2, { threshold: 1 }).tolistSync());
    expect(F.hardtanh(values(), { maxVal: 0.25 }).tolistSync()).toEqual([-1, -0.5, 0.25, 0.25]);
    expect(F.glu(torch.ones(2, 4, 6), { dim: 1 }).shape).toEqual([2, 2, 6]);
  });

  it('refuses what Python would: unknown or snake_case names, a name given twice, a wrong kind, too many arguments', () => {
    expect(() => F.hardtanh(values(), { min_val: 0 } as never)).toThrow(
      "hardtanh: unknown option 'min_val'; did you mean 'minVal'? (accepted: input, minVal, maxVal, inplace)",
    );
    expect(() => F.elu(values(), 0.5, { alpha: 1 } as never)).toThrow(
      "elu: got two values for 'alpha', one positional and one in the options",
    );
    expect(() => F.elu(values(), values() as never)).toThrow('elu: alpha must be a number, got a float32 tensor of shape [4]');
    expect(() => (F.softplus as (...args: unknown[]) => unknown)(values(), 1, 20, 5)).toThrow(
      'softplus: takes 3 arguments (input, beta, threshold), got 4',
    );
    expect(() => F.silu(undefined as never)).toThrow("silu: missing the argument 'input'");
    expect(() => F.glu(values(), 0.5 as never)).toThrow('glu: dim must be an integer, got number 0.5');
    expect(() => new nn.PReLU({ num_parameters: 3 } as never)).toThrow(
      "PReLU: unknown option 'num_parameters'; did you mean 'numParameters'?",
    );
  });

  it('refuses integer inputs where PyTorch has no integer kernel, and clamps them where it has', () => {
    const ints = torch.tensor([-3, 0, 4, 9], { dtype: 'int32' });
    for (const fn of [F.silu, F.elu, F.selu, F.softplus, F.mish, F.logsigmoid]) {
      expect(() => fn(ints)).toThrow(/must have dtype float32, got int32/);
    }
    const clamped = F.relu6(ints);
    expect(clamped.dtype).toBe('int32');
    expect(clamped.tolistSync()).toEqual([0, 0, 4, 6]);
  });
});

describe('in-place forms', () => {
  it('write into the input and return it', () => {
    for (const fn of [
      (x: torch.Tensor) => F.silu(x, true),
      (x: torch.Tensor) => F.elu(x, 1, true),
      (x: torch.Tensor) => F.mish(x, { inplace: true }),
      (x: torch.Tensor) => F.hardtanh(x, -1, 1, true),
      (x: torch.Tensor) => F.relu6(x, true),
    ]) {
      const x = values();
      const expected = fn(values().clone()).tolistSync();
      expect(fn(x)).toBe(x);
      expect(x.tolistSync()).toEqual(expected);
    }
  });

  it('differentiate through a non-leaf and refuse a leaf that requires grad, as PyTorch does', () => {
    const leaf = torch.tensor([-1, 0.5, 2], { requiresGrad: true });
    expect(() => F.silu(leaf, true)).toThrow(/leaf/);
    const doubled = leaf.mul(2);
    F.silu(doubled, true).sum().backward();
    const x = leaf.detach().mul(2);
    const s = x.sigmoid();
    const expected = s
      .mul(x.mul(s.neg().add(1)).add(1))
      .mul(2)
      .tolistSync() as number[];
    (leaf.grad!.tolistSync() as number[]).forEach((g, i) => expect(g).toBeCloseTo(expected[i], 6));
  });
});

describe('modules', () => {
  it('print as PyTorch 1.13 prints them', () => {
    expect(String(new nn.SiLU())).toBe('SiLU()');
    expect(String(new nn.SiLU(true))).toBe('SiLU(inplace=True)');
    expect(String(new nn.ELU({ alpha: 0.5 }))).toBe('ELU(alpha=0.5)');
    expect(String(new nn.SELU())).toBe('SELU()');
    expect(String(new nn.Softplus(2, 5))).toBe('Softplus(beta=2, threshold=5)');
    expect(String(new nn.Hardtanh())).toBe('Hardtanh(min_val=-1.0, max_val=1.0)');
    expect(String(new nn.ReLU6())).toBe('ReLU6()');
    expect(String(new nn.GLU())).toBe('GLU(dim=-1)');
    expect(String(new nn.PReLU(3))).toBe('PReLU(num_parameters=3)');
  });

  it('PReLU learns one slope or one per channel, and names the mismatch otherwise', () => {
    const prelu = new nn.PReLU(3, 0.1);
    expect(prelu.weight.tolistSync()).toEqual([0.1, 0.1, 0.1].map(Math.fround));
    expect(Object.keys(prelu.stateDict())).toEqual(['weight']);
    const out = prelu.forward(torch.tensor([[[-1, 1]], [[-2, 2]], [[-3, 3]]]).permute(1, 0, 2));
    out.sum().backward();
    expect(prelu.weight.grad!.tolistSync()).toEqual([-1, -2, -3]);
    expect(() => prelu.forward(torch.ones(2, 4))).toThrow(
      'prelu: weight has 3 elements but the input (shape [2, 4]) has 4 channels; give 1 weight or one per channel',
    );
    expect(() => new nn.Hardtanh(1, -1)).toThrow('Hardtanh: maxVal (-1) must be greater than minVal (1)');
  });

  it('GLU needs an even size along its dim', () => {
    expect(() => new nn.GLU(0).forward(torch.ones(3, 2))).toThrow(
      'glu: halving dimension must be even, but dimension 0 is size 3 (input shape [3, 2])',
    );
  });
});
