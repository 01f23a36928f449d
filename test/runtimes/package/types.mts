// Type-checked by test/runtimes/package.test.ts in a project that has only the installed package
// and TypeScript (no @webgpu/types, no @types/node), with --strict and without skipLibCheck. The
// expected-error lines below fail the check if the declarations went loose (any) where they should not.
import * as torch from 'webtorch';
import { init, type KernelsSource, nn, tensor } from 'webtorch/edge';

const x: torch.Tensor = torch.randn(4, 3);
const linear = new torch.nn.Linear(3, 2);
const values: number[][] = (await linear.forward(x).tolist()) as number[][];
if (await torch.webgpu.isAvailable()) await torch.webgpu.init({ powerPreference: 'high-performance', deviceCount: 1 });
torch.zeros(2)[Symbol.dispose]();

declare const kernels: KernelsSource;
await init(kernels);
const model = new nn.Sequential(new nn.Linear(2, 1));
const y = model.forward(tensor([[1, 2]]));

// @ts-expect-error: webgpu.init has no option `devices`
await torch.webgpu.init({ devices: 2 });
// @ts-expect-error: a tensor is not a number
const wrong: number = y;

export { values, wrong };
