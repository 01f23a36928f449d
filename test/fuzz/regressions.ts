// Programs the fuzzer once found a mismatch in, kept in the corpus after the fix (see the note in
// test/fuzz/README.md): each names what was wrong.
import type { Program } from './program.js';

export const REGRESSIONS: { name: string; program: Program }[] = [];
