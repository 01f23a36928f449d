// A browser page's script, bundled by esbuild from the installed package (its "browser" condition);
// esbuild's file loader makes the kernels' import their URL. The test reads window.report.
import * as torch from 'webtorch';
import * as edge from 'webtorch/edge';
import kernels from 'webtorch/kernels.wasm';
import { compute } from './compute.js';

(async () => {
  await edge.init(await fetch(kernels));
  return { main: await compute(torch), edge: await compute(edge) };
})().then(
  (report) => {
    window.report = report;
  },
  (error) => {
    window.report = { error: String(error?.stack || error) };
  },
);
