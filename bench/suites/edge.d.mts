// Types of bench/suites/edge.mjs, for the test that runs its --quick mode.
export function run(options: { quick: boolean }): Promise<void>;
