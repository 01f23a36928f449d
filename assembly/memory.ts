/** First byte past the module's static data; the JS allocator owns everything from here up. */
export function heapBase(): usize {
  return __heap_base;
}
