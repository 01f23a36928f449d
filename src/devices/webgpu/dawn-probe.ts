/**
 * Whether Dawn (the npm package `webgpu`) finds an adapter, asked in a child Node process. Without
 * a usable Vulkan driver, Dawn's native code prints warnings to the process's stderr while it looks
 * for one, and JavaScript cannot silence another library's writes to a file descriptor; the child's
 * stderr is discarded, so `torch.webgpu.isAvailable()` stays quiet on such a machine. It costs one
 * Node start, once per process.
 */

/** The child's program: it imports the bindings from the URL the parent resolved, so both load the same package. */
const PROBE = `
let answer = 'unknown';
try {
  const { create } = await import(process.argv[1]);
  answer = (await create([]).requestAdapter()) ? 'adapter' : 'none';
} catch {}
process.stdout.write(answer, () => process.exit(0));
`;

/** The slowest answer waited for: lavapipe on a loaded machine takes about a second. */
const PROBE_TIMEOUT_MS = 30_000;

/**
 * True or false as the child found, or undefined where it could not tell (no child process here,
 * the bindings failed to load or requestAdapter threw in it): the caller then asks in this process,
 * where the same failure surfaces with its message.
 */
export async function dawnFindsAdapter(bindingsUrl: string): Promise<boolean | undefined> {
  try {
    // A computed specifier, so bundlers for browsers leave Node's module alone.
    const childProcess = 'node:child_process';
    const { execFile } = (await import(/* @vite-ignore */ childProcess)) as typeof import('node:child_process');
    const answer = await new Promise<string>((resolve) =>
      execFile(
        process.execPath,
        ['--input-type=module', '--eval', PROBE, bindingsUrl],
        { timeout: PROBE_TIMEOUT_MS, windowsHide: true },
        (_error, stdout) => resolve(String(stdout)),
      ),
    );
    return answer === 'adapter' ? true : answer === 'none' ? false : undefined;
  } catch {
    return undefined;
  }
}
