// One calling convention everywhere (issue 11 item 7): every argument PyTorch takes by keyword works
// in the trailing options object, and every argument error names the op and the parameter, showing
// a wrong value by its kind and shape, never as `[object Object]` or a whole tensor.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

const { nn } = torch;
const F = nn.functional;

const x = () =>
  torch.tensor([
    [1, 5, 3],
    [4, 2, 6],
  ]);
const index = () =>
  torch.tensor(
    [
      [0, 2],
      [1, 0],
    ],
    { dtype: 'int32' },
  );
/** Ones to drop out, after reseeding, so that both forms draw the same mask. */
function seeded(): torch.Tensor {
  torch.manualSeed(3);
  return torch.ones(4, 4);
}
const rows = () => torch.tensor([1, 0], { dtype: 'int32' });

/** A result as plain data: tensors as nested lists, `{ values, indices }` and lists of tensors through. */
function plain(result: unknown): unknown {
  if (result instanceof torch.Tensor) return { dtype: result.dtype, shape: result.shape, data: result.tolistSync() };
  if (Array.isArray(result)) return result.map(plain);
  if (result !== null && typeof result === 'object') return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, plain(v)]));
  return result;
}

/** Each PyTorch keyword form, beside the positional form it must equal. */
const KEYWORD_FORMS: [string, () => unknown, () => unknown][] = [
  ['F.softmax(x, { dim: 1 })', () => F.softmax(x(), { dim: 1 }), () => F.softmax(x(), 1)],
  ['x.logSoftmax({ dim: 0, dtype })', () => x().logSoftmax({ dim: 0, dtype: 'float32' }), () => x().logSoftmax(0, 'float32')],
  ['x.argmax({ dim: 1 })', () => x().argmax({ dim: 1 }), () => x().argmax(1)],
  ['torch.argmin(x, { dim: 0, keepdim: true })', () => torch.argmin(x(), { dim: 0, keepdim: true }), () => torch.argmin(x(), 0, true)],
  ['x.sum({ dim: 1, keepdim: true })', () => x().sum({ dim: 1, keepdim: true }), () => x().sum(1, true)],
  ['torch.sum(x, 1, { keepdim: true })', () => torch.sum(x(), 1, { keepdim: true }), () => torch.sum(x(), 1, true)],
  ['x.mean({ dim: [0, 1] })', () => x().mean({ dim: [0, 1] }), () => x().mean([0, 1])],
  ['x.prod({ dim: 1 })', () => x().prod({ dim: 1 }), () => x().prod(1)],
  ['x.max({ dim: 1 })', () => x().max({ dim: 1 }), () => x().max(1)],
  ['torch.min(x, { dim: 0, keepdim: true })', () => torch.min(x(), { dim: 0, keepdim: true }), () => torch.min(x(), 0, true)],
  ['x.var({ dim: 1, unbiased: false })', () => x().var({ dim: 1, unbiased: false }), () => x().var(1, false)],
  [
    'x.std({ dim: 0, correction: 0, keepdim: true })',
    () => x().std({ dim: 0, correction: 0, keepdim: true }),
    () => x().std(0, false, true),
  ],
  ['x.logsumexp({ dim: 1 })', () => x().logsumexp({ dim: 1 }), () => x().logsumexp(1)],
  ['x.amax({ dim: 1 })', () => x().amax({ dim: 1 }), () => x().amax(1)],
  ['x.any({ dim: 1 })', () => x().gt(4).any({ dim: 1 }), () => x().gt(4).any(1)],
  ['torch.cat([x, x], { dim: 1 })', () => torch.cat([x(), x()], { dim: 1 }), () => torch.cat([x(), x()], 1)],
  ['torch.stack([x, x], { dim: 2 })', () => torch.stack([x(), x()], { dim: 2 }), () => torch.stack([x(), x()], 2)],
  ['x.split({ splitSizeOrSections: 2, dim: 1 })', () => x().split({ splitSizeOrSections: 2, dim: 1 }), () => x().split(2, 1)],
  ['x.chunk(3, { dim: 1 })', () => x().chunk(3, { dim: 1 }), () => x().chunk(3, 1)],
  ['x.unbind({ dim: 1 })', () => x().unbind({ dim: 1 }), () => x().unbind(1)],
  ['x.squeeze({ dim: 0 })', () => x().reshape(1, 6).squeeze({ dim: 0 }), () => x().reshape(1, 6).squeeze(0)],
  ['x.unsqueeze({ dim: -1 })', () => x().unsqueeze({ dim: -1 }), () => x().unsqueeze(-1)],
  ['x.flatten({ startDim: 1 })', () => x().reshape(1, 2, 3).flatten({ startDim: 1 }), () => x().reshape(1, 2, 3).flatten(1)],
  ['x.unflatten(1, { sizes })', () => x().unflatten(1, { sizes: [3, 1] } as never), () => x().unflatten(1, [3, 1])],
  ['x.transpose({ dim0: 0, dim1: 1 })', () => x().transpose({ dim0: 0, dim1: 1 }), () => x().transpose(0, 1)],
  ['x.narrow(1, { start: 1, length: 2 })', () => x().narrow(1, { start: 1, length: 2 }), () => x().narrow(1, 1, 2)],
  ['x.select({ dim: 1, index: 2 })', () => x().select({ dim: 1, index: 2 }), () => x().select(1, 2)],
  ['x.sort({ dim: 0, descending: true })', () => x().sort({ dim: 0, descending: true }), () => x().sort(0, true)],
  ['torch.argsort(x, { descending: true })', () => torch.argsort(x(), { descending: true }), () => torch.argsort(x(), -1, true)],
  ['x.topk({ k: 2, largest: false })', () => x().topk({ k: 2, largest: false }), () => x().topk(2, -1, false)],
  ['x.gather({ dim: 1, index })', () => x().gather({ dim: 1, index: index() }), () => x().gather(1, index())],
  ['torch.indexSelect(x, 0, { index })', () => torch.indexSelect(x(), 0, { index: rows() }), () => torch.indexSelect(x(), 0, rows())],
  ['torch.oneHot(t, { numClasses: 3 })', () => torch.oneHot(rows(), { numClasses: 3 }), () => torch.oneHot(rows(), 3)],
  ['x.clamp({ min: 2, max: 4 })', () => x().clamp({ min: 2, max: 4 }), () => x().clamp(2, 4)],
  ['torch.clamp(x, 2, { max: 4 })', () => torch.clamp(x(), 2, { max: 4 }), () => torch.clamp(x(), 2, 4)],
  ['F.relu(x, { inplace: true })', () => F.relu(x(), { inplace: true }), () => F.relu(x(), true)],
  ['F.leakyRelu(x, { negativeSlope })', () => F.leakyRelu(x().neg(), { negativeSlope: 0.2 }), () => F.leakyRelu(x().neg(), 0.2)],
  ['F.dropout(x, { p: 0.5 })', () => F.dropout(seeded(), { p: 0.5 }), () => F.dropout(seeded(), 0.5)],
  ['F.dropout(x, { training: false })', () => F.dropout(x(), { training: false }), () => F.dropout(x(), 0.5, false)],
  [
    'torch.dropout(x, { p, training })',
    () => torch.dropout(seeded(), { p: 0.25, training: true }),
    () => torch.dropout(seeded(), 0.25, true),
  ],
  ['new nn.Dropout({ p: 0.2 })', () => new nn.Dropout({ p: 0.2 }).extraRepr(), () => new nn.Dropout(0.2).extraRepr()],
  [
    'new nn.Dropout(0.2, { inplace })',
    () => new nn.Dropout(0.2, { inplace: true }).extraRepr(),
    () => new nn.Dropout(0.2, true).extraRepr(),
  ],
  ['x.sum({ dim: 1, dtype })', () => x().sum({ dim: 1, dtype: 'int32' }), () => x().sum(1, false, { dtype: 'int32' })],
  ['torch.prod(x, 1, { dtype })', () => torch.prod(x(), 1, { dtype: 'int32' }), () => torch.prod(x(), { dim: 1, dtype: 'int32' })],
  ['x.scatter({ dim, index, src })', () => x().scatter({ dim: 1, index: index(), src: x() }), () => x().scatter(1, index(), x())],
  ['x.scatter(1, index, { value })', () => x().scatter(1, index(), { value: 7 }), () => x().scatter(1, index(), 7)],
  [
    'torch.scatter(x, { dim, index, src })',
    () => torch.scatter(x(), { dim: 1, index: index(), src: x() }),
    () => torch.scatter(x(), 1, index(), x()),
  ],
  ['x.scatter_({ dim, index, value })', () => x().scatter_({ dim: 1, index: index(), value: 0 }), () => x().scatter_(1, index(), 0)],
  ['x.scatterAdd(1, { index, src })', () => x().scatterAdd(1, { index: index(), src: x() }), () => x().scatterAdd(1, index(), x())],
  [
    'torch.scatterAdd(x, { dim, index, src })',
    () => torch.scatterAdd(x(), { dim: 1, index: index(), src: x() }),
    () => torch.scatterAdd(x(), 1, index(), x()),
  ],
  [
    'x.scatterAdd_({ dim, index, src })',
    () => x().scatterAdd_({ dim: 1, index: index(), src: x() }),
    () => x().scatterAdd_(1, index(), x()),
  ],
  [
    'new nn.Flatten({ startDim, endDim })',
    () => new nn.Flatten({ startDim: 0, endDim: 1 }).forward(x().reshape(1, 2, 3)),
    () => new nn.Flatten(0, 1).forward(x().reshape(1, 2, 3)),
  ],
  ['new nn.Flatten(0, { endDim })', () => String(new nn.Flatten(0, { endDim: 1 })), () => String(new nn.Flatten(0, 1))],
  [
    'new nn.Unflatten({ dim, unflattenedSize })',
    () => new nn.Unflatten({ dim: 1, unflattenedSize: [3, 1] }).forward(x()),
    () => new nn.Unflatten(1, [3, 1]).forward(x()),
  ],
  [
    'new nn.Unflatten(1, { unflattenedSize })',
    () => String(new nn.Unflatten(1, { unflattenedSize: [3, 1] })),
    () => String(new nn.Unflatten(1, [3, 1])),
  ],
  ['F.pad(x, [1, 1], "constant", { value })', () => F.pad(x(), [1, 1], 'constant', { value: 2 }), () => F.pad(x(), [1, 1], 'constant', 2)],
  ['F.pad(x, { pad, mode })', () => F.pad(x(), { pad: [1, 1], mode: 'replicate' }), () => F.pad(x(), [1, 1], 'replicate')],
  [
    'F.interpolate(x, null, 2, "nearest")',
    () => F.interpolate(x().reshape(1, 1, 6), null, 2, 'nearest'),
    () => F.interpolate(x().reshape(1, 1, 6), { scaleFactor: 2, mode: 'nearest' }),
  ],
  [
    'F.ctcLoss(logProbs, targets, inputLengths, targetLengths, blank, reduction, zeroInfinity)',
    () => F.ctcLoss(torch.zeros(4, 1, 3).logSoftmax(2), torch.tensor([[1, 2]], { dtype: 'int32' }), [4], [2], 0, 'sum', true),
    () =>
      F.ctcLoss(torch.zeros(4, 1, 3).logSoftmax(2), torch.tensor([[1, 2]], { dtype: 'int32' }), [4], [2], {
        reduction: 'sum',
        zeroInfinity: true,
      }),
  ],
  ['new nn.Softmax({ dim: 1 })', () => new nn.Softmax({ dim: 1 }).forward(x()), () => new nn.Softmax(1).forward(x())],
  ['new nn.ReLU({ inplace })', () => new nn.ReLU({ inplace: true }).extraRepr(), () => new nn.ReLU(true).extraRepr()],
  [
    'new nn.LeakyReLU({ negativeSlope })',
    () => new nn.LeakyReLU({ negativeSlope: 0.3 }).extraRepr(),
    () => new nn.LeakyReLU(0.3).extraRepr(),
  ],
];

describe('keyword forms equal the positional forms', () => {
  it.each(KEYWORD_FORMS)('%s', (_, keyword, positional) => {
    torch.scope(() => {
      expect(plain(keyword())).toEqual(plain(positional()));
    });
  });

  it('cat promotes mixed dtypes as torch.result_type over the list, and only float inputs get gradients', () => {
    const flags = torch.tensor([true, false]);
    const counts = torch.tensor([2, 3], { dtype: 'int32' });
    const weights = torch.tensor([0.5, 1.5], { requiresGrad: true });
    expect(torch.cat([flags, counts]).dtype).toBe('int32');
    expect(torch.cat([flags, weights]).dtype).toBe('float32');
    const all = torch.cat([flags, counts, weights], { dim: 0 });
    expect(plain(all)).toEqual({ dtype: 'float32', shape: [6], data: [1, 0, 2, 3, 0.5, 1.5] });
    all.mul(torch.arange(6)).sum().backward();
    expect(weights.grad!.tolistSync()).toEqual([4, 5]);
    expect(flags.grad).toBeNull();
  });

  it('a snake_case keyword suggests the camelCase name', () => {
    expect(() => x().flatten({ start_dim: 1 } as never)).toThrow("flatten: unknown option 'start_dim'; did you mean 'startDim'?");
    expect(() => x().topk(1, { largest: true, sorted: true, is_sorted: 1 } as never)).toThrow("topk: unknown option 'is_sorted'");
    expect(() => (torch.cat as (...args: unknown[]) => unknown)([x()], 0, { dim: 1 })).toThrow(
      "cat: got two values for 'dim', one positional and one in the options",
    );
  });
});

/**
 * The public ops whose arguments bind through src/ops/signature.ts: a call with valid arguments, and
 * the name of the parameter in each positional slot (null: a slot this sweep leaves alone, as max's
 * dim, which takes a Tensor for the elementwise form).
 */
const SWEEP: Record<string, [fn: (...args: never[]) => unknown, args: () => unknown[], params: (string | null)[]]> = {
  sum: [torch.sum, () => [x(), 1, true], ['input', 'dim', 'keepdim']],
  mean: [torch.mean, () => [x(), 1, true], ['input', 'dim', 'keepdim']],
  prod: [torch.prod, () => [x(), 1, true], ['input', 'dim', 'keepdim']],
  max: [torch.max, () => [x(), 1, true], ['input', null, 'keepdim']],
  min: [torch.min, () => [x(), 1, true], ['input', null, 'keepdim']],
  argmax: [torch.argmax, () => [x(), 1, true], ['input', 'dim', 'keepdim']],
  argmin: [torch.argmin, () => [x(), 1, true], ['input', 'dim', 'keepdim']],
  var: [torch.var, () => [x(), 1, true, true], ['input', 'dim', 'unbiased', 'keepdim']],
  std: [torch.std, () => [x(), 1, true, true], ['input', 'dim', 'unbiased', 'keepdim']],
  logsumexp: [torch.logsumexp, () => [x(), 1, true], ['input', 'dim', 'keepdim']],
  amax: [torch.amax, () => [x(), 1, true], ['input', 'dim', 'keepdim']],
  amin: [torch.amin, () => [x(), 1, true], ['input', 'dim', 'keepdim']],
  any: [torch.any, () => [x(), 1, true], ['input', 'dim', 'keepdim']],
  all: [torch.all, () => [x(), 1, true], ['input', 'dim', 'keepdim']],
  norm: [torch.norm, () => [x(), 2, 1, true], ['input', 'p', 'dim', 'keepdim']],
  softmax: [torch.softmax, () => [x(), 1, 'float32'], ['input', 'dim', 'dtype']],
  logSoftmax: [F.logSoftmax, () => [x(), 1, 'float32'], ['input', 'dim', 'dtype']],
  dropout: [torch.dropout, () => [x(), 0.5, true], ['input', 'p', 'training']],
  'F.dropout': [F.dropout, () => [x(), 0.5, true, false], ['input', 'p', 'training', 'inplace']],
  cat: [torch.cat, () => [[x(), x()], 1], ['tensors', 'dim']],
  stack: [torch.stack, () => [[x(), x()], 1], ['tensors', 'dim']],
  split: [torch.split, () => [x(), 1, 1], ['input', 'splitSizeOrSections', 'dim']],
  chunk: [torch.chunk, () => [x(), 2, 1], ['input', 'chunks', 'dim']],
  unbind: [torch.unbind, () => [x(), 1], ['input', 'dim']],
  squeeze: [torch.squeeze, () => [x(), 0], ['input', 'dim']],
  unsqueeze: [torch.unsqueeze, () => [x(), 0], ['input', 'dim']],
  flatten: [torch.flatten, () => [x(), 0, 1], ['input', 'startDim', 'endDim']],
  unflatten: [torch.unflatten, () => [x(), 1, [3, 1]], ['input', 'dim', 'sizes']],
  transpose: [torch.transpose, () => [x(), 0, 1], ['input', 'dim0', 'dim1']],
  narrow: [torch.narrow, () => [x(), 1, 0, 1], ['input', 'dim', 'start', 'length']],
  select: [torch.select, () => [x(), 1, 0], ['input', 'dim', 'index']],
  sort: [torch.sort, () => [x(), 1, true, true], ['input', 'dim', 'descending', 'stable']],
  argsort: [torch.argsort, () => [x(), 1, true], ['input', 'dim', 'descending']],
  topk: [torch.topk, () => [x(), 1, 1, true, true], ['input', 'k', 'dim', 'largest', 'sorted']],
  gather: [torch.gather, () => [x(), 1, index()], ['input', 'dim', 'index']],
  indexSelect: [torch.indexSelect, () => [x(), 0, rows()], ['input', 'dim', 'index']],
  oneHot: [torch.oneHot, () => [rows(), 3], ['tensor', 'numClasses']],
  scatter: [torch.scatter, () => [x(), 1, index(), x()], ['input', 'dim', 'index', 'src']],
  scatterAdd: [torch.scatterAdd, () => [x(), 1, index(), x()], ['input', 'dim', 'index', 'src']],
  pad: [F.pad, () => [x(), [1, 1], 'constant', 0], ['input', 'pad', 'mode', 'value']],
  clamp: [torch.clamp, () => [x(), 0, 1], ['input', 'min', 'max']],
  flip: [torch.flip, () => [x(), [0]], ['input', 'dims']],
  roll: [torch.roll, () => [x(), 1, 0], ['input', 'shifts', 'dims']],
  triu: [torch.triu, () => [x(), 0], ['input', 'diagonal']],
  diag: [torch.diag, () => [x(), 0], ['input', 'diagonal']],
  relu: [F.relu, () => [x(), false], ['input', 'inplace']],
  leakyRelu: [F.leakyRelu, () => [x(), 0.1, false], ['input', 'negativeSlope', 'inplace']],
  elu: [F.elu, () => [x(), 1, false], ['input', 'alpha', 'inplace']],
  softplus: [F.softplus, () => [x(), 1, 20], ['input', 'beta', 'threshold']],
  glu: [F.glu, () => [torch.ones(2, 4), 1], ['input', 'dim']],
  Dropout: [(...args: never[]) => new nn.Dropout(...args), () => [0.5, false], ['p', 'inplace']],
  Softmax: [(...args: never[]) => new nn.Softmax(...args), () => [1], ['dim']],
  Flatten: [(...args: never[]) => new nn.Flatten(...args), () => [0, 1], ['startDim', 'endDim']],
  Unflatten: [
    (...args: never[]) => new (nn.Unflatten as new (...a: never[]) => unknown)(...args),
    () => [1, [3, 1]],
    ['dim', 'unflattenedSize'],
  ],
  ReLU: [(...args: never[]) => new nn.ReLU(...args), () => [false], ['inplace']],
  LeakyReLU: [(...args: never[]) => new nn.LeakyReLU(...args), () => [0.1, false], ['negativeSlope', 'inplace']],
};

/** An argument error's message, checked to name the op and to show no value as `[object Object]` or a tensor dump. */
function refusal(op: string, call: () => unknown): string {
  let message: string | null = null;
  try {
    call();
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message, `${op} accepted the call`).not.toBeNull();
  expect(message).toContain(`${op}:`);
  expect(message).not.toContain('[object');
  expect(message).not.toMatch(/tensor\(|\[\[/);
  return message!;
}

describe('argument errors name the op and the parameter', () => {
  for (const [label, [fn, validArgs, params]] of Object.entries(SWEEP)) {
    const op = label.replace(/^F\./, '');
    it(`${label} accepts its valid arguments`, () => {
      torch.scope(() => {
        expect(() => fn(...(validArgs() as never[]))).not.toThrow();
      });
    });
    params.forEach((param, slot) => {
      if (param === null) return;
      it(`${label}: ${param} given an options object or a value of the wrong kind`, () => {
        torch.scope(() => {
          const withValue = (value: unknown) => () => {
            const args = validArgs();
            args[slot] = value;
            return fn(...(args as never[]));
          };
          const valid = validArgs()[slot];
          const wrong = valid instanceof torch.Tensor ? 'oops' : torch.ones(4, 4);
          expect(refusal(op, withValue(wrong))).toContain(param);
          const inSlot = refusal(op, withValue({ bogus: 1 }));
          // A plain object in the last slot is the options object, so its unknown key is the error.
          expect(inSlot).toContain(slot === validArgs().length - 1 ? "unknown option 'bogus'" : param);
        });
      });
    });
  }
});

/** PyTorch's `dtype` on sum, prod and mean converts the input before reducing; values from PyTorch 1.13. */
describe('dtype on sum, prod and mean', () => {
  const ints = () =>
    torch.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: 'int32' },
    );

  it('int32 and bool inputs reduce as the dtype asked for', () => {
    torch.scope(() => {
      expect(plain(ints().sum({ dtype: 'float32' }))).toEqual({ dtype: 'float32', shape: [], data: 21 });
      expect(plain(ints().sum({ dim: 1, dtype: 'float32' }))).toEqual({ dtype: 'float32', shape: [2], data: [6, 15] });
      expect(plain(torch.sum(ints(), 1, { dtype: 'float32' }))).toEqual({ dtype: 'float32', shape: [2], data: [6, 15] });
      expect(plain(ints().prod(1, { dtype: 'float32' }))).toEqual({ dtype: 'float32', shape: [2], data: [6, 120] });
      expect(plain(ints().mean({ dtype: 'float32' }))).toEqual({ dtype: 'float32', shape: [], data: 3.5 });
      expect(plain(ints().mean(1, { dtype: 'float32' }))).toEqual({ dtype: 'float32', shape: [2], data: [2, 5] });
      const flags = torch.tensor([true, false, true]);
      expect(plain(flags.sum())).toEqual({ dtype: 'int32', shape: [], data: 2 });
      expect(plain(flags.sum({ dtype: 'float32' }))).toEqual({ dtype: 'float32', shape: [], data: 2 });
      expect(plain(flags.prod({ dtype: 'float32' }))).toEqual({ dtype: 'float32', shape: [], data: 0 });
      expect(plain(torch.tensor([true, false]).mean({ dtype: 'float32' }))).toEqual({ dtype: 'float32', shape: [], data: 0.5 });
    });
  });

  it('float input asked for int32 truncates each element first; a float sum leaves no int32 overflow', () => {
    torch.scope(() => {
      const values = torch.tensor([1.7, 2.6, -1.5]);
      expect(plain(values.sum({ dtype: 'int32' }))).toEqual({ dtype: 'int32', shape: [], data: 2 });
      expect(plain(values.prod({ dtype: 'int64' }))).toEqual({ dtype: 'int32', shape: [], data: -2 });
      const large = torch.tensor([[2 ** 30, 2 ** 30]], { dtype: 'int32' });
      expect(() => large.sum()).toThrow(/sum: the sum of int32 values leaves int32's range/);
      expect(plain(large.sum({ dtype: 'float32' }))).toEqual({ dtype: 'float32', shape: [], data: 2 ** 31 });
    });
  });

  it('float32 asked for float32 keeps the graph', () => {
    const w = torch.tensor([1, 2, 3], { requiresGrad: true });
    w.mul(w).mean({ dtype: 'float32' }).backward();
    expect(w.grad!.tolistSync()).toEqual([Math.fround(2 / 3), Math.fround(4 / 3), 2]);
  });

  it('refuses what PyTorch refuses, naming the op and the dtype', () => {
    expect(() => ints().mean({ dtype: 'int32' })).toThrow('mean: dtype must be float32 (a mean is not an integer), got int32');
    expect(() => ints().sum({ dtype: 'bool' })).toThrow(/^sum: dtype must be float32 or int32 .*got bool/);
    expect(() => ints().prod({ dtype: 'float64' as never })).toThrow(/^prod: unsupported dtype 'float64'/);
    expect(refusal('sum', () => ints().sum({ dtype: torch.ones(2) as never }))).toContain('dtype must be');
  });
});

describe('scatter takes src or value, by position or by name', () => {
  it('refuses both, or neither', () => {
    expect(() => x().scatter(1, index(), x(), { value: 1 })).toThrow('scatter: takes src or value, not both');
    expect(() => x().scatter({ dim: 1, index: index() })).toThrow("scatter: missing the argument 'src'");
    expect(() => x().scatter_(1, index(), { src: 'a' as never })).toThrow("scatter_: src must be a Tensor or a number, got string 'a'");
    expect(() => x().scatterAdd_(1, index(), { src: 2 as never })).toThrow('scatterAdd_: src must be a Tensor, got number 2');
  });
});
