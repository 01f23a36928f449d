/**
 * A promise that settles on a later task of the event loop, not a microtask. The garbage
 * collector's finalizers (which free the storage of tensors nobody disposed) run only between
 * tasks, so an `await t.item()` that resolved through microtasks alone would let a training loop
 * run forever without them: the synchronous CPU device's reads settle here instead.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    // Node's setImmediate is the cheapest task; browsers, Deno and edge runtimes have MessageChannel
    // (setTimeout(0) would be clamped to 4 ms in a loop). The port is closed so it keeps no process alive.
    if (typeof setImmediate === 'function') {
      setImmediate(resolve);
      return;
    }
    // workerd has MessageChannel only from compatibility date 2025-08-15 (or its flag); a timer is a task too.
    if (typeof MessageChannel !== 'function') {
      setTimeout(resolve, 0);
      return;
    }
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
