// Run by test/runtimes/deno-threads.test.ts under Deno: worker CPU devices from the Deno bundle;
// prints the report of test/runtimes/worker-devices-run.js as JSON, then must exit with them idle.
import * as torch from '../../dist/deno.js';
import { checkWorkerDevices } from './worker-devices-run.js';

console.log(JSON.stringify(await checkWorkerDevices(torch)));
