// `npm run bench -- <suite...> [--quick]`: runs the named suites (all when none is named).
// --quick runs tiny sizes so CI can check that the benchmarks still work, asserting no timings.
const suites = ['matmul', 'conv', 'rnn'];
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const chosen = args.filter((a) => !a.startsWith('--'));
for (const name of chosen) {
  if (!suites.includes(name)) {
    console.error(`bench: unknown suite '${name}'; available: ${suites.join(', ')}`);
    process.exit(2);
  }
}
for (const name of chosen.length > 0 ? chosen : suites) {
  const suite = await import(`./suites/${name}.mjs`);
  await suite.run({ quick });
}
