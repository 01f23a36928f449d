// torch.einsum against PyTorch 1.13 (test/fixtures/einsum_unique_fixtures.py) on every device:
// forward values, gradients, finite differences; then the errors and the cost of a contraction.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices } from '../helpers/devices.js';
import { applyTransform, decode, type TensorData } from '../helpers/fixtures.js';

interface EinsumCase {
  name: string;
  equation: string;
  list: boolean;
  inputs: (TensorData & { transform: string[] })[];
  output: TensorData;
  gradOutput: TensorData;
  grads: TensorData[];
}

const cases: EinsumCase[] = JSON.parse(readFileSync(new URL('../fixtures/einsum_unique.json', import.meta.url), 'utf8')).einsum;

function on(device: string, data: TensorData, requiresGrad = false): torch.Tensor {
  return torch
    .tensor(Float32Array.from(decode(data.data)), { device })
    .reshape(data.shape)
    .requiresGrad_(requiresGrad);
}

function call(c: EinsumCase, operands: torch.Tensor[]): torch.Tensor {
  return c.list ? torch.einsum(c.equation, operands) : torch.einsum(c.equation, ...operands);
}

async function expectClose(what: string, actual: torch.Tensor, expected: TensorData): Promise<void> {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const got = Array.from(await actual.data());
  const want = decode(expected.data);
  const failures = want.flatMap((b, i) =>
    Math.abs(got[i] - b) <= 1e-5 * Math.abs(b) + 1e-5 ? [] : [`[${i}] got ${got[i]}, PyTorch ${b}`],
  );
  expect(failures, `${what}: ${failures.length} of ${want.length} elements differ`).toEqual([]);
}

// Finite differences on webgpu take two forwards and a read per input element: the cases that
// exercise each path (bmm, a diagonal, broadcast ellipsis, three operands, a sum alone) suffice there.
const GRADCHECK_ON_WEBGPU = new Set([
  'batch_matmul_broadcast_batch',
  'diagonal_apart',
  'ellipsis_batch_broadcast',
  'bilinear',
  'summed_alone',
]);

describe.each(devices)('einsum against PyTorch 1.13 (%s)', (device) => {
  for (const c of cases) {
    it(`${c.name}: '${c.equation}'`, async () => {
      const leaves = c.inputs.map((input) => on(device, input, true));
      const operands = leaves.map((leaf, k) => applyTransform(leaf, c.inputs[k].transform));
      const out = call(c, operands);
      await expectClose('output', out, c.output);
      const grads = torch.autograd.grad(out, leaves, { gradOutputs: [on(device, c.gradOutput)] });
      for (const [k, grad] of grads.entries()) await expectClose(`gradient of input ${k}`, grad!, c.grads[k]);
    });
  }

  for (const c of cases.filter((c) => device === 'cpu' || GRADCHECK_ON_WEBGPU.has(c.name))) {
    it(`gradcheck: ${c.name}`, async () => {
      const leaves = c.inputs.map((input) => on(device, input, true));
      const f = (...xs: torch.Tensor[]) =>
        call(
          c,
          xs.map((x, k) => applyTransform(x, c.inputs[k].transform)),
        );
      expect(await torch.autograd.gradcheck(f, leaves)).toBe(true);
    });
  }

  it('int32 operands give int32, by products and sums', async () => {
    const a = torch.tensor([1, 2, 3, 4, 5, 6], { dtype: 'int32', device }).reshape(2, 3);
    const b = torch.tensor([1, 0, -1], { dtype: 'int32', device });
    const out = torch.einsum('ij,j->i', a, b);
    expect(out.dtype).toBe('int32');
    expect(await out.tolist()).toEqual([-2, -2]);
    expect(await torch.einsum('ii', torch.tensor([1, 2, 3, 4], { dtype: 'int32', device }).reshape(2, 2)).item()).toBe(5);
  });
});

describe('einsum shapes PyTorch fixtures leave out', () => {
  it('keeps the order of many ellipsis dims in an implicit output', () => {
    const shape = [1, 2, 1, 3, 1, 1, 1, 1, 1, 1, 2, 4];
    expect(torch.einsum('...i', torch.ones(shape)).shape).toEqual(shape);
    expect(torch.einsum('...i,i', torch.ones(shape), torch.ones(4)).shape).toEqual(shape.slice(0, -1));
  });

  it('contracts empty dims to zeros, with gradients', () => {
    const a = torch.zeros([0, 3], { requiresGrad: true });
    const b = torch.ones([3, 2], { requiresGrad: true });
    const out = torch.einsum('ij,jk', a, b);
    expect(out.shape).toEqual([0, 2]);
    out.sum().backward();
    expect(b.grad!.tolistSync()).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect(torch.einsum('i,i->', torch.zeros(0), torch.zeros(0)).itemSync()).toBe(0);
  });
});

describe('einsum errors, as PyTorch raises them', () => {
  const ones = (...shape: number[]) => torch.ones(shape);

  it('counts operands and subscripts', () => {
    expect(() => torch.einsum('ij,jk->ik', ones(2, 3))).toThrow(
      "einsum: the equation 'ij,jk->ik' has 2 operand terms but 1 operand was given",
    );
    expect(() => torch.einsum('ij', ones(2, 3), ones(3))).toThrow("einsum: the equation 'ij' has 1 operand term but 2 operands were given");
    expect(() => torch.einsum('ij', ones(2, 3, 4))).toThrow(
      'einsum: the number of subscripts in the equation (2) does not match the number of dimensions (3) for operand 0 of shape [2, 3, 4] and no ellipsis was given',
    );
    expect(() => torch.einsum('ijk...', ones(2, 3))).toThrow(
      'einsum: the number of subscripts in the equation (3) is more than the number of dimensions (2) for operand 0 of shape [2, 3]',
    );
  });

  it('names the letter and both sizes when sizes disagree', () => {
    expect(() => torch.einsum('ij,jk', ones(2, 3), ones(4, 4))).toThrow(
      'einsum: subscript j for operand 1 has size 4, which does not broadcast with the size 3 seen before',
    );
    expect(() => torch.einsum('ii', ones(2, 3))).toThrow("einsum: subscript i is repeated for operand 0 but the sizes don't match, 2 != 3");
    expect(() => torch.einsum('...ij,...jk', ones(2, 2, 3), ones(3, 3, 4))).toThrow(
      'einsum: dimension 0 covered by the ellipsis in operand 1 has size 3, which does not broadcast with the size 2 seen before',
    );
  });

  it('refuses invalid characters, stray dots and bad outputs', () => {
    expect(() => torch.einsum('i#', ones(2, 2))).toThrow(
      "einsum: invalid subscript '#' at index 1 of the equation 'i#'; subscripts must be in [a-zA-Z]",
    );
    expect(() => torch.einsum('ij->i->', ones(2, 3))).toThrow("einsum: invalid subscript '-' at index 5 of the equation 'ij->i->'");
    expect(() => torch.einsum('i.j', ones(2, 3))).toThrow("einsum: found '.' for operand 0 that is not part of any ellipsis (...)");
    expect(() => torch.einsum('...i...', ones(2, 3))).toThrow("einsum: found '.' for operand 0 for which an ellipsis was already found");
    expect(() => torch.einsum('i->..', ones(2))).toThrow("einsum: found '.' for the output that is not part of any ellipsis (...)");
    expect(() => torch.einsum('ij->k', ones(2, 3))).toThrow(
      'einsum: output subscript k does not appear in the equation for any input operand',
    );
    expect(() => torch.einsum('ij->ii', ones(2, 3))).toThrow('einsum: output subscript i appears more than once in the output');
  });

  it('checks the operands themselves', () => {
    expect(() => torch.einsum(3 as never, ones(2))).toThrow("einsum: equation must be a string such as 'ij,jk->ik', got number");
    expect(() => torch.einsum('i', [2] as never)).toThrow("einsum: argument 'operands[0]' must be a Tensor, got number");
    expect(() => torch.einsum('i,i', ones(2), torch.ones([2], { dtype: 'int32' }))).toThrow(
      'einsum: operands must have one dtype, got float32 (operand 0) and int32 (operand 1)',
    );
    expect(() => torch.einsum('i', torch.tensor([true]))).toThrow(/^einsum: .*operands\[0\].*bool/);
  });
});

describe('einsum contracts with bmm', () => {
  /** The names of the graph nodes behind `out`, one per node. */
  function nodeNames(out: torch.Tensor): string[] {
    type Node = NonNullable<torch.Tensor['gradFn']>;
    const seen = new Set<Node>();
    const visit = (node: Node) => {
      if (seen.has(node)) return;
      seen.add(node);
      for (const edge of node.edges) if (edge && 'node' in edge) visit(edge.node);
    };
    if (out.gradFn) visit(out.gradFn);
    return [...seen].map((node) => node.name);
  }

  it("'bij,bjk->bik' is one bmm and no broadcast product", () => {
    const a = torch.randn([4, 3, 5], { requiresGrad: true });
    const b = torch.randn([4, 5, 2], { requiresGrad: true });
    const names = nodeNames(torch.einsum('bij,bjk->bik', a, b));
    expect(names.filter((name) => name === 'BmmBackward0')).toHaveLength(1);
    expect(names).not.toContain('MulBackward0');
    expect(names).not.toContain('SumBackward1');
  });

  it('matches matmul on a larger product', () => {
    torch.manualSeed(1);
    const a = torch.randn(64, 48);
    const b = torch.randn(48, 80);
    expect(torch.einsum('ik,kj->ij', a, b).allcloseSync(a.matmul(b), { rtol: 1e-5, atol: 1e-5 })).toBe(true);
  });
});
