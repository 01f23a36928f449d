/**
 * Tensor lifetimes. `scope(fn)` disposes every tensor created inside `fn` except those it returns
 * and those kept (parameters, gradients, optimizer state); the FinalizationRegistry in tensor.ts is
 * only a backstop for tensors nobody disposed.
 */
import { allDevices } from './devices/registry.js';

/** What memory tracks of a tensor; Tensor implements it. */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];
let liveTensors = 0;

export function trackCreated(tensor: Disposable): void {
  liveTensors++;
  scopes[scopes.length - 1]?.add(tensor);
}

export function trackDisposed(tensor: Disposable): void {
  liveTensors--;
  for (const scope of scopes) scope.delete(tensor);
}

/** Keeps a tensor alive past every enclosing scope; it is then disposed only by `dispose()`. */
export function keep<T extends Disposable>(tensor: T): T {
  for (const scope of scopes) scope.delete(tensor);
  return tensor;
}

function collectDisposables(value: unknown, found: Set<Disposable>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ('dispose' in value && 'isDisposed' in value) {
    found.add(value as Disposable);
    return;
  }
  for (const item of Array.isArray(value) ? value : Object.values(value)) collectDisposables(item, found, seen);
}

/**
 * Runs `fn` and disposes the tensors it created, except those in its result (a tensor, or arrays
 * and plain objects holding tensors), which move to the enclosing scope. Async functions are not
 * supported: a scope ends when `fn` returns.
 */
export function scope<T>(fn: () => T): T {
  const created = new Set<Disposable>();
  scopes.push(created);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) throw new TypeError('scope: fn must be synchronous; await outside the scope');
  } catch (error) {
    scopes.pop();
    for (const tensor of created) tensor.dispose();
    throw error;
  }
  scopes.pop();
  const returned = new Set<Disposable>();
  collectDisposables(result, returned);
  for (const tensor of created) {
    if (returned.has(tensor)) scopes[scopes.length - 1]?.add(tensor);
    else tensor.dispose();
  }
  return result;
}

export interface MemoryInfo {
  tensors: number;
  bytes: { cpu: number; webgpu: number };
}

export function memory(): MemoryInfo {
  const bytes = { cpu: 0, webgpu: 0 };
  for (const device of allDevices()) bytes[device.type] += device.bytesInUse();
  return { tensors: liveTensors, bytes };
}
