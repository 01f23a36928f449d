/** How modules print themselves: Python's reprs of the values PyTorch's `extra_repr`s show. */

/** PyTorch's `_addindent`: every line but the first indented by `spaces`. */
export function indentAfterFirstLine(text: string, spaces: number): string {
  const [first, ...rest] = text.split('\n');
  return [first, ...rest.map((line) => ' '.repeat(spaces) + line)].join('\n');
}

/** A number as Python's `repr(float)` prints it (`1e-05`, `0.1`, `1.0`), for extraRepr of float options. */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e16)) {
    const [mantissa, exponent] = value.toExponential().split('e');
    const sign = exponent.startsWith('-') ? '-' : '+';
    return `${mantissa}e${sign}${exponent.replace(/^[-+]/, '').padStart(2, '0')}`;
  }
  if (Object.is(value, -0)) return '-0.0';
  const text = String(value);
  return Number.isInteger(value) ? `${text}.0` : text;
}

/** A shape as a Python tuple prints: `(32,)`, `(3, 4)`. */
export function formatTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`;
}

/** Python's `True`/`False`. */
export function formatBool(value: boolean): string {
  return value ? 'True' : 'False';
}
