// Whether the calling thread may block in Atomics.wait: Node's and Deno's threads and workers may, a browser's main thread may not.

/** Probed once: browsers' main threads throw from Atomics.wait, and a runtime without SharedArrayBuffer cannot wait at all. */
export const canBlock = (() => {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
})();
