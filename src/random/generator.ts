// `torch.Generator` (Philox key and offset) and the default generator's `manualSeed`.
import type { RandomStream } from '../devices/device.js';
import { checkOptions, optionKeys } from '../options.js';

/** PyTorch's seed for a fresh `torch.Generator()`. */
const DEFAULT_SEED = 67280421310721n;
const U64 = (1n << 64n) - 1n;

/** A generator's whole state: its seed and how many 128-bit counter blocks it has used. */
export interface GeneratorState {
  seed: bigint;
  offset: number;
}

function toU64(op: string, seed: number | bigint): bigint {
  if (typeof seed === 'number' && !Number.isSafeInteger(seed))
    throw new RangeError(`${op}: seed must be an integer (a bigint for seeds beyond 2^53), got ${seed}`);
  const value = BigInt(seed);
  // Negative seeds wrap to 64 bits as in PyTorch; the accepted range is PyTorch's too.
  if (value < -(1n << 63n) || value > U64) throw new RangeError(`${op}: seed must be in [-2^63, 2^64), got ${seed}`);
  return value & U64;
}

/** A seed from the platform's entropy source, below 2^53 so that it reads back as a number. */
function entropySeed(): bigint {
  const words = new Uint32Array(2);
  // Web Crypto exists in browsers, Deno, edge runtimes and Node 19+; Math.random is the fallback.
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(words);
  else words.forEach((_, i) => (words[i] = Math.floor(Math.random() * 2 ** 32)));
  return (BigInt(words[0] & 0x1fffff) << 32n) | BigInt(words[1]);
}

/**
 * Generators whose entropy seed is drawn on their first use rather than when made: workerd refuses
 * random values at global scope, where the default generator is made.
 */
const seededOnFirstUse = new WeakSet<object>();

/**
 * `torch.Generator`: a counter-based random stream (Philox4x32-10). Its state is (seed, offset);
 * every random op reserves the words it needs by advancing the offset, and each element it writes
 * depends only on (seed, offset, element index). So a sequence replays exactly after
 * `manualSeed`, and one generator gives the same integers, uniforms and masks on every device.
 *
 * ```ts
 * const g = new torch.Generator().manualSeed(42);
 * const a = torch.rand(3, { generator: g });
 * ```
 */
export class Generator {
  private seedValue = DEFAULT_SEED;
  private offset = 0;
  /** Recorded for PyTorch parity (`torch.Generator(device)`); the stream is the same on every device. */
  readonly device: string;

  constructor(options: { device?: string } = {}) {
    checkOptions('Generator', options, optionKeys<{ device?: string }>({ device: true }));
    this.device = options.device ?? 'cpu';
  }

  /** Restarts the stream from `seed` (an integer; negative seeds wrap to 64 bits as in PyTorch). */
  manualSeed(seed: number | bigint): this {
    this.seedValue = toU64('manualSeed', seed);
    seededOnFirstUse.delete(this);
    this.offset = 0;
    return this;
  }

  /** Reseeds from the platform's entropy source and returns the new seed. */
  seed(): number {
    this.seedValue = entropySeed();
    this.offset = 0;
    seededOnFirstUse.delete(this);
    return Number(this.seedValue);
  }

  #currentSeed(): bigint {
    if (seededOnFirstUse.has(this)) this.seed();
    return this.seedValue;
  }

  /** The seed the stream started from: a number, or a bigint when it exceeds 2^53. */
  initialSeed(): number | bigint {
    const seed = this.#currentSeed();
    return seed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seed) : seed;
  }

  getState(): GeneratorState {
    return { seed: this.#currentSeed(), offset: this.offset };
  }

  setState(state: GeneratorState): this {
    if (!Number.isSafeInteger(state.offset) || state.offset < 0)
      throw new RangeError(`setState: offset must be a non-negative integer, got ${state.offset}`);
    this.seedValue = toU64('setState', state.seed);
    seededOnFirstUse.delete(this);
    this.offset = state.offset;
    return this;
  }

  /** Reserves `words` 32-bit words of the stream for one kernel call and returns where they start. */
  reserve(words: number): RandomStream {
    const seed = this.#currentSeed();
    const stream = { seedLow: Number(seed & 0xffffffffn), seedHigh: Number(seed >> 32n), offset: this.offset };
    this.offset += Math.ceil(words / 4);
    return stream;
  }
}

/** `torch.defaultGenerator`: the stream every random op uses unless given `{ generator }`. Like
 * PyTorch's, it starts from a fresh entropy seed in every process (drawn on its first use); call
 * `manualSeed` to replay. */
export const defaultGenerator = new Generator();
seededOnFirstUse.add(defaultGenerator);

/** `torch.manualSeed(seed)`: reseeds the default generator and returns it. */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** `torch.seed()`: reseeds the default generator from entropy and returns the seed. */
export function seed(): number {
  return defaultGenerator.seed();
}

/** `torch.initialSeed()`: the default generator's seed. */
export function initialSeed(): number | bigint {
  return defaultGenerator.initialSeed();
}
