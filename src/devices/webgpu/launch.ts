/**
 * WGSL kernels as data (the ONNX Runtime Web idea): a kernel call is a `KernelLaunch` naming its
 * shader, the constants the shader text is specialised on, its buffers, its uniforms and its grid.
 * From that, this module derives the pipeline cache key (only what changes the shader text), the
 * full WGSL source (a generated preamble + shared helpers + the shader file) and the packed
 * uniform bytes. Shapes and strides travel in uniforms, so one pipeline serves every shape. The
 * layout of a launch (key, bindings, where each uniform sits) is built once per signature and
 * cached on its Shader (launchLayout), so a dispatch costs a signature string, a map lookup and
 * packing its values: the device's per-dispatch work is mostly WebGPU's own.
 *
 * Adding a kernel family: write shaders/<family>.wgsl with an entry point `main` that reads its
 * uniforms as `params.<name>` and its buffers by name (array<u32>: bitcast to f32/i32), using
 * `threadIndex` (common.wgsl) and, for strided operands, `stridedOffsets` (strided.wgsl); then a
 * factory in kernels/<family>.ts that declares `defineShader('<family>', { includes, tables })`
 * once and calls `gpu.run({ shader, constants, outputs, inputs, walk, uniforms, workgroups })` per
 * kernel call; then spread it into the kernel table in device.ts. Errors only a kernel can see
 * (an index out of range) go through `fault` and `reportFault()`. math.wgsl has float functions
 * with the CPU's accuracy, and mulAdd64 for 32 x 32 -> 64-bit integer products.
 */
import shaderSources from '../../../build/shaders.js';
import type { DType } from '../../dtype.js';
import { numel, type Shape } from '../../shape.js';
import { coalesce } from '../coalesce.js';
import type { TensorView } from '../device.js';
import { constantName } from '../opcodes.js';

export type ShaderFile = keyof typeof shaderSources;

/** The 32-bit types of uniforms and constants. */
export type WordType = 'u32' | 'i32' | 'f32';

/** A uniform: one 32-bit value, or an array of them (WGSL packs uniform arrays as vec4s). */
export type Uniform = readonly [type: WordType, value: number | readonly number[]];

/** Dims a strided walk handles after merging (`RANK_SLOTS` vec4s of them in the uniforms). */
export const MAX_DIMS = 16;
const RANK_SLOTS = MAX_DIMS / 4;

/** Dtype codes as WGSL constants (FLOAT32, INT32, BOOL) in every shader, for `DTYPE`-style constants. */
export const DTYPE_CODES: Record<DType, number> = { float32: 0, int32: 1, bool: 2 };

/**
 * One shader file and what it needs besides common.wgsl: helper files, and constants fixed for the
 * file (opcode tables). Create one per shader file and set of helpers, once: launches refer to it.
 */
export interface Shader {
  readonly file: ShaderFile;
  readonly includes: readonly ShaderFile[];
  /** `const NAME = <value>u;` lines, the same for every launch of this shader. */
  readonly declarations: string;
  /** The files, as the pipeline cache key names them. */
  readonly id: string;
  /** Layouts of this shader's launches by signature (see launchLayout). */
  readonly layouts: Map<string, LaunchLayout>;
}

export function defineShader(
  file: ShaderFile,
  options: { includes?: readonly ShaderFile[]; tables?: readonly Record<string, number>[] } = {},
): Shader {
  const tables = [DTYPE_CODES, ...(options.tables ?? [])];
  const declarations = tables
    .flatMap((table) => Object.entries(table).map(([name, value]) => `const ${constantName(name)} = ${value}u;`))
    .join('\n');
  const includes = options.includes ?? [];
  return { file, includes, declarations, id: [...includes, file].join('+'), layouts: new Map() };
}

/**
 * An N-d walk over `shape` with a strided operand per entry (kernels call `stridedOffsets(i)`, see
 * shaders/strided.wgsl). Build it with `stridedWalk`.
 */
export interface Walk {
  readonly shape: readonly number[];
  readonly strides: readonly (readonly number[])[];
  readonly offsets: readonly number[];
}

/** The walk over `shape` for these views (already broadcast to it), with mergeable dims merged. */
export function stridedWalk(op: string, shape: Shape, operands: readonly Pick<TensorView, 'strides' | 'offset'>[]): Walk {
  const merged = coalesce(
    shape,
    operands.map((operand) => operand.strides),
  );
  if (merged.shape.length > MAX_DIMS) {
    throw new RangeError(
      `${op}: webgpu kernels walk at most ${MAX_DIMS} dims, but this layout needs ${merged.shape.length} (shape [${shape.join(', ')}], no adjacent dims merge); a layout like this needs the CPU`,
    );
  }
  return { shape: merged.shape, strides: merged.strides, offsets: operands.map((operand) => operand.offset) };
}

export interface KernelLaunch {
  readonly shader: Shader;
  /** The entry point; 'main' unless the shader has several. */
  readonly entryPoint?: string;
  /** Constants the shader text is specialised on (op code, dtypes): `const NAME = <value>u;`. */
  readonly constants?: Readonly<Record<string, number>>;
  /** Threads per workgroup, WORKGROUP_SIZE in the shader (default 64). */
  readonly workgroupSize?: number;
  /** Buffers the kernel writes, in binding order, as `var<storage, read_write> name: array<u32>`. */
  readonly outputs: Readonly<Record<string, TensorView>>;
  /** Outputs the kernel updates with atomic operations (scatter-add), declared `array<atomic<u32>>` instead. */
  readonly atomics?: readonly string[];
  /** Buffers the kernel reads, bound after the outputs, as `var<storage, read> name: array<u32>`. */
  readonly inputs?: Readonly<Record<string, TensorView>>;
  /**
   * Inputs bound as `array<vec4<u32>>` instead, 4 elements per index (one 128-bit load on a GPU):
   * the kernel only reads them at multiples of 4 elements.
   */
  readonly quadInputs?: readonly string[];
  readonly walk?: Walk;
  /** Uniforms besides the walk's, in `params`. */
  readonly uniforms?: Readonly<Record<string, Uniform>>;
  /**
   * Workgroups: a count (wrapped into rows of at most 65535), or [x, y, z]. Walking launches
   * default to one thread per position.
   */
  readonly workgroups?: number | readonly [number, number, number];
  /**
   * What the kernel reports when it calls `reportFault()` or `reportFaultValue(value)` (integer
   * division by zero, an index out of range), with `{value}` replaced by that value: the device
   * raises the first fault reported since the last read at the next read, as CUDA raises
   * device-side errors. Such launches can also ask `faultPending()`, to leave their outputs
   * untouched after a fault.
   */
  readonly fault?: string;
}

/**
 * A storage buffer binding of a launch: binding `index` of group 0 (the fault status, if any, comes
 * after them). The uniforms are group 1, binding 0, so a bind group of storage buffers serves every
 * uniform block and one of uniforms serves every kernel.
 */
export interface Binding {
  readonly name: string;
  readonly write: boolean;
  /** Declared as array<vec4<u32>> (KernelLaunch.quadInputs). */
  readonly quads: boolean;
  /** Declared as array<atomic<u32>> (KernelLaunch.atomics). */
  readonly atomic: boolean;
}

/**
 * What every launch of one signature shares (see launchLayout): the pipeline cache key, the
 * bindings and where each uniform sits in the `Params` struct. Built once per signature, so a
 * launch only packs its uniform values.
 */
export interface LaunchLayout {
  readonly key: string;
  readonly entryPoint: string;
  /** Binds the fault status buffer after the storage buffers. */
  readonly reportsFaults: boolean;
  /** Outputs then inputs, in binding order. */
  readonly bindings: readonly Binding[];
  /** Bytes of the `Params` struct, a multiple of 16. */
  readonly uniformBytes: number;
  /** The WGSL source; built only on a pipeline cache miss. */
  source(): string;
  /** Word offsets (in `Params`) of the launch's own uniforms, in `KernelLaunch.uniforms` order. */
  readonly uniformWords: readonly number[];
  readonly walkWords: WalkWords | null;
  /** Word offset of `faultCode`, or -1. */
  readonly faultWord: number;
}

interface WalkWords {
  readonly count: number;
  readonly ndim: number;
  readonly offsets: number;
  readonly shape: number;
  readonly strides: number;
}

interface UniformField {
  readonly name: string;
  readonly type: WordType;
  /** Words: 1 for a scalar, else a multiple of 4 (`array<vec4<type>, words / 4>`). */
  readonly words: number;
  readonly isArray: boolean;
}

const MAX_WORKGROUPS_PER_DIM = 65535;

/** Spreads a 1-D workgroup count over x and y, each at most 65535 (kernels use threadIndex/workgroupIndex). */
export function gridOf(workgroups: number): [number, number, number] {
  const x = Math.min(workgroups, MAX_WORKGROUPS_PER_DIM);
  return [x, Math.ceil(workgroups / x), 1];
}

/**
 * The layout of this launch, from the shader's cache. The signature it is cached under holds
 * everything the layout depends on: entry point, workgroup size, constants, binding names, uniform
 * names, types and array lengths, the walk's operand count and whether faults are reported.
 */
export function launchLayout(launch: KernelLaunch): LaunchLayout {
  const entryPoint = launch.entryPoint ?? 'main';
  const workgroupSize = launch.workgroupSize ?? 64;
  const operands = launch.walk ? launch.walk.strides.length : 0;
  let signature = `${entryPoint}|${workgroupSize}|${operands}|${launch.fault === undefined ? 0 : 1}|`;
  for (const name in launch.constants) signature += `${name}=${launch.constants[name]},`;
  signature += '|';
  for (const name in launch.outputs) signature += `${name}${launch.atomics?.includes(name) ? '@' : ''},`;
  signature += '|';
  for (const name in launch.inputs) signature += `${name},`;
  signature += '|';
  if (launch.quadInputs) for (const name of launch.quadInputs) signature += `${name},`;
  signature += '|';
  for (const name in launch.uniforms) {
    const [type, value] = launch.uniforms[name];
    signature += `${name}:${type}${typeof value === 'number' ? '' : value.length},`;
  }
  const layouts = launch.shader.layouts;
  let layout = layouts.get(signature);
  if (!layout) {
    layout = buildLayout(launch, entryPoint, workgroupSize, operands, `${launch.shader.id}|${signature}`);
    layouts.set(signature, layout);
  }
  return layout;
}

function buildLayout(launch: KernelLaunch, entryPoint: string, workgroupSize: number, operands: number, key: string): LaunchLayout {
  const walks = launch.walk !== undefined;
  const reportsFaults = launch.fault !== undefined;
  // No closure here may name `launch`: the layout outlives it in the cache, and a closure would keep
  // the first launch's tensors alive through this function's shared context.
  const shader = launch.shader;
  const constants: Record<string, number> = { ...launch.constants, WORKGROUP_SIZE: workgroupSize };
  const fields: UniformField[] = [];
  const offsets = new Map<string, number>();
  let words = 0;
  const addUniform = (name: string, type: WordType, length: number | null) => {
    if (offsets.has(name)) throw new Error(`${shader.file}: the uniform '${name}' is also one of the launch's own`);
    const isArray = length !== null;
    words = align(words, isArray ? 4 : 1);
    offsets.set(name, words);
    fields.push({ name, type, words: length ?? 1, isArray });
    words += length ?? 1;
  };
  if (walks) {
    constants.OPERANDS = operands;
    constants.RANK_SLOTS = RANK_SLOTS;
    addUniform('count', 'u32', null);
    addUniform('ndim', 'u32', null);
  }
  for (const name in launch.uniforms) {
    const [type, value] = launch.uniforms[name];
    addUniform(name, type, typeof value === 'number' ? null : value.length);
  }
  if (reportsFaults) addUniform('faultCode', 'u32', null);
  if (walks) {
    addUniform('offsets', 'i32', align(operands, 4));
    addUniform('shape', 'u32', MAX_DIMS);
    addUniform('strides', 'i32', operands * MAX_DIMS);
  }
  const quads = new Set(launch.quadInputs);
  const bindings: Binding[] = [];
  const atomics = new Set(launch.atomics);
  for (const name in launch.outputs) bindings.push({ name, write: true, quads: false, atomic: atomics.has(name) });
  for (const name in launch.inputs) bindings.push({ name, write: false, quads: quads.has(name), atomic: false });
  const uniformWords = Object.keys(launch.uniforms ?? {}).map((name) => offsets.get(name)!);
  return {
    key,
    entryPoint,
    reportsFaults,
    bindings,
    uniformBytes: align(words * 4, 16),
    source: () => assembleSource(shader, constants, fields, bindings, reportsFaults, walks),
    uniformWords,
    walkWords: walks
      ? {
          count: offsets.get('count')!,
          ndim: offsets.get('ndim')!,
          offsets: offsets.get('offsets')!,
          shape: offsets.get('shape')!,
          strides: offsets.get('strides')!,
        }
      : null,
    faultWord: reportsFaults ? offsets.get('faultCode')! : -1,
  };
}

/** Views of one uniform arena, word-indexed, for writing each type. */
export interface UniformWords {
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f32: Float32Array;
}

export function uniformWordsOf(arena: ArrayBuffer): UniformWords {
  return { u32: new Uint32Array(arena), i32: new Int32Array(arena), f32: new Float32Array(arena) };
}

/**
 * Writes the launch's uniforms at `byteOffset` (a multiple of 4) of the arena, laid out as the
 * generated `Params` struct. Unused array slots get the same fill every time (shape 1, strides and
 * offsets 0), so a launch's bytes depend only on its values.
 */
export function packUniforms(
  layout: LaunchLayout,
  launch: KernelLaunch,
  faultCode: number,
  target: UniformWords,
  byteOffset: number,
): void {
  const base = byteOffset / 4;
  let field = 0;
  for (const name in launch.uniforms) {
    const [type, value] = launch.uniforms[name];
    const view = target[type];
    const at = base + layout.uniformWords[field++];
    if (typeof value === 'number') view[at] = value;
    else for (let i = 0; i < value.length; i++) view[at + i] = value[i];
  }
  if (layout.faultWord >= 0) target.u32[base + layout.faultWord] = faultCode;
  const walk = launch.walk;
  const words = layout.walkWords;
  if (!walk || !words) return;
  const ndim = walk.shape.length;
  let count = 1;
  for (let d = 0; d < ndim; d++) count *= walk.shape[d];
  target.u32[base + words.count] = count;
  target.u32[base + words.ndim] = ndim;
  const operands = walk.strides.length;
  target.i32.fill(0, base + words.offsets, base + words.offsets + align(operands, 4));
  for (let k = 0; k < operands; k++) target.i32[base + words.offsets + k] = walk.offsets[k];
  target.u32.fill(1, base + words.shape + ndim, base + words.shape + MAX_DIMS);
  for (let d = 0; d < ndim; d++) target.u32[base + words.shape + d] = walk.shape[d];
  for (let k = 0; k < operands; k++) {
    const at = base + words.strides + k * MAX_DIMS;
    const strides = walk.strides[k];
    for (let d = 0; d < ndim; d++) target.i32[at + d] = strides[d];
    target.i32.fill(0, at + ndim, at + MAX_DIMS);
  }
}

/** The launch's grid: its own, or for a walking launch one thread per position. */
export function workgroupsOf(launch: KernelLaunch): readonly [number, number, number] {
  const groups = launch.workgroups ?? (launch.walk ? Math.ceil(numel(launch.walk.shape) / (launch.workgroupSize ?? 64)) : 1);
  return typeof groups === 'number' ? gridOf(groups) : groups;
}

function assembleSource(
  shader: Shader,
  constants: Record<string, number>,
  fields: readonly UniformField[],
  bindings: readonly Binding[],
  reportsFaults: boolean,
  walks: boolean,
): string {
  const structFields = fields.map((f) => `  ${f.name}: ${f.isArray ? `array<vec4<${f.type}>, ${f.words / 4}>` : f.type},`);
  const elementType = (b: Binding) => (b.quads ? 'vec4<u32>' : b.atomic ? 'atomic<u32>' : 'u32');
  const declarations = bindings.map(
    (b, i) => `@group(0) @binding(${i}) var<storage, ${b.write ? 'read_write' : 'read'}> ${b.name}: array<${elementType(b)}>;`,
  );
  const fault = reportsFaults
    ? faultFunctions(bindings.length)
    : 'fn reportFaultValue(value: i32) {}\nfn reportFault() {}\nfn faultPending() -> bool { return false; }';
  return [
    Object.entries(constants)
      .map(([name, value]) => `const ${name} = ${value}u;`)
      .join('\n'),
    shader.declarations,
    `struct Params {\n${structFields.join('\n')}\n}`,
    '@group(1) @binding(0) var<uniform> params: Params;',
    ...declarations,
    fault,
    shaderSources.common,
    ...(walks ? [shaderSources.strided] : []),
    ...shader.includes.map((file) => shaderSources[file]),
    shaderSources[shader.file],
  ].join('\n\n');
}

function align(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/**
 * The fault status is [code, value]: the first launch to report since the last read stores its
 * code (a compare-exchange from 0) and then the value its message shows; later reports leave it.
 */
function faultFunctions(binding: number): string {
  return `@group(0) @binding(${binding}) var<storage, read_write> faultStatus: array<atomic<u32>, 2>;
fn reportFaultValue(value: i32) {
  loop {
    let swap = atomicCompareExchangeWeak(&faultStatus[0], 0u, params.faultCode);
    if (swap.exchanged) {
      atomicStore(&faultStatus[1], bitcast<u32>(value));
      return;
    }
    if (swap.old_value != 0u) {
      return;
    }
  }
}
fn reportFault() { reportFaultValue(0); }
fn faultPending() -> bool { return atomicLoad(&faultStatus[0]) != 0u; }`;
}
