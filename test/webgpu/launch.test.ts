// The per-dispatch path of the WebGPU device: launch layouts cached per signature (what changes
// the shader text or the uniform layout, never shapes or values), uniforms packed from them, and
// bind groups cached by what they bind.
import { describe, expect, it } from 'vitest';
import { BindGroupCache } from '../../src/devices/webgpu/bind-group-cache.js';
import { BufferPool } from '../../src/devices/webgpu/buffer-pool.js';
import {
  defineShader,
  type KernelLaunch,
  launchLayout,
  packUniforms,
  stridedWalk,
  uniformWordsOf,
} from '../../src/devices/webgpu/launch.js';
import * as torch from '../../src/index.js';
import { EXACT, expectAgree } from './compare.js';
import { webgpuReady } from './gpu.js';

const ready = await webgpuReady();

// Launch layouts are built without a device: the views only need a layout.
const view = (shape: number[], strides: number[], offset = 0) => ({
  storage: {} as never,
  shape,
  strides,
  offset,
  dtype: 'float32' as const,
});

describe('launch layouts', () => {
  const shader = defineShader('binary');
  const launch = (shape: number[], constants: Record<string, number>, uniforms: KernelLaunch['uniforms'] = {}): KernelLaunch => {
    const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, s) => p * s, 1));
    const out = view(shape, strides);
    const x = view(shape, strides, 3);
    return { shader, constants, outputs: { out }, inputs: { x }, walk: stridedWalk('test', shape, [out, x]), uniforms };
  };

  it('one layout per signature: shapes, offsets and uniform values do not make new ones', () => {
    const first = launchLayout(launch([2, 3], { OP: 1 }, { p: ['f32', 0.5] }));
    expect(launchLayout(launch([7, 1, 5], { OP: 1 }, { p: ['f32', -2] }))).toBe(first);
    expect(launchLayout(launch([2, 3], { OP: 2 }, { p: ['f32', 0.5] })).key).not.toBe(first.key);
    expect(launchLayout(launch([2, 3], { OP: 1 }, { p: ['i32', 1] })).key).not.toBe(first.key);
    expect(launchLayout({ ...launch([2, 3], { OP: 1 }, { p: ['f32', 0.5] }), quadInputs: ['x'] }).key).not.toBe(first.key);
  });

  it('packs uniforms at their struct offsets, with the walk padded the same way each time', () => {
    const arena = new ArrayBuffer(1024);
    const words = uniformWordsOf(arena);
    words.u32.fill(0xdeadbeef);
    const packed = launch([4, 5], { OP: 1 }, { p: ['f32', 0.5], q: ['i32', -3] });
    const layout = launchLayout(packed);
    packUniforms(layout, packed, 0, words, 256);
    const at = (word: number) => 64 + word;
    const walk = layout.walkWords!;
    expect(words.u32[at(walk.count)]).toBe(20);
    expect(words.u32[at(walk.ndim)]).toBe(1);
    expect(words.f32[at(layout.uniformWords[0])]).toBe(0.5);
    expect(words.i32[at(layout.uniformWords[1])]).toBe(-3);
    expect([...words.i32.slice(at(walk.offsets), at(walk.offsets) + 4)]).toEqual([0, 3, 0, 0]);
    expect([...words.u32.slice(at(walk.shape), at(walk.shape) + 3)]).toEqual([20, 1, 1]);
    expect([...words.i32.slice(at(walk.strides), at(walk.strides) + 2)]).toEqual([1, 0]);
    expect(layout.uniformBytes % 16).toBe(0);
  });

  it("refuses a uniform named like one of the walk's", () => {
    expect(() => launchLayout(launch([3], { OP: 9 }, { ndim: ['u32', 1] }))).toThrow(/the uniform 'ndim' is also one of the launch's own/);
  });
});

describe('bind group cache', () => {
  const layout = {} as GPUBindGroupLayout;
  const [x, y, z] = [{}, {}, {}] as GPUBuffer[];
  const group = () => ({}) as GPUBindGroup;

  it('finds a group again by layout and buffers, in order', () => {
    const cache = new BindGroupCache(8);
    const made = cache.fill(cache.slot(layout, [x, y], 2), group());
    expect(cache.slot(layout, [x, y], 2).group).toBe(made);
    expect(cache.slot(layout, [x, y, z], 2).group).toBe(made);
    expect(cache.slot(layout, [y, x], 2).group).toBeNull();
    expect(cache.slot({} as GPUBindGroupLayout, [x, y], 2).group).toBeNull();
  });

  it('when full, forgets only the least recently used group', () => {
    const cache = new BindGroupCache(2);
    cache.fill(cache.slot(layout, [x], 1), group());
    cache.fill(cache.slot(layout, [y], 1), group());
    const first = cache.slot(layout, [x], 1).group;
    const third = cache.fill(cache.slot(layout, [z], 1), group());
    expect(cache.size).toBe(2);
    expect(cache.slot(layout, [x], 1).group).toBe(first);
    expect(cache.slot(layout, [z], 1).group).toBe(third);
    expect(cache.slot(layout, [y], 1).group).toBeNull();
  });

  it('keeps a working set that fits however often it cycles, and prunes what it forgets', () => {
    const buffers = Array.from({ length: 6 }, () => ({}) as GPUBuffer);
    const cache = new BindGroupCache(buffers.length);
    let created = 0;
    const bind = (a: GPUBuffer, b: GPUBuffer) => {
      const slot = cache.slot(layout, [a, b], 2);
      if (!slot.group) {
        created++;
        cache.fill(slot, group());
      }
    };
    for (let round = 0; round < 10; round++) for (let i = 0; i < buffers.length; i++) bind(buffers[i], buffers[(i + 1) % buffers.length]);
    expect(created).toBe(buffers.length);
    const forgotten = cache.slot(layout, [buffers[0], buffers[1]], 2);
    for (let i = 0; i < buffers.length; i++) bind(y, buffers[i]);
    expect(cache.size).toBe(buffers.length);
    expect(forgotten.parent!.next.has(buffers[1])).toBe(false);
    expect(forgotten.parent!.parent!.next.has(buffers[0])).toBe(false);
  });
});

describe('buffer pool', () => {
  const device = {} as GPUDevice;
  let made = 0;
  const pool = () => new BufferPool(device, 0, 1 << 20, ({ size }) => ({ size, label: `buffer ${made++}` }) as GPUBuffer);

  it('hands out the oldest idle buffer of a size, whatever order they were freed in', () => {
    const buffers = pool();
    const [a, b, c] = [buffers.acquire(100), buffers.acquire(100), buffers.acquire(100)];
    for (const order of [
      [a, b, c],
      [c, a, b],
      [b, c, a],
    ]) {
      for (const buffer of order) buffers.release(buffer);
      expect([buffers.acquire(100), buffers.acquire(100), buffers.acquire(100)]).toEqual([a, b, c]);
    }
  });

  it('so a step that requests and frees the same sizes gets the same buffers each time', () => {
    const buffers = pool();
    const step = () => {
      const held = [buffers.acquire(64), buffers.acquire(64), buffers.acquire(4096)];
      const temporary = buffers.acquire(64);
      buffers.release(held[1]);
      const reused = buffers.acquire(64);
      for (const buffer of [temporary, held[2], reused, held[0]]) buffers.release(buffer);
      return [...held, temporary, reused];
    };
    const first = step();
    for (let i = 0; i < 5; i++) expect(step()).toEqual(first);
  });
});

describe.runIf(ready)('the dispatch path on a device', () => {
  it('a loop over the same pooled buffers (cached bind groups) computes what fresh buffers do', async () => {
    const x = torch.arange(12).reshape(3, 4);
    const xGpu = x.to('webgpu');
    const results: number[][] = [];
    for (let step = 0; step < 3; step++) {
      const y = torch.scope(() =>
        xGpu
          .mul(step + 1)
          .add(xGpu)
          .sum(0),
      );
      results.push([...(await y.data())]);
      y.dispose();
    }
    expect(results).toEqual([1, 2, 3].map((scale) => [...x.mul(scale).add(x).sum(0).dataSync()]));
    await expectAgree('after the loop', xGpu.mul(7).add(xGpu).sum(0), x.mul(7).add(x).sum(0), EXACT);
  });
});
