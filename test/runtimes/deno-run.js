// Run by test/runtimes/deno.test.ts under Deno: imports the built Deno bundle and prints the
// training run's results as JSON on stdout.
import * as torch from '../../dist/deno.js';
import { trainOnEachDevice } from './training-run.js';

console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, results: await trainOnEachDevice(torch) }));
