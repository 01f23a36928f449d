# Serves handler.mjs from Cloudflare's workerd (npm package workerd), through workerd.mjs:
#   npx workerd serve examples/edge/workerd.capnp    (listens on 127.0.0.1:8787; --socket-addr http=... moves it)
# Paths are relative to this file. workerd resolves every import, bare ones too, against the
# importing module's name, so the package's files are named as examples/edge/webtorch/... here.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "names", worker = .names) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "names") ],
);

const names :Workerd.Worker = (
  compatibilityDate = "2025-06-01",
  modules = [
    (name = "examples/edge/workerd.mjs", esModule = embed "workerd.mjs"),
    (name = "examples/edge/handler.mjs", esModule = embed "handler.mjs"),
    (name = "examples/edge/classifier-handler.mjs", esModule = embed "classifier-handler.mjs"),
    (name = "examples/names/network.mjs", esModule = embed "../names/network.mjs"),
    (name = "examples/names/vocabulary.mjs", esModule = embed "../names/vocabulary.mjs"),
    (name = "examples/edge/webtorch/edge", esModule = embed "../../dist/edge.js"),
    (name = "examples/edge/webtorch/kernels.wasm", wasm = embed "../../build/kernels.wasm"),
  ],
  bindings = [ (name = "WEIGHTS", data = embed "names.safetensors") ],
);
