// The devices the nn, optim, io and data suites run their PyTorch fixtures on: 'cpu', and 'webgpu'
// when an adapter is there. Without one, webgpuReady() warns and the webgpu runs are left out,
// unless WEBTORCH_REQUIRE_WEBGPU=1 (CI), where importing this module fails instead.
import { webgpuReady } from '../webgpu/gpu.js';

export const devices: readonly string[] = (await webgpuReady()) ? ['cpu', 'webgpu'] : ['cpu'];
