// What every runtime's worker CPU device check (worker-devices-run.js) must show.
import { expect } from 'vitest';
import type { WorkerDevicesReport } from './worker-devices-run.js';

export function expectWorkerDevices(report: WorkerDevicesReport, where: string): void {
  expect(report.error, where).toBeUndefined();
  expect(report.deviceCount).toBe(2);
  expect(report.devices).toEqual(expect.arrayContaining(['cpu', 'cpu:1', 'cpu:2']));
  expect(report.device).toBe('cpu:2');
  expect(report.bits.workers, `the workers' bits ${where}`).toBe(report.bits.cpu);
  expect(report.syncRead).toMatch(/^tensor is on cpu:2, a worker CPU device/);
}
