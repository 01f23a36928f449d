/**
 * WebGPU's objects as webtorch's public declarations name them. A program that has WebGPU's types
 * (@webgpu/types, or a TypeScript lib with WebGPU) gets exactly those; one without them gets a
 * small stand-in instead of an error, so the shipped declarations type-check with no WebGPU types
 * installed. The globals are found on `typeof globalThis`, where WebGPU's types declare each
 * interface's constructor as a `var`.
 */
type FromGlobal<Name extends string, StandIn> = typeof globalThis extends Record<Name, { prototype: infer Instance }> ? Instance : StandIn;

/** A `GPUDevice`. */
export type GpuDevice = FromGlobal<'GPUDevice', { readonly label: string; readonly lost: Promise<unknown>; destroy(): void }>;

/** A `GPUAdapter`. */
export type GpuAdapter = FromGlobal<'GPUAdapter', { requestDevice(descriptor?: object): Promise<unknown> }>;

/** A `GPUPowerPreference`. */
export type GpuPowerPreference = 'low-power' | 'high-performance';
