/** torch.einsum: Einstein summation written as diagonal views, permutes, sums and bmm contractions. */
import { scope } from '../memory.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { mul } from './elementwise.js';
import { bmm } from './linalg.js';
import { sum } from './reduce.js';
import { checkDtype, checkSameDevice, checkTensor } from './util.js';
import { diagonalView, permute, reshape } from './views.js';

/**
 * A dim's label: its letter, or `...k` for the k-th of the dims the ellipses cover, counted over
 * the widest ellipsis so that narrower ones align to the right, as broadcasting aligns shapes.
 */
type Label = string;

/** One term of the equation: its letters, and where among them the ellipsis sits (-1: none). */
interface Term {
  letters: string[];
  ellipsisAt: number;
}

function parseTerm(equation: string, start: number, end: number, who: string): Term {
  const letters: string[] = [];
  let ellipsisAt = -1;
  for (let i = start; i < end; i++) {
    const c = equation[i];
    if (c === ' ') continue;
    if (c === '.') {
      if (ellipsisAt >= 0) throw new Error(`einsum: found '.' for ${who} for which an ellipsis was already found`);
      if (i + 3 > end || equation.slice(i, i + 3) !== '...')
        throw new Error(`einsum: found '.' for ${who} that is not part of any ellipsis (...)`);
      ellipsisAt = letters.length;
      i += 2;
      continue;
    }
    if (!/^[a-zA-Z]$/.test(c))
      throw new Error(`einsum: invalid subscript '${c}' at index ${i} of the equation '${equation}'; subscripts must be in [a-zA-Z]`);
    letters.push(c);
  }
  return { letters, ellipsisAt };
}

/** A term's labels, with `ellipsisDims` labels (of `widest`) in place of its ellipsis. */
function labelsOf(term: Term, ellipsisDims: number, widest: number): Label[] {
  if (term.ellipsisAt < 0) return term.letters;
  const covered = Array.from({ length: ellipsisDims }, (_, j) => `...${widest - ellipsisDims + j}`);
  return [...term.letters.slice(0, term.ellipsisAt), ...covered, ...term.letters.slice(term.ellipsisAt)];
}

/** The operands as given: `einsum(eq, a, b)` or `einsum(eq, [a, b])`. */
function operandList(operands: readonly (Tensor | readonly Tensor[])[]): readonly unknown[] {
  return operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : operands;
}

/**
 * The operand with its repeated letters reduced to their diagonal, its dims put in `order`, and a
 * dim of size 1 for each label of `order` it lacks, so that every operand has one layout.
 */
function align(operand: Tensor, labels: readonly Label[], order: readonly Label[]): Tensor {
  let x = operand;
  const dims = [...labels];
  for (let d2 = 0; d2 < dims.length; ) {
    const d1 = dims.indexOf(dims[d2]);
    if (d1 < d2) {
      x = diagonalView(x, d1, d2);
      dims.splice(d2, 1);
    } else d2++;
  }
  const present = order.filter((label) => dims.includes(label));
  const permuted = permute(
    x,
    present.map((label) => dims.indexOf(label)),
  );
  return reshape(
    permuted,
    order.map((label) => (dims.includes(label) ? permuted.shape[present.indexOf(label)] : 1)),
  );
}

/**
 * sum(a * b) over the `summed` dims of two aligned operands, keeping those dims at size 1. Float
 * operands contract in one bmm: dims both have are its batch, dims one has its rows or columns and
 * summed dims both have its inner dim; a summed dim only one operand has is summed there first.
 */
function contractPair(a: Tensor, b: Tensor, summed: readonly number[]): Tensor {
  if (a.dtype !== 'float32') {
    const product = mul(a, b);
    return summed.length > 0 ? sum(product, summed, true) : product;
  }
  const alone = (x: Tensor, y: Tensor) => summed.filter((d) => x.shape[d] !== 1 && y.shape[d] === 1);
  const [aAlone, bAlone] = [alone(a, b), alone(b, a)];
  const left = aAlone.length > 0 ? sum(a, aAlone, true) : a;
  const right = bAlone.length > 0 ? sum(b, bAlone, true) : b;
  const groups = { batch: [] as number[], rows: [] as number[], columns: [] as number[], inner: [] as number[], ones: [] as number[] };
  left.shape.forEach((_, d) => {
    const [inLeft, inRight] = [left.shape[d] !== 1, right.shape[d] !== 1];
    if (summed.includes(d)) (inLeft && inRight ? groups.inner : groups.ones).push(d);
    else if (inLeft) (inRight ? groups.batch : groups.rows).push(d);
    else (inRight ? groups.columns : groups.ones).push(d);
  });
  const { batch, rows, columns, inner, ones } = groups;
  const sizeOf = (d: number) => (left.shape[d] === 1 ? right.shape[d] : left.shape[d]);
  const extent = (dims: readonly number[]) => dims.reduce((n, d) => n * sizeOf(d), 1);
  const matrices = (x: Tensor, first: number[], second: number[], rest: number[]) =>
    reshape(permute(x, [...batch, ...first, ...second, ...rest]), [extent(batch), extent(first), extent(second)]);
  const product = bmm(matrices(left, rows, inner, [...columns, ...ones]), matrices(right, inner, columns, [...rows, ...ones]));
  const order = [...batch, ...rows, ...columns, ...inner, ...ones];
  const unfolded = reshape(
    product,
    order.map((d) => (inner.includes(d) || ones.includes(d) ? 1 : sizeOf(d))),
  );
  const inverse = new Array<number>(order.length);
  order.forEach((d, k) => {
    inverse[d] = k;
  });
  return permute(unfolded, inverse);
}

/**
 * Einstein summation, as PyTorch's `torch.einsum(equation, *operands)` (also with the operands in
 * one array). Each operand's dims are named by letters (a-z, A-Z); `...` stands for the dims no
 * letter names, broadcast across operands. Letters that are not in the output are summed; a letter
 * repeated in one operand takes its diagonal; a dim of size 1 broadcasts against its letter's size
 * elsewhere. Without `->` the output is the ellipsis dims, then the letters used once, sorted.
 * Operands are contracted left to right, each pair in one bmm, so gradients come from those ops.
 *
 * ```ts
 * const a = torch.randn(2, 3, 4);
 * const b = torch.randn(2, 4, 5);
 * torch.einsum('bij,bjk->bik', a, b).shape;   // [2, 3, 5], one bmm
 * torch.einsum('ii', torch.eye(3)).item();    // 3, the trace
 * ```
 */
export function einsum(equation: string, operands: readonly Tensor[]): Tensor;
export function einsum(equation: string, ...operands: Tensor[]): Tensor;
export function einsum(equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor {
  if (typeof equation !== 'string')
    throw new TypeError(`einsum: equation must be a string such as 'ij,jk->ik', got ${equation === null ? 'null' : typeof equation}`);
  const given = operandList(operands);
  const arrow = equation.indexOf('->');
  const lhsEnd = arrow < 0 ? equation.length : arrow;
  const terms: Term[] = [];
  for (let start = 0; start <= lhsEnd; ) {
    const comma = equation.indexOf(',', start);
    const end = comma < 0 || comma > lhsEnd ? lhsEnd : comma;
    terms.push(parseTerm(equation, start, end, `operand ${terms.length}`));
    start = end + 1;
  }
  if (terms.length !== given.length) {
    throw new RangeError(
      `einsum: the equation '${equation}' has ${terms.length} operand term${terms.length === 1 ? '' : 's'} but ${given.length} operand${given.length === 1 ? ' was' : 's were'} given`,
    );
  }
  const tensors = given.map((t, k) => checkTensor('einsum', `operands[${k}]`, t));
  if (tensors.length > 1) checkSameDevice('einsum', Object.fromEntries(tensors.map((t, k) => [`operands[${k}]`, t])));
  tensors.forEach((t, k) => {
    checkDtype('einsum', `operands[${k}]`, t, ['float32', 'int32']);
    if (t.dtype !== tensors[0].dtype)
      throw new TypeError(`einsum: operands must have one dtype, got ${tensors[0].dtype} (operand 0) and ${t.dtype} (operand ${k})`);
  });

  const ellipsisDims = tensors.map((t, k) => {
    const { letters, ellipsisAt } = terms[k];
    if (ellipsisAt < 0 && letters.length !== t.dim())
      throw new RangeError(
        `einsum: the number of subscripts in the equation (${letters.length}) does not match the number of dimensions (${t.dim()}) for operand ${k} of shape ${formatShape(t.shape)} and no ellipsis was given`,
      );
    if (letters.length > t.dim())
      throw new RangeError(
        `einsum: the number of subscripts in the equation (${letters.length}) is more than the number of dimensions (${t.dim()}) for operand ${k} of shape ${formatShape(t.shape)}`,
      );
    return ellipsisAt < 0 ? 0 : t.dim() - letters.length;
  });
  const widest = Math.max(0, ...ellipsisDims);
  const labels = terms.map((term, k) => labelsOf(term, ellipsisDims[k], widest));

  const sizes = new Map<Label, number>();
  labels.forEach((list, k) =>
    list.forEach((label, d) => {
      const size = tensors[k].shape[d];
      const first = list.indexOf(label);
      if (first < d && tensors[k].shape[first] !== size)
        throw new RangeError(
          `einsum: subscript ${label} is repeated for operand ${k} but the sizes don't match, ${tensors[k].shape[first]} != ${size}`,
        );
      const seen = sizes.get(label);
      if (seen === undefined || seen === 1) sizes.set(label, size);
      else if (size !== 1 && size !== seen) {
        const what = label.startsWith('...')
          ? `dimension ${label.slice(3)} covered by the ellipsis in operand ${k}`
          : `subscript ${label} for operand ${k}`;
        throw new RangeError(`einsum: ${what} has size ${size}, which does not broadcast with the size ${seen} seen before`);
      }
    }),
  );

  const all = [...new Set(labels.flat())];
  let output: Label[];
  if (arrow < 0) {
    const once = all.filter((label) => !label.startsWith('...') && labels.flat().filter((l) => l === label).length === 1);
    output = [...Array.from({ length: widest }, (_, j) => `...${j}`), ...once.sort()];
  } else {
    const term = parseTerm(equation, arrow + 2, equation.length, 'the output');
    term.letters.forEach((letter, i) => {
      if (!sizes.has(letter))
        throw new RangeError(`einsum: output subscript ${letter} does not appear in the equation for any input operand`);
      if (term.letters.indexOf(letter) < i) throw new RangeError(`einsum: output subscript ${letter} appears more than once in the output`);
    });
    output = labelsOf(term, widest, widest);
  }
  const contracted = all.filter((label) => !output.includes(label));
  const order = [...output, ...contracted];
  const contractedDims = contracted.map((_, k) => output.length + k);

  return scope(() => {
    const aligned = tensors.map((t, k) => align(t, labels[k], order));
    let result = aligned[0];
    for (let k = 1; k < aligned.length; k++) {
      const later = new Set(labels.slice(k + 1).flat());
      result = contractPair(
        result,
        aligned[k],
        contractedDims.filter((d) => !later.has(order[d])),
      );
    }
    const spread = contractedDims.filter((d) => result.shape[d] !== 1);
    const summed = spread.length > 0 ? sum(result, spread, true) : result;
    return reshape(summed, summed.shape.slice(0, output.length));
  });
}
