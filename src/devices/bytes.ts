/** A byte count for error messages: MiB with one decimal from 1 MiB up, exact bytes below. */
export function formatBytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${bytes} bytes`;
}
