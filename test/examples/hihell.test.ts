// Keeps the 'hihell' -> 'ihello' example (examples/hihell) working: a short run through its own
// module learns the mapping (the loss falls and the predicted string reaches "ihello"), and the
// command prints the course's lines.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The example is plain JavaScript without declarations; a computed specifier keeps tsc from asking for them.
const { train } = await import(new URL('../../examples/hihell/hihell.mjs', import.meta.url).href);

interface EpochRecord {
  epoch: number;
  predicted: string;
  loss: number;
}

describe('examples/hihell', () => {
  it('learns hihell -> ihello in a short run', () => {
    const { history } = train({ epochs: 25, seed: 1 }) as { history: EpochRecord[] };
    expect(history).toHaveLength(25);
    expect(history[0].predicted).not.toBe('ihello');
    expect(history.at(-1)!.predicted).toBe('ihello');
    expect(history.at(-1)!.loss).toBeLessThan(history[0].loss / 2);
  });

  it('prints the model, the predicted string per epoch and the end, as the course does', () => {
    const main = fileURLToPath(new URL('../../examples/hihell/main.mjs', import.meta.url));
    const { stdout, status } = spawnSync(process.execPath, [main, '--epochs', '3'], { encoding: 'utf8' });
    expect(status).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual(['Model(', '  (rnn): RNN(5, 5, batch_first=True)', ')']);
    expect(
      lines.slice(3, 6).every((line, i) => new RegExp(`^predicted string: [hielo]{6}, epoch: ${i + 1}, loss: \\d+\\.\\d{3}$`).test(line)),
    ).toBe(true);
    expect(lines.at(-1)).toBe('Learning finished!');
  });
});
