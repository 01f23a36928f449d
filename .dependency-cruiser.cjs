/**
 * The layers of src/, bottom to top, as rules on import paths (docs/architecture.md draws them):
 *
 *   leaf      dtype.ts, shape.ts, options.ts: plain values, no tensors
 *   devices   devices/: kernels and the Device contract; they know nothing of Tensor
 *   core      tensor.ts, storage.ts, memory.ts, random/, and graph/ (recording: nodes, record,
 *             grad mode, view rebasing)
 *   ops       ops/: each op computes through a device's kernels and records its backward
 *   engine    autograd/: backward(), grad(), gradcheck; accumulates with ops
 *   top       nn/, optim/, io/, utils/, metrics/, text/, format.ts, then api.ts and the entries index.ts and edge.ts
 *
 * A layer imports only from layers below it. Rules match paths, not file lists, so a new file
 * under a folder gets its folder's rules.
 */
const LEAF = '^src/(dtype|shape|options)\\.ts$';
const CORE = '^src/((tensor|storage|memory)\\.ts$|random/|graph/)';
const ABOVE_OPS = '^src/(autograd|nn|optim|io|utils|metrics|text)/|^src/(format|api|index|edge)\\.ts$';
const ABOVE_ENGINE = '^src/(nn|optim|io|utils|metrics|text)/|^src/(format|api|index|edge)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Modules must not import each other in a loop, directly or through others. A loop that ' +
        'passes through a type-only import (`import type`, or a type written `import(...)`) is ' +
        'allowed: TypeScript erases those, so the loop never exists when modules load, and it ' +
        'cannot change the order they initialise in. Three such loops are needed: Tensor names ' +
        'the type of its graph Node and Node names Tensor (one layer; each holds the other), a ' +
        'device passes itself, typed, to the kernel factories it imports ' +
        '(devices/<kind>/kernels/), and ops/unary.ts derives the Tensor methods it declares ' +
        'from the type of its own exports.',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only', 'type-import'] } },
    },
    {
      name: 'leaf-imports-only-leaf',
      severity: 'error',
      comment: 'dtype, shape and options are plain-value utilities every layer uses.',
      from: { path: LEAF },
      to: { path: '^src/', pathNot: LEAF },
    },
    {
      name: 'devices-know-no-tensor',
      severity: 'error',
      comment: 'Devices provide kernels over TensorViews; Tensor, recording and every op are built on them, not the reverse.',
      from: { path: '^src/devices/' },
      to: { path: '^src/', pathNot: `${LEAF}|^src/devices/` },
    },
    {
      name: 'core-below-ops',
      severity: 'error',
      comment:
        'Tensor, storage, memory and the graph recording sit below ops. The one exception is ' +
        'ops/unrecorded.ts, which records nothing: the backward of a write through a view ' +
        '(graph/views.ts) copies and fills with it.',
      from: { path: CORE },
      to: {
        path: '^src/(ops/|autograd/|nn/|optim/|io/|utils/|metrics/|text/|format\\.ts|api\\.ts|index\\.ts|edge\\.ts)',
        pathNot: '^src/ops/unrecorded\\.ts$',
      },
    },
    {
      name: 'unrecorded-is-the-floor-of-ops',
      severity: 'error',
      comment: 'ops/unrecorded.ts is used below ops (by graph/), so it may import nothing that records or sits above core.',
      from: { path: '^src/ops/unrecorded\\.ts$' },
      to: { path: '^src/(graph|ops|autograd|nn|optim|io|utils|metrics|text)/|^src/(format|api|index|edge)\\.ts$' },
    },
    {
      name: 'ops-below-engine',
      severity: 'error',
      comment: 'Ops record nodes; the engine that runs them, and everything built on ops, sit above.',
      from: { path: '^src/ops/' },
      to: { path: ABOVE_OPS },
    },
    {
      name: 'engine-below-nn',
      severity: 'error',
      comment: 'The autograd engine is used by nn, optim, io and utils, never the reverse.',
      from: { path: '^src/autograd/' },
      to: { path: ABOVE_ENGINE },
    },
    {
      name: 'only-entries-import-entries',
      severity: 'error',
      comment:
        'index.ts and edge.ts are the public namespaces, and api.ts what they share; modules import ' + 'what they use from its source.',
      from: { path: '^src/', pathNot: '^src/(index|edge)\\.ts$' },
      to: { path: '^src/(index|edge|api)\\.ts$' },
    },
    {
      name: 'no-kernels-above-ops',
      severity: 'error',
      comment:
        'nn, optim, io, utils and the autograd engine compute with ops (unrecorded helpers are in ' +
        "ops/unrecorded.ts), never with a device's kernels: they may name the contract's types in " +
        'devices/device.ts and nothing else of devices/.',
      from: { path: '^src/(autograd|nn|optim|io|utils|metrics|text)/' },
      to: { path: '^src/devices/', pathNot: '^src/devices/device\\.ts$' },
    },
    {
      name: 'only-types-from-the-device-contract-above-ops',
      severity: 'error',
      comment: 'See no-kernels-above-ops: the device contract is named for its types only.',
      from: { path: '^src/(autograd|nn|optim|io|utils|metrics|text)/' },
      to: { path: '^src/devices/device\\.ts$', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(build|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
