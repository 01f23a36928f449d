import { describe, expect, it, vi } from 'vitest';
import * as torch from '../../src/index.js';

/** Elements per test tensor: 4 KiB, an exact allocator size class, so byte counts are exact. */
const N = 1024;
const BYTES = N * 4;

describe('a training loop keeps memory flat', () => {
  it('2,000 steps of forward, backward and SGD leave the same tensors and bytes after every step', () => {
    // A 2-layer MLP regressing y = sin(3x) on 32 points, deterministic initialisation.
    const x = torch.linspace(-1, 1, 32).unsqueeze(1);
    const y = x.mul(3).sin();
    const w1 = torch.linspace(-1, 1, 16).unsqueeze(0).requiresGrad_();
    const b1 = torch.linspace(-0.5, 0.5, 16).requiresGrad_();
    const w2 = torch.linspace(-0.3, 0.3, 16).unsqueeze(1).requiresGrad_();
    const b2 = torch.zeros(1, { requiresGrad: true });
    const parameters = [w1, b1, w2, b2];
    const learningRate = 0.05;

    const step = () => {
      const loss = torch.scope(() => {
        const prediction = x.matmul(w1).add(b1).relu().matmul(w2).add(b2);
        const loss = prediction.sub(y).pow(2).mean();
        loss.backward();
        torch.noGrad(() => {
          for (const p of parameters) {
            p.sub_(p.grad!.mul(learningRate));
            p.grad!.zero_();
          }
        });
        return loss;
      });
      const value = loss.itemSync() as number;
      loss.dispose();
      return value;
    };

    const warmUp = 5;
    for (let i = 0; i < warmUp; i++) step();
    const steady = torch.memory();
    const first = step();
    let last = first;
    for (let i = 1; i < 2000; i++) {
      last = step();
      const now = torch.memory();
      if (now.tensors !== steady.tensors || now.bytes.cpu !== steady.bytes.cpu) {
        expect({ step: i, ...now }).toEqual({ step: i, ...steady });
      }
    }
    expect(torch.memory()).toEqual(steady);
    // PyTorch 1.13 runs the same loop from 0.2380 (step 5) down to 0.13085 (step 2004).
    expect(first).toBeCloseTo(0.238, 3);
    expect(last).toBeCloseTo(0.13085, 3);
  });
});

describe('scope', () => {
  it('frees temporaries and hands back what it returns', () => {
    const a = torch.ones(N);
    const before = torch.memory();
    const y = torch.scope(() => a.mul(2).add(1).relu());
    expect(torch.memory().tensors).toBe(before.tensors + 1);
    expect(torch.memory().bytes.cpu).toBe(before.bytes.cpu + BYTES);
    expect(y.isDisposed).toBe(false);
    expect(torch.scope(() => y.sum().itemSync())).toBe(3 * N);
    y.dispose();
    expect(torch.memory()).toEqual(before);
  });

  it('hands back tensors inside arrays and objects', () => {
    const a = torch.ones(4);
    const before = torch.memory();
    const result = torch.scope(() => {
      a.mul(10);
      return { pair: [a.add(1), a.add(2)], named: { doubled: a.mul(2) }, label: 'kept' };
    });
    expect(torch.memory().tensors).toBe(before.tensors + 3);
    expect(result.pair[1].tolistSync()).toEqual([3, 3, 3, 3]);
    expect(result.named.doubled.tolistSync()).toEqual([2, 2, 2, 2]);
    for (const t of [...result.pair, result.named.doubled]) t.dispose();
    expect(torch.memory()).toEqual(before);
  });

  it('nests: an inner result belongs to the outer scope', () => {
    const a = torch.ones(N);
    const before = torch.memory();
    let fromInner: torch.Tensor | null = null;
    const outer = torch.scope(() => {
      fromInner = torch.scope(() => a.add(1).mul(2));
      expect(fromInner.isDisposed).toBe(false);
      return fromInner.add(1);
    });
    expect(fromInner!.isDisposed).toBe(true);
    expect(torch.scope(() => outer.sum().itemSync())).toBe(5 * N);
    outer.dispose();
    expect(torch.memory()).toEqual(before);
  });

  it('disposes what it created when fn throws, and rethrows', () => {
    const a = torch.ones(N);
    const before = torch.memory();
    let created: torch.Tensor | null = null;
    expect(() =>
      torch.scope(() => {
        created = a.mul(3);
        a.add(created);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(created!.isDisposed).toBe(true);
    expect(torch.memory()).toEqual(before);
  });

  it('keep() lets a tensor outlive every enclosing scope', () => {
    const before = torch.memory();
    let kept: torch.Tensor | null = null;
    torch.scope(() => {
      torch.scope(() => {
        kept = torch.keep(torch.ones(N));
        torch.ones(N);
      });
    });
    expect(kept!.isDisposed).toBe(false);
    expect(torch.memory().tensors).toBe(before.tensors + 1);
    kept!.dispose();
    expect(torch.memory()).toEqual(before);
  });

  it('refuses an async fn', () => {
    const before = torch.memory();
    expect(() => torch.scope((async () => torch.ones(2)) as never)).toThrow(/scope.*synchronous/);
    expect(torch.memory().tensors).toBe(before.tensors);
  });
});

describe('dispose', () => {
  it('frees the bytes at once and is idempotent', () => {
    const before = torch.memory();
    const t = torch.zeros(N);
    expect(torch.memory().bytes.cpu).toBe(before.bytes.cpu + BYTES);
    t.dispose();
    t.dispose();
    expect(torch.memory()).toEqual(before);
    expect(t.isDisposed).toBe(true);
  });

  it('frees shared storage only when the last view goes', () => {
    const before = torch.memory();
    const base = torch.zeros(N);
    const view = base.view(32, 32);
    const row = view.select(0, 3);
    base.dispose();
    expect(torch.memory().bytes.cpu).toBe(before.bytes.cpu + BYTES);
    expect(row.tolistSync()).toEqual(new Array(32).fill(0));
    view.dispose();
    expect(torch.memory().bytes.cpu).toBe(before.bytes.cpu + BYTES);
    row.dispose();
    expect(torch.memory()).toEqual(before);
  });

  it('frees a leaf gradient with its tensor', () => {
    const before = torch.memory();
    const w = torch.ones(N, { requiresGrad: true });
    torch.scope(() => w.mul(2).sum().backward());
    expect(w.grad).not.toBeNull();
    expect(torch.memory().bytes.cpu).toBe(before.bytes.cpu + 2 * BYTES);
    w.dispose();
    expect(torch.memory()).toEqual(before);
  });
});

describe('autograd memory', () => {
  it('a graph that is never backwarded frees its saved tensors when its output is disposed', () => {
    const x = torch.linspace(-1, 1, N, { requiresGrad: true });
    const before = torch.memory();
    // exp saves its output, mul saves both inputs: storage the scope cannot free on its own.
    const loss = torch.scope(() => x.exp().mul(x).tanh().sum());
    expect(torch.memory().bytes.cpu).toBeGreaterThan(before.bytes.cpu + 2 * BYTES);
    loss.dispose();
    expect(torch.memory()).toEqual(before);
  });

  it('a graph whose intermediate tensors are disposed by hand frees too', () => {
    const x = torch.linspace(-1, 1, N, { requiresGrad: true });
    const before = torch.memory();
    const e = x.exp();
    const m = e.mul(e);
    const s = m.sigmoid();
    for (const t of [e, m, s]) t.dispose();
    expect(torch.memory()).toEqual(before);
  });

  it('backward releases saved tensors: bytes drop', () => {
    const x = torch.linspace(-1, 1, N, { requiresGrad: true });
    torch.scope(() => x.mul(1).sum().backward());
    const withGrad = torch.memory();
    const loss = torch.scope(() => x.exp().mul(x).tanh().sum());
    const beforeBackward = torch.memory();
    // Saved: exp's output, tanh's output (x itself is a live leaf), plus loss itself.
    expect(beforeBackward.bytes.cpu).toBe(withGrad.bytes.cpu + 2 * BYTES + 64);
    torch.scope(() => loss.backward());
    expect(torch.memory().bytes.cpu).toBe(withGrad.bytes.cpu + 64);
    loss.dispose();
    expect(torch.memory()).toEqual(withGrad);
  });

  it('retainGraph keeps saved tensors until the graph is dropped', () => {
    const x = torch.linspace(-1, 1, N, { requiresGrad: true });
    const before = torch.memory();
    const loss = torch.scope(() => x.exp().sum());
    const held = torch.memory();
    loss.backward(undefined, { retainGraph: true });
    x.grad!.dispose();
    x.grad = null;
    expect(torch.memory()).toEqual(held);
    loss.backward();
    x.grad!.dispose();
    x.grad = null;
    loss.dispose();
    expect(torch.memory()).toEqual(before);
  });

  it('noGrad saves nothing', () => {
    const x = torch.linspace(-1, 1, N, { requiresGrad: true });
    const before = torch.memory();
    const y = torch.noGrad(() => torch.scope(() => x.exp().mul(x).tanh()));
    expect(y.requiresGrad).toBe(false);
    expect(torch.memory().bytes.cpu).toBe(before.bytes.cpu + BYTES);
    y.dispose();
    expect(torch.memory()).toEqual(before);
  });
});

describe('deterministic freeing', () => {
  it('a tensor declared with `using` is disposed when its block ends', () => {
    const before = torch.memory();
    let escaped: torch.Tensor;
    {
      using t = torch.ones(N);
      escaped = t;
      expect(torch.memory().tensors).toBe(before.tensors + 1);
    }
    expect(escaped.isDisposed).toBe(true);
    expect(torch.memory()).toEqual(before);
  });

  it('`using` disposes when the block throws', () => {
    const mismatched = torch.ones(3);
    const before = torch.memory();
    expect(() => {
      using t = torch.ones(N);
      t.add(mismatched);
    }).toThrow('add');
    expect(torch.memory()).toEqual(before);
  });

  it('scope hands back tensors held in a returned Map or Set, keys and values', () => {
    const a = torch.ones(4);
    const before = torch.memory();
    const { byName, byTensor, set } = torch.scope(() => {
      a.mul(3);
      const key = a.add(1);
      return { byName: new Map([['doubled', a.mul(2)]]), byTensor: new Map([[key, a.add(2)]]), set: new Set([a.add(3)]) };
    });
    expect(torch.memory().tensors).toBe(before.tensors + 4);
    expect(byName.get('doubled')!.tolistSync()).toEqual([2, 2, 2, 2]);
    const [[key, value]] = [...byTensor];
    expect([key.tolistSync(), value.tolistSync()]).toEqual([
      [2, 2, 2, 2],
      [3, 3, 3, 3],
    ]);
    expect([...set][0].tolistSync()).toEqual([4, 4, 4, 4]);
    for (const t of [byName.get('doubled')!, key, value, ...set]) t.dispose();
    expect(torch.memory()).toEqual(before);
  });
});

describe('growth across optimizer steps', () => {
  const model = () => {
    torch.manualSeed(0);
    const linear = new torch.nn.Linear(4, 1);
    return { linear, optimizer: new torch.optim.SGD(linear.parameters(), { lr: 0.01 }), x: torch.randn(8, 4), y: torch.randn(8, 1) };
  };

  // First: the warning is given once per process.
  it('stays silent for a scoped step', () => {
    const { linear, optimizer, x, y } = model();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (let i = 0; i < 1200; i++) {
        torch.scope(() => {
          optimizer.zeroGrad();
          const loss = torch.nn.functional.mseLoss(linear.forward(x), y);
          loss.backward();
          optimizer.step();
          loss.itemSync();
        });
      }
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('warns once, naming the growth and how to scope the step, when a loop never lets the collector run', () => {
    const { linear, optimizer, x, y } = model();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      // A Python-style loop: nothing scoped or disposed, and a synchronous read never yields.
      for (let i = 0; i < 1200; i++) {
        optimizer.zeroGrad();
        const loss = torch.nn.functional.mseLoss(linear.forward(x), y);
        loss.backward();
        optimizer.step();
        loss.itemSync();
      }
      expect(warn).toHaveBeenCalledTimes(1);
      const message = String(warn.mock.calls[0][0]);
      expect(message).toMatch(/live tensors grew at each of the last 1000 optimizer steps \(from \d+ to \d+\)/);
      expect(message).toContain('never gave the event loop a turn');
      expect(message).toContain('torch.scope');
    } finally {
      warn.mockRestore();
    }
  });
});
