/**
 * Tensor lifetimes. `scope(fn)` disposes every tensor created inside `fn` except those it returns
 * and those kept (parameters, gradients, optimizer state); the FinalizationRegistry in tensor.ts is
 * only a backstop for tensors nobody disposed.
 */

import type { DeviceType } from './devices/device.js';
import { nextTask } from './devices/next-task.js';
import { allDevices, deviceKinds } from './devices/registry.js';

/**
 * The method memory calls when a live tensor is held by no scope: made outside every scope,
 * returned from the outermost, or kept. Only then can it be dropped undisposed, so only then does
 * it need the garbage collector's backstop (see tensor.ts). A symbol, so it is no Tensor method.
 */
export const unscoped: unique symbol = Symbol('unscoped');

/** What memory tracks of a tensor; Tensor implements it. */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
  [unscoped]?(): void;
}

const scopes: Set<Disposable>[] = [];
let liveTensors = 0;

export function trackCreated(tensor: Disposable): void {
  liveTensors++;
  moveOut(tensor);
}

/** Hands `tensor` to the innermost open scope, or marks it unscoped when none is open. */
function moveOut(tensor: Disposable): void {
  const enclosing = scopes[scopes.length - 1];
  if (enclosing) enclosing.add(tensor);
  else tensor[unscoped]?.();
}

export function trackDisposed(tensor: Disposable): void {
  liveTensors--;
  for (const scope of scopes) scope.delete(tensor);
}

/** Keeps a tensor alive past every enclosing scope; it is then disposed only by `dispose()`. */
export function keep<T extends Disposable>(tensor: T): T {
  for (const scope of scopes) scope.delete(tensor);
  tensor[unscoped]?.();
  return tensor;
}

function collectDisposables(value: unknown, found: Set<Disposable>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ('dispose' in value && 'isDisposed' in value) {
    found.add(value as Disposable);
    return;
  }
  const items =
    Array.isArray(value) || value instanceof Set
      ? value
      : value instanceof Map
        ? [...value.keys(), ...value.values()]
        : Object.values(value);
  for (const item of items) collectDisposables(item, found, seen);
}

/**
 * Runs `fn` and disposes the tensors it created, except those in its result (a tensor, or arrays,
 * Maps, Sets and plain objects holding tensors), which move to the enclosing scope. Async functions are not
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
    if (returned.has(tensor)) moveOut(tensor);
    else tensor.dispose();
  }
  return result;
}

export interface MemoryInfo {
  tensors: number;
  /** Bytes in use by device kind, summed over its devices: every kind known to the registry, 0 without devices. */
  bytes: Record<DeviceType, number>;
  /** Bytes in use on each device created so far, by name ('cpu', 'cpu:1', 'webgpu', 'webgpu:1', ...). */
  devices: Record<string, number>;
}

export function memory(): MemoryInfo {
  const bytes = Object.fromEntries(deviceKinds().map((kind) => [kind, 0])) as Record<DeviceType, number>;
  const devices: Record<string, number> = {};
  for (const device of allDevices()) {
    const inUse = device.bytesInUse();
    bytes[device.type] += inUse;
    devices[device.name] = inUse;
  }
  return { tensors: liveTensors, bytes, devices };
}

/**
 * Consecutive optimizer steps after which steady growth of live tensors is reported. A loop that
 * awaits a read each step lets the garbage collector free what it dropped every few hundred steps
 * at most, so an unbroken run of growth this long means nothing is freeing them.
 */
const GROWTH_STEPS = 1000;
let tensorsAtLastStep = -1;
let growthStart = 0;
let growingSteps = 0;
let taskRanDuringGrowth = false;
let taskWatched = false;
let growthReported = false;

/** Called by every optimizer step: warns once when live tensors grow at each of GROWTH_STEPS steps. */
export function noteOptimizerStep(): void {
  if (growthReported) return;
  if (tensorsAtLastStep >= 0 && liveTensors > tensorsAtLastStep) {
    if (growingSteps++ === 0) {
      growthStart = tensorsAtLastStep;
      taskRanDuringGrowth = false;
    }
  } else {
    growingSteps = 0;
  }
  tensorsAtLastStep = liveTensors;
  if (!taskWatched) {
    taskWatched = true;
    void nextTask().then(() => {
      taskWatched = false;
      taskRanDuringGrowth = true;
    });
  }
  if (growingSteps < GROWTH_STEPS) return;
  growthReported = true;
  const why = taskRanDuringGrowth
    ? "although the event loop had turns, so something still references them (a list of losses keeps every step's graph: keep loss.item() or loss.detach() instead)"
    : 'and the loop never gave the event loop a turn, so the garbage collector could not free the tensors each step dropped (await a read each step, such as await loss.item(), rather than itemSync())';
  console.warn(
    `webtorch: live tensors grew at each of the last ${GROWTH_STEPS} optimizer steps (from ${growthStart} to ${liveTensors}), ${why}. ` +
      "To free each step's tensors deterministically, run the step in torch.scope(() => { ...; return loss.detach(); }), or dispose() them (or declare them with `using`).",
  );
}
