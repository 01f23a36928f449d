// `nn.DataParallel`: a module's batch scattered over devices, one replica per device, outputs gathered.
import type { Device } from '../devices/device.js';
import { isGradEnabled, noGrad } from '../graph/grad-mode.js';
import { scope } from '../memory.js';
import { toDevice } from '../ops/conversion.js';
import { resolveDevice } from '../ops/util.js';
import { cat, chunk, clone, reshape } from '../ops/views.js';
import { checkOptions, describeValue, optionKeys } from '../options.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { rememberHostValues } from './utils/host-values.js';

export interface DataParallelOptions {
  /** The devices to run replicas on, all of one kind ('webgpu', 'webgpu:1'); the module's parameters must be on the first. */
  deviceIds: readonly string[];
  /** Where the outputs are gathered; default deviceIds[0]. */
  outputDevice?: string;
  /** The dimension inputs are scattered along and outputs gathered along; default 0. */
  dim?: number;
}

const DATA_PARALLEL_OPTIONS = optionKeys<DataParallelOptions>({ deviceIds: true, outputDevice: true, dim: true });

/**
 * `nn.DataParallel(module, { deviceIds, outputDevice, dim })`, PyTorch's data parallelism on one
 * machine. Each forward scatters the inputs along `dim` (tensors are chunked as `chunk` does, one
 * piece per device; arrays and plain objects are walked; other values reach every replica as they
 * are), replicates the module onto each device, runs every replica, then gathers the outputs on
 * `outputDevice` by concatenation along `dim`. Every replica's work is issued before anything is
 * read, so devices that queue their work (webgpu) run the replicas at the same time.
 *
 * The replicas' parameters are differentiable copies of the module's, so backward sums every
 * replica's gradients into the module's own parameters: train the module's parameters as usual.
 * Replica 0 shares the module's buffers and the others get copies, so BatchNorm's running
 * statistics come from replica 0's chunk, and any other change a forward makes to a replica is
 * lost. A batch smaller than the device count runs on fewer devices; a scalar output becomes a
 * 1-D tensor of one value per replica. `stateDict()` keys start with `module.`; `.module` is the
 * wrapped model. A device named twice runs two replicas in turn, the second with copies of the
 * buffers, as on two devices.
 *
 * As in PyTorch, a `number[]` argument reaches every replica whole: pass per-sample values (the
 * lengths a forward packs with) as a tensor, which is split with the batch. A 1-D int32 CPU
 * tensor's pieces keep their host values on every device, so packPaddedSequence inside a replica
 * accepts its piece of the lengths. Inside a replica, pad a packed output back with
 * `padPackedSequence(..., { totalLength })`, so every replica's output has the same length.
 *
 * ```ts
 * const model = new nn.Linear(4, 2);
 * const dp = new nn.DataParallel(model, { deviceIds: ['cpu', 'cpu'] });
 * dp.forward(torch.ones(6, 4)).shape;   // [6, 2]
 * ```
 */
export class DataParallel<M extends Module = Module> extends Module {
  readonly module: M;
  readonly deviceIds: readonly string[];
  readonly outputDevice: string;
  readonly dim: number;
  /** PyTorch warns once per place in the code; here once per DataParallel. */
  private warnedScalars = false;

  constructor(module: M, options: DataParallelOptions) {
    super();
    if (!(module instanceof Module)) throw new TypeError(`DataParallel: module must be an nn.Module, got ${describeValue(module)}`);
    checkOptions('DataParallel', options, DATA_PARALLEL_OPTIONS);
    const { deviceIds, dim = 0 } = options ?? {};
    if (!Array.isArray(deviceIds) || deviceIds.length === 0)
      throw new TypeError(`DataParallel: deviceIds must name at least one device, got ${describeValue(deviceIds)}`);
    const devices = deviceIds.map((name, i) => deviceNamed(`deviceIds[${i}]`, name));
    const other = devices.find((device) => device.type !== devices[0].type);
    if (other)
      throw new TypeError(
        `DataParallel: deviceIds must all be devices of one kind, got ${devices[0].name} (${devices[0].type}) and ${other.name} (${other.type})`,
      );
    if (!Number.isInteger(dim)) throw new TypeError(`DataParallel: dim must be an integer, got ${describeValue(dim)}`);
    this.module = module;
    this.deviceIds = devices.map((device) => device.name);
    this.outputDevice = deviceNamed('outputDevice', options.outputDevice ?? this.deviceIds[0]).name;
    this.dim = dim;
    // PyTorch moves the module when there is one device; with several, it refuses a module elsewhere.
    if (devices.length === 1) module.to(this.deviceIds[0]);
  }

  /** The module's output for `inputs`, computed by one replica per piece of the batch and gathered. */
  override forward(...inputs: Parameters<M['forward']>): ReturnType<M['forward']> {
    const source = this.deviceIds[0];
    for (const [name, tensor] of [...this.module.namedParameters(), ...this.module.namedBuffers()]) {
      if (tensor.device !== source)
        throw new Error(
          `DataParallel: module must have its parameters and buffers on device ${source} (deviceIds[0]) but found one of them on device: ${tensor.device} ('${name}')`,
        );
    }
    return scope(() => {
      const pieces = inputs.length === 0 ? [[]] : scatter(inputs, this.deviceIds, this.dim);
      if (this.deviceIds.length === 1) return this.module.forward(...pieces[0]);
      // Every replica is made before any runs: a copy between devices waits for the work issued
      // before it on its source, so the parameter copies go ahead of replica 0's forward.
      const replicas = pieces.map((_, i) => this.replica(i));
      // Replicas on devices that queue are issued first: one on a synchronous device runs as it is
      // called, and the others would otherwise wait for it.
      const synchronous = replicas.map((_, i) => resolveDevice(this.deviceIds[i]).synchronous);
      const outputs: unknown[] = [];
      for (const runsNow of [false, true])
        replicas.forEach((replica, i) => {
          if (synchronous[i] === runsNow) outputs[i] = replica.forward(...pieces[i]);
        });
      return gather(outputs, this.outputDevice, this.dim, () => this.warnScalars());
    }) as ReturnType<M['forward']>;
  }

  private warnScalars(): void {
    if (this.warnedScalars) return;
    this.warnedScalars = true;
    console.warn(
      'DataParallel: was asked to gather along dimension 0, but all input tensors were scalars; will instead unsqueeze and return a vector.',
    );
  }

  /** The module on deviceIds[i]: parameters copied with gradient (the originals on the first), buffers shared by replica 0. */
  private replica(i: number): M {
    const device = this.deviceIds[i];
    const copyParameter = (tensor: Tensor) => toDevice(tensor, device);
    // Buffers carry no gradient unless they ask for one, as PyTorch's replicate detaches them.
    const copyBuffer = (tensor: Tensor) =>
      tensor.requiresGrad && isGradEnabled()
        ? toDevice(tensor, device)
        : noGrad(() => (i === 0 || tensor.device !== device ? toDevice(tensor, device) : clone(tensor)));
    return this.module.replicateForDataParallel((tensor, kind) => (kind === 'parameter' ? copyParameter(tensor) : copyBuffer(tensor)));
  }
}

function deviceNamed(argument: string, name: unknown): Device {
  if (typeof name !== 'string')
    throw new TypeError(`DataParallel: ${argument} must be a device name such as 'webgpu:1', got ${describeValue(name)}`);
  try {
    return resolveDevice(name);
  } catch (error) {
    throw new Error(`DataParallel: ${argument}: ${(error as Error).message}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * PyTorch's scatter: the arguments of each replica, as many as the pieces of the tensors that are
 * scattered (fewer than the devices when the batch is smaller), or one per device when no tensor is.
 */
function scatter(inputs: readonly unknown[], devices: readonly string[], dim: number): unknown[][] {
  const walk = (value: unknown): unknown[] => {
    if (value instanceof Tensor) return scatterTensor(value, devices, dim);
    if (Array.isArray(value) && value.length > 0) return transpose(value.map(walk));
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      const keys = Object.keys(value);
      return transpose(keys.map((key) => walk(value[key]))).map((values) => Object.fromEntries(keys.map((key, k) => [key, values[k]])));
    }
    return devices.map(() => value);
  };
  return walk(inputs) as unknown[][];
}

/** Per replica, the list of every part's piece for it; parts with fewer pieces limit the count, as Python's zip does. */
function transpose(parts: readonly unknown[][]): unknown[][] {
  const count = Math.min(...parts.map((part) => part.length));
  return Array.from({ length: count }, (_, i) => parts.map((part) => part[i]));
}

function scatterTensor(input: Tensor, devices: readonly string[], dim: number): Tensor[] {
  if (input.dim() === 0 || dim < -input.dim() || dim >= input.dim())
    throw new RangeError(`DataParallel: cannot scatter an input of shape ${formatShape(input.shape)} along dim ${dim}`);
  const host = input.deviceObject.synchronous && input.dtype === 'int32' && input.dim() === 1 && input.storage.pending === null;
  return chunk(input, devices.length, dim).map((piece, i) => {
    const moved = toDevice(piece, devices[i]);
    if (host) rememberHostValues(moved, Array.from(piece.dataSync()));
    return moved;
  });
}

/** PyTorch's gather: tensors concatenated along `dim` on `device`, arrays and plain objects walked, null kept. */
function gather(outputs: readonly unknown[], device: string, dim: number, warnScalars: () => void): unknown {
  const first = outputs[0];
  if (first instanceof Tensor) {
    const tensors = outputs.map((output, i) => {
      if (!(output instanceof Tensor))
        throw new TypeError(`DataParallel: replica 0 returned a Tensor and replica ${i} ${describeValue(output)}`);
      return output;
    });
    return gatherTensors(tensors, device, dim, warnScalars);
  }
  if (first === null || first === undefined) return first;
  if (Array.isArray(first)) {
    const parts = outputs as unknown[][];
    return first.map((_, k) =>
      gather(
        parts.map((output) => output[k]),
        device,
        dim,
        warnScalars,
      ),
    );
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    if (!outputs.every((output) => isPlainObject(output) && Object.keys(output).length === keys.length))
      throw new TypeError('DataParallel: all dicts must have the same number of keys');
    return Object.fromEntries(
      keys.map((key) => [
        key,
        gather(
          outputs.map((output) => (output as Record<string, unknown>)[key]),
          device,
          dim,
          warnScalars,
        ),
      ]),
    );
  }
  throw new TypeError(
    `DataParallel: cannot gather outputs of type ${describeValue(first)}; a replica's output may hold tensors, arrays, plain objects and null (unpack a PackedSequence with padPackedSequence(..., { totalLength }))`,
  );
}

function gatherTensors(tensors: Tensor[], device: string, dim: number, warnScalars: () => void): Tensor {
  let pieces = tensors;
  if (dim === 0 && pieces.every((tensor) => tensor.dim() === 0)) {
    warnScalars();
    pieces = pieces.map((tensor) => reshape(tensor, [1]));
  }
  const target = resolveDevice(device);
  // A synchronous device can take pieces from one that queues only where this thread may block for
  // them (see Device.readBlocking); elsewhere they are joined on the first queueing device, and the
  // whole moves.
  const waiting = target.synchronous
    ? pieces.find((piece) => !piece.deviceObject.synchronous && !piece.deviceObject.readBlocking)
    : undefined;
  const joinAt = waiting ? waiting.device : target.name;
  const joined = cat(
    pieces.map((piece) => toDevice(piece, joinAt)),
    dim,
  );
  return toDevice(joined, target.name);
}
