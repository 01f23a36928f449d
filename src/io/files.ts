/**
 * Reading and writing whole files on every runtime webtorch runs on: Deno's file API, Node's
 * fs/promises, and fetch for URLs and Response objects. The bundle for browsers is the same code,
 * so Node's builtins are imported at run time only, through a specifier bundlers leave alone.
 */

/** Where `loadFile` reads from: a path (Node, Deno), a URL (http(s):, file:, data:, blob:) or a fetched Response. */
export type FileSource = string | URL | Response;

interface DenoFiles {
  readFile(path: string | URL): Promise<Uint8Array>;
  writeFile(path: string | URL, data: Uint8Array): Promise<void>;
}

const deno = (globalThis as { Deno?: DenoFiles }).Deno;
const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
// A literal in import() would make bundlers resolve it, which fails for the browser bundle.
const NODE_FS = 'node:fs/promises';

function nodeFs(): Promise<typeof import('node:fs/promises')> {
  return import(/* @vite-ignore */ NODE_FS);
}

const FETCHED_SCHEME = /^(https?|data|blob):/i;

function isResponse(source: unknown): source is Response {
  return (
    typeof source === 'object' && source !== null && !(source instanceof URL) && typeof (source as Response).arrayBuffer === 'function'
  );
}

/** How an error message names a source. */
export function describeSource(source: FileSource): string {
  if (isResponse(source)) return source.url ? `the response from ${source.url}` : 'the response';
  return `'${String(source)}'`;
}

async function responseBytes(response: Response): Promise<Uint8Array> {
  if (!response.ok) throw new Error(`the request answered ${response.status} ${response.statusText}`.trimEnd());
  return new Uint8Array(await response.arrayBuffer());
}

async function read(source: FileSource): Promise<Uint8Array> {
  if (isResponse(source)) return responseBytes(source);
  const fetched = source instanceof URL ? source.protocol !== 'file:' : FETCHED_SCHEME.test(source);
  // Browsers have no file system: a path there is a URL relative to the page.
  if (fetched || (!deno && !isNode)) return responseBytes(await fetch(source));
  const path = typeof source === 'string' && /^file:/i.test(source) ? new URL(source) : source;
  return deno ? deno.readFile(path) : (await nodeFs()).readFile(path);
}

/** The bytes of a file, URL or Response; errors name the source. */
export async function readBytes(op: string, source: FileSource): Promise<Uint8Array> {
  if (typeof source !== 'string' && !(source instanceof URL) && !isResponse(source)) {
    throw new TypeError(`${op}: expected a path, a URL or a Response, got ${source === null ? 'null' : typeof source}`);
  }
  try {
    return await read(source);
  } catch (error) {
    throw new Error(`${op}: cannot read ${describeSource(source)}: ${(error as Error).message}`, { cause: error });
  }
}

/** Writes a whole file (Node and Deno; browsers have no file system to write to). */
export async function writeBytes(op: string, path: string | URL, bytes: Uint8Array): Promise<void> {
  if (typeof path !== 'string' && !(path instanceof URL))
    throw new TypeError(`${op}: expected a path or a file: URL, got ${path === null ? 'null' : typeof path}`);
  if (!deno && !isNode)
    throw new Error(
      `${op}: writing files needs Node or Deno; in a browser, call torch.save(stateDict) and offer the bytes as a Blob download`,
    );
  const target = typeof path === 'string' && /^file:/i.test(path) ? new URL(path) : path;
  try {
    await (deno ? deno.writeFile(target, bytes) : (await nodeFs()).writeFile(target, bytes));
  } catch (error) {
    throw new Error(`${op}: cannot write '${String(path)}': ${(error as Error).message}`, { cause: error });
  }
}
