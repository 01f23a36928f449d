// Run by test/runtimes/deno-threads.test.ts under Deno: imports the built Deno bundle, checks its
// CPU threads and prints the report as JSON on stdout, then ends with a worker parked in its pool.
import * as torch from '../../dist/deno.js';
import { checkThreads } from './threads-run.js';

const report = await checkThreads(torch);
console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, hardwareConcurrency: navigator.hardwareConcurrency, ...report }));
