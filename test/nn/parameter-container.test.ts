// nn.ParameterList, nn.ParameterDict, nn.CosineSimilarity and nn.PairwiseDistance: registration
// under PyTorch 1.13's state-dict keys, the list and dict operations, and reprs as PyTorch prints
// them (the expected strings are PyTorch 1.13's output for the same containers).
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

const { nn } = torch;
const F = nn.functional;

class Model extends nn.Module {
  fc = new nn.Linear(2, 2);
  scales = new nn.ParameterList([torch.ones(3)]);
  heads = new nn.ParameterDict({ b: new nn.Parameter(torch.zeros([])), a: new nn.Parameter(torch.zeros(2, 2)) });
}

describe('ParameterList and ParameterDict', () => {
  it("register their parameters under PyTorch's keys and print as PyTorch does", () => {
    const model = new Model();
    expect(Object.keys(model.stateDict())).toEqual(['fc.weight', 'fc.bias', 'scales.0', 'heads.a', 'heads.b']);
    expect(model.parameters().length).toBe(5);
    expect(String(model)).toBe(
      'Model(\n  (fc): Linear(in_features=2, out_features=2, bias=True)\n  (scales): ParameterList(  (0): Parameter containing: [torch.float32 of size 3])\n  (heads): ParameterDict(\n      (a): Parameter containing: [torch.FloatTensor of size 2x2]\n      (b): Parameter containing: [torch.FloatTensor of size ]\n  )\n)',
    );
    expect(String(new nn.ParameterList([torch.zeros(2, 3), torch.zeros(4)]))).toBe(
      'ParameterList(\n    (0): Parameter containing: [torch.float32 of size 2x3]\n    (1): Parameter containing: [torch.float32 of size 4]\n)',
    );
    expect(String(new nn.ParameterDict({ w: torch.zeros(2), v: torch.zeros(3, 4) }))).toBe(
      'ParameterDict(\n    (v): Parameter containing: [torch.FloatTensor of size 3x4]\n    (w): Parameter containing: [torch.FloatTensor of size 2]\n)',
    );
    expect(String(new nn.ParameterList())).toBe('ParameterList()');
    expect(String(new nn.ParameterDict())).toBe('ParameterDict()');
  });

  it('ParameterList appends, extends, replaces, indexes and iterates as a list', () => {
    const list = new nn.ParameterList([torch.ones(1)]);
    list.append(torch.ones(2)).extend([torch.ones(3), torch.ones(4)]);
    expect(list.length).toBe(4);
    expect([...list].map((p) => p.shape[0])).toEqual([1, 2, 3, 4]);
    expect(list[1]).toBeInstanceOf(nn.Parameter);
    expect(list[1].requiresGrad).toBe(true);
    expect(list.at(-1).shape).toEqual([4]);
    list.set(0, torch.zeros(5));
    expect(Object.keys(list.stateDict())).toEqual(['0', '1', '2', '3']);
    expect(list[0].shape).toEqual([5]);
    const kept = new nn.Parameter(torch.ones(2), false);
    expect(list.append(kept).at(4)).toBe(kept);
    expect(() => list.at(5)).toThrow('ParameterList.at: index 5 is out of range for 5 parameters');
    expect(() => list.append(3 as never)).toThrow('ParameterList.append: expected a Tensor or nn.Parameter, got number');
  });

  it('ParameterDict gets, sets, deletes and iterates as a dict, keeping Map order', () => {
    const dict = new nn.ParameterDict(
      new Map([
        ['z', torch.ones(1)],
        ['a', torch.ones(2)],
      ]),
    );
    expect([...dict]).toEqual(['z', 'a']);
    dict.set('m', torch.ones(3)).set('z', torch.zeros(4));
    expect([...dict.keys()]).toEqual(['z', 'a', 'm']);
    expect(dict.get('z').shape).toEqual([4]);
    expect((dict as unknown as Record<string, torch.Tensor>).m.shape).toEqual([3]);
    expect(dict.has('a') && dict.delete('a')).toBe(true);
    expect(dict.has('a')).toBe(false);
    expect(dict.pop('m').shape).toEqual([3]);
    expect([...dict.items()].map(([key, p]) => [key, p.shape])).toEqual([['z', [4]]]);
    expect(Object.keys(dict.stateDict())).toEqual(['z']);
    expect(() => dict.get('q')).toThrow("ParameterDict: no parameter under key 'q' (keys: 'z')");
    dict.clear();
    expect(dict.length).toBe(0);
  });

  it('load state dicts by those keys', () => {
    const source = new Model();
    const target = new Model();
    target.loadStateDict(source.stateDict());
    expect(target.scales[0].tolistSync()).toEqual(source.scales[0].tolistSync());
  });
});

describe('CosineSimilarity and PairwiseDistance', () => {
  it('compute their functional forms, with options positionally or by name, and print as PyTorch does', () => {
    torch.scope(() => {
      const x = torch.randn([4, 3]),
        y = torch.randn([4, 3]);
      expect((new nn.CosineSimilarity().forward(torch.tensor([[1, 0]]), torch.tensor([[1, 1]])).tolistSync() as number[])[0]).toBeCloseTo(
        Math.SQRT1_2,
        4,
      );
      expect(new nn.CosineSimilarity({ dim: 0, eps: 1e-6 }).forward(x, y).tolistSync()).toEqual(
        F.cosineSimilarity(x, y, 0, 1e-6).tolistSync(),
      );
      expect(new nn.PairwiseDistance(1, { keepdim: true }).forward(x, y).tolistSync()).toEqual(
        F.pairwiseDistance(x, y, { p: 1, keepdim: true }).tolistSync(),
      );
      expect(String(new nn.CosineSimilarity())).toBe('CosineSimilarity()');
      expect(String(new nn.PairwiseDistance({ keepdim: true }))).toBe('PairwiseDistance()');
      expect(() => new nn.PairwiseDistance({ keep_dim: true } as never)).toThrow(
        "PairwiseDistance: unknown option 'keep_dim'; did you mean 'keepdim'?",
      );
    });
  });
});
