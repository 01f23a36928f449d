// docs/coverage.md is generated from webtorch's exports; this fails when an export was added or
// removed without regenerating it, so the page cannot drift from the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { coverageMarkdown, pytorchNames } from '../../scripts/coverage.mjs';
import * as torch from '../../src/index.js';

describe('docs/coverage.md', () => {
  it('matches what npm run docs:coverage writes from the current exports', () => {
    const written = readFileSync(new URL('../../docs/coverage.md', import.meta.url), 'utf8');
    expect(written === coverageMarkdown(torch, pytorchNames()), 'docs/coverage.md is out of date: run npm run docs:coverage').toBe(true);
  });

  it('finds names under webtorch spellings, and reports absent ones', () => {
    const page = coverageMarkdown(torch, pytorchNames());
    expect(page).toContain('| `torch.nn.functional.log_softmax` | `torch.nn.functional.logSoftmax` |');
    expect(page).toContain('| `Tensor.requires_grad_` | `Tensor.requiresGrad_` |');
    expect(page).toContain('| `torch.optim.lr_scheduler.StepLR` | `torch.optim.lrScheduler.StepLR` |');
    expect(page).toContain('| `torch.long` | `torch.long` | stored as int32; values outside int32 raise |');
    expect(page).toContain('| `torch.addbmm` | absent |');
  });
});
