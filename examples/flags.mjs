// The examples' command lines: flags parsed strictly, and a mistake reported as its message alone
// with exit code 2, so that a typo never trains with a default the user did not ask for.
import { parseArgs } from 'node:util';

/** A mistake on the command line: reported as its message alone, with exit code 2. */
export class UsageError extends Error {}

/** parseArgs with `config`; an unknown or malformed flag (or a positional where none is allowed) is a UsageError that lists `usage`. */
export function parseFlags(config, usage) {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(`${error.message}\nflags: ${usage}`);
  }
}

export function integerFlag(flags, flag, min = 1) {
  const value = Number(flags[flag]);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${flag} must be an integer >= ${min}, got '${flags[flag]}'`);
  return value;
}

export function probabilityFlag(flags, flag) {
  const value = Number(flags[flag]);
  if (flags[flag] === '' || !(value >= 0 && value <= 1)) throw new UsageError(`--${flag} must be a number in [0, 1], got '${flags[flag]}'`);
  return value;
}

/** Runs an example's `main`, reporting a UsageError as its message alone with exit code 2. */
export async function runCommandLine(main) {
  try {
    await main();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    process.exitCode = 2;
  }
}
