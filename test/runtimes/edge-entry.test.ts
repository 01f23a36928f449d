// webtorch/edge in Node, from the built bundle (dist/edge.js): importing it draws no random value
// and compiles nothing, torch before init is a clear error, and after init inference on weights
// loaded from an ArrayBuffer or a Response matches the main bundle.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

const kernelsBytes = readFileSync(new URL('../../build/kernels.wasm', import.meta.url));

describe('webtorch/edge', () => {
  it('imports without drawing random values or compiling wasm (workerd refuses both at global scope)', async () => {
    const random = vi.spyOn(globalThis.crypto, 'getRandomValues');
    const compile = vi.spyOn(WebAssembly, 'compile');
    const instantiate = vi.spyOn(WebAssembly, 'instantiate');
    await import('../../dist/edge.js');
    expect(random).not.toHaveBeenCalled();
    expect(compile).not.toHaveBeenCalled();
    expect(instantiate).not.toHaveBeenCalled();
    vi.restoreAllMocks();
  });

  it('says to call init first when used before it', async () => {
    const edge = await import('../../dist/edge.js');
    expect(() => edge.tensor([1, 2])).toThrow("device 'cpu' is not available (call `await init(kernels)` from 'webtorch/edge' first");
  });

  it('refuses kernels that are not a module, bytes or a Response, naming init and what it got', async () => {
    const edge = await import('../../dist/edge.js');
    await expect(edge.init('kernels.wasm' as never)).rejects.toThrow(
      "init: expected the kernels as a WebAssembly.Module (import kernels from 'webtorch/kernels.wasm'), an ArrayBuffer, a typed array or a Response, got string 'kernels.wasm'",
    );
    await expect(edge.init(new Response('missing', { status: 404, statusText: 'Not Found' }))).rejects.toThrow(
      "init: the kernels' response answered 404 Not Found",
    );
  });

  it('runs a model on weights loaded from an ArrayBuffer and from a Response, as the main bundle does', async () => {
    const edge = await import('../../dist/edge.js');
    const main = await import('../../dist/node.js');
    const first = edge.init(new WebAssembly.Module(kernelsBytes));
    expect(edge.init(kernelsBytes)).toBe(first);
    await first;

    main.manualSeed(0);
    const trained = new main.nn.Sequential(new main.nn.Linear(4, 8), new main.nn.Tanh(), new main.nn.Linear(8, 3));
    const weights = main.save(trained.stateDict());
    const input = [
      [0.5, -1, 2, 0.25],
      [1, 1, -3, 0],
    ];
    const expected = main.noGrad(() => trained.forward(main.tensor(input)).softmax(1)).tolistSync() as number[][];

    const make = () => new edge.nn.Sequential(new edge.nn.Linear(4, 8), new edge.nn.Tanh(), new edge.nn.Linear(8, 3));
    const fromBuffer = make();
    fromBuffer.loadStateDict(edge.load(weights.slice().buffer));
    const fromResponse = make();
    fromResponse.loadStateDict(await edge.loadFile(new Response(weights.slice().buffer)));
    for (const model of [fromBuffer, fromResponse]) {
      model.eval();
      const output = edge.noGrad(() => model.forward(edge.tensor(input)).softmax(1));
      expect(output.requiresGrad).toBe(false);
      const values = output.tolistSync() as number[][];
      values.forEach((row, n) => row.forEach((p, c) => expect(p).toBeCloseTo(expected[n][c], 6)));
    }
  });

  it('draws its entropy seed on first use, and manualSeed replays', async () => {
    const edge = await import('../../dist/edge.js');
    expect(edge.rand(3).shape).toEqual([3]);
    edge.manualSeed(7);
    const a = edge.rand(4).tolistSync();
    edge.manualSeed(7);
    expect(edge.rand(4).tolistSync()).toEqual(a);
  });

  it('leaves training out and says so when backward is called', async () => {
    const edge = await import('../../dist/edge.js');
    const x = edge.tensor([1, 2], { requiresGrad: true });
    expect(() => x.mul(x).sum().backward()).toThrow(
      "backward: webtorch/edge runs inference only; train with 'webtorch' and load the weights with load or loadFile",
    );
    expect('optim' in edge || 'webgpu' in edge || 'autograd' in edge).toBe(false);
  });

  it('runs where FinalizationRegistry is missing (workerd before compatibility date 2025-05-05)', async () => {
    const saved = globalThis.FinalizationRegistry;
    Reflect.deleteProperty(globalThis, 'FinalizationRegistry');
    try {
      // A query makes a second module instance, evaluated now, without the registry.
      const fresh = new URL('../../dist/edge.js?without-finalization-registry', import.meta.url).href;
      const edge: typeof import('../../dist/edge.js') = await import(/* @vite-ignore */ fresh);
      await edge.init(kernelsBytes);
      expect(edge.scope(() => edge.tensor([1, 2]).add(1).tolistSync())).toEqual([2, 3]);
    } finally {
      globalThis.FinalizationRegistry = saved;
    }
  });
});
