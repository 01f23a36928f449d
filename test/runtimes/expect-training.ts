// What every runtime's training run (training-run.js) must show: the loss falls on every device,
// and WebGPU computes the same numbers as the CPU.
import { expect } from 'vitest';
import { noAdapter } from '../webgpu/gpu.js';

interface DeviceRun {
  losses: number[];
  firstGradient: number[];
}

export interface TrainingReport {
  runtime?: string;
  error?: string;
  results?: Record<string, DeviceRun>;
}

function expectClose(actual: readonly number[], expected: readonly number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((value, i) => {
    const bound = 1e-6 + 1e-5 * Math.abs(expected[i]);
    if (!(Math.abs(value - expected[i]) <= bound))
      throw new Error(`${what}[${i}]: ${value} differs from the cpu's ${expected[i]} by more than ${bound}`);
  });
}

/** Checks a runtime's report; returns whether WebGPU took part (false when the runtime has no adapter and CI does not require one). */
export function expectTrainingAgrees(report: TrainingReport, where: string): boolean {
  if (report.error) throw new Error(`the training run failed ${where}: ${report.error}`);
  const { cpu, webgpu } = report.results!;
  expect(cpu.losses.at(-1)!).toBeLessThan(cpu.losses[0] * 0.85);
  if (!webgpu) return noAdapter(where);
  expectClose(webgpu.losses, cpu.losses, `${where}: webgpu loss per step`);
  expectClose(webgpu.firstGradient, cpu.firstGradient, `${where}: webgpu gradient of the first weight`);
  return true;
}
