// The bench's HTML report (bench/report.mjs): what a run prints becomes one self-contained page,
// tables whole, notes in order, a bar chart for each ratio column and none for other numbers.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { printTable } from '../../bench/harness.mjs';
import { reportSuite, startReport, writeReport } from '../../bench/report.mjs';

const log = console.log;

describe('bench --report', () => {
  afterEach(() => {
    console.log = log;
  });

  it('writes the tables, notes and ratio charts of a run, with the machine and versions', () => {
    const printed: string[] = [];
    console.log = (...args: unknown[]) => printed.push(args.join(' '));
    startReport();
    reportSuite('matmul', 'cpu');
    printTable(
      'matmul <f32>',
      ['n', 'webtorch GFLOP/s', 'ratio', 'median: webtorch', 'ratio'],
      [
        [64, '5.24', '1.82', '3.31', '0.80'],
        [128, '26.26', 'n/a', '20.70', '1.62'],
      ],
    );
    console.log('(load average 0.10)');
    const file = join(mkdtempSync(join(tmpdir(), 'webtorch-report-')), 'report.html');
    writeReport(file, { quick: true, command: 'npm run bench -- matmul --report report.html', loadBefore: 0.1 });
    const page = readFileSync(file, 'utf8');

    // The console still shows the run as before.
    expect(printed).toContain('\nmatmul <f32>');
    expect(printed).toContain('(load average 0.10)');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script|<link|src="http/);
    expect(page).toContain('<h2>matmul (cpu)</h2>');
    expect(page).toContain('<h3>matmul &lt;f32&gt;</h3>');
    expect(page).toContain('<td class="n">26.26</td>');
    expect(page).toContain('<p class="note">(load average 0.10)</p>');
    expect(page.indexOf('matmul &lt;f32&gt;')).toBeLessThan(page.indexOf('(load average 0.10)'));
    // One chart per ratio column, none for GFLOP/s; a row without a number has no bar.
    expect(page.match(/<svg/g)).toHaveLength(2);
    expect(page).toContain('<figcaption>ratio</figcaption>');
    expect(page).toContain('<figcaption>ratio (median)</figcaption>');
    expect(page.match(/<rect/g)).toHaveLength(3);
    expect(page).toContain('fill="#d8893b"');
    expect(page).toContain('A --quick run');
    expect(page).toContain(`Node ${process.version}`);
    expect(page).toMatch(/ONNX Runtime Web<\/th><td>\d+\.\d+\.\d+/);
  });
});
