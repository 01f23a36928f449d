// GroupNorm and InstanceNorm beyond the layer fixtures (test/nn/layers.test.ts checks outputs,
// gradients and running statistics against PyTorch 1.13): finite-difference gradients of the
// functional forms, their calling conventions, reprs and argument errors.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

const { nn } = torch;
const F = nn.functional;

describe('groupNorm and instanceNorm', () => {
  it('pass a finite-difference check for input, weight and bias', async () => {
    const leaf = (shape: number[]) => torch.randn(shape).requiresGrad_();
    const [x, w, b] = [leaf([2, 4, 3]), leaf([4]), leaf([4])];
    expect(await torch.autograd.gradcheck((input, weight, bias) => F.groupNorm(input, 2, weight, bias), [x, w, b], { eps: 1e-2 })).toBe(
      true,
    );
    expect(await torch.autograd.gradcheck((input, weight, bias) => F.instanceNorm(input, { weight, bias }), [x, w, b], { eps: 1e-2 })).toBe(
      true,
    );
    const [mean, variance] = [torch.randn([4]), torch.rand([4]).add(0.5)];
    expect(
      await torch.autograd.gradcheck((input, weight) => F.instanceNorm(input, mean, variance, weight, null, false), [x, w], { eps: 1e-2 }),
    ).toBe(true);
  });

  it('give the values their doc comments state, positionally or by name', () => {
    torch.scope(() => {
      const close = (t: torch.Tensor, expected: number[][][] | number[][]) =>
        expect((t.tolistSync() as number[][]).flat(2).map((v) => Math.round(v * 1e3) / 1e3)).toEqual(expected.flat(2));
      close(F.groupNorm(torch.tensor([[1, 3, 5, 9]]), 2), [[-1, 1, -1, 1]]);
      close(
        F.instanceNorm(
          torch.tensor([
            [
              [1, 3],
              [2, 6],
            ],
          ]),
        ),
        [
          [
            [-1, 1],
            [-1, 1],
          ],
        ],
      );
      const x = torch.randn([2, 4, 3]),
        w = torch.rand([4]);
      expect(F.groupNorm(x, 2, w, null, 1e-3).tolistSync()).toEqual(F.groupNorm(x, 2, { weight: w, eps: 1e-3 }).tolistSync());
    });
  });

  it('update running statistics as the mean over the batch of each instance', () => {
    torch.scope(() => {
      const x = torch.randn([3, 2, 5]);
      const runningMean = torch.zeros([2]),
        runningVar = torch.ones([2]);
      F.instanceNorm(x, runningMean, runningVar, { momentum: 0.5 });
      const expectedMean = x.mean(2).mean(0).mul(0.5);
      const expectedVar = x.var(2).mean(0).mul(0.5).add(0.5);
      expect(runningMean.sub(expectedMean).abs().max().itemSync()).toBeLessThan(1e-6);
      expect(runningVar.sub(expectedVar).abs().max().itemSync()).toBeLessThan(1e-6);
    });
  });

  it('modules print as PyTorch 1.13 prints them and keep its state-dict names', () => {
    expect(String(new nn.GroupNorm(2, 4))).toBe('GroupNorm(2, 4, eps=1e-05, affine=True)');
    expect(String(new nn.GroupNorm(2, 4, { eps: 1e-3, affine: false }))).toBe('GroupNorm(2, 4, eps=0.001, affine=False)');
    expect(String(new nn.InstanceNorm1d(3))).toBe('InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)');
    expect(String(new nn.InstanceNorm2d(3, { affine: true, trackRunningStats: true }))).toBe(
      'InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)',
    );
    expect(String(new nn.InstanceNorm1d(3, { momentum: null }))).toBe(
      'InstanceNorm1d(3, eps=1e-05, momentum=None, affine=False, track_running_stats=False)',
    );
    expect(Object.keys(new nn.InstanceNorm1d(3, { affine: true, trackRunningStats: true }).stateDict())).toEqual([
      'weight',
      'bias',
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    expect(Object.keys(new nn.InstanceNorm2d(3).stateDict())).toEqual([]);
    expect(Object.keys(new nn.GroupNorm(1, 3).stateDict())).toEqual(['weight', 'bias']);
  });

  it('refuse bad arguments, naming the op, the argument and the shapes', () => {
    const x = torch.randn([2, 6, 3]);
    expect(() => F.groupNorm(x, 4)).toThrow(
      'groupNorm: the number of channels in input must be divisible by numGroups, got input of shape [2, 6, 3] and numGroups=4',
    );
    expect(() => new nn.GroupNorm(4, 6)).toThrow(
      'GroupNorm: numChannels must be divisible by numGroups, got numChannels=6 and numGroups=4',
    );
    expect(() => F.groupNorm(x, 2, torch.ones([3]))).toThrow("groupNorm: weight must have shape [6] (the input's channels), got [3]");
    expect(() => F.groupNorm(torch.randn([6]), 2)).toThrow('groupNorm: input must be at least 2-D (N, C, *), got [6]');
    expect(() => new nn.GroupNorm(2, 4, { eps: 1e-3, num_channels: 4 } as never)).toThrow(
      /GroupNorm: unknown option 'num_channels'; did you mean 'numChannels'\?/,
    );
    expect(() => F.instanceNorm(x, { use_input_stats: false } as never)).toThrow(
      "instanceNorm: unknown option 'use_input_stats'; did you mean 'useInputStats'?",
    );
    expect(() => F.instanceNorm(torch.randn([2, 3, 1]))).toThrow(
      'instanceNorm: expected more than 1 spatial element when training, got input of shape [2, 3, 1]',
    );
    expect(() => F.instanceNorm(x, torch.zeros([6]), torch.ones([5]))).toThrow(
      "instanceNorm: runningVar must have shape [6] (the input's channels), got [5]",
    );
    expect(() => new nn.InstanceNorm1d(6).forward(torch.randn([2, 6, 3, 3]))).toThrow(
      'InstanceNorm1d: expected 2-D or 3-D input, got [2, 6, 3, 3]',
    );
    expect(() => new nn.InstanceNorm2d(6, { track_running_stats: true } as never)).toThrow(
      "InstanceNorm2d: unknown option 'track_running_stats'; did you mean 'trackRunningStats'?",
    );
    expect(() => new nn.InstanceNorm1d(6, { momentum: null }).forward(x)).toThrow('instanceNorm: momentum must be a number, got null');
  });
});
