// Programs the fuzzer once found a mismatch in, kept at the head of the corpus after the fix (see
// test/fuzz/README.md): each name says what was wrong.
import type { Program } from './program.js';

export const REGRESSIONS: { name: string; program: Program }[] = [
  {
    name: 'chunk of a zero-size dim gave one piece; PyTorch gives `chunks` empty pieces',
    program: {
      steps: [
        { op: 'input', args: [{ shape: [2, 0], dtype: 'float32', data: [], requiresGrad: true }] },
        { op: 'chunk', args: [{ ref: 0 }, 4, 1] },
        { op: 'exp', args: [{ ref: 4 }] },
      ],
      backward: { outputs: [5], upstream: [{ shape: [2, 0], dtype: 'float32', data: [] }] },
    },
  },
  {
    name: 'logsumexp over a zero-size dim threw; PyTorch gives -inf',
    program: {
      steps: [
        { op: 'input', args: [{ shape: [3, 0, 2], dtype: 'float32', data: [], requiresGrad: true }] },
        { op: 'logsumexp', args: [{ ref: 0 }, [1, 0], false] },
        { op: 'input', args: [{ shape: [2, 0], dtype: 'float32', data: [], requiresGrad: true }] },
        { op: 'logsumexp', args: [{ ref: 2 }, [-1], true] },
      ],
      backward: {
        outputs: [1, 3],
        upstream: [
          { shape: [2], dtype: 'float32', data: [0.5, -1.25] },
          { shape: [2, 1], dtype: 'float32', data: [1, 2] },
        ],
      },
    },
  },
  {
    name: 'sign passed g * 0 back, NaN under a NaN upstream gradient (std over one element); PyTorch gives 0',
    program: {
      steps: [
        { op: 'input', args: [{ shape: [3, 2, 1], dtype: 'float32', data: [1.6, -2.65, 1.04, 0, 0.791, -1.9], requiresGrad: true }] },
        { op: 'sign', args: [{ ref: 0 }] },
        { op: 'std', args: [{ ref: 1 }, [2], true, false] },
        { op: 'floor', args: [{ ref: 0 }] },
        { op: 'var', args: [{ ref: 3 }, [-1], true, false] },
      ],
      backward: {
        outputs: [2, 4],
        upstream: [
          { shape: [3, 2], dtype: 'float32', data: [0.623, 0.405, 1.33, 1.52, -0.118, -0.323] },
          { shape: [3, 2], dtype: 'float32', data: [1, -1, 2, 0.5, 0.25, 3] },
        ],
      },
    },
  },
  {
    name: 'remainder and floorDivide with infinite operands: floor(a / b) gave -inf for inf / b, -0 for -1 / inf, NaN remainders by inf; PyTorch gives NaN, -1, and a or b',
    program: {
      steps: [
        {
          op: 'input',
          args: [{ shape: [10], dtype: 'float32', data: ['-inf', 1, -1, 'inf', 5, -5, 7.5, -7.5, 3, 0], requiresGrad: true }],
        },
        {
          op: 'input',
          args: [{ shape: [10], dtype: 'float32', data: [0.585, 'inf', 'inf', 'inf', 0, 0, 2, 2, '-inf', '-inf'], requiresGrad: true }],
        },
        { op: 'remainder', args: [{ ref: 0 }, { ref: 1 }] },
        { op: 'input', args: [{ shape: [10], dtype: 'float32', data: ['-inf', 1, -1, 'inf', 5, -5, 7.5, -7.5, 3, 0] }] },
        { op: 'input', args: [{ shape: [10], dtype: 'float32', data: [0.585, 'inf', 'inf', 'inf', 0, 0, 2, 2, '-inf', '-inf'] }] },
        { op: 'floorDivide', args: [{ ref: 3 }, { ref: 4 }] },
      ],
      backward: { outputs: [2], upstream: [{ shape: [10], dtype: 'float32', data: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] }] },
    },
  },
  {
    name: 'max()/min() under a NaN upstream gradient (sin of a NaN maximum) gave every element NaN; PyTorch gives the non-maximal ones 0',
    program: {
      steps: [
        { op: 'input', args: [{ shape: [2, 3], dtype: 'float32', data: [-0.525, 'nan', 1.23, 'inf', 0, -1], requiresGrad: true }] },
        { op: 'minAll', args: [{ ref: 0 }] },
        { op: 'sin', args: [{ ref: 1 }] },
        { op: 'input', args: [{ shape: [3], dtype: 'float32', data: [0.5, 'inf', 0.5], requiresGrad: true }] },
        { op: 'maxAll', args: [{ ref: 3 }] },
        { op: 'sin', args: [{ ref: 4 }] },
      ],
      backward: {
        outputs: [2, 5],
        upstream: [
          { shape: [], dtype: 'float32', data: [0.351] },
          { shape: [], dtype: 'float32', data: [1.5] },
        ],
      },
    },
  },
];
