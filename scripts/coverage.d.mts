// Types of scripts/coverage.mjs for test/api/coverage.test.ts.
export type PytorchNames = { version: string } & Record<
  'torch' | 'Tensor' | 'nn' | 'nn.functional' | 'nn.init' | 'optim' | 'optim.lr_scheduler',
  string[]
>;
export function camelCase(name: string): string;
export function coverageMarkdown(torch: object, names: PytorchNames): string;
export function pytorchNames(): PytorchNames;
