// Differential tests: every WGSL kernel against the CPU's wasm kernel, through the public ops, on
// random shapes with contiguous, transposed, strided and broadcast (stride 0) operands, forward
// and backward. Elementwise float32 results must agree to a relative 1e-5 (the transcendental
// functions, written out in shaders/math.wgsl, land within 3e-7 of the CPU; pow within 3e-6,
// because it goes through exp(y log x), whose rounding grows with |y log x|). Sums and matmuls
// accumulate in another order on each device, so their bound is relative to the sum of the
// magnitudes of the terms (the same op on |inputs|), the standard error bound of a float sum.
// Everything that only moves, selects or compares values must agree exactly.
import { beforeEach, describe, it } from 'vitest';
import * as torch from '../../src/index.js';
import { accumulated, Choices, EXACT, expectAgree, LAYOUTS, type Layout, type Pair, pair, type Tolerance } from './compare.js';
import { webgpuReady } from './gpu.js';

type Tensor = torch.Tensor;

const ready = await webgpuReady();

const RTOL = 1e-5;
const normal = (shape: number[]) => torch.randn(shape);
const positive = (shape: number[]) => torch.rand(shape).mul(3).add(0.05);
const integers = (shape: number[]) => torch.randint(-9, 10, shape, { dtype: 'int32' });
const nonzeroIntegers = (shape: number[]) =>
  torch.randint(1, 10, shape, { dtype: 'int32' }).mul(torch.randint(0, 2, shape, { dtype: 'int32' }).mul(2).sub(1));
const halves = (shape: number[]) => torch.randint(-6, 7, shape).div(2);

/** Every float32 class the kernels must get right: NaN, infinities, signed zeros, tiny and huge values. */
const SPECIAL = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  2.5,
  -2.5,
  1e-30,
  -1e-30,
  1e30,
  -1e30,
  3,
  -7,
  80,
  -80,
  100,
  -87,
  8191.5,
  8192.5,
  123456.7,
  -3e38,
];

/** Upstream gradients of `shape` on both devices. */
function upstream(shape: readonly number[]): [Tensor, Tensor] {
  const g = torch.randn(shape as number[]);
  return [g, g.to('webgpu')];
}

/**
 * Runs `fn` on both devices' operands, compares the outputs, then (with `grads`) backpropagates the
 * same upstream gradient on both and compares the gradients of every leaf.
 */
async function agree(
  what: string,
  fn: (...xs: Tensor[]) => Tensor,
  pairs: Pair[],
  tolerance: Tolerance,
  grads?: { tolerance: Tolerance },
): Promise<void> {
  const cpu = fn(...pairs.map((p) => p.cpu));
  const gpu = fn(...pairs.map((p) => p.gpu));
  await expectAgree(what, gpu, cpu, tolerance);
  if (!grads) return;
  const [gCpu, gGpu] = upstream(cpu.shape);
  cpu.backward(gCpu);
  gpu.backward(gGpu);
  for (const [k, p] of pairs.entries()) {
    if (!p.cpuLeaf.requiresGrad) continue;
    await expectAgree(`${what}: gradient of input ${k}`, p.gpuLeaf.grad!, p.cpuLeaf.grad!, grads.tolerance);
  }
}

/**
 * Gradients: relative 1e-5, plus 2^-22 (2 ulp of 1) times the upstream gradient's size for the
 * values that cancel to nearly 0 in a backward formula (1 - tanh^2 near saturation, x - mean),
 * where a 1-ulp difference in a forward value shows up as an absolute error (as in test/ops/parity.test.ts).
 */
const GRADIENT: Tolerance = { rtol: RTOL, atol: 2 ** -22 * 4 };

describe.skipIf(!ready)('webgpu kernels agree with the cpu kernels', () => {
  beforeEach(() => torch.manualSeed(7));

  describe('unary', () => {
    const cases: [string, (x: Tensor) => Tensor, (shape: number[]) => Tensor, boolean][] = [
      ['neg', (x) => x.neg(), normal, true],
      ['abs', (x) => x.abs(), normal, true],
      ['exp', (x) => x.exp(), normal, true],
      ['log', (x) => x.log(), positive, true],
      ['sqrt', (x) => x.sqrt(), positive, true],
      ['rsqrt', (x) => x.rsqrt(), positive, true],
      ['sin', (x) => x.mul(4).sin(), normal, true],
      ['cos', (x) => x.mul(4).cos(), normal, true],
      ['tanh', (x) => x.mul(3).tanh(), normal, true],
      ['sigmoid', (x) => x.mul(5).sigmoid(), normal, true],
      ['relu', (x) => x.relu(), normal, true],
      ['sign', (x) => x.sign(), halves, true],
      ['floor', (x) => x.mul(3).floor(), normal, true],
      ['ceil', (x) => x.mul(3).ceil(), normal, true],
      ['round', (x) => x.round(), halves, true],
      ['trunc', (x) => x.mul(3).trunc(), normal, true],
      ['reciprocal', (x) => x.reciprocal(), positive, true],
      ['square', (x) => x.square(), normal, true],
      ['erf', (x) => x.mul(2).erf(), normal, true],
      ['log2', (x) => x.log2(), positive, true],
      ['log1p', (x) => x.sub(0.9).log1p(), positive, true],
      ['expm1', (x) => x.mul(3).expm1(), normal, true],
      ['clamp', (x) => x.clamp(-0.5, 0.8), normal, true],
      ['clamp min only', (x) => x.clamp({ min: 0.1 }), normal, true],
      ['leakyRelu', (x) => torch.leakyRelu(x, 0.2), normal, true],
      ['pow scalar', (x) => x.pow(2.5), positive, true],
      ['pow integer scalar', (x) => x.pow(3), normal, true],
      ['scalar pow', (x) => torch.pow(1.7, x), normal, true],
      ['logicalNot', (x) => x.logicalNot(), halves, false],
    ];
    for (const [name, fn, make, differentiable] of cases) {
      it(name, async () => {
        const choices = new Choices(name.length * 131);
        for (const layout of LAYOUTS) {
          const shape = choices.shape(0, 4);
          await agree(
            `${name} ${layout} [${shape}]`,
            fn,
            [pair(shape, layout, make, { requiresGrad: differentiable, choices })],
            { rtol: RTOL },
            differentiable ? { tolerance: GRADIENT } : undefined,
          );
        }
        const special = torch.tensor(SPECIAL);
        await expectAgree(`${name} on special values`, fn(special.to('webgpu')), fn(special), { rtol: RTOL });
      });
    }

    it('int32 ops keep their dtype', async () => {
      const choices = new Choices(5);
      for (const fn of [
        (x: Tensor) => x.neg(),
        (x: Tensor) => x.abs(),
        (x: Tensor) => x.sign(),
        (x: Tensor) => x.square(),
        (x: Tensor) => x.logicalNot(),
      ]) {
        for (const layout of LAYOUTS) {
          const p = pair(choices.shape(0, 3), layout, integers, { choices });
          await expectAgree(`${fn} ${layout}`, fn(p.gpu), fn(p.cpu), EXACT);
        }
      }
      const extremes = torch.tensor(Int32Array.from([-2147483648, 2147483647, 0, -1, 46341]));
      for (const fn of [(x: Tensor) => x.neg(), (x: Tensor) => x.abs(), (x: Tensor) => x.square()]) {
        await expectAgree(`${fn} at int32 extremes (wrapping)`, fn(extremes.to('webgpu')), fn(extremes), EXACT);
      }
    });
  });

  describe('binary', () => {
    /** Output shape and two operand shapes that broadcast to it (some dims 1, some leading dims dropped). */
    function broadcastShapes(choices: Choices): [number[], number[], number[]] {
      const out = choices.shape(0, 4);
      const operand = () => out.slice(choices.int(0, out.length)).map((size) => (choices.next() < 0.3 ? 1 : size));
      return [out, operand(), operand()];
    }

    const floatCases: [
      string,
      (a: Tensor, b: Tensor) => Tensor,
      [(shape: number[]) => Tensor, (shape: number[]) => Tensor],
      Tolerance,
      boolean,
    ][] = [
      ['add', (a, b) => a.add(b), [normal, normal], { rtol: RTOL }, true],
      ['add with alpha', (a, b) => a.add(b, { alpha: -2 }), [normal, normal], { rtol: RTOL }, true],
      ['sub', (a, b) => a.sub(b), [normal, normal], { rtol: RTOL }, true],
      ['mul', (a, b) => a.mul(b), [normal, normal], { rtol: RTOL }, true],
      ['div', (a, b) => a.div(b), [normal, positive], { rtol: RTOL }, true],
      ['pow', (a, b) => a.pow(b), [positive, normal], { rtol: RTOL }, true],
      ['maximum', (a, b) => a.maximum(b), [halves, halves], EXACT, true],
      ['minimum', (a, b) => a.minimum(b), [halves, halves], EXACT, true],
      ['floorDivide', (a, b) => a.floorDivide(b), [halves, positive], EXACT, false],
      ['eq', (a, b) => a.eq(b), [halves, halves], EXACT, false],
      ['ne', (a, b) => a.ne(b), [halves, halves], EXACT, false],
      ['lt', (a, b) => a.lt(b), [halves, halves], EXACT, false],
      ['le', (a, b) => a.le(b), [halves, halves], EXACT, false],
      ['gt', (a, b) => a.gt(b), [halves, halves], EXACT, false],
      ['ge', (a, b) => a.ge(b), [halves, halves], EXACT, false],
      ['logicalAnd', (a, b) => a.logicalAnd(b), [halves, halves], EXACT, false],
      ['logicalOr', (a, b) => a.logicalOr(b), [halves, halves], EXACT, false],
      ['where', (a, b) => torch.where(a.gt(b), a, b.mul(2)), [normal, normal], EXACT, true],
    ];
    for (const [name, fn, [makeA, makeB], tolerance, differentiable] of floatCases) {
      it(name, async () => {
        const choices = new Choices(name.length * 977);
        for (let round = 0; round < 4; round++) {
          const [, shapeA, shapeB] = broadcastShapes(choices);
          const a = pair(shapeA, choices.pick(LAYOUTS), makeA, { requiresGrad: differentiable, choices });
          const b = pair(shapeB, choices.pick(LAYOUTS), makeB, { requiresGrad: differentiable, choices });
          await agree(`${name} [${shapeA}] [${shapeB}]`, fn, [a, b], tolerance, differentiable ? { tolerance: GRADIENT } : undefined);
        }
        const special = torch.tensor(SPECIAL);
        const other = torch.tensor(SPECIAL.map((_, i) => SPECIAL[(i * 7 + 3) % SPECIAL.length]));
        await expectAgree(
          `${name} on special values`,
          fn(special.to('webgpu'), other.to('webgpu')),
          fn(special, other),
          tolerance.rtol === 0 ? EXACT : { rtol: RTOL },
        );
      });
    }

    it('remainder (Python semantics: the divisor sign)', async () => {
      const choices = new Choices(3);
      for (let round = 0; round < 4; round++) {
        const [, shapeA, shapeB] = broadcastShapes(choices);
        const a = pair(shapeA, choices.pick(LAYOUTS), (s) => normal(s).mul(10), { requiresGrad: true, choices });
        const b = pair(shapeB, choices.pick(LAYOUTS), (s) => positive(s).mul(torch.randint(0, 2, s).mul(2).sub(1)), {
          requiresGrad: true,
          choices,
        });
        // a - floor(a / b) * b cancels: its rounding is relative to |a| + |b|, not to the result.
        const scale = a.cpu.abs().add(b.cpu.abs());
        await agree(`remainder [${shapeA}] [${shapeB}]`, (x, y) => x.remainder(y), [a, b], accumulated(scale), { tolerance: GRADIENT });
      }
    });

    const intCases: [string, (a: Tensor, b: Tensor) => Tensor][] = [
      ['add', (a, b) => a.add(b)],
      ['sub', (a, b) => a.sub(b)],
      ['mul', (a, b) => a.mul(b)],
      ['maximum', (a, b) => a.maximum(b)],
      ['minimum', (a, b) => a.minimum(b)],
      ['remainder', (a, b) => a.remainder(b)],
      ['floorDivide', (a, b) => a.floorDivide(b)],
      ['eq', (a, b) => a.eq(b)],
      ['ne', (a, b) => a.ne(b)],
      ['lt', (a, b) => a.lt(b)],
      ['le', (a, b) => a.le(b)],
      ['gt', (a, b) => a.gt(b)],
      ['ge', (a, b) => a.ge(b)],
      ['logicalAnd', (a, b) => a.logicalAnd(b)],
      ['logicalOr', (a, b) => a.logicalOr(b)],
    ];
    it('int32 ops', async () => {
      const choices = new Choices(11);
      for (const [name, fn] of intCases) {
        const [, shapeA, shapeB] = broadcastShapes(choices);
        const a = pair(shapeA, choices.pick(LAYOUTS), integers, { choices });
        const b = pair(shapeB, choices.pick(LAYOUTS), nonzeroIntegers, { choices });
        await expectAgree(`int32 ${name}`, fn(a.gpu, b.gpu), fn(a.cpu, b.cpu), EXACT);
      }
      const wrapping = torch.tensor(Int32Array.from([2147483647, -2147483648, 65536, -7, 7]));
      const by = torch.tensor(Int32Array.from([1, -1, 65536, 2, -2]));
      for (const [name, fn] of intCases.slice(0, 3)) {
        await expectAgree(`int32 ${name} wraps`, fn(wrapping.to('webgpu'), by.to('webgpu')), fn(wrapping, by), EXACT);
      }
    });

    it('bool operands promote as on the cpu', async () => {
      const a = torch.tensor([true, false, true, false]);
      const b = torch.tensor([true, true, false, false]);
      for (const fn of [
        (x: Tensor, y: Tensor) => x.add(y),
        (x: Tensor, y: Tensor) => x.mul(y),
        (x: Tensor, y: Tensor) => x.logicalOr(y),
        (x: Tensor, y: Tensor) => x.eq(y),
        (x: Tensor, y: Tensor) => x.add(1.5),
      ]) {
        await expectAgree(`${fn}`, fn(a.to('webgpu'), b.to('webgpu')), fn(a, b), EXACT);
      }
    });
  });

  describe('copy and creation', () => {
    it("converts between dtypes, with the cpu kernel's choices for NaN and out-of-range floats", async () => {
      const floats = torch.tensor([...SPECIAL, 3e9, -3e9, 2147483520, 0.7, -0.7]);
      const ints = torch.tensor(Int32Array.from([0, 1, -1, 2147483647, -2147483648, 16777217]));
      const bools = torch.tensor([true, false, true]);
      for (const source of [floats, ints, bools]) {
        for (const dtype of ['float32', 'int32', 'bool'] as const) {
          await expectAgree(`${source.dtype} -> ${dtype}`, source.to('webgpu').to(dtype), source.to(dtype), EXACT);
        }
      }
    });

    it('copies strided views into strided views', async () => {
      const choices = new Choices(17);
      for (let round = 0; round < 6; round++) {
        const shape = choices.shape(1, 4);
        const src = pair(shape, choices.pick(LAYOUTS), normal, { choices });
        const dst = pair(shape, choices.pick(['contiguous', 'permuted', 'strided'] as const), (s) => torch.zeros(s), { choices });
        dst.cpu.copy_(src.cpu);
        dst.gpu.copy_(src.gpu);
        await expectAgree(`copy_ into ${dst.gpu.strides} from ${src.gpu.strides}`, dst.gpuLeaf, dst.cpuLeaf, EXACT);
      }
    });

    it('copies between views of one storage', async () => {
      const values = torch.arange(24).reshape(4, 6);
      const cpu = values.clone();
      cpu.narrow(0, 0, 2).copy_(cpu.narrow(0, 2, 2).t().reshape(2, 6));
      const gpu = values.to('webgpu');
      gpu.narrow(0, 0, 2).copy_(gpu.narrow(0, 2, 2).t().reshape(2, 6));
      await expectAgree('overlapping storage', gpu, cpu, EXACT);
    });

    it('cat, stack, clone and contiguous of strided inputs', async () => {
      const choices = new Choices(19);
      const shape = [3, 4, 5];
      const parts = LAYOUTS.map((layout) => pair(shape, layout, normal, { requiresGrad: true, choices }));
      // Gradients of the broadcast operand are sums: GRADIENT's bound.
      await agree('cat', (...xs) => torch.cat(xs, 1), parts, EXACT, { tolerance: GRADIENT });
      const more = LAYOUTS.map((layout) => pair(shape, layout, normal, { requiresGrad: true, choices }));
      await agree('stack', (...xs) => torch.stack(xs, 2), more, EXACT, { tolerance: GRADIENT });
      const one = pair(shape, 'permuted', normal, { choices });
      await expectAgree('contiguous', one.gpu.contiguous(), one.cpu.contiguous(), EXACT);
    });

    it('fills, aranges and eye', async () => {
      const on = (device: string) => [
        torch.zeros(2, 3, { device }),
        torch.ones(4, { device, dtype: 'int32' }),
        torch.full([2, 2], true, { device }),
        torch.full([3], -2.5, { device }),
        torch.full([3], 7.9, { device, dtype: 'int32' }),
        torch.arange(0, 10, 0.1, { device }),
        torch.arange(-3, 4, { device }),
        torch.arange(5, -20, -3, { device, dtype: 'int32' }),
        torch.arange(1e6, 1e6 + 3, 0.25, { device }),
        torch.linspace(-1, 1, 9, { device }),
        torch.eye(3, 4, { device }),
      ];
      const [cpu, gpu] = [on('cpu'), on('webgpu')];
      for (const [i, t] of gpu.entries()) await expectAgree(`creation ${i}`, t, cpu[i], EXACT);
    });
  });

  describe('reductions', () => {
    const ops: [string, (x: Tensor, dims: number[], keepdim: boolean) => Tensor, boolean][] = [
      ['sum', (x, dims, keepdim) => x.sum(dims, { keepdim }), true],
      ['mean', (x, dims, keepdim) => x.mean(dims, { keepdim }), true],
      ['max', (x, dims, keepdim) => x.max(dims[0], { keepdim }).values, true],
      ['min', (x, dims, keepdim) => x.min(dims[0], { keepdim }).values, true],
      ['argmax', (x, dims, keepdim) => x.argmax(dims[0], { keepdim }), false],
      ['argmin', (x, dims, keepdim) => x.argmin(dims[0], { keepdim }), false],
      ['var', (x, dims, keepdim) => x.var(dims, { keepdim }), true],
      ['std', (x, dims, keepdim) => x.std(dims, { keepdim, correction: 0 }), true],
      ['logsumexp', (x, dims, keepdim) => x.logsumexp(dims, { keepdim }), true],
    ];
    for (const [name, fn, differentiable] of ops) {
      it(`${name} over random dims of random layouts`, async () => {
        const choices = new Choices(name.length * 313);
        for (let round = 0; round < 5; round++) {
          const shape = choices.shape(1, 4);
          const dims = shape.map((_, d) => d).filter(() => choices.next() < 0.5);
          if (dims.length === 0 || name.startsWith('arg') || name === 'max' || name === 'min')
            dims.splice(0, dims.length, choices.int(0, shape.length - 1));
          const keepdim = choices.next() < 0.5;
          // Values on a coarse grid make ties, so first-index tie-breaking is tested too.
          const make = name === 'max' || name === 'min' || name.startsWith('arg') ? halves : normal;
          const x = pair(shape, choices.pick(LAYOUTS), make, { requiresGrad: differentiable, choices });
          const scale = name === 'sum' || name === 'mean' ? accumulated(fn(x.cpu.abs(), dims, keepdim)) : { rtol: RTOL };
          await agree(
            `${name} dims [${dims}] of [${shape}] strides [${x.cpu.strides}]`,
            (t) => fn(t, dims, keepdim),
            [x],
            name.startsWith('arg') || name === 'max' || name === 'min' ? EXACT : scale,
            differentiable ? { tolerance: GRADIENT } : undefined,
          );
        }
      });
    }

    it('sum, max and argmax over everything, long runs (one workgroup per output)', async () => {
      const x = torch.randn(3, 1000);
      const g = x.to('webgpu');
      await expectAgree('sum of 3000', g.sum(), x.sum(), accumulated(x.abs().sum()));
      await expectAgree('row sums of 1000', g.sum(1), x.sum(1), accumulated(x.abs().sum(1)));
      await expectAgree('column sums of 3, strided', g.t().sum(1), x.t().sum(1), accumulated(x.abs().t().sum(1)));
      await expectAgree('max', g.max(), x.max(), EXACT);
      await expectAgree('argmax of rows', g.argmax(1), x.argmax(1), EXACT);
      await expectAgree('argmin over all', g.argmin(), x.argmin(), EXACT);
    });

    it('NaN wins max/min and argmax/argmin (the first NaN), as on the cpu', async () => {
      const rows = torch.tensor([
        [1, NaN, 3, NaN],
        [NaN, 5, 5, -1],
        [2, 9, 9, 0],
        [-Infinity, -Infinity, -Infinity, -Infinity],
      ]);
      const long = torch.randn(2, 300);
      long.index(0, 200).fill_(NaN);
      long.index(0, 250).fill_(NaN);
      for (const x of [rows, long]) {
        const g = x.to('webgpu');
        await expectAgree('max', g.max(1).values, x.max(1).values, EXACT);
        await expectAgree('min', g.min(1).values, x.min(1).values, EXACT);
        await expectAgree('argmax', g.argmax(1), x.argmax(1), EXACT);
        await expectAgree('argmin', g.argmin(1), x.argmin(1), EXACT);
        await expectAgree('sum', g.sum(1), x.sum(1), EXACT);
      }
    });

    it('int32 and bool reductions', async () => {
      const choices = new Choices(23);
      for (let round = 0; round < 4; round++) {
        const shape = choices.shape(1, 3, 70);
        const x = pair(shape, choices.pick(LAYOUTS), integers, { choices });
        const dim = choices.int(0, shape.length - 1);
        await expectAgree('int sum', x.gpu.sum(dim), x.cpu.sum(dim), EXACT);
        await expectAgree('int max', x.gpu.max(dim).values, x.cpu.max(dim).values, EXACT);
        await expectAgree('int argmin', x.gpu.argmin(dim), x.cpu.argmin(dim), EXACT);
        await expectAgree('bool sum', x.gpu.gt(0).sum(dim), x.cpu.gt(0).sum(dim), EXACT);
      }
    });
  });

  describe('matmul', () => {
    const cases: [string, number[], number[], Layout, Layout][] = [
      ['tiny', [2, 3], [3, 2], 'contiguous', 'contiguous'],
      ['tile edges', [65, 17], [17, 130], 'contiguous', 'contiguous'],
      ['transposed operands', [33, 70], [70, 9], 'permuted', 'permuted'],
      ['strided operands', [20, 31], [31, 40], 'strided', 'strided'],
      ['batched', [3, 7, 5], [3, 5, 6], 'contiguous', 'permuted'],
      ['broadcast batch', [2, 1, 9, 4], [3, 4, 11], 'contiguous', 'contiguous'],
      ['expanded operand', [4, 6, 8], [4, 8, 5], 'broadcast', 'contiguous'],
      ['vector @ matrix', [17], [17, 5], 'contiguous', 'permuted'],
      ['matrix @ vector', [6, 17], [17], 'contiguous', 'strided'],
      ['dot', [100], [100], 'contiguous', 'contiguous'],
      ['k = 1', [5, 1], [1, 7], 'contiguous', 'contiguous'],
    ];
    for (const [name, shapeA, shapeB, layoutA, layoutB] of cases) {
      it(name, async () => {
        const choices = new Choices(name.length);
        const a = pair(shapeA, layoutA, normal, { requiresGrad: true, choices });
        const b = pair(shapeB, layoutB, normal, { requiresGrad: true, choices });
        const scale = torch.matmul(a.cpu.abs(), b.cpu.abs());
        await agree(`matmul [${shapeA}] @ [${shapeB}]`, (x, y) => x.matmul(y), [a, b], accumulated(scale), { tolerance: GRADIENT });
      });
    }

    it('mm and bmm; inf and NaN propagate', async () => {
      const a = torch.tensor([
        [1, Infinity],
        [NaN, 2],
        [0, 1],
      ]);
      const b = torch.tensor([
        [0, 1],
        [1, 2],
      ]);
      await expectAgree('mm with inf and NaN', a.to('webgpu').mm(b.to('webgpu')), a.mm(b), EXACT);
      const x = torch.randn(4, 3, 5);
      const y = torch.randn(4, 5, 2);
      await expectAgree('bmm', x.to('webgpu').bmm(y.to('webgpu')), x.bmm(y), accumulated(x.abs().bmm(y.abs())));
    });
  });

  describe('op chains', () => {
    it('a small MLP forward and backward', async () => {
      const choices = new Choices(29);
      const x = pair([8, 5], 'contiguous', normal, { choices });
      const w1 = pair([5, 16], 'permuted', normal, { requiresGrad: true, choices });
      const b1 = pair([16], 'contiguous', normal, { requiresGrad: true, choices });
      const w2 = pair([16, 3], 'contiguous', normal, { requiresGrad: true, choices });
      const forward = (input: Tensor, weight1: Tensor, bias1: Tensor, weight2: Tensor) =>
        input.matmul(weight1).add(bias1).tanh().matmul(weight2).logsumexp(1).mean();
      await agree('mlp', forward, [x, w1, b1, w2], { rtol: 1e-5, atol: 1e-6 }, { tolerance: { rtol: 1e-5, atol: 1e-6 } });
    });
  });
});
