/**
 * webtorch: PyTorch's API for JavaScript. `import * as torch from 'webtorch'`; the CPU device is
 * ready when the import resolves.
 */
export * from './api.js';

import './autograd/engine.js';
import { initCpu } from './devices/cpu/init.js';

export * as autograd from './autograd/index.js';
export * as cpu from './devices/cpu/namespace.js';
export { getNumThreads, setNumThreads } from './devices/cpu/threading.js';
export type { WebGpuInitOptions } from './devices/webgpu/index.js';
export * as webgpu from './devices/webgpu/index.js';
export * as metrics from './metrics/index.js';
export * as optim from './optim/index.js';
export * as text from './text/index.js';

await initCpu();
