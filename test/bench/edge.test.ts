// The edge suite's --quick mode, as CI runs it: every server (webtorch, ONNX Runtime Web and
// TF.js wasm on workerd and on Node, and the trivial workers) starts, answers correctly (the suite
// checks each answer and throws otherwise) and is timed; no figure is asserted.
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../bench/suites/edge.mjs';

const log = console.log;

describe('bench edge --quick', () => {
  afterEach(() => {
    console.log = log;
  });

  it('starts every server, checks its answers and prints both tables', async () => {
    const printed: string[] = [];
    console.log = (...args: unknown[]) => printed.push(args.join(' '));
    await run({ quick: true });
    const rows = (runtime: string) => printed.filter((line) => new RegExp(`^\\s*\\S+\\s+${runtime}\\s+\\d`).test(line));
    // Cold start: trivial, webtorch, onnxruntime-web and tfjs-wasm on each runtime; load: all but the trivial ones.
    expect(rows('workerd')).toHaveLength(4 + 3);
    expect(rows('node')).toHaveLength(4 + 3);
    expect(printed.some((line) => line.includes('does not run'))).toBe(false);
  }, 90_000);
});
