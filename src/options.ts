/**
 * Checks for what PyTorch users pass by habit: keyword arguments spelt the Python way
 * (`{ batch_first: true }`), typos (`{ momentun: 0.9 }`) and extra positional arguments. Each
 * would otherwise be silently ignored and the code would run with defaults, which is worse than
 * failing: a GRU that swaps time and batch still trains, only badly.
 */

/**
 * The keys of an options interface, written as a record so the compiler rejects a key the
 * interface lacks and a key of the interface left out: the accepted list cannot drift from the type.
 *
 * ```ts
 * const LINEAR_OPTIONS = optionKeys<LinearOptions>({ bias: true, device: true });
 * ```
 */
export function optionKeys<T>(keys: { readonly [K in keyof Required<T>]: true }): readonly (keyof T & string)[] {
  return Object.keys(keys) as (keyof T & string)[];
}

/**
 * Returns `options` (or `{}` when it is undefined) after checking that it is a plain object whose
 * keys are all in `accepted`; otherwise throws a TypeError that names `fn`, the key, a likely
 * intended key and the accepted ones.
 *
 * ```ts
 * checkOptions('GRU', { batch_first: true }, ['numLayers', 'batchFirst']);
 * // TypeError: GRU: unknown option 'batch_first'; did you mean 'batchFirst'? (accepted: numLayers, batchFirst)
 * ```
 */
export function checkOptions<T extends object>(fn: string, options: T | undefined, accepted: readonly string[]): T {
  if (options === undefined) return {} as T;
  if (!isPlainObject(options))
    throw new TypeError(`${fn}: options must be an object such as { ${accepted[0] ?? ''}: ... }, got ${describeValue(options)}`);
  for (const key of Object.keys(options)) {
    if (accepted.includes(key)) continue;
    const suggestion = nearestKey(key, accepted);
    const hint = suggestion === null ? '' : `; did you mean '${suggestion}'?`;
    throw new TypeError(`${fn}: unknown option '${key}'${hint} (accepted: ${accepted.join(', ')})`);
  }
  return options;
}

/**
 * The accepted key a caller most likely meant: the camelCase form of a snake_case key, then a
 * case-insensitive match (`keepDim` for `keepdim`), then the closest key by edit distance with
 * adjacent swaps counted as one edit (`bacthFirst`, `dtpye`), when close enough to be a typo
 * rather than a different word. Null when nothing is close.
 */
export function nearestKey(key: string, accepted: readonly string[]): string | null {
  const camel = key.replace(/_+([a-zA-Z0-9])/g, (_, letter: string) => letter.toUpperCase());
  const folded = camel.toLowerCase();
  const sameLetters = accepted.find((candidate) => candidate.toLowerCase() === folded);
  if (sameLetters !== undefined) return sameLetters;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of accepted) {
    const distance = editDistance(folded, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  // One edit in short names, about one in three in longer ones: 'lr' is not a typo of 'eps'.
  const allowed = Math.max(1, Math.floor(Math.min(folded.length, best?.length ?? 0) / 3));
  return bestDistance <= allowed ? best : null;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

/**
 * Refuses positional arguments beyond a signature, which JavaScript would drop:
 * `checkArgumentCount('Linear.forward', arguments.length, ['input'])` throws
 * "Linear.forward: takes 1 argument (input), got 2" for `linear.forward(x, y)`.
 */
export function checkArgumentCount(fn: string, count: number, names: readonly string[]): void {
  if (count <= names.length) return;
  const noun = names.length === 1 ? 'argument' : 'arguments';
  throw new TypeError(
    `${fn}: takes ${names.length === 0 ? 'no' : names.length} ${noun}${names.length === 0 ? '' : ` (${names.join(', ')})`}, got ${count}`,
  );
}

/** An object literal or `Object.create(null)`: not an array, a Tensor, a Map or another class. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A value as an error message shows it: its type, and the value itself when short. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value))
    return `an array [${value.length > 4 ? `${value.slice(0, 4).map(String).join(', ')}, ...` : value.map(String).join(', ')}]`;
  if (typeof value === 'string') return `string '${value.length > 20 ? `${value.slice(0, 20)}...` : value}'`;
  if (isTensorLike(value)) return `a ${value.dtype} tensor of shape [${value.shape.join(', ')}]`;
  if (typeof value === 'object') return `an object of class ${(value as object).constructor?.name ?? 'Object'}`;
  return `${typeof value} ${String(value)}`;
}

/** A Tensor, recognised without importing it: this module sits below the tensor layer. */
function isTensorLike(value: unknown): value is { dtype: string; shape: readonly number[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    value.constructor?.name === 'Tensor' &&
    Array.isArray((value as { shape?: unknown }).shape)
  );
}

/**
 * The argument lists of a constructor whose leading arguments PyTorch takes positionally or by
 * name, as spreadKeywordCall reads them: `Leading` holds one single-key object per leading argument,
 * in order. Either every leading value positionally, then `Rest` (by default the options); or the
 * first few positionally and one object with the other leading arguments and the options:
 * `KeywordCall<[{ inFeatures: number }, { outFeatures: number }], LinearOptions>` accepts
 * `(5, 2)`, `(5, 2, { bias })`, `(5, { outFeatures: 2 })` and `({ inFeatures: 5, outFeatures: 2 })`.
 */
export type KeywordCall<
  Leading extends readonly object[],
  Options,
  Rest extends readonly unknown[] = [options?: Options],
> = Leading extends readonly [infer Head, ...infer Tail extends readonly object[]]
  ? [Head[keyof Head], ...KeywordCall<Tail, Options, Rest>] | [options: Options & AllOf<Leading>]
  : Rest;

/** The intersection of a tuple's object types: the one object that holds every leading argument. */
type AllOf<Objects extends readonly object[]> = Objects extends readonly [infer Head, ...infer Tail extends readonly object[]]
  ? Head & AllOf<Tail>
  : unknown;

/**
 * A constructor's arguments with PyTorch's keyword call of its leading arguments
 * (`nn.Linear(in_features=5, out_features=2)`, here `new nn.Linear({ inFeatures: 5, outFeatures: 2 })`;
 * `StepLR(opt, step_size=2)`, here `new StepLR(opt, { stepSize: 2 })`) spread back into positions:
 * the leading arguments not given positionally taken out of the trailing options object, followed
 * by the remaining options. Any other call comes back as given. A leading name missing from the
 * object comes back undefined, for the constructor's own check to name.
 */
export function spreadKeywordCall(args: ArrayLike<unknown>, leading: readonly string[]): unknown[] {
  const given = Array.from(args);
  const last = given[given.length - 1];
  if (given.length > leading.length || !isPlainObject(last)) return given;
  const positional = given.slice(0, -1);
  const rest: Record<string, unknown> = { ...last };
  const values = leading.map((name, i) => {
    if (i < positional.length) return positional[i];
    const value = rest[name];
    delete rest[name];
    return value;
  });
  return [...values, rest];
}
