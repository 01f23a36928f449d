// `--report <file>`: one self-contained HTML page of a bench run: the machine and the versions,
// every suite's tables and notes in the order they printed, and a bar chart of each ratio column.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** What the run printed, in order: tables (from printTable) and the lines between them, by suite. */
const entries = [];
let suite = null;
let printLog = null;

/** Starts recording: from now on console.log's lines are kept as notes of the current suite. */
export function startReport() {
  printLog = console.log;
  console.log = (...args) => {
    const text = args.map(String).join(' ').trim();
    if (text) entries.push({ suite, kind: 'note', text });
    printLog(...args);
  };
}

/** The suite whose tables and notes come next (`name` on `device`). */
export function reportSuite(name, device) {
  suite = `${name} (${device})`;
}

/** Called by printTable: the table, kept whole, and printed without being kept again as notes. */
export function recordTable(title, columns, rows, print) {
  if (!printLog) return print();
  entries.push({ suite, kind: 'table', title, columns, rows: rows.map((row) => row.map(String)) });
  const log = console.log;
  console.log = printLog;
  try {
    print();
  } finally {
    console.log = log;
  }
}

/**
 * A ratio column: "ratio (best)", "2t / 1t", "peer 2t / webtorch 2t" and the like, whose values
 * say how far from 1 one implementation is from another; a unit such as GFLOP/s is not one.
 */
function isRatio(header) {
  return /ratio/i.test(header) || / \/ /.test(header);
}

const html = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/** Horizontal bars of one ratio column, one per row with a number, a line at 1. */
function barChart(table, column) {
  const bars = table.rows
    .map((row) => ({ label: row[0], value: Number.parseFloat(row[column]) }))
    .filter((bar) => Number.isFinite(bar.value));
  if (bars.length === 0) return '';
  const max = Math.max(1, ...bars.map((bar) => bar.value)) * 1.1;
  const rowHeight = 22;
  const labelWidth = 260;
  const plotWidth = 420;
  const height = bars.length * rowHeight + 30;
  const x = (value) => labelWidth + (value / max) * plotWidth;
  const body = bars
    .map((bar, i) => {
      const y = 10 + i * rowHeight;
      const fill = bar.value >= 1 ? '#3b7dd8' : '#d8893b';
      return [
        `<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end">${html(bar.label)}</text>`,
        `<rect x="${labelWidth}" y="${y + 2}" width="${Math.max(1, x(bar.value) - labelWidth).toFixed(1)}" height="${rowHeight - 6}" fill="${fill}"/>`,
        `<text x="${(x(bar.value) + 6).toFixed(1)}" y="${y + 14}">${html(bar.value.toFixed(2))}</text>`,
      ].join('');
    })
    .join('');
  const one = x(1).toFixed(1);
  // Suites print best times first and medians after a 'median: ...' column, often under the same headers.
  const median = table.columns.slice(0, column).some((header) => header.startsWith('median:'));
  const caption = `${table.columns[column]}${median && !table.columns[column].includes('median') ? ' (median)' : ''}`;
  return `<figure><figcaption>${html(caption)}</figcaption><svg width="${labelWidth + plotWidth + 60}" height="${height}" font-size="12" font-family="system-ui, sans-serif">${body}<line x1="${one}" x2="${one}" y1="4" y2="${height - 18}" stroke="#333" stroke-dasharray="3 3"/><text x="${one}" y="${height - 4}" text-anchor="middle">1</text></svg></figure>`;
}

function tableHtml(table) {
  const head = `<tr>${table.columns.map((c) => `<th>${html(c)}</th>`).join('')}</tr>`;
  const body = table.rows
    .map((row) => `<tr>${row.map((cell, i) => `<td${i > 0 ? ' class="n"' : ''}>${html(cell)}</td>`).join('')}</tr>`)
    .join('');
  const charts = table.columns.map((header, i) => (i > 0 && isRatio(header) ? barChart(table, i) : '')).join('');
  return `<h3>${html(table.title)}</h3><table>${head}${body}</table>${charts ? `<div class="charts">${charts}</div>` : ''}`;
}

function versionOf(name) {
  try {
    return JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

/** Writes the page to `file`; `quick` marks a run of the tiny sizes, whose figures mean nothing. */
export function writeReport(file, { quick, command, loadBefore }) {
  const version = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
  const cores = cpus();
  const machine = [
    ['processor', `${cores[0]?.model ?? 'unknown'}, ${cores.length} cores`],
    ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['load average (1 min) before / after', `${loadBefore.toFixed(2)} / ${loadavg()[0].toFixed(2)}`],
    ['runtime', `Node ${process.version} on ${process.platform} ${process.arch}`],
    ['webtorch', version],
    [
      'TensorFlow.js (core, wasm, webgpu)',
      ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu'].map(versionOf).join(', '),
    ],
    ['ONNX Runtime Web', versionOf('onnxruntime-web')],
    ['WebGPU in Node (Dawn)', versionOf('webgpu')],
    ['command', command],
    ['date', new Date().toISOString()],
  ];
  const suites = [...new Set(entries.map((entry) => entry.suite))];
  const sections = suites
    .map((name) => {
      const parts = entries
        .filter((entry) => entry.suite === name)
        .map((entry) => (entry.kind === 'table' ? tableHtml(entry) : `<p class="note">${html(entry.text)}</p>`))
        .join('');
      return `<section><h2>${html(name ?? 'setup')}</h2>${parts}</section>`;
    })
    .join('');
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>webtorch benchmarks</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #ccc; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { padding: 0.2rem 0.6rem; border-bottom: 1px solid #eee; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f4f6f8; } .note { color: #555; font-size: 0.85rem; white-space: pre-wrap; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; } figure { margin: 0.5rem 0; } figcaption { font-size: 0.85rem; color: #444; }
.quick { background: #fff3cd; padding: 0.5rem 1rem; border-radius: 4px; }
</style></head><body>
<h1>webtorch benchmarks</h1>
<p>Every implementation ran in this one process (PyTorch in a subprocess), its samples interleaved with the others' so that the machine's drift hits all alike. Ratios above 1 favour webtorch where the header says peer / webtorch, and below 1 where it says webtorch's own time over another (2 threads over 1). Bars: blue at or above 1, orange below.</p>
${quick ? '<p class="quick">A --quick run: tiny sizes that check the suites run; its figures say nothing about speed.</p>' : ''}
<table>${machine.map(([key, value]) => `<tr><th>${html(key)}</th><td>${html(value)}</td></tr>`).join('')}</table>
${sections}
</body></html>
`;
  writeFileSync(file, page);
}
