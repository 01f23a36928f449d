# The worker of worker.js for `workerd test`, its modules taken from the installed package. workerd
# resolves bare imports against the importing module's name, so the package's files are named here
# as the imports spell them. The compatibility date, before 2025-08-15 like examples/edge's, leaves
# MessageChannel out of the global scope, as on older workers.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
);

const worker :Workerd.Worker = (
  compatibilityDate = "2025-06-01",
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "compute.js", esModule = embed "compute.js"),
    (name = "webtorch/edge", esModule = embed "node_modules/webtorch/dist/edge.js"),
    (name = "webtorch/kernels.wasm", wasm = embed "node_modules/webtorch/build/kernels.wasm"),
  ],
);
