// Runs an example by name: `npm run example -- hihell [flags]` builds, then runs
// examples/hihell/main.mjs with the flags. Without a name it lists the examples.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const examples = fileURLToPath(new URL('../examples/', import.meta.url));
const names = readdirSync(examples).filter((name) => existsSync(`${examples}${name}/main.mjs`));
const [name, ...flags] = process.argv.slice(2);
if (name === undefined || !names.includes(name)) {
  console.error(`${name === undefined ? 'Name an example' : `No example '${name}'`}: npm run example -- <${names.join('|')}> [flags]`);
  process.exit(2);
}
const { status } = spawnSync(process.execPath, [`${examples}${name}/main.mjs`, ...flags], { stdio: 'inherit' });
process.exit(status ?? 1);
