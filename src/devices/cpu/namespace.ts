/**
 * `torch.cpu`: the main-thread CPU device ('cpu'), where kernels run synchronously on the calling
 * thread as AssemblyScript SIMD code.
 *
 *   torch.cpu.threads;   // 1
 */

/**
 * Intra-op threads of the CPU device. Kernels run on the calling thread: edge runtimes have no
 * threads, so the single-thread SIMD path is the one every runtime gets.
 */
export const threads = 1;
