// Attention heat maps as one SVG, written by hand (no dependency): for each example a grid whose
// rows are the output characters and columns the input characters, each cell shaded by the
// attention weight that output character gave that input character.

const CELL = 16;
const MARGIN = 12;
const LABEL = 18;
const TITLE = 22;
const COLUMNS = 2;

const escapeXml = (text) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** White at weight 0 to dark blue at 1. */
function shade(weight) {
  const w = Math.min(1, Math.max(0, weight));
  const channel = (from, to) => Math.round(from + (to - from) * w);
  return `rgb(${channel(255, 8)},${channel(255, 48)},${channel(255, 107)})`;
}

/** One example's grid, its top-left corner at (x, y). */
function grid({ source, output, weights }, x, y) {
  const parts = [`<text x="${x}" y="${y + 14}" class="title">${escapeXml(source)} → ${escapeXml(output)}</text>`];
  const top = y + TITLE + LABEL;
  const left = x + LABEL;
  [...source].forEach((char, j) => {
    parts.push(`<text x="${left + j * CELL + CELL / 2}" y="${top - 5}" class="label">${escapeXml(char)}</text>`);
  });
  [...output].forEach((char, i) => {
    parts.push(`<text x="${x + LABEL / 2}" y="${top + i * CELL + CELL / 2 + 4}" class="label">${escapeXml(char)}</text>`);
    weights[i].forEach((weight, j) => {
      parts.push(
        `<rect x="${left + j * CELL}" y="${top + i * CELL}" width="${CELL}" height="${CELL}" fill="${shade(weight)}"><title>${weight.toFixed(3)}</title></rect>`,
      );
    });
  });
  return parts.join('\n');
}

/**
 * The SVG text of the heat maps of `examples` ([{ source, output, weights }], weights[i][j] the
 * weight of source character j for output character i), two to a row.
 */
export function attentionSvg(examples) {
  const width = Math.max(...examples.map((e) => LABEL + e.source.length * CELL)) + MARGIN;
  const height = Math.max(...examples.map((e) => TITLE + LABEL + e.output.length * CELL)) + MARGIN;
  const columns = Math.min(COLUMNS, examples.length);
  const rows = Math.ceil(examples.length / columns);
  const grids = examples.map((example, k) => grid(example, MARGIN + (k % columns) * width, MARGIN + Math.floor(k / columns) * height));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${MARGIN + columns * width}" height="${MARGIN + rows * height}" font-family="monospace" font-size="12">`,
    '<title>Attention weights: rows are output characters, columns input characters, darker is more weight</title>',
    '<style>.label { text-anchor: middle; } .title { font-size: 13px; }</style>',
    `<rect width="100%" height="100%" fill="white"/>`,
    ...grids,
    '</svg>',
    '',
  ].join('\n');
}
