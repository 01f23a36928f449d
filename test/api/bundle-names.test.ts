// The bundles keep the names of classes: module reprs (`Embedding(128, 64)`) and error messages
// read constructor.name, which esbuild would otherwise turn into `_Embedding` for every class that
// refers to itself (a static factory, `instanceof` on its own type).
import { describe, expect, it } from 'vitest';
import * as torch from '../../dist/node.js';

type AnyFunction = (...args: never[]) => unknown;

/** [path, class] for every class exported by the bundle, namespaces walked recursively. */
function exportedClasses(namespace: object, path: string, seen = new Set<object>()): [string, AnyFunction][] {
  if (seen.has(namespace)) return [];
  seen.add(namespace);
  return Object.entries(namespace).flatMap(([key, value]): [string, AnyFunction][] => {
    if (typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value))) return [[`${path}.${key}`, value]];
    if (typeof value === 'object' && value !== null && [null, Object.prototype].includes(Object.getPrototypeOf(value)))
      return exportedClasses(value, `${path}.${key}`, seen);
    return [];
  });
}

describe('the Node bundle', () => {
  it('keeps every exported class its own name', () => {
    const classes = exportedClasses(torch, 'torch');
    expect(classes.length).toBeGreaterThan(40);
    for (const [path, value] of classes) expect(value.name, path).toBe(path.split('.').pop());
  });

  it('prints layers under their PyTorch names', () => {
    expect(String(new torch.nn.Embedding(128, 64, { paddingIdx: 0 }))).toBe('Embedding(128, 64, padding_idx=0)');
    expect(String(new torch.nn.Module())).toBe('Module()');
  });
});
