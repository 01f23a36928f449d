// Node ESM: the installed package by its name, the main entry and the edge entry with the kernels' bytes.
import { readFile } from 'node:fs/promises';
import * as torch from 'webtorch';
import * as edge from 'webtorch/edge';
import { compute } from './compute.js';

await edge.init(await readFile(new URL(import.meta.resolve('webtorch/kernels.wasm'))));
const report = { main: await compute(torch), edge: await compute(edge), webgpu: await torch.webgpu.isAvailable() };
console.log(JSON.stringify(report));
