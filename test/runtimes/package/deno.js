// Deno: the installed package through npm: specifiers, which deno.json's nodeModulesDir "manual"
// resolves from the project's node_modules.
import * as torch from 'npm:webtorch';
import * as edge from 'npm:webtorch/edge';
import { compute } from './compute.js';

await edge.init(await Deno.readFile(new URL(import.meta.resolve('npm:webtorch/kernels.wasm'))));
console.log(JSON.stringify({ main: await compute(torch), edge: await compute(edge) }));
