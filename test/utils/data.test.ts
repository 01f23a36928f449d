// torch.utils.data: TensorDataset, DataLoader (batching, shuffling from a seeded generator, one-gather
// TensorDataset batches, collateFn, async datasets, memory), defaultCollate, randomSplit and Subset;
// on webgpu, loaders over tensors there and a DataLoader feeding a model trained there.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { devices, expectNoGrowth } from '../helpers/devices.js';

type Tensor = torch.Tensor;
const { nn } = torch;
const { DataLoader, Dataset, AsyncDataset, TensorDataset, Subset, randomSplit, defaultCollate } = torch.utils.data;

const seeded = (seed: number) => new torch.Generator().manualSeed(seed);

/** Runs `fn` and checks that it leaves no tensor alive that was not alive before. */
/** No more live tensors after `fn` than before. Only growth is a leak: the collector may free what earlier tests dropped while `fn` awaits. */
async function expectNoLeak(fn: () => unknown): Promise<void> {
  const before = torch.memory().tensors;
  await fn();
  expect(torch.memory().tensors).toBeLessThanOrEqual(before);
}

function forEachTensorIn(value: unknown, fn: (t: Tensor) => void): void {
  if (value instanceof torch.Tensor) fn(value);
  else if (Array.isArray(value)) value.forEach((v) => forEachTensorIn(v, fn));
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach((v) => forEachTensorIn(v, fn));
}

function disposeBatch(batch: unknown): void {
  forEachTensorIn(batch, (t) => t.dispose());
}

/** The batches of one pass as plain values, each disposed after reading. */
function readAll<B>(loader: Iterable<B>): unknown[] {
  return Array.from(loader, (batch) => {
    const values = JSON.parse(JSON.stringify(batch, (_, v) => (v instanceof torch.Tensor ? v.tolistSync() : v)));
    disposeBatch(batch);
    return values;
  });
}

/** A dataset of ten samples [x_i, y_i] with x_i = [i, 10 i] and y_i = i, as two tensors. */
function rows(n = 10) {
  const x = torch.stack([torch.arange(n), torch.arange(n).mul(10)], 1);
  const y = torch.arange(n, { dtype: 'int32' });
  return {
    x,
    y,
    dataset: new TensorDataset(x, y),
    dispose: () => {
      x.dispose();
      y.dispose();
    },
  };
}

describe('TensorDataset', () => {
  it('indexes rows of every tensor, Python-style negative indices included', () => {
    const { dataset, dispose } = rows(4);
    expect(dataset.length).toBe(4);
    const [x, y] = dataset.getItem(-1);
    expect(x.tolistSync()).toEqual([3, 30]);
    expect(y.tolistSync()).toBe(3);
    x.dispose();
    y.dispose();
    expect(() => dataset.getItem(4)).toThrow('TensorDataset: index 4 is out of range for a dataset of length 4');
    dispose();
  });

  it('refuses tensors whose first dimensions differ, naming both shapes', () => {
    const a = torch.zeros(5, 2);
    const b = torch.zeros(4);
    expect(() => new TensorDataset(a, b)).toThrow(
      'TensorDataset: size mismatch between tensors: argument 0 has shape [5, 2] but argument 1 has shape [4]',
    );
    expect(() => new TensorDataset(a, torch.tensor(1))).toThrow(/argument 1 is 0-d/);
    expect(() => new TensorDataset()).toThrow(/at least one tensor/);
    a.dispose();
    b.dispose();
  });
});

describe('DataLoader', () => {
  it('batches in order, with a smaller last batch unless dropLast', async () => {
    const { dataset, dispose } = rows(10);
    const loader = new DataLoader(dataset, { batchSize: 4 });
    expect(loader.length).toBe(3);
    await expectNoLeak(() => {
      expect(readAll(loader)).toEqual([
        [
          [
            [0, 0],
            [1, 10],
            [2, 20],
            [3, 30],
          ],
          [0, 1, 2, 3],
        ],
        [
          [
            [4, 40],
            [5, 50],
            [6, 60],
            [7, 70],
          ],
          [4, 5, 6, 7],
        ],
        [
          [
            [8, 80],
            [9, 90],
          ],
          [8, 9],
        ],
      ]);
    });
    const dropping = new DataLoader(dataset, { batchSize: 4, dropLast: true });
    expect(dropping.length).toBe(2);
    expect(readAll(dropping).map((batch) => (batch as number[][])[1])).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(new DataLoader(dataset).length).toBe(10);
    dispose();
  });

  it('gives batches of the dataset dtypes with a leading batch dimension', () => {
    const { dataset, dispose } = rows(6);
    const [x, y] = new DataLoader(dataset, { batchSize: 3 })[Symbol.iterator]().next().value!;
    expect([x.shape, x.dtype, y.shape, y.dtype]).toEqual([[3, 2], 'float32', [3], 'int32']);
    x.dispose();
    y.dispose();
    dispose();
  });

  it('shuffles into a new order every pass, reproducibly from a seeded generator', () => {
    const { dataset, dispose } = rows(10);
    const labels = (loader: Iterable<Tensor[]>) => readAll(loader).flatMap((batch) => (batch as number[][])[1]);
    const a = new DataLoader(dataset, { batchSize: 3, shuffle: true, generator: seeded(7) });
    const b = new DataLoader(dataset, { batchSize: 3, shuffle: true, generator: seeded(7) });
    const epochs = [labels(a), labels(a), labels(a)];
    expect([labels(b), labels(b), labels(b)]).toEqual(epochs);
    for (const epoch of epochs) expect([...epoch].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epochs[0]).not.toEqual(epochs[1]);
    expect(labels(new DataLoader(dataset, { batchSize: 3, shuffle: true, generator: seeded(8) }))).not.toEqual(epochs[0]);
    // Without a generator, shuffling draws from the default generator, which torch.manualSeed resets.
    torch.manualSeed(3);
    const first = labels(new DataLoader(dataset, { batchSize: 4, shuffle: true }));
    torch.manualSeed(3);
    expect(labels(new DataLoader(dataset, { batchSize: 4, shuffle: true }))).toEqual(first);
    dispose();
  });

  it('takes TensorDataset batches with one gather, the same values as collating each sample', () => {
    const { dataset, dispose } = rows(10);
    const options = { batchSize: 4, shuffle: true };
    const fast = readAll(new DataLoader(dataset, { ...options, generator: seeded(1) }));
    const sampled = readAll(new DataLoader(dataset, { ...options, generator: seeded(1), collateFn: defaultCollate }));
    expect(fast).toEqual(sampled);
    const [train] = randomSplit(dataset, [6, 4], { generator: seeded(2) });
    const fromSubset = readAll(new DataLoader(train, { batchSize: 6 }));
    expect(fromSubset).toEqual(readAll(new DataLoader(train, { batchSize: 6, collateFn: defaultCollate })));
    expect((fromSubset[0] as number[][])[1]).toEqual(train.indices);
    dispose();
  });

  it('passes the samples of a batch to collateFn', () => {
    const loader = new DataLoader(['a', 'bb', 'ccc', 'dddd', 'e'], { batchSize: 2, collateFn: (samples: string[]) => samples.join('+') });
    expect([...loader]).toEqual(['a+bb', 'ccc+dddd', 'e']);
  });

  it('collates arrays of numbers, tuples and objects like default_collate', () => {
    const samples = Array.from({ length: 5 }, (_, i) => ({ features: [i, i + 0.5], label: i % 2, tag: `s${i}`, flag: i > 2 }));
    const batches = readAll(new DataLoader(samples, { batchSize: 3 }));
    expect(batches[0]).toEqual({
      features: [
        [0, 1, 2],
        [0.5, 1.5, 2.5],
      ],
      label: [0, 1, 0],
      tag: ['s0', 's1', 's2'],
      flag: [false, false, false],
    });
    const [batch] = new DataLoader(samples, { batchSize: 2 });
    expect([batch.label.dtype, batch.features[1].dtype, batch.flag.dtype]).toEqual(['int32', 'float32', 'bool']);
    disposeBatch(batch);
  });

  it('frees what samples and collate create, and leaves tensors the dataset keeps alone', async () => {
    const kept = Array.from({ length: 6 }, (_, i) => torch.full([i + 1], i));
    class Sequences extends Dataset<[Tensor, number]> {
      length = kept.length;
      getItem(i: number): [Tensor, number] {
        return [kept[i], kept[i].numel()];
      }
    }
    const pad = (samples: [Tensor, number][]): [Tensor, number[]] => {
      const width = Math.max(...samples.map(([, n]) => n));
      return [torch.stack(samples.map(([t, n]) => torch.cat([t, torch.zeros(width - n)]))), samples.map(([, n]) => n)];
    };
    await expectNoLeak(() => {
      for (let epoch = 0; epoch < 3; epoch++) {
        for (const [padded, lengths] of new DataLoader(new Sequences(), { batchSize: 4, shuffle: true, collateFn: pad })) {
          expect(padded.shape).toEqual([lengths.length, Math.max(...lengths)]);
          padded.dispose();
        }
      }
    });
    expect(kept.every((t) => !t.isDisposed)).toBe(true);
    kept.forEach((t) => t.dispose());
  });

  it('memory stays flat over epochs of a TensorDataset loader', async () => {
    const { dataset, dispose } = rows(50);
    const loader = new DataLoader(dataset, { batchSize: 8, shuffle: true, generator: seeded(0) });
    for (const batch of loader) disposeBatch(batch);
    const bytes = torch.memory().bytes.cpu;
    await expectNoLeak(() => {
      for (let epoch = 0; epoch < 5; epoch++) for (const batch of loader) disposeBatch(batch);
    });
    expect(torch.memory().bytes.cpu).toBe(bytes);
    dispose();
  });

  it('reads async datasets with for await, fetching a batch concurrently and freeing what the batch does not hold', async () => {
    let inFlight = 0;
    let most = 0;
    class Remote extends AsyncDataset<{ image: Tensor; label: number; scratch: Tensor }> {
      length = 7;
      async getItemAsync(i: number) {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 7 - i));
        inFlight--;
        return { image: torch.full([2], i), label: i, scratch: torch.zeros(3) };
      }
    }
    const loader = new DataLoader(new Remote(), {
      batchSize: 3,
      collateFn: (samples) => [torch.stack(samples.map((s) => s.image)), samples.map((s) => s.label)] as const,
    });
    await expectNoLeak(async () => {
      const labels: number[][] = [];
      for await (const [images, batchLabels] of loader) {
        expect(images.tolistSync()).toEqual(batchLabels.map((l) => [l, l]));
        labels.push(batchLabels);
        images.dispose();
      }
      expect(labels).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    });
    expect(most).toBe(3);
    expect(() => [...loader]).toThrow(
      'DataLoader: the dataset is asynchronous (it has getItemAsync but no getItem); iterate with for await (const batch of loader)',
    );
  });

  it('for await over a synchronous dataset gives the same batches', async () => {
    const { dataset, dispose } = rows(5);
    const batches: unknown[] = [];
    await expectNoLeak(async () => {
      for await (const [x, y] of new DataLoader(dataset, { batchSize: 2 })) {
        batches.push([x.tolistSync(), y.tolistSync()]);
        x.dispose();
        y.dispose();
      }
    });
    expect(batches).toEqual(readAll(new DataLoader(dataset, { batchSize: 2 })));
    dispose();
  });

  it('an async item that fails rejects the pass and frees the other items', async () => {
    const failing = {
      length: 4,
      async getItemAsync(i: number) {
        if (i === 2) throw new Error('item 2 is unreadable');
        return torch.ones(2);
      },
    };
    await expectNoLeak(async () => {
      await expect(
        (async () => {
          for await (const batch of new DataLoader(failing, { batchSize: 4 })) batch.dispose();
        })(),
      ).rejects.toThrow('item 2 is unreadable');
    });
  });

  it('refuses bad options and non-datasets with clear errors', () => {
    const { dataset, dispose } = rows(3);
    expect(() => new DataLoader(dataset, { batchSize: 0 })).toThrow('DataLoader: batchSize must be a positive integer, got 0');
    expect(() => new DataLoader(dataset, { generator: 3 as unknown as torch.Generator })).toThrow(/generator must be a torch.Generator/);
    expect(() => new DataLoader({ length: 3 } as never)).toThrow(
      /DataLoader: expected a dataset \(an array, or an object with length and getItem or getItemAsync\)/,
    );
    expect(() => new DataLoader({ length: -1, getItem: () => 0 })).toThrow(/length must be a non-negative integer, got -1/);
    dispose();
  });
});

/** The tensors of each batch of one pass as plain values, read with await, each batch disposed after reading. */
async function readAllAsync<B>(loader: Iterable<B>): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const batch of loader) {
    const tensors: Tensor[] = [];
    forEachTensorIn(batch, (t) => tensors.push(t));
    out.push(await Promise.all(tensors.map((t) => t.tolist())));
    disposeBatch(batch);
  }
  return out;
}

for (const device of devices.filter((d) => d !== 'cpu')) {
  describe(`DataLoader over tensors on ${device}`, () => {
    /** rows() with its tensors moved to the device. */
    function rowsOn(n: number) {
      const cpu = rows(n);
      const [x, y] = [cpu.x.to(device), cpu.y.to(device)];
      cpu.dispose();
      return {
        x,
        y,
        dataset: new TensorDataset(x, y),
        dispose: () => {
          x.dispose();
          y.dispose();
        },
      };
    }

    it("gives batches on the device with the CPU loader's values, shuffled or not, by one gather or by collating", async () => {
      const here = rowsOn(10);
      const there = rows(10);
      const passes: torch.utils.data.DataLoaderOptions<Tensor[], Tensor[]>[] = [
        { batchSize: 4 },
        { batchSize: 3, shuffle: true },
        { batchSize: 4, shuffle: true, collateFn: defaultCollate },
      ];
      for (const options of passes) {
        const [x] = new DataLoader(here.dataset, { ...options, generator: seeded(5) })[Symbol.iterator]().next().value!;
        expect(x.device).toBe(device);
        x.dispose();
        expect(await readAllAsync(new DataLoader(here.dataset, { ...options, generator: seeded(5) }))).toEqual(
          readAll(new DataLoader(there.dataset, { ...options, generator: seeded(5) })),
        );
      }
      here.dispose();
      there.dispose();
    });

    it('lengths a collateFn puts on the device are refused by packing, saying what to pass instead', () => {
      const padded = torch.zeros(2, 3, 4, { device });
      expect(() => nn.utils.rnn.packPaddedSequence(padded, torch.tensor([3, 2], { dtype: 'int32', device }), { batchFirst: true })).toThrow(
        `packPaddedSequence: lengths must be on the CPU, where it is read to plan the layout, but is on ${device}; pass lengths as a number[] or a CPU tensor`,
      );
      const packed = nn.utils.rnn.packPaddedSequence(padded, torch.tensor([3, 2], { dtype: 'int32' }), { batchFirst: true });
      expect([packed.data.device, packed.batchSizes.device]).toEqual([device, 'cpu']);
    });

    it('feeds a model there: padded sequences and their lengths from a collateFn, packed, through a GRU, trained with Adam', async () => {
      torch.manualSeed(2);
      // Sequences of tokens 1..5 whose class is their first token's parity; 0 pads.
      const sequences = Array.from({ length: 12 }, (_, i) => Array.from({ length: 2 + (i % 4) }, (_, t) => 1 + ((i * 7 + t * 3) % 5)));
      const samples = sequences.map((tokens) => ({ tokens, label: tokens[0] % 2 }));
      const collate = (batch: typeof samples): [Tensor, number[], Tensor] => {
        const width = Math.max(...batch.map((s) => s.tokens.length));
        const padded = batch.map((s) => [...s.tokens, ...new Array(width - s.tokens.length).fill(0)]);
        return [
          torch.tensor(padded, { dtype: 'int32', device }),
          batch.map((s) => s.tokens.length),
          torch.tensor(
            batch.map((s) => s.label),
            { dtype: 'int32', device },
          ),
        ];
      };
      class Classifier extends nn.Module {
        embedding = new nn.Embedding(6, 8, { paddingIdx: 0 });
        gru = new nn.GRU(8, 12, { batchFirst: true });
        fc = new nn.Linear(12, 2);
        override forward(x: Tensor, lengths: number[]): Tensor {
          const packed = nn.utils.rnn.packPaddedSequence(this.embedding.forward(x), lengths, { batchFirst: true, enforceSorted: false });
          const [, hN] = this.gru.forward(packed) as [unknown, Tensor];
          return this.fc.forward(hN.index(-1));
        }
      }
      const model = new Classifier().to(device);
      const opt = new torch.optim.Adam(model.parameters(), { lr: 0.05 });
      const lossFn = new nn.CrossEntropyLoss();
      const loader = new DataLoader(samples, { batchSize: 4, shuffle: true, generator: seeded(3), collateFn: collate });
      const epochLoss = async () => {
        let total = 0;
        for (const [x, lengths, y] of loader) {
          const loss = torch.scope(() => {
            opt.zeroGrad();
            const loss = lossFn.forward(model.forward(x, lengths), y);
            expect(loss.device).toBe(device);
            loss.backward();
            nn.utils.clipGradNorm_(model.parameters(), 3);
            opt.step();
            return loss.detach();
          });
          total += Number(await loss.item());
          for (const t of [x, y, loss]) t.dispose();
        }
        return total / loader.length;
      };
      const first = await epochLoss();
      await epochLoss();
      const before = torch.memory();
      let last = first;
      for (let epoch = 0; epoch < 6; epoch++) last = await epochLoss();
      expectNoGrowth(device, before);
      expect(last).toBeLessThan(first / 2);
    });
  });
}

describe('defaultCollate', () => {
  it('stacks tensors and typed arrays, and types numbers as PyTorch does', async () => {
    await expectNoLeak(() => {
      torch.scope(() => {
        const [stacked, ints, floats, typed] = defaultCollate([
          [torch.ones(2), 1, 0.5, Float32Array.from([1, 2])],
          [torch.zeros(2), 2, 1, Float32Array.from([3, 4])],
        ]);
        expect([stacked.tolistSync(), ints.dtype, floats.dtype, typed.tolistSync()]).toEqual([
          [
            [1, 1],
            [0, 0],
          ],
          'int32',
          'float32',
          [
            [1, 2],
            [3, 4],
          ],
        ]);
        expect(defaultCollate([Int32Array.from([7])]).dtype).toBe('int32');
      });
    });
  });

  it('explains samples it cannot collate', () => {
    const a = torch.zeros(3);
    const b = torch.zeros(4);
    expect(() =>
      defaultCollate([
        [a, 1],
        [b, 2],
      ]),
    ).toThrow(
      'defaultCollate: the value at [0] must have one shape in every sample to be stacked, but it is [3] in sample 0 and [4] in sample 1; pass a collateFn',
    );
    expect(() => defaultCollate([{ x: 1 }, { x: a }])).toThrow(
      'defaultCollate: the value at .x is a number in sample 0 but a Tensor in sample 1',
    );
    expect(() => defaultCollate([{ x: 1 }, { y: 1 }])).toThrow('defaultCollate: the sample has keys [x] in sample 0 but [y] in sample 1');
    expect(() => defaultCollate([[1, 2], [1]])).toThrow(
      'defaultCollate: each element in the batch should be of equal size, but the sample has 2 entries in sample 0 and 1 in sample 1',
    );
    expect(() => defaultCollate([[null], [null]])).toThrow(
      /defaultCollate: the value at \[0\] is null in sample 0; samples must hold tensors/,
    );
    expect(() => defaultCollate([new Map()])).toThrow(/the sample is a Map in sample 0/);
    expect(() => defaultCollate([2 ** 40, 1])).toThrow(/the sample is the integer 1099511627776 in sample 0, outside int32/);
    expect(() => defaultCollate([])).toThrow('defaultCollate: expected a non-empty array of samples');
    a.dispose();
    b.dispose();
  });
});

describe('randomSplit and Subset', () => {
  it('splits by lengths or fractions into disjoint subsets covering the dataset', () => {
    const data = Array.from({ length: 10 }, (_, i) => i);
    const sizes = (lengths: number[]) => randomSplit(data, lengths, { generator: seeded(0) }).map((s) => s.length);
    expect(sizes([7, 3])).toEqual([7, 3]);
    expect(sizes([0.8, 0.2])).toEqual([8, 2]);
    expect(sizes([0.3, 0.3, 0.4])).toEqual([3, 3, 4]);
    // PyTorch gives the remainder after flooring to the first subsets, one each.
    expect(randomSplit(data.slice(0, 5), [0.5, 0.5]).map((s) => s.length)).toEqual([3, 2]);
    expect(randomSplit(data.slice(0, 7), [1 / 3, 1 / 3, 1 / 3]).map((s) => s.length)).toEqual([3, 2, 2]);
    const parts = randomSplit(data, [5, 3, 2], { generator: seeded(4) });
    const items = parts.flatMap((part) => Array.from({ length: part.length }, (_, i) => part.getItem!(i)));
    expect([...items].sort((a, b) => a - b)).toEqual(data);
    expect(items).not.toEqual(data);
  });

  it('is reproducible from a seeded generator', () => {
    const split = (seed: number) =>
      randomSplit({ length: 20, getItem: (i: number) => i }, [0.5, 0.5], { generator: seeded(seed) }).map((s) => s.indices);
    expect(split(42)).toEqual(split(42));
    expect(split(42)).not.toEqual(split(43));
  });

  it('refuses lengths that do not add up', () => {
    const data = [1, 2, 3, 4];
    expect(() => randomSplit(data, [2, 3])).toThrow(
      'randomSplit: sum of input lengths (5) does not equal the length of the input dataset (4)',
    );
    expect(() => randomSplit(data, [5, -1])).toThrow(/lengths\[1\] must be a non-negative integer/);
    expect(() => randomSplit(data, [1.5, -0.5])).toThrow(/fraction at index 0 is not between 0 and 1, got 1.5/);
    expect(() => randomSplit(data, [])).toThrow(/non-empty array/);
  });

  it('Subset maps indices and keeps the access forms of the dataset it wraps', async () => {
    const subset = new Subset(['a', 'b', 'c', 'd'], [3, 0]);
    expect([subset.length, subset.getItem!(0), subset.getItem!(-1)]).toEqual([2, 'd', 'a']);
    expect(() => subset.getItem!(2)).toThrow('Subset: index 2 is out of range for a dataset of length 2');
    expect(() => new Subset(['a'], [1])).toThrow('Subset: indices[0] = 1 is out of range for a dataset of length 1');
    const remote = { length: 3, getItemAsync: async (i: number) => i * 10 };
    const remoteSubset = new Subset(remote, [2, 1]);
    expect(remoteSubset.getItem).toBeUndefined();
    expect(await remoteSubset.getItemAsync!(0)).toBe(20);
    const batches: number[][] = [];
    for await (const batch of new DataLoader(remoteSubset, { batchSize: 2 })) batches.push(batch.tolistSync() as number[]);
    expect(batches).toEqual([[20, 10]]);
  });
});
