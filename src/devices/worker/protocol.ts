// The messages between a worker CPU device on the calling thread and the worker that runs its kernels.
//
// The calling thread names each allocation by a handle (a number it picks), and the worker maps
// handles to addresses in its own wasm memory: malloc and free are commands in the queue like any
// kernel, so the worker owns its allocator outright, a freed block is reused only after every
// command issued before the free has run, and memory growth concerns the worker alone.
import type { DType } from '../../dtype.js';

/**
 * Command codes. A batch is one flat array of commands, each its code followed by its fields:
 * structured cloning costs per object, so a stream of numbers and strings crosses to the worker
 * about twice as fast as the same commands as nested arrays and objects (measured: 1.0-1.4 us
 * against 2.5 us per command on this 2-core machine).
 */
export const COMMAND = {
  /** MALLOC, handle, bytes */
  MALLOC: 0,
  /** FREE, handle */
  FREE: 1,
  /** WRITE, handle, offset, values */
  WRITE: 2,
  /**
   * WRITE_LATER, ticket, handle, offset, source: the values arrive later in a `Landed` message,
   * from the calling thread (source null) or straight from the worker device named `source`; later
   * commands that name the same memory wait.
   */
  WRITE_LATER: 3,
  /** KERNEL, name, argument count, then each argument as ARGUMENT tag and fields: a kernel of the Kernels table. */
  KERNEL: 4,
  /** READ, id, handle, offset, count, dtype: answered by a `ReadReply`. */
  READ: 5,
  /** READ_SHARED, reply, handle, offset, count, dtype: answered in `reply`, a SharedArrayBuffer laid out as SHARED_REPLY says. */
  READ_SHARED: 6,
  /** SEND, peer, ticket, handle, offset, count, dtype: the values, as a `Landed` with `ticket`, to the worker device `peer` (see `Peer`). */
  SEND: 7,
} as const;

/**
 * A READ_SHARED reply, for a calling thread blocked in Atomics.wait: Int32 word STATE goes from
 * PENDING to VALUES or ERROR (then notified), word LENGTH holds the UTF-8 length of an error
 * message, and the values or the message start at byte DATA.
 */
export const SHARED_REPLY = { STATE: 0, LENGTH: 1, DATA: 8, PENDING: 0, VALUES: 1, ERROR: 2 } as const;

/** Bytes a READ_SHARED reply needs for `count` values, with room for an error message. */
export function sharedReplyBytes(count: number): number {
  return SHARED_REPLY.DATA + Math.max(count * 4, 1024);
}

/** How a kernel argument is written after its tag. */
export const ARGUMENT = {
  /** VALUE, the value (a number, string, boolean, null, undefined or array of numbers). */
  VALUE: 0,
  /** VIEW, handle, offset, dtype, rank, then rank sizes and rank strides: a TensorView. */
  VIEW: 1,
  /** OBJECT, an object (or an array holding objects) whose views are ViewMessage (rnnForward's runs, geometry, streams). */
  OBJECT: 2,
} as const;

/** A TensorView inside an OBJECT argument: its storage by handle. */
export interface ViewMessage {
  readonly view: number;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly dtype: DType;
}

/** A batch: commands in issue order, flattened (see COMMAND). */
export type CommandStream = (number | string | boolean | object | null | undefined)[];

/** The values of a WRITE_LATER, or why they never came. */
export interface Landed {
  readonly landed: number;
  readonly values?: Float32Array | Int32Array;
  readonly error?: string;
}

/** A port to the worker of device `peer`, for SEND and the Landed messages that answer it. */
export interface Peer {
  readonly peer: string;
  readonly port: MessagePort;
}

/** The worker of device `peer` stopped: the copies from it that have not landed never will. */
export interface PeerStopped {
  readonly peerStopped: string;
  readonly error: string;
}

/** What the calling thread posts: a batch of commands in issue order, the values of a WRITE_LATER, a peer's port, or a peer's end. */
export type ToWorker = { readonly commands: CommandStream } | Landed | Peer | PeerStopped;

/** The worker's answer to READ `id`: the values, or the first error since the last read. */
export interface ReadReply {
  readonly id: number;
  readonly values?: Float32Array | Int32Array;
  readonly error?: string;
}

/** The worker's first message: its kernels are instantiated and these are their names. */
export interface Ready {
  readonly ready: readonly string[];
}

export type FromWorker = ReadReply | Ready;

/** What a worker receives once, at start. */
export interface WorkerStart {
  readonly module: WebAssembly.Module;
  /** The device's name, for its error messages. */
  readonly name: string;
}
