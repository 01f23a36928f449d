// CPU glue for the reduction kernels of assembly/reduce.ts.
import type { Kernels } from '../../device.js';
import { REDUCE_OPCODES } from '../../opcodes.js';
import { reducedInnermost, reduceLayout } from '../../reduce-layout.js';
import type { CpuDevice } from '../device.js';
import { addressOf, scratchView } from '../helpers.js';
import { GRAIN, splitOverThreads } from '../split.js';

/**
 * A float32 reduction splits over threads only from twice this many input elements, at most one
 * piece per this many. Measured with scripts/thread-threshold-elementwise.mjs on this 2-core
 * machine, quiet (load 1.4), every size split, workers spinning between jobs: 2 threads against 1
 * gave 1.3-1.9x from 131072 elements up (sum 1.46x, max 1.92x, a sum over rows of 256 1.30x, over
 * dim 0 of [n/256, 256] 1.51x at 131072), and 1.27-1.77x at 65536; the threshold matches the
 * elementwise ops', which a whole training step puts at 2^17 (see elementwise.ts).
 */
const THREAD_MIN_ELEMENTS = 1 << 17;

/**
 * Elements per chunk of a float32 run longer than this, which reduces chunk by chunk at any thread
 * count (reducePartialsF32), so a long sum splits over threads with the same bits; a multiple of 4.
 */
const REDUCE_CHUNK = 16384;

/** The ops whose long runs reduce in chunks: every float32 op but prod (rarely long, and order-sensitive in f32). */
const CHUNKED: ReadonlySet<string> = new Set(['sum', 'max', 'min', 'argmax', 'argmin']);

/**
 * Ops that reduce in two passes when the reduced dims interleave with kept ones: first the reduced
 * dims after the last kept one, which lie in contiguous runs, then the rest over that smaller
 * result. Associative ops only; the indices of argmax and argmin would not survive the first pass.
 */
const TWO_PASS: ReadonlySet<string> = new Set(['sum', 'max', 'min']);

export function reduceKernels(cpu: CpuDevice): Pick<Kernels, 'reduce'> {
  const wasm = cpu.wasm;
  const kernels: Pick<Kernels, 'reduce'> = {
    reduce(op, out, x, dims) {
      let layout = reduceLayout(x.shape, x.strides, dims);
      if (!layout && x.dtype === 'float32' && TWO_PASS.has(op)) {
        // BatchNorm's statistics (dims 0, 2, 3 of [N, C, H, W]) would otherwise copy the whole input
        // to gather the reduced dims innermost: a pass that cost as much as all its arithmetic.
        const lastKept = Math.max(...x.shape.map((_, d) => d).filter((d) => !dims.includes(d)));
        const trailing = dims.filter((d) => d > lastKept);
        if (trailing.length > 0 && reduceLayout(x.shape, x.strides, trailing)) {
          const shape = x.shape.filter((_, d) => !trailing.includes(d));
          const partial = cpu.allocator.malloc(
            Math.max(
              1,
              shape.reduce((a, b) => a * b, 1),
            ) * 4,
          );
          const staged = scratchView(x, partial, shape);
          try {
            kernels.reduce(op, staged, x, trailing);
            return kernels.reduce(
              op,
              out,
              staged,
              dims.filter((d) => d < lastKept),
            );
          } finally {
            cpu.allocator.free(partial);
          }
        }
      }
      let source = x;
      let temporary: number | null = null;
      if (!layout) {
        // The reduced dims interleave with kept ones in memory: gather them innermost first.
        const order = reducedInnermost(x.shape.length, dims);
        const shape = order.map((d) => x.shape[d]);
        const bytes = shape.reduce((a, b) => a * b, 1) * 4;
        temporary = cpu.allocator.malloc(bytes);
        const staged = scratchView(x, temporary, shape);
        cpu.kernels.copy(staged, { ...x, shape, strides: order.map((d) => x.strides[d]) });
        const kept = x.shape.length - dims.length;
        source = staged;
        layout = reduceLayout(
          shape,
          staged.strides,
          dims.map((_, i) => kept + i),
        )!;
      }
      cpu.beginParams();
      const [shapeAt, stridesAt] = cpu.params(layout.keptShape, layout.keptStrides);
      const outputs = layout.keptShape.reduce((a, b) => a * b, 1);
      const walk = [
        REDUCE_OPCODES[op],
        layout.keptShape.length,
        shapeAt,
        stridesAt,
        addressOf(source),
        layout.count,
        layout.stride,
      ] as const;
      let overflow: number | null = null;
      if (x.dtype !== 'float32') {
        const firstOverflow = wasm.reduceI32(...walk, addressOf(out), 0, outputs);
        if (!Number.isNaN(firstOverflow)) overflow = firstOverflow;
      } else if (layout.count > REDUCE_CHUNK && CHUNKED.has(op)) {
        const chunks = Math.ceil(layout.count / REDUCE_CHUNK);
        const units = outputs * chunks;
        const partials = cpu.allocator.malloc(units * wasm.reducePartialBytes());
        const args = [...walk, REDUCE_CHUNK, partials] as const;
        const split = splitOverThreads(cpu, {
          kernel: 'reducePartialsF32',
          run: wasm.reducePartialsF32,
          args,
          total: units,
          rowSize: 1,
          grain: 1,
          work: outputs * layout.count,
          threshold: THREAD_MIN_ELEMENTS,
        });
        if (!split) wasm.reducePartialsF32(...args, 0, units);
        wasm.reduceCombineF32(REDUCE_OPCODES[op], outputs, chunks, partials, addressOf(out));
        cpu.allocator.free(partials);
      } else {
        const args = [...walk, addressOf(out)] as const;
        const split = splitOverThreads(cpu, {
          kernel: 'reduceF32',
          run: wasm.reduceF32,
          args,
          total: outputs,
          rowSize: layout.keptShape[layout.keptShape.length - 1],
          // About GRAIN input elements per grain, in whole SIMD groups of outputs.
          grain: 4 * Math.ceil(GRAIN / layout.count / 4),
          work: outputs * layout.count,
          threshold: THREAD_MIN_ELEMENTS,
        });
        if (!split) wasm.reduceF32(...args, 0, outputs);
      }
      if (temporary !== null) cpu.allocator.free(temporary);
      return overflow;
    },
  };
  return kernels;
}
