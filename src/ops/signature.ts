/**
 * PyTorch's calling convention for an op, written once as its signature: every parameter may be
 * passed positionally, in PyTorch's order, or by name in a trailing options object
 * (`F.elu(x, 0.5)`, `F.elu(x, { alpha: 0.5 })`, `F.elu(x, 0.5, { inplace: true })`), as Python
 * passes keywords. Binding checks what Python would refuse (an unknown or snake_case name, a name
 * given twice, a missing argument, one too many) and each value's kind, and its errors describe a
 * value by its type and shape, never as `[object Object]` or a whole tensor.
 *
 * ```ts
 * const ELU = signature('elu', { input: param.tensor(), alpha: param.number(1), inplace: param.boolean(false) });
 * const { input, alpha, inplace } = ELU(arguments);
 * ```
 */
import { describeValue, isPlainObject, nearestKey } from '../options.js';
import { Tensor } from '../tensor.js';

/** One parameter: how to read a value passed for it, and its default when none is. */
export interface Param<T> {
  /** What the parameter accepts, as error messages say it ("a number"). */
  readonly accepts: string;
  readonly read: (value: unknown) => T | undefined;
  /** The default; absent for a required parameter. */
  readonly fallback?: { readonly value: T };
  /** The parameter takes plain objects itself, so a trailing one is its value, not options. */
  readonly takesObjects?: boolean;
}

/** A parameter kind: what it accepts, said for error messages, and how to read a value (undefined: refused). */
export function kind<T>(accepts: string, read: (value: unknown) => T | undefined) {
  return (...fallback: [] | [T]): Param<T> => ({ accepts, read, ...(fallback.length === 1 ? { fallback: { value: fallback[0] } } : {}) });
}

/** The parameter kinds ops take; a kind's function takes the default, and none for a required one. */
export const param = {
  tensor: kind('a Tensor', (v) => (v instanceof Tensor ? v : undefined)),
  number: kind('a number', (v) => (typeof v === 'number' ? v : undefined)),
  int: kind('an integer', (v) => (Number.isInteger(v) ? (v as number) : undefined)),
  boolean: kind('a boolean', (v) => (typeof v === 'boolean' ? v : undefined)),
  /** Dims to reduce over: one, several, or null for all. */
  dims: kind<number | readonly number[] | null>('an integer, an array of integers or null', (v) =>
    v === null || Number.isInteger(v) || (Array.isArray(v) && v.every((d) => Number.isInteger(d)))
      ? (v as number | readonly number[] | null)
      : undefined,
  ),
  /** One dim, or null where the op reads null as every dim. */
  dim: kind<number | null>('an integer or null', (v) => (v === null || Number.isInteger(v) ? (v as number | null) : undefined)),
  /** A bound that may be absent, as clamp's min and max. */
  optionalNumber: kind<number | null>('a number or null', (v) => (v === null || typeof v === 'number' ? v : undefined)),
  /** A dtype name, or null for the input's; the op resolves it, so its error lists the supported dtypes. */
  dtype: kind<string | null>("a dtype name such as 'float32'", (v) => (v === null || typeof v === 'string' ? v : undefined)),
  /** A list of tensors, as cat and stack take; the op checks each element, naming its index. */
  tensors: kind<readonly Tensor[]>('an array of Tensors', (v) => (Array.isArray(v) ? (v as readonly Tensor[]) : undefined)),
  /** A device name; its default is usually undefined, for the default device. */
  device: kind<string | undefined>("a device name such as 'cpu' or 'webgpu'", (v) => (typeof v === 'string' ? v : undefined)),
};

type Bound<P extends Record<string, Param<unknown>>> = { [K in keyof P]: P[K] extends Param<infer T> ? T : never };

/**
 * The binder of `fn`'s signature: called with an op's `arguments`, it returns each parameter's
 * value by name, or throws a TypeError that names `fn` and the parameter.
 */
export function signature<P extends Record<string, Param<unknown>>>(fn: string, params: P): (args: ArrayLike<unknown>) => Bound<P> {
  const names = Object.keys(params);
  const list = names.join(', ');
  return (args) => {
    let positional = Array.from(args);
    while (positional.length > 0 && positional[positional.length - 1] === undefined) positional.pop();
    let named: Record<string, unknown> = {};
    const last = positional[positional.length - 1];
    if (isPlainObject(last) && !params[names[positional.length - 1]]?.takesObjects) {
      named = last;
      positional = positional.slice(0, -1);
    }
    if (positional.length > names.length) throw new TypeError(`${fn}: takes ${names.length} arguments (${list}), got ${positional.length}`);
    for (const key of Object.keys(named)) {
      const at = names.indexOf(key);
      if (at < 0) {
        const suggestion = nearestKey(key, names);
        throw new TypeError(
          `${fn}: unknown option '${key}'${suggestion === null ? '' : `; did you mean '${suggestion}'?`} (accepted: ${list})`,
        );
      }
      if (at < positional.length && positional[at] !== undefined)
        throw new TypeError(`${fn}: got two values for '${key}', one positional and one in the options`);
    }
    const bound: Record<string, unknown> = {};
    names.forEach((name, at) => {
      const spec = params[name];
      const given = at < positional.length && positional[at] !== undefined ? positional[at] : named[name];
      if (given === undefined) {
        if (!spec.fallback) throw new TypeError(`${fn}: missing the argument '${name}'`);
        bound[name] = spec.fallback.value;
        return;
      }
      const value = spec.read(given);
      if (value === undefined) throw new TypeError(`${fn}: ${name} must be ${spec.accepts}, got ${describeValue(given)}`);
      if (value instanceof Tensor) {
        value.assertAlive(fn, `argument '${name}'`);
        value.assertReady(fn, `argument '${name}'`);
      }
      bound[name] = value;
    });
    return bound as Bound<P>;
  };
}
