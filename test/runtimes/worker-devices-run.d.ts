// Types of worker-devices-run.js, the worker CPU device check each runtime's test runs in that runtime.

export interface WorkerDevicesReport {
  error?: string;
  deviceCount: number;
  /** torch.memory().devices' names. */
  devices: string[];
  /** Where the reduced product ended (cpu:2). */
  device: string;
  /** The reduced product's float32 bytes as base64, on the main CPU device and through the workers. */
  bits: { cpu: string; workers: string };
  /** The message of the refused dataSync() on cpu:2. */
  syncRead: string | null;
}

export function checkWorkerDevices(torch: typeof import('../../src/index.js')): Promise<WorkerDevicesReport>;
