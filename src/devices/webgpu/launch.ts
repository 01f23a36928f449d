/**
 * WGSL kernels as data (the ONNX Runtime Web idea): a kernel call is a `KernelLaunch` naming its
 * shader, the constants the shader text is specialised on, its buffers, its uniforms and its grid.
 * From that, this module derives the pipeline cache key (only what changes the shader text), the
 * full WGSL source (a generated preamble + shared helpers + the shader file) and the packed
 * uniform bytes. Shapes and strides travel in uniforms, so one pipeline serves every shape.
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
 * file (opcode tables). Create one per shader file, once: launches refer to it.
 */
export interface Shader {
  readonly file: ShaderFile;
  readonly includes: readonly ShaderFile[];
  /** `const NAME = <value>u;` lines, the same for every launch of this shader. */
  readonly declarations: string;
}

export function defineShader(file: ShaderFile, options: { includes?: readonly ShaderFile[]; tables?: readonly Record<string, number>[] } = {}): Shader {
  const tables = [DTYPE_CODES, ...(options.tables ?? [])];
  const declarations = tables.flatMap((table) => Object.entries(table).map(([name, value]) => `const ${constantName(name)} = ${value}u;`)).join('\n');
  return { file, includes: options.includes ?? [], declarations };
}

/** `leakyRelu` -> `LEAKY_RELU`, `float32` -> `FLOAT32`: opcode names as WGSL constants. */
function constantName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
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
  const merged = coalesce(shape, operands.map((operand) => operand.strides));
  if (merged.shape.length > MAX_DIMS) {
    throw new RangeError(`${op}: webgpu kernels walk at most ${MAX_DIMS} dims, but this layout needs ${merged.shape.length} (shape [${shape.join(', ')}], no adjacent dims merge); a layout like this needs the CPU`);
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

/** A launch resolved into what the device binds and dispatches. */
export interface PreparedLaunch {
  readonly key: string;
  readonly entryPoint: string;
  /** Binds the fault status buffer after the storage buffers. */
  readonly reportsFaults: boolean;
  /** The WGSL source; built only on a pipeline cache miss. */
  source(): string;
  readonly uniformFields: readonly UniformField[];
  readonly uniformBytes: number;
  readonly buffers: readonly Binding[];
  readonly workgroups: readonly [number, number, number];
}

interface Binding {
  readonly name: string;
  readonly view: TensorView;
  readonly write: boolean;
  readonly atomic: boolean;
}

interface UniformField {
  readonly name: string;
  readonly type: WordType;
  readonly value: number | readonly number[];
  readonly offset: number;
}

const MAX_WORKGROUPS_PER_DIM = 65535;

/** Spreads a 1-D workgroup count over x and y, each at most 65535 (kernels use threadIndex/workgroupIndex). */
export function gridOf(workgroups: number): [number, number, number] {
  const x = Math.min(workgroups, MAX_WORKGROUPS_PER_DIM);
  return [x, Math.ceil(workgroups / x), 1];
}

export function prepareLaunch(launch: KernelLaunch, faultCode: number): PreparedLaunch {
  const walk = launch.walk;
  const workgroupSize = launch.workgroupSize ?? 64;
  const entryPoint = launch.entryPoint ?? 'main';
  const reportsFaults = launch.fault !== undefined;
  const constants: Record<string, number> = { ...launch.constants, WORKGROUP_SIZE: workgroupSize };
  const uniformFields: UniformField[] = [];
  let bytes = 0;
  const addUniform = (name: string, type: WordType, value: number | readonly number[]) => {
    const isArray = typeof value !== 'number';
    bytes = align(bytes, isArray ? 16 : 4);
    uniformFields.push({ name, type, value, offset: bytes });
    bytes += isArray ? value.length * 4 : 4;
  };
  if (walk) {
    constants.OPERANDS = walk.strides.length;
    constants.RANK_SLOTS = RANK_SLOTS;
    addUniform('count', 'u32', numel(walk.shape));
    addUniform('ndim', 'u32', walk.shape.length);
  }
  for (const name in launch.uniforms) addUniform(name, launch.uniforms[name][0], launch.uniforms[name][1]);
  if (reportsFaults) addUniform('faultCode', 'u32', faultCode);
  if (walk) {
    addUniform('offsets', 'i32', padToVec4(walk.offsets));
    addUniform('shape', 'u32', padTo(walk.shape, MAX_DIMS, 1));
    addUniform('strides', 'i32', walk.strides.flatMap((strides) => padTo(strides, MAX_DIMS, 0)));
  }
  const buffers: Binding[] = [];
  for (const name in launch.outputs) buffers.push({ name, view: launch.outputs[name], write: true, atomic: launch.atomics?.includes(name) ?? false });
  for (const name in launch.inputs) buffers.push({ name, view: launch.inputs[name], write: false, atomic: false });
  // Everything the generated source depends on, besides the shader itself.
  let key = `${launch.shader.file}|${entryPoint}|${reportsFaults}|`;
  for (const name in constants) key += `${name}=${constants[name]},`;
  for (const buffer of buffers) key += `${buffer.name}${buffer.write ? '!' : ''}${buffer.atomic ? '@' : ''},`;
  for (const field of uniformFields) key += `${field.name}:${field.type}${typeof field.value === 'number' ? '' : field.value.length},`;
  const groups = launch.workgroups ?? (walk ? Math.ceil(numel(walk.shape) / workgroupSize) : 1);
  return {
    key,
    entryPoint,
    reportsFaults,
    source: () => assembleSource(launch.shader, constants, uniformFields, buffers, reportsFaults, walk !== undefined),
    uniformFields,
    uniformBytes: align(bytes, 16),
    buffers,
    workgroups: typeof groups === 'number' ? gridOf(groups) : [groups[0], groups[1], groups[2]],
  };
}

/** Writes the launch's uniforms at `byteOffset` of `target`, laid out as the generated `Params` struct. */
export function packUniforms(prepared: PreparedLaunch, target: DataView, byteOffset: number): void {
  for (const field of prepared.uniformFields) {
    const values = typeof field.value === 'number' ? [field.value] : field.value;
    for (let i = 0; i < values.length; i++) {
      const at = byteOffset + field.offset + i * 4;
      if (field.type === 'f32') target.setFloat32(at, values[i], true);
      else if (field.type === 'i32') target.setInt32(at, values[i], true);
      else target.setUint32(at, values[i], true);
    }
  }
}

function assembleSource(shader: Shader, constants: Record<string, number>, fields: readonly UniformField[], buffers: PreparedLaunch['buffers'], reportsFaults: boolean, walks: boolean): string {
  const structFields = fields.map((f) => `  ${f.name}: ${Array.isArray(f.value) ? `array<vec4<${f.type}>, ${f.value.length / 4}>` : f.type},`);
  const bindings = buffers.map((b, i) => `@group(0) @binding(${i + 1}) var<storage, ${b.write ? 'read_write' : 'read'}> ${b.name}: array<${b.atomic ? 'atomic<u32>' : 'u32'}>;`);
  const fault = reportsFaults ? faultFunctions(buffers.length + 1) : 'fn reportFaultValue(value: i32) {}\nfn reportFault() {}\nfn faultPending() -> bool { return false; }';
  return [
    Object.entries(constants).map(([name, value]) => `const ${name} = ${value}u;`).join('\n'),
    shader.declarations,
    `struct Params {\n${structFields.join('\n')}\n}`,
    '@group(0) @binding(0) var<uniform> params: Params;',
    ...bindings,
    fault,
    shaderSources.common,
    ...(walks ? [shaderSources.strided] : []),
    ...shader.includes.map((file) => shaderSources[file]),
    shaderSources[shader.file],
  ].join('\n\n');
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

function align(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function padTo(values: readonly number[], length: number, fill: number): number[] {
  return [...values, ...new Array<number>(length - values.length).fill(fill)];
}

function padToVec4(values: readonly number[]): number[] {
  return padTo(values, align(Math.max(values.length, 1), 4), 0);
}
