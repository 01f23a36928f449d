// Types of bench/report.mjs, for the tests that import it.
export function startReport(): void;
export function reportSuite(name: string, device: string): void;
export function recordTable(title: string, columns: readonly string[], rows: readonly (readonly unknown[])[], print: () => void): void;
export function writeReport(file: string, options: { quick: boolean; command: string; loadBefore: number }): void;
