// Types of bench/harness.mjs, for the tests that import it.
export function timeInterleaved(
  candidates: readonly (() => unknown)[],
  options?: { warmup?: number; runs?: number },
): Promise<{ best: number; median: number }[]>;
export function printTable(title: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): void;
export function fixed(value: number, digits?: number): string;
