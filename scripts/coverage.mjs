// Writes docs/coverage.md: each public name of PyTorch 1.13's torch, Tensor, nn, nn.functional,
// nn.init and optim namespaces (test/fixtures/pytorch_names.json), with webtorch's spelling of it
// when webtorch has it. Presence is read from the exports themselves, so the table cannot drift;
// test/api/coverage.test.ts fails when docs/coverage.md differs from what this writes.
// `npm run docs:coverage` rewrites it.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Where webtorch behaves differently from PyTorch under the same name, keyed by PyTorch's
 * qualified name. Only differences a PyTorch user would trip on belong here.
 */
const DIFFERENCES = {
  'torch.int64': 'stored as int32; values outside int32 raise',
  'torch.long': 'stored as int32; values outside int32 raise',
  'torch.float64': 'name only: a float64 tensor raises an error that says to use float32',
  'torch.double': 'name only: a float64 tensor raises an error that says to use float32',
  'torch.float16': 'name only: a float16 tensor raises an error that says to use float32',
  'torch.half': 'name only: a float16 tensor raises an error that says to use float32',
  'torch.save': 'writes safetensors (nested structure in its metadata), not pickle',
  'torch.load': 'reads safetensors, not pickle',
  'torch.no_grad': 'a function taking a callback, not a context manager',
  'torch.enable_grad': 'a function taking a callback, not a context manager',
  'Tensor.item': 'returns a Promise; itemSync() on the CPU',
  'Tensor.tolist': 'returns a Promise; tolistSync() on the CPU',
  'Tensor.backward': 'options object: { gradient, retainGraph, createGraph }',
  'torch.nonzero': 'int32 indices; on WebGPU use nonzeroAsync',
  'Tensor.nonzero': 'int32 indices; on WebGPU use nonzeroAsync',
  'torch.unique': 'int32 inverse and counts; on WebGPU use uniqueAsync; sorted=False still sorts',
  'Tensor.unique': 'int32 inverse and counts; on WebGPU use uniqueAsync; sorted=False still sorts',
  'torch.nn.TransformerEncoder':
    "no nested tensors: where 1.13 takes its eval fast path the padded outputs are zeroed, but the output keeps src's shape (1.13 drops padding columns every sequence shares; 2.1 keeps them); no mask_check",
  'torch.nn.DataParallel':
    "deviceIds by name (['webgpu', 'webgpu:1']) and required; a replica's forward runs on the calling thread, its device's queue in parallel",
};

/** PyTorch's snake_case name in webtorch's camelCase, keeping a trailing in-place underscore. */
export function camelCase(name) {
  const inPlace = name.endsWith('_') ? '_' : '';
  const stem = inPlace ? name.slice(0, -1) : name;
  return stem.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()) + inPlace;
}

/**
 * For each namespace of pytorch_names.json: PyTorch's qualified prefix, webtorch's, how webtorch
 * spells a name there and whether it has it.
 */
function namespaces(torch) {
  const instance = torch.zeros([1]);
  return [
    { key: 'torch', title: 'torch', prefix: 'torch.', ours: 'torch.', spell: camelCase, has: (n) => n in torch },
    { key: 'Tensor', title: 'Tensor', prefix: 'Tensor.', ours: 'Tensor.', spell: camelCase, has: (n) => n in instance },
    { key: 'nn', title: 'torch.nn', prefix: 'torch.nn.', ours: 'torch.nn.', spell: (n) => n, has: (n) => n in torch.nn },
    {
      key: 'nn.functional',
      title: 'torch.nn.functional',
      prefix: 'torch.nn.functional.',
      ours: 'torch.nn.functional.',
      spell: camelCase,
      has: (n) => n in torch.nn.functional,
    },
    {
      key: 'nn.init',
      title: 'torch.nn.init',
      prefix: 'torch.nn.init.',
      ours: 'torch.nn.init.',
      spell: camelCase,
      has: (n) => n in torch.nn.init,
    },
    { key: 'optim', title: 'torch.optim', prefix: 'torch.optim.', ours: 'torch.optim.', spell: (n) => n, has: (n) => n in torch.optim },
    {
      key: 'optim.lr_scheduler',
      title: 'torch.optim.lr_scheduler',
      prefix: 'torch.optim.lr_scheduler.',
      ours: 'torch.optim.lrScheduler.',
      spell: (n) => n,
      has: (n) => n in torch.optim.lrScheduler,
    },
  ];
}

/** docs/coverage.md for `torch` (webtorch's module namespace) against PyTorch's `names`. */
export function coverageMarkdown(torch, names) {
  const sections = namespaces(torch).map((space) => {
    const rows = names[space.key].map((name) => {
      const ours = space.spell(name);
      const present = space.has(ours);
      const difference = DIFFERENCES[space.prefix + name] ?? '';
      return { name, ours: present ? `\`${space.ours}${ours}\`` : 'absent', difference, present };
    });
    return { space, rows, present: rows.filter((r) => r.present).length };
  });
  const lines = [
    '# PyTorch coverage',
    '',
    `Every public name of PyTorch ${names.version.replace(/a0$/, '')}'s \`torch\`, \`Tensor\`, \`torch.nn\`, \`torch.nn.functional\`, \`torch.nn.init\` and`,
    "`torch.optim` namespaces, with webtorch's spelling of it where webtorch has it (camelCase for",
    'functions and methods, classes unchanged) and any difference a PyTorch user would meet. Generated',
    "from webtorch's exports by `npm run docs:coverage`; the test suite fails when this page is out of",
    "date. PyTorch's names come from `test/fixtures/pytorch_names.py`.",
    '',
    '| Namespace | PyTorch names | In webtorch |',
    '| --- | ---: | ---: |',
    ...sections.map(({ space, rows, present }) => `| \`${space.title}\` | ${rows.length} | ${present} |`),
  ];
  for (const { space, rows } of sections) {
    lines.push('', `## ${space.title}`, '', '| PyTorch | webtorch | Difference |', '| --- | --- | --- |');
    for (const row of rows) lines.push(`| \`${space.prefix}${row.name}\` | ${row.ours} | ${row.difference} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function pytorchNames() {
  return JSON.parse(readFileSync(join(root, 'test/fixtures/pytorch_names.json'), 'utf8'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const torch = await import(pathToFileURL(join(root, 'dist/node.js')).href);
  writeFileSync(join(root, 'docs/coverage.md'), coverageMarkdown(torch, pytorchNames()));
}
