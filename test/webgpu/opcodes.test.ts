// The opcode table (src/devices/opcodes.ts) binds every kernel: the AssemblyScript constants the
// build generated are the table's, and every op of the unary, binary, reduce and scan families, in every
// dtype the table gives it a kernel for, runs on both devices with the same result. The kernels
// are called directly, not through the public ops, so an op the table names but no kernel handles
// fails here: the wasm switch traps (unreachable), and the WGSL switch falls to its default and
// disagrees with the CPU. (test/kernels/cpu-kernel-inputs.test.ts drives the same table on the CPU
// with edge values.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type BinaryOp,
  constantName,
  elementwiseKernelDtype,
  OPCODE_FAMILIES,
  type ReduceOp,
  type ScanOp,
  type UnaryOp,
} from '../../src/devices/opcodes.js';
import * as torch from '../../src/index.js';
import { expectAgree, type Tolerance } from './compare.js';
import { webgpuReady } from './gpu.js';

type Tensor = torch.Tensor;

const ready = await webgpuReady();

/** Within the transcendental functions' agreement (see differential.test.ts); NaN matches NaN. */
const CLOSE: Tolerance = { rtol: 1e-5 };

/** Values off the integers, of both signs, inside and outside every op's domain. */
const FLOATS = [-2.5, -1, -0.25, 0, 0.3, 0.75, 1, 1.5, 3, 7.25];
const OTHER_FLOATS = [1.5, -0.5, 2, 0.25, -3, 0.5, 2.5, -1, 0.75, 4];
const INTEGERS = [-7, -2, -1, 0, 1, 2, 3, 5, 9, 12];
/** Nonzero, so the int32 divisions take their ordinary path. */
const OTHER_INTEGERS = [3, -2, 5, 1, -1, 2, 4, -3, 7, 2];

/** The dtypes the table gives `op` a kernel for. */
function kernelDtypes(op: UnaryOp | BinaryOp, binary: boolean): ('float32' | 'int32')[] {
  return (['float32', 'int32'] as const).filter((dtype) => {
    try {
      return elementwiseKernelDtype(op, dtype, binary) === dtype;
    } catch {
      return false;
    }
  });
}

/** Runs `kernel` on the CPU and on WebGPU with the same inputs and compares the outputs. */
async function agree(
  what: string,
  inputs: Tensor[],
  out: { shape: number[]; dtype: torch.DType },
  kernel: (out: Tensor, ...inputs: Tensor[]) => void,
): Promise<void> {
  const results = ['cpu', 'webgpu'].map((device) => {
    const result = torch.empty(out.shape, { dtype: out.dtype, device });
    kernel(result, ...inputs.map((input) => input.to(device)));
    return result;
  });
  await expectAgree(what, results[1], results[0], CLOSE);
}

describe('the generated AssemblyScript opcodes', () => {
  it('are the constants of the table, in its order', () => {
    const generated = readFileSync(new URL('../../build/opcodes.ts', import.meta.url), 'utf8');
    const constants = [...generated.matchAll(/^export const (\w+) = (\d+);$/gm)].map(([, name, value]) => [name, Number(value)]);
    const expected = Object.values(OPCODE_FAMILIES).flatMap((names) => names.map((name, position) => [constantName(name), position]));
    expect(constants).toEqual(expected);
  });
});

describe.skipIf(!ready)('every op of the opcode table has a kernel on both devices', () => {
  it.each(OPCODE_FAMILIES.unary)('unary %s', async (op) => {
    for (const dtype of kernelDtypes(op, false)) {
      const x = torch.tensor(dtype === 'float32' ? FLOATS : INTEGERS, { dtype });
      await agree(`unary ${op} (${dtype})`, [x], { shape: [FLOATS.length], dtype }, (out, x) =>
        out.deviceObject.kernels.unary(op, out, x, 0.5, 2),
      );
    }
  });

  it.each(OPCODE_FAMILIES.binary)('binary %s', async (op) => {
    for (const dtype of kernelDtypes(op, true)) {
      const a = torch.tensor(dtype === 'float32' ? FLOATS : INTEGERS, { dtype });
      const b = torch.tensor(dtype === 'float32' ? OTHER_FLOATS : OTHER_INTEGERS, { dtype });
      const outDtype = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr'].includes(op) ? 'bool' : dtype;
      await agree(`binary ${op} (${dtype})`, [a, b], { shape: [FLOATS.length], dtype: outDtype }, (out, a, b) =>
        out.deviceObject.kernels.binary(op, out, a, b),
      );
    }
  });

  it.each(OPCODE_FAMILIES.reduce)('reduce %s', async (op: ReduceOp) => {
    for (const dtype of ['float32', 'int32'] as const) {
      const x = torch.tensor(dtype === 'float32' ? FLOATS : INTEGERS, { dtype }).reshape([2, 5]);
      const outDtype = op === 'argmax' || op === 'argmin' ? 'int32' : dtype;
      await agree(`reduce ${op} (${dtype})`, [x], { shape: [2], dtype: outDtype }, (out, x) =>
        out.deviceObject.kernels.reduce(op, out, x, [1]),
      );
    }
  });

  it.each(OPCODE_FAMILIES.scan)('scan %s', async (op: ScanOp) => {
    for (const dtype of ['float32', 'int32'] as const) {
      const x = torch.tensor(dtype === 'float32' ? FLOATS : INTEGERS, { dtype }).reshape([2, 5]);
      for (const reverse of [false, true]) {
        await agree(`scan ${op} (${dtype}, reverse ${reverse})`, [x], { shape: [2, 5], dtype }, (out, x) => {
          out.deviceObject.kernels.scan(op, out, x, 1, reverse, `${op}: overflow`);
        });
      }
    }
  });
});
